package main

import (
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestRemoteDeployStoreRefused: a deploy through a server (bpfc serve)
// whose PostgreSQL store refuses its connection — its role no longer may
// sign in (28000), then its database is gone (3D000) — fails, exit 1,
// result "failed" under --output json, saying that trying again will not
// help; it was "busy" ("run it again"), and a CI job retried it for ever.
// Neither the role nor the database is in the client's answer: the
// server's log has them.
func TestRemoteDeployStoreRefused(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	role := dbName + "_server"
	admin, err := sql.Open("pgx", os.Getenv(pgtest.Env))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for _, stmt := range []string{"CREATE ROLE " + role + " LOGIN", "GRANT ALL ON DATABASE " + dbName + " TO " + role} {
		if _, err := admin.Exec(stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	t.Cleanup(func() { // after the server stopped: the database, then its role
		db, err := sql.Open("pgx", os.Getenv(pgtest.Env))
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		db.Exec("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)")
		if _, err := db.Exec("DROP ROLE IF EXISTS " + role); err != nil {
			t.Error(err)
		}
	})
	u.User = url.User(role)
	served := serveProject(t, "dev", func(s string) string {
		return strings.Replace(s, "environment \"dev\" {\n", "environment \"dev\" {\n  store = \""+u.String()+"\"\n", 1)
	})
	client := copyExample(t, "sales")
	addSharedEnv(t, client, served.base, "")
	t.Setenv("BPFC_TOKEN_SHARED", served.token)

	for _, refuse := range []struct{ what, stmt string }{
		{"its role may not sign in", "ALTER ROLE " + role + " NOLOGIN"},
		{"its database is gone", "DROP DATABASE " + dbName + " WITH (FORCE)"},
	} {
		if _, err := admin.Exec(refuse.stmt); err != nil {
			t.Fatal(refuse.stmt, err)
		}
		if refuse.what == "its database is gone" {
			admin.Exec("ALTER ROLE " + role + " LOGIN") // the database alone refuses
		}
		code, stdout, stderr := bpfc(t, "-C", client, "deploy", "--env", "shared", "--output", "json")
		r := jsonResult(t, stdout)
		if code != 1 || r.Result != deploy.Failed || r.Environment != "shared" || r.Solution != "ContosoSales" ||
			!strings.Contains(r.Message, "StoreRefused") || !strings.Contains(r.Message, "trying again will not help") ||
			strings.Contains(r.Message, role) || strings.Contains(r.Message, dbName) {
			t.Errorf("%s: remote deploy, json: %d %s %s", refuse.what, code, stdout, stderr)
		}
		code, _, stderr = bpfc(t, "-C", client, "deploy", "--env", "shared")
		if code != 1 || !strings.Contains(stderr, "refused this server's connection") || !strings.Contains(stderr, "tell whoever runs the server") ||
			strings.Contains(stderr, "run it again") || strings.Contains(stderr, "did not start") || strings.Contains(stderr, role) {
			t.Errorf("%s: remote deploy, text: %d %s", refuse.what, code, stderr)
		}
	}
	if logged := served.stop(); !strings.Contains(logged, "is not permitted to log in") || !strings.Contains(logged, "SQLSTATE 3D000") {
		t.Errorf("the server's log does not say why its store refused:\n%s", logged)
	}
}
