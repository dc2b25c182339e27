package postgres

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestRefusedSignInHints: a store URL whose user is a role that may not
// sign in (NOLOGIN, 28000), or may not connect to the database (no
// CONNECT, 42501), says what to do about it; the first was told to check
// its password, the second nothing.
func TestRefusedSignInHints(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	noLogin, noConnect := dbName+"_nologin", dbName+"_noconnect"
	for _, stmt := range []string{"CREATE ROLE " + noLogin + " NOLOGIN", "CREATE ROLE " + noConnect + " LOGIN",
		"REVOKE CONNECT ON DATABASE " + dbName + " FROM PUBLIC"} {
		if _, err := admin.Exec(stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec("DROP ROLE " + noLogin)
			db.Exec("DROP ROLE " + noConnect)
			db.Close()
		}
	})
	for role, want := range map[string]string{
		noLogin:   "; the store URL's user is a role that may not sign in: give it LOGIN (ALTER ROLE … LOGIN), or use another user",
		noConnect: "; the store URL's user may not connect to that database: grant it CONNECT (GRANT CONNECT ON DATABASE … TO …), or use another user",
	} {
		c := *u
		c.User = url.User(role)
		if _, err := Open(context.Background(), c.String(), Options{Name: "dev"}); err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), role) {
			t.Errorf("%s: %v", role, err)
		}
	}
}
