package postgres

import (
	"database/sql"
	"testing"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

// pgIndexes lists a table's indexes in db's schema.
func pgIndexes(db *sql.DB) storetest.Indexes {
	return storetest.CatalogIndexes(db, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname`)
}

// TestLookupIndexes: lookups are indexed in a new environment, and in one
// made before migration 0010 once it migrates.
func TestLookupIndexes(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url, Options{Name: "test"})
	storetest.CheckLookupIndexes(t, s, pgIndexes(s.SQL()))
	storetest.CheckLookupsMigrated(t, oldStore(t, url, 9), func() *sqlstore.DB { return open(t, url, Options{Name: "old"}) }, pgIndexes)
}

// TestCreatedIndexes: tables are indexed by createdon in a new
// environment, and in one made before migration 0012 once it migrates.
func TestCreatedIndexes(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url, Options{Name: "test"})
	storetest.CheckCreatedIndexes(t, s, pgIndexes(s.SQL()))
	storetest.CheckIndexNamesFree(t, s, pgIndexes(s.SQL()))
	storetest.CheckCreatedMigrated(t, oldStore(t, url, 11), func() *sqlstore.DB { return open(t, url, Options{Name: "old"}) }, pgIndexes)
}

// TestUserNameFold: systemuser's folded names, new and migrated from 0012.
func TestUserNameFold(t *testing.T) {
	url := pgtest.URL(t)
	storetest.CheckFoldMigrated(t, oldStore(t, url, 12), func() *sqlstore.DB { return open(t, url, Options{Name: "old"}) }, pgIndexes)
}

// TestOwnNamesReserved: no project's table can take the name of one of
// the store's own tables and indexes.
func TestOwnNamesReserved(t *testing.T) {
	s := open(t, pgtest.URL(t), Options{Name: "test"})
	storetest.CheckOwnNamesReserved(t, s, storetest.CatalogNames(s.SQL(), `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 'p', 'v', 'S') ORDER BY c.relname`))
}
