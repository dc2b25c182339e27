package postgres

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestRefusedSignInHints: a store URL whose user is a role that may not
// sign in (NOLOGIN, 28000), or may not connect to the database (no
// CONNECT, 42501), says what to do about it; the first was told to check
// its password, the second nothing. A URL parameter the server takes as a
// setting the user may not set (also 42501) is not told to grant CONNECT.
func TestRefusedSignInHints(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	roles := pgtest.Roles(t, base, map[string]string{"nologin": "NOLOGIN", "noconnect": "LOGIN", "noset": "LOGIN"}, "noset")
	pgtest.RevokePublicConnect(t, base)
	noLogin, noConnect, noSet := roles["nologin"], roles["noconnect"], roles["noset"]
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
	// log_statement is a superuser's setting: the server refuses it at
	// sign-in with 42501, as it refuses a role without CONNECT.
	c := *u
	q := c.Query()
	q.Set("log_statement", "all")
	c.User, c.RawQuery = url.User(noSet), q.Encode()
	_, err = Open(context.Background(), c.String(), Options{Name: "dev"})
	if want := "; the store URL names a server setting its user may not set: remove that parameter from the URL, or use a user that may set it"; err == nil ||
		!strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"log_statement"`) || strings.Contains(err.Error(), "grant it CONNECT") {
		t.Errorf("a setting the user may not set: %v", err)
	}
}
