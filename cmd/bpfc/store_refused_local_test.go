package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestLocalStoreRefused: deploy and release on a PostgreSQL store that
// refuses the store URL (a role that does not exist, one without CONNECT
// on the database, a database that does not exist) fail, exit 1, result
// "failed" under --output json, never "busy": the message names what
// PostgreSQL refused (the role, the database) and what to do, and never
// the URL's password (nor, for no CONNECT, the advice about a table
// privilege a command lacks).
func TestLocalStoreRefused(t *testing.T) {
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	noConnect := pgtest.Roles(t, base, map[string]string{"noconnect": "LOGIN"})["noconnect"]
	pgtest.RevokePublicConnect(t, base)
	cases := map[string]struct{ user, db, said string }{
		"no such role":     {dbName + "_no_such_role", dbName, "check the store URL's user, and its password in PGPASSWORD or ~/.pgpass"},
		"no CONNECT":       {noConnect, dbName, "the store URL's user may not connect to that database: grant it CONNECT"},
		"no such database": {"postgres", dbName + "_no_such_db", "create the database first"},
	}
	for what, c := range cases {
		s := *u
		s.User, s.Path = url.UserPassword(c.user, "hunter2"), "/"+c.db
		dir := t.TempDir()
		src := "solution \"RF\" {\n  version = \"1.0.0.0\"\n  publisher \"rf\" {\n    prefix = \"rf\"\n  }\n}\n" +
			"environment \"dev\" {\n  store = \"" + s.String() + "\"\n}\n" +
			"flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    step \"s\" { column = \"subject\" }\n  }\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range [][]string{{"deploy", "--env", "dev"}, {"release"}} {
			code, stdout, stderr := bpfc(t, append([]string{"-C", dir}, append(cmd, "--output", "json")...)...)
			var doc struct{ Result, Message string }
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 1 || doc.Result != "failed" ||
				!strings.Contains(stdout, c.said) || !strings.Contains(stdout, c.user) || !strings.Contains(stdout, c.db) ||
				strings.Contains(stdout+stderr, "hunter2") {
				t.Errorf("%s: %s --output json: %d %v\n%s\n%s", what, cmd[0], code, err, stdout, stderr)
			}
		}
		// A connection refused is no table privilege a command lacks: no
		// advice about SELECT, INSERT and CREATE (record list gave it).
		for _, cmd := range [][]string{{"deploy", "--env", "dev"}, {"record", "list", "lead", "--env", "dev"}} {
			code, _, stderr := bpfc(t, append([]string{"-C", dir}, cmd...)...)
			if code != 1 || !strings.Contains(stderr, c.said) || !strings.Contains(stderr, c.user) || strings.Contains(stderr, "hunter2") ||
				strings.Contains(stderr, "lacks a privilege this command needs") {
				t.Errorf("%s: %s: %d %s", what, cmd[0], code, stderr)
			}
		}
	}
}
