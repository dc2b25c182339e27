package engine

import (
	"errors"
	"testing"
)

// TestUserNames: a user name is one word of printable characters; one with
// a control character in it (looking like another name in every list) or
// a space is refused, and no user is added.
func TestUserNames(t *testing.T) {
	v := open(t, release(t, "sales"), "dev")
	admin := v.admin()
	for _, name := range []string{"a\x01b", "ann\u200b", "al ice", "bob\x7f", ""} {
		if _, err := admin.AddUser(v.ctx, NewUser{Name: name}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := admin.AddUser(v.ctx, NewUser{Name: "ann@contoso.example"}); err != nil {
		t.Errorf("a plain name: %v", err)
	}
}
