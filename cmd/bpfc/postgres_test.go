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

// TestSchemaOfAnotherApplication: the commands that open a deployed
// environment say that its schema belongs to another application, as
// deploy does, rather than "nothing deployed yet: run bpfc deploy", which
// the deploy then refuses; nothing is written to that schema.
func TestSchemaOfAnotherApplication(t *testing.T) {
	base := pgtest.URL(t)
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{`CREATE SCHEMA bpfc_dev`, `CREATE TABLE bpfc_dev.payslip (id INT)`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	src := "solution \"SO\" {\n  version = \"1.0.0.0\"\n  publisher \"so\" {\n    prefix = \"so\"\n  }\n}\n" +
		"environment \"dev\" {\n  store = \"" + base + "\"\n}\n" +
		"flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    step \"s\" { column = \"subject\" }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "schema bpfc_dev holds tables bpfc did not create (payslip): it belongs to another application"
	for _, args := range [][]string{{"deploy"}, {"user", "add", "bob"}, {"record", "list", "lead"}, {"serve", "--addr", "127.0.0.1:0"}} {
		code, _, stderr := bpfc(t, append([]string{"-C", dir}, append(args, "--env", "dev")...)...)
		if code != 1 || !strings.Contains(stderr, want) || strings.Contains(stderr, "nothing deployed") {
			t.Errorf("%v on another application's schema: exit %d, %s", args, code, stderr)
		}
	}
	var tables int
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'bpfc_dev'`).Scan(&tables); err != nil || tables != 1 {
		t.Errorf("the other application's schema has %d tables, %v; want its 1", tables, err)
	}
}
