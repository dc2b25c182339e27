package postgres

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMigrationsMirrorSQLite: every SQLite migration has a PostgreSQL one
// with the same file name, creating the same tables with the same columns
// in the same order, and the same indexes. sqlstore's SQL runs on both, so
// a migration added for SQLite must be mirrored here.
func TestMigrationsMirrorSQLite(t *testing.T) {
	lite, err := fs.Glob(os.DirFS("../sqlite/migrations"), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(lite, pg); d != "" {
		t.Fatalf("migration files differ from runtime/store/sqlite/migrations (-sqlite +postgres):\n%s", d)
	}
	for _, name := range lite {
		want, err := os.ReadFile("../sqlite/migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fs.ReadFile(Migrations(), name)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(shape(string(want)), shape(string(got))); d != "" {
			t.Errorf("%s: tables, columns and indexes differ (-sqlite +postgres):\n%s", name, d)
		}
	}
}

var (
	createTable = regexp.MustCompile(`(?m)^CREATE TABLE (?:IF NOT EXISTS )?(\w+) \(\n((?:.*\n)*?)\);`)
	createIndex = regexp.MustCompile(`(?m)^CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+) ON (\w+) \(([^)]*)\)`)
	columnLine  = regexp.MustCompile(`^\s+(\w+) `)
	otherDDL    = regexp.MustCompile(`(?m)^(ALTER|DROP|CREATE) (\w+)`)
)

// shape lists a migration's tables with their columns, its indexes with
// their columns, and its other DDL statements' verbs.
func shape(sql string) []string {
	var out []string
	for _, m := range createTable.FindAllStringSubmatch(sql, -1) {
		var cols []string
		for _, line := range strings.Split(m[2], "\n") {
			if c := columnLine.FindStringSubmatch(line); c != nil && !slices.Contains([]string{"PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}, c[1]) {
				cols = append(cols, c[1])
			}
		}
		out = append(out, "table "+m[1]+" ("+strings.Join(cols, ", ")+")")
	}
	for _, m := range createIndex.FindAllStringSubmatch(sql, -1) {
		out = append(out, "index "+m[1]+" on "+m[2]+" ("+m[3]+")")
	}
	for _, m := range otherDDL.FindAllStringSubmatch(sql, -1) {
		if m[1] != "CREATE" || (m[2] != "TABLE" && m[2] != "INDEX" && m[2] != "UNIQUE") {
			out = append(out, m[1]+" "+m[2])
		}
	}
	return out
}
