package storetest

import (
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
	"github.com/bpfc/bpfc/runtime/store"
)

// CheckOwnNamesReserved checks that a project cannot name a table as one of
// the store's own tables and indexes (objects lists them all, as the
// backend's catalog has them): a project's table is named prefix_name, so
// each of the store's objects with a "_" in its name must be one the
// compiler refuses (compiler.StoreObjects), or start with "_" (the indexes
// made on a project's tables), or be an instance table's report index
// (compiler.ReportIndexPrefix) or the primary key index PostgreSQL names
// after a standard or project table (compiler.PrimaryKeySuffix), which the
// compiler checks against the project's tables.
func CheckOwnNamesReserved(t *testing.T, s store.Store, objects func(t *testing.T) []string) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(store.Table{Name: "pp_dealprocess", PrimaryKey: "businessprocessflowinstanceid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "statecode", Type: "integer"},
			{Name: "statuscode", Type: "integer"},
			{Name: "bpf_duration", Type: "integer"},
		}}))
		rt, ok := tx.(store.ReportTx)
		if !ok {
			t.Fatal("the store makes no report indexes")
		}
		return rt.CreateReportIndex("pp_dealprocess")
	})
	names := objects(t)
	if len(names) < 20 {
		t.Fatalf("the store has %d tables and indexes: %q", len(names), names)
	}
	for _, name := range names {
		switch {
		case !strings.Contains(name, "_"), strings.HasPrefix(name, "_"), name == "pp_dealprocess":
		case strings.HasPrefix(name, compiler.ReportIndexPrefix):
			if rest := strings.TrimPrefix(name, compiler.ReportIndexPrefix); !slices.Contains(names, rest) {
				t.Errorf("%s starts with %s but is no instance table's report index", name, compiler.ReportIndexPrefix)
			}
		case strings.HasPrefix(name, "sqlite_"), strings.HasPrefix(name, "pg_"):
			// The compiler refuses every table named so.
		case isStandardOrProject(strings.TrimSuffix(name, compiler.PrimaryKeySuffix)):
			// PostgreSQL's primary key index of a table the compiler knows.
		case !slices.Contains(compiler.StoreObjects, name):
			t.Errorf("the store's own %s has a _ in its name, and compiler.StoreObjects lacks it: a project's table could take it", name)
		}
	}
	if !slices.Contains(names, compiler.ReportIndexPrefix+"pp_dealprocess") {
		t.Errorf("no report index %s%s among %q", compiler.ReportIndexPrefix, "pp_dealprocess", names)
	}
}

// isStandardOrProject says whether the compiler knows a table named name:
// a standard table, or the one the check made as a project would.
func isStandardOrProject(name string) bool {
	_, std := catalog.Lookup(name)
	return std || name == "pp_dealprocess"
}

// CatalogNames lists the names query (no arguments) finds in db's catalog.
func CatalogNames(db *sql.DB, query string) func(t *testing.T) []string {
	return func(t *testing.T) []string {
		t.Helper()
		return catalogNames(t, db, query)
	}
}

// catalogNames is the one column of names query (with args) finds.
func catalogNames(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
