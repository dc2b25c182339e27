package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestReadOnlyDatabaseUser: a PostgreSQL user with SELECT only on an
// environment's schema may run the commands that read (a report among
// them), and a write it may not do says why, not only the database's words.
func TestReadOnlyDatabaseUser(t *testing.T) {
	base := pgtest.URL(t)
	dir := t.TempDir()
	project := func(storeURL string) {
		src := "solution \"RO\" {\n  version = \"1.0.0.0\"\n  publisher \"ro\" {\n    prefix = \"ro\"\n  }\n}\n" +
			"environment \"dev\" {\n  store = \"" + storeURL + "\"\n}\n" +
			"flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    step \"s\" { column = \"subject\" }\n  }\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	project(base)
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy: %s", stderr)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	role := fmt.Sprintf("bpfc_ro_%d", os.Getpid())
	for _, stmt := range []string{"DROP ROLE IF EXISTS " + role, "CREATE ROLE " + role + " LOGIN", "GRANT USAGE ON SCHEMA bpfc_dev TO " + role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA bpfc_dev TO " + role} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		db.Exec("DROP OWNED BY " + role)
		db.Exec("DROP ROLE " + role)
	})
	u, _ := url.Parse(base)
	u.User = url.User(role)
	project(u.String())
	for _, args := range [][]string{{"record", "list", "lead"}, {"instance", "list"}, {"history"}, {"report"}} {
		if code, _, stderr := bpfc(t, append([]string{"-C", dir}, append(args, "--env", "dev")...)...); code != 0 {
			t.Errorf("%v as a read-only user: %d %s", args, code, stderr)
		}
	}
	code, _, stderr := bpfc(t, "-C", dir, "record", "create", "lead", "--env", "dev", "--set", "subject=x", "--set", "lastname=y")
	if code != 1 || !strings.Contains(stderr, "permission denied") || !strings.Contains(stderr, "lacks a privilege this command needs (nothing was written)") {
		t.Errorf("a write as a read-only user: %d %s", code, stderr)
	}
}
