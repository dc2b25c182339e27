package storetest

import (
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// Indexes lists the names of a table's indexes, as a backend's catalog
// has them.
type Indexes func(t *testing.T, table string) []string

// CheckLookupIndexes checks that s indexes lookups, as Dataverse does and
// as the engine's lookups of rows by them need (a full scan of a table of
// 100,000 rows per move otherwise): a standard table's own lookups, but
// not the ones every write changes; a custom table's, as created and as
// added; a dropped lookup column takes its index with it; a name past
// PostgreSQL's 63 bytes is shortened, not cut.
func CheckLookupIndexes(t *testing.T, s store.Store, indexes Indexes) {
	t.Helper()
	lead := indexes(t, "lead")
	for _, want := range []string{"_lk4_lead_parentaccountid", "_lk4_lead_customerid", "_lk4_lead_ownerid"} {
		if !slices.Contains(lead, want) {
			t.Errorf("lead's indexes %q lack %s", lead, want)
		}
	}
	for _, not := range []string{"_lk4_lead_createdby", "_lk4_lead_modifiedby"} {
		if slices.Contains(lead, not) {
			t.Errorf("lead's indexes %q have %s: every write changes it", lead, not)
		}
	}
	long := "pp_" + strings.Repeat("x", 50)
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(store.Table{Name: "pp_thing", PrimaryKey: "pp_thingid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "pp_name", Type: "string"},
			{Name: "pp_leadid", Type: "lookup", Targets: []string{"lead"}},
		}}))
		must(t, tx.AddColumn("pp_thing", store.Column{Name: "pp_otherid", Type: "lookup", Targets: []string{"lead"}}))
		must(t, tx.CreateTable(store.Table{Name: long, PrimaryKey: long + "id", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "pp_customer_of_this_long_table", Type: "customer", Targets: []string{"account", "contact"}},
		}}))
		return nil
	})
	thing := indexes(t, "pp_thing")
	if !slices.Contains(thing, "_lk8_pp_thing_pp_leadid") || !slices.Contains(thing, "_lk8_pp_thing_pp_otherid") || len(thing) > 3 {
		t.Errorf("pp_thing's indexes %q, want its two lookups' (and its key's)", thing)
	}
	found := false
	for _, n := range indexes(t, long) {
		if strings.HasPrefix(n, "_lk53_"+long[:20]) {
			found = true
			if len(n) > 63 {
				t.Errorf("index %s is longer than PostgreSQL's 63 bytes", n)
			}
		}
	}
	if !found {
		t.Errorf("%s's customer column has no index: %q", long, indexes(t, long))
	}
	write(t, s, func(tx store.Tx) error { return tx.DropColumn("pp_thing", "pp_otherid") })
	if thing := indexes(t, "pp_thing"); slices.Contains(thing, "_lk8_pp_thing_pp_otherid") {
		t.Errorf("a dropped lookup's index stayed: %q", thing)
	}
}

// CatalogIndexes lists a table's indexes by query, a backend's catalog
// query that takes the table's name as its one parameter.
func CatalogIndexes(db *sql.DB, query string) Indexes {
	return func(t *testing.T, table string) []string {
		t.Helper()
		return catalogNames(t, db, query, table)
	}
}

// CheckLookupsMigrated checks that migration 0010 indexes the lookups of an
// environment made before it: old, opened at migration 0009 (as a bpfc of
// then made it, without lookup indexes, which this drops), is closed and
// opened again by reopen with every migration.
func CheckLookupsMigrated(t *testing.T, old *sqlstore.DB, reopen func() *sqlstore.DB, indexes func(*sql.DB) Indexes) {
	t.Helper()
	for _, n := range indexes(old.SQL())(t, "lead") {
		if strings.HasPrefix(n, "_lk") {
			if _, err := old.SQL().Exec(`DROP INDEX ` + n); err != nil {
				t.Fatal(err)
			}
		}
	}
	old.Close()
	s := reopen()
	if lead := indexes(s.SQL())(t, "lead"); !slices.Contains(lead, "_lk4_lead_parentaccountid") {
		t.Errorf("lead's indexes after migrating from 0009: %q", lead)
	}
}

