package workflow

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/secret"
)

// UnopenedSecrets names a secret sealed with another key (and for a
// keyring with no key at all), and none for the key that sealed it.
func TestUnopenedSecrets(t *testing.T) {
	dir, _, p, s := secretHookEnv(t)
	defer s.Close()
	ctx := context.Background()
	if got, err := UnopenedSecrets(ctx, s, secret.NewKeyring(dir, testenv.NoEnv)); err != nil || len(got) != 0 {
		t.Fatalf("nothing deployed: %v %v", got, err)
	}
	deployer := secret.NewKeyring(filepath.Join(dir, "ci"), testenv.NoEnv)
	o := testenv.Options(nil)
	o.Keyring = deployer
	o.Getenv = func(k string) string {
		if k == "BPFC_VAR_HOOK" {
			return "https://hooks.example.com/x"
		}
		return ""
	}
	if _, err := deploy.Import(ctx, deploy.Target{Env: p.Environment("dev"), Store: s}, testenv.FakeBuild(t, p), o); err != nil {
		t.Fatal(err)
	}
	other := secret.NewKeyring(dir, func(k string) string {
		if k == secret.EnvKey {
			return "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
		}
		return ""
	})
	for name, c := range map[string]struct {
		kr   *secret.Keyring
		want string
	}{
		"another key": {other, "wrong key"},
		"no key":      {secret.NewKeyring(filepath.Join(dir, "server"), testenv.NoEnv), "reading the secret key"},
	} {
		got, err := UnopenedSecrets(ctx, s, c.kr)
		if err != nil || len(got) != 1 || got[0].Name != "hook" || got[0].SchemaName == "" || !strings.Contains(got[0].Reason, c.want) {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	if got, err := UnopenedSecrets(ctx, s, deployer); err != nil || len(got) != 0 {
		t.Errorf("the key that sealed it: %+v %v", got, err)
	}
}
