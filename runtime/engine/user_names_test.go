package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store/sqlstore"
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

// TestUserNamesRegardlessOfCase: a name that strings.EqualFold takes for
// a user's is refused, whatever the letters (the store finds it by its
// folded name's index): ALICE for alice, the Kelvin sign's Kim for kim,
// ΣΊΣΥΦΟΣ for σίσυφος; names EqualFold tells apart are two users (straße
// and STRASSE, İrem and irem). A user written without the folded name (by
// another program) is still found. On the store the tests were asked for
// (sharedEnv).
func TestUserNamesRegardlessOfCase(t *testing.T) {
	e, bs := sharedEnv(t)
	admin := e.As("admin")
	ctx := context.Background()
	for _, name := range []string{"alice", "kim", "σίσυφος", "straße", "irem"} {
		if _, err := admin.AddUser(ctx, NewUser{Name: name}); err != nil {
			t.Fatalf("%q: %v", name, err)
		}
	}
	for _, name := range []string{"ALICE", "Alice", "\u212Aim", "ΣΊΣΥΦΟΣ", "σίσυφοσ", "ADMIN"} {
		if _, err := admin.AddUser(ctx, NewUser{Name: name}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "regardless of case") {
			t.Errorf("%q beside alice, kim, σίσυφος and admin: %v", name, err)
		}
	}
	for _, name := range []string{"STRASSE", "İrem", "ırem"} {
		if _, err := admin.AddUser(ctx, NewUser{Name: name}); err != nil {
			t.Errorf("%q, which EqualFold tells from straße and irem: %v", name, err)
		}
	}
	db, ok := bs.Store.(*sqlstore.DB)
	if !ok {
		t.Fatalf("store %T", bs.Store)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO systemuser (systemuserid, domainname, fullname, versionnumber)
VALUES ('0b7e0000-0000-4000-8000-000000000001', 'Bob', 'Bob', 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddUser(ctx, NewUser{Name: "bob"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bob beside a Bob without a folded name: %v", err)
	}
}
