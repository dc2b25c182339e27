package diff

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestStorePasswordsHidden: a store's password (in the URL's user, its
// query or a key=value string) never shows in a diff, which is posted to
// pull requests; a change of password alone still shows as a change.
func TestStorePasswordsHidden(t *testing.T) {
	env := func(store string) *compiler.Project {
		return &compiler.Project{Environments: []*compiler.Environment{{Name: "pg", Store: store}}}
	}
	for _, c := range []struct{ old, new, want string }{
		{"postgres://bob@db/x?password=S3cretQ&sslmode=disable", "postgres://bob@db/x?password=N3wSecretZ&sslmode=disable",
			"postgres://bob@db/x?password=***&sslmode=disable (another password)"},
		{"postgres://bob:S3cretQ@db/x", "postgres://bob:N3wSecretZ@db/y", "postgres://bob:***@db/y"},
	} {
		changes := Environments(env(c.old), env(c.new))
		if len(changes) != 1 || changes[0].New != c.want {
			t.Errorf("%s → %s: %+v, want new %q", c.old, c.new, changes, c.want)
		}
		for _, ch := range changes {
			if s := ch.Old + ch.New; strings.Contains(s, "S3cret") || strings.Contains(s, "N3wSecret") {
				t.Errorf("a password shows: %+v", ch)
			}
		}
	}
	if got := compiler.RedactStore("host=db user=bob password=S3cretKV dbname=x"); strings.Contains(got, "S3cret") {
		t.Errorf("key=value: %s", got)
	}
}
