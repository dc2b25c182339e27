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