// CheckCreatedIndexes checks that s indexes the createdon of a table that
// has one (_cr_table), standard or custom, so that its newest rows are read
// first without sorting the table, and no other table; a name past
// PostgreSQL's 63 bytes is shortened, not cut.
func CheckCreatedIndexes(t *testing.T, s store.Store, indexes Indexes) {
	t.Helper()
	if lead := indexes(t, "lead"); !slices.Contains(lead, "_cr_lead") {
		t.Errorf("lead's indexes %q lack _cr_lead", lead)
	}
	long := "pp_" + strings.Repeat("y", 70)
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(store.Table{Name: "pp_plain", PrimaryKey: "pp_plainid", Kind: store.TableCustom}))
		return tx.CreateTable(store.Table{Name: long, PrimaryKey: "pp_longid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "createdon", Type: "datetime", System: true},
		}})
	})
	for _, n := range indexes(t, "pp_plain") {
		if strings.HasPrefix(n, "_cr_") {
			t.Errorf("pp_plain has no createdon but an index %s", n)
		}
	}
	found := false
	for _, n := range indexes(t, long) {
		if strings.HasPrefix(n, "_cr_"+long[:20]) {
			found = true
			if len(n) > 63 {
				t.Errorf("index %s is longer than PostgreSQL's 63 bytes", n)
			}
		}
	}
	if !found {
		t.Errorf("%s's createdon has no index: %q", long, indexes(t, long))
	}
}

// CheckCreatedMigrated checks that migration 0012 indexes the createdon of
// an environment made before it: old, opened at migration 0011 (as a bpfc
// of then made it, without those indexes, which this drops), is closed and
// opened again by reopen with every migration.
func CheckCreatedMigrated(t *testing.T, old *sqlstore.DB, reopen func() *sqlstore.DB, indexes func(*sql.DB) Indexes) {
	t.Helper()
	for _, n := range indexes(old.SQL())(t, "lead") {
		if strings.HasPrefix(n, "_cr_") {
			if _, err := old.SQL().Exec(`DROP INDEX ` + n); err != nil {
				t.Fatal(err)
			}
		}
	}
	if lead := indexes(old.SQL())(t, "lead"); slices.Contains(lead, "_cr_lead") {
		t.Fatalf("_cr_lead not dropped: %q", lead)
	}
	// A table named as lead's index would have been (cr_lead, the
	// publisher prefix cr's), which migrating must not take for an index.
	write(t, old, func(tx store.Tx) error {
		return tx.CreateTable(store.Table{Name: "cr_lead", PrimaryKey: "cr_leadid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "createdon", Type: "datetime", System: true},
		}})
	})
	old.Close()
	s := reopen()
	if lead := indexes(s.SQL())(t, "lead"); !slices.Contains(lead, "_cr_lead") {
		t.Errorf("lead's indexes after migrating from 0011: %q", lead)
	}
}

