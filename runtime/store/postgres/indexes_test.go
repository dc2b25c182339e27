package postgres

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

// pgIndexes lists a table's indexes in db's schema.
func pgIndexes(db *sql.DB) storetest.Indexes {
	return func(t *testing.T, table string) []string {
		rows, err := db.Query(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname`, table)
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
		return out
	}
}

// TestLookupIndexes: lookups are indexed in a new environment, and in one
// made before migration 0010 once it migrates.
func TestLookupIndexes(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url, Options{Name: "test"})
	storetest.CheckLookupIndexes(t, s, pgIndexes(s.SQL()))

	ctx := context.Background()
	schema := SchemaFor("old")
	db, err := openDB(url, schema, DefaultBusyTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepare(ctx, db, schema); err != nil {
		t.Fatal(err)
	}
	old, err := sqlstore.Open(ctx, db, &before{dialect: &dialect{busy: time.Second}, version: 9}, sqlstore.Options{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range pgIndexes(old.SQL())(t, "lead") {
		if strings.HasPrefix(n, "lk_") { // as a bpfc before 0010 made it
			if _, err := old.SQL().Exec(`DROP INDEX ` + n); err != nil {
				t.Fatal(err)
			}
		}
	}
	old.Close()
	migrated := open(t, url, Options{Name: "old"})
	if lead := pgIndexes(migrated.SQL())(t, "lead"); !slices.Contains(lead, "lk_lead_parentaccountid") {
		t.Errorf("lead's indexes after migrating from 0009: %q", lead)
	}
}
