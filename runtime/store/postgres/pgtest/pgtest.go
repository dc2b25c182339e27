// Package pgtest gives tests a PostgreSQL database of their own on the
// server named by BPFC_TEST_POSTGRES (a connection URL of a login that may
// create databases). Without it the tests that ask are skipped, never
// failed. .ci/run starts a throwaway server and sets it.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Env is the variable that names the test server.
const Env = "BPFC_TEST_POSTGRES"

// Available reports whether a test server is configured.
func Available() bool { return os.Getenv(Env) != "" }

// Skip skips t when no test server is configured.
func Skip(t testing.TB) {
	t.Helper()
	if !Available() {
		t.Skip(Env + " not set: no PostgreSQL server to test against (set it to a URL of a login that may create databases, e.g. postgres://postgres@127.0.0.1:5432/postgres; .ci/run starts one)")
	}
}

// URL creates a new, empty database on the test server and returns its URL;
// the database is dropped when the test ends. Without a test server the
// test is skipped.
func URL(t testing.TB) string {
	t.Helper()
	Skip(t)
	base := os.Getenv(Env)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", Env)
	}
	admin, err := open(base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "bpfc_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("creating a test database on %s: %v", Env, err)
	}
	t.Cleanup(func() {
		db, err := open(base)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

func open(u string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*cfg), nil
}

// Roles makes roles for a test on the server of dbURL (a URL of URL: the
// test's own database), each named the database's name, '_' and its key
// and created with its value's options (LOGIN, NOLOGIN, CONNECTION LIMIT
// 0); the roles of connect (keys) are granted CONNECT on the database
// (which matters once PUBLIC's is revoked: RevokePublicConnect). It
// returns the roles' names by key; when the test ends their grants are
// revoked and they are dropped, and a statement that fails fails the test:
// a role left behind outlives the server's test databases.
func Roles(t testing.TB, dbURL string, roles map[string]string, connect ...string) map[string]string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	admin, err := open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	names := map[string]string{}
	var steps [][2]string // a statement and what undoes it
	for key, options := range roles {
		names[key] = db + "_" + key
		steps = append(steps, [2]string{"CREATE ROLE " + names[key] + " " + options, "DROP ROLE " + names[key]})
	}
	for _, key := range connect {
		steps = append(steps, [2]string{"GRANT CONNECT ON DATABASE " + db + " TO " + names[key], "REVOKE CONNECT ON DATABASE " + db + " FROM " + names[key]})
	}
	var undo []string // what was done, undone last first
	t.Cleanup(func() {
		admin, err := open(dbURL)
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		for _, stmt := range slices.Backward(undo) {
			if _, err := admin.Exec(stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	})
	for _, step := range steps {
		if _, err := admin.Exec(step[0]); err != nil {
			t.Fatalf("%s: %v", step[0], err)
		}
		undo = append(undo, step[1])
	}
	return names
}

// RevokePublicConnect lets only roles granted it connect to the test's
// database of dbURL (and superusers, as the test server's login); the
// database goes with the test.
func RevokePublicConnect(t testing.TB, dbURL string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("REVOKE CONNECT ON DATABASE " + strings.TrimPrefix(u.Path, "/") + " FROM PUBLIC"); err != nil {
		t.Fatal(err)
	}
}