// CheckFoldMigrated checks that systemuser keeps each name folded
// (store.FoldName), indexed, in a new environment and in one made before
// migration 0013 once it migrates: old, opened at migration 0012, has
// users and loses the column and its index (as a bpfc of then made it);
// reopened by reopen with every migration, its users' names are folded
// and found regardless of case.
func CheckFoldMigrated(t *testing.T, old *sqlstore.DB, reopen func() *sqlstore.DB, indexes func(*sql.DB) Indexes) {
	t.Helper()
	if users := indexes(old.SQL())(t, "systemuser"); !slices.Contains(users, "systemuser_fold") {
		t.Errorf("systemuser's indexes %q lack systemuser_fold", users)
	}
	write(t, old, func(tx store.Tx) error {
		must(t, tx.PutUser(store.User{ID: "0b7e0000-0000-4000-8000-000000000001", Name: "Alice"}))
		return tx.PutUser(store.User{ID: "0b7e0000-0000-4000-8000-000000000002", Name: "\u212Aim"})
	})
	for _, q := range []string{`DROP INDEX systemuser_fold`, `ALTER TABLE systemuser DROP COLUMN domainname_fold`} {
		if _, err := old.SQL().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	s := reopen()
	if users := indexes(s.SQL())(t, "systemuser"); !slices.Contains(users, "systemuser_fold") {
		t.Errorf("systemuser's indexes after migrating from 0012: %q", users)
	}
	var unfolded int
	if err := s.SQL().QueryRow(`SELECT COUNT(*) FROM systemuser WHERE domainname_fold IS NULL`).Scan(&unfolded); err != nil {
		t.Fatal(err)
	}
	if unfolded != 0 {
		t.Errorf("%d users without a folded name after migrating from 0012", unfolded)
	}
	read(t, s, func(tx store.Tx) error {
		for name, want := range map[string]string{"ALICE": "Alice", "kim": "\u212Aim", "Admin": store.AdminUser} {
			got, err := tx.UsersFolded(name)
			must(t, err)
			if len(got) != 1 || got[0].Name != want {
				t.Errorf("UsersFolded(%q) = %+v, want %s", name, got, want)
			}
		}
		return nil
	})
}

// CheckIndexNamesFree checks that the indexes the store names after a
// table leave every name a project's table may take free: a table is
// prefix_name (a prefix of two to eight letters and digits, "cr" and "lk"
// among them), and the databases keep tables and indexes under one
// namespace, so a table named as another table's index could not be
// created (there is already an index named cr_lead), nor an environment
// that has one migrated (CheckCreatedMigrated). Each such table gets
// indexes of its own.
func CheckIndexNamesFree(t *testing.T, s store.Store, indexes Indexes) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		for _, name := range []string{"cr_lead", "lk_lead_parentaccountid"} {
			if err := tx.CreateTable(store.Table{Name: name, PrimaryKey: name + "id", Kind: store.TableCustom, Columns: []store.Column{
				{Name: "createdon", Type: "datetime", System: true},
				{Name: "ownerid", Type: "lookup", Targets: []string{"systemuser"}},
			}}); err != nil {
				t.Errorf("creating table %s: %v", name, err)
			}
		}
		return nil
	})
	for _, name := range []string{"cr_lead", "lk_lead_parentaccountid"} {
		if n := len(indexes(t, name)); n < 3 {
			t.Errorf("%s's indexes %q, want its key's, createdon's and ownerid's", name, indexes(t, name))
		}
	}
	// Two lookups whose table and column names join to one text (pp_a
	// and pp_b_pp_c, pp_a_pp_b and pp_c) have an index each, and dropping
	// one's column leaves the other's.
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(store.Table{Name: "pp_a_pp_b", PrimaryKey: "pp_a_pp_bid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "pp_c", Type: "lookup", Targets: []string{"lead"}},
		}}))
		return tx.CreateTable(store.Table{Name: "pp_a", PrimaryKey: "pp_aid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "pp_b_pp_c", Type: "lookup", Targets: []string{"lead"}},
		}})
	})
	for _, name := range []string{"pp_a_pp_b", "pp_a"} {
		if n := len(indexes(t, name)); n != 2 {
			t.Errorf("%s's indexes %q, want its key's and its lookup's", name, indexes(t, name))
		}
	}
	write(t, s, func(tx store.Tx) error { return tx.DropColumn("pp_a", "pp_b_pp_c") })
	if n := len(indexes(t, "pp_a_pp_b")); n != 2 {
		t.Errorf("pp_a_pp_b's indexes after dropping pp_a.pp_b_pp_c: %q, want its key's and its lookup's", indexes(t, "pp_a_pp_b"))
	}
}
