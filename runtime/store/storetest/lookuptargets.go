package storetest

import (
	"context"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// customerTable is a custom table with a customer lookup, a lookup to
// several tables whose values' tables the store keeps.
func customerTable() store.Table {
	return store.Table{Name: "cts_case", DisplayName: "Case", EntitySetName: "cts_cases", PrimaryKey: "cts_caseid", PrimaryColumn: "cts_name",
		Kind: store.TableCustom, Columns: []store.Column{
			{Name: "cts_caseid", Type: "uniqueidentifier", System: true},
			{Name: "cts_name", Type: "string", MaxLength: 100},
			{Name: "cts_customerid", Type: "customer", Targets: []string{"account", "contact"}},
			{Name: "cts_payerid", Type: "customer", Targets: []string{"account", "contact"}},
		}}
}

// targetsOf reads the targets kept for rows of cts_case.
func targetsOf(t *testing.T, s store.Store, rows ...string) []store.LookupTarget {
	t.Helper()
	var out []store.LookupTarget
	read(t, s, func(tx store.Tx) error {
		var err error
		out, err = tx.LookupTargets("cts_case", rows)
		return err
	})
	return out
}

// testLookupTargets: the table a polymorphic lookup's value points at is
// kept per row and column, the last one written; forgotten when told,
// with its row, its column and its table; read for many rows at once.
func testLookupTargets(t *testing.T, s store.Store) {
	var tb store.Table
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(customerTable()))
		var err error
		tb, err = tx.Table("cts_case")
		must(t, err)
		for _, id := range []string{"k1", "k2", "k3"} {
			must(t, tx.InsertRow(tb.Name, map[string]any{"cts_caseid": id, "cts_customerid": "x", store.RowVersionColumn: int64(1)}))
		}
		return tx.SetLookupTargets([]store.LookupTarget{
			{Table: "cts_case", Row: "k1", Column: "cts_customerid", Value: "x", Target: "account"},
			{Table: "cts_case", Row: "k2", Column: "cts_customerid", Value: "x", Target: "account"},
			{Table: "cts_case", Row: "k2", Column: "cts_payerid", Value: "y", Target: "contact"},
			{Table: "cts_case", Row: "k3", Column: "cts_customerid", Value: "x", Target: "contact"},
		})
	})
	// The last one written wins; a target without Target forgets.
	write(t, s, func(tx store.Tx) error {
		return tx.SetLookupTargets([]store.LookupTarget{
			{Table: "cts_case", Row: "k1", Column: "cts_customerid", Value: "x", Target: "contact"},
			{Table: "cts_case", Row: "k3", Column: "cts_customerid"},
		})
	})
	diff(t, "targets", []store.LookupTarget{
		{Table: "cts_case", Row: "k1", Column: "cts_customerid", Value: "x", Target: "contact"},
		{Table: "cts_case", Row: "k2", Column: "cts_customerid", Value: "x", Target: "account"},
		{Table: "cts_case", Row: "k2", Column: "cts_payerid", Value: "y", Target: "contact"},
	}, targetsOf(t, s, "k1", "k2", "k3", "nope"))
	diff(t, "targets of k2", []store.LookupTarget{
		{Table: "cts_case", Row: "k2", Column: "cts_customerid", Value: "x", Target: "account"},
		{Table: "cts_case", Row: "k2", Column: "cts_payerid", Value: "y", Target: "contact"},
	}, targetsOf(t, s, "k2"))
	// Many rows: more than one statement's worth.
	many := make([]string, 1200)
	for i := range many {
		many[i] = "m"
	}
	many[1100] = "k1"
	if got := targetsOf(t, s, many...); len(got) != 1 || got[0].Row != "k1" {
		t.Errorf("targets of 1200 rows, k1 among them: %+v", got)
	}
	if err := s.Read(context.Background(), func(tx store.Tx) error {
		return tx.SetLookupTargets([]store.LookupTarget{{Table: "cts_case", Row: "k1", Column: "cts_customerid", Value: "x", Target: "account"}})
	}); err == nil {
		t.Error("SetLookupTargets in a read-only transaction")
	}
	// A deleted row's go with it; a dropped column's, a dropped table's.
	write(t, s, func(tx store.Tx) error { return tx.DeleteRow(tb, "k1") })
	if got := targetsOf(t, s, "k1"); len(got) != 0 {
		t.Errorf("targets of a deleted row: %+v", got)
	}
	write(t, s, func(tx store.Tx) error { return tx.DropColumn("cts_case", "cts_payerid") })
	diff(t, "targets after cts_payerid was dropped", []store.LookupTarget{
		{Table: "cts_case", Row: "k2", Column: "cts_customerid", Value: "x", Target: "account"},
	}, targetsOf(t, s, "k2"))
	write(t, s, func(tx store.Tx) error { return tx.DropTable("cts_case") })
	write(t, s, func(tx store.Tx) error { return tx.CreateTable(customerTable()) })
	if got := targetsOf(t, s, "k2"); len(got) != 0 {
		t.Errorf("targets of a dropped table's row: %+v", got)
	}
}

// WriteOldCustomerRows writes a table with customer lookups and a row
// into old, a store a backend's migration test opened at migration 0014
// (MigrationsUpTo), before the store kept lookups' tables, and closes it.
func WriteOldCustomerRows(t *testing.T, old *sqlstore.DB) {
	t.Helper()
	defer old.Close()
	must(t, old.Write(context.Background(), func(tx store.Tx) error {
		must(t, tx.CreateTable(customerTable()))
		return tx.InsertRow("cts_case", map[string]any{"cts_caseid": "k1", "cts_customerid": "x", store.RowVersionColumn: int64(1)})
	}))
}

// CheckLookupTargetsMigrated checks a store migrated from
// WriteOldCustomerRows': its row is there with no target kept (read as
// before), and targets are kept and deleted with their row from now on.
func CheckLookupTargetsMigrated(t *testing.T, s store.Store) {
	t.Helper()
	if got := targetsOf(t, s, "k1"); len(got) != 0 {
		t.Errorf("targets of a row written before the migration: %+v", got)
	}
	var tb store.Table
	write(t, s, func(tx store.Tx) error {
		var err error
		if tb, err = tx.Table("cts_case"); err != nil {
			return err
		}
		row, err := tx.GetRow(tb, "k1")
		if err == nil && row["cts_customerid"] != "x" {
			t.Errorf("the row written before the migration: %v", row)
		}
		must(t, err)
		return tx.SetLookupTargets([]store.LookupTarget{{Table: "cts_case", Row: "k1", Column: "cts_customerid", Value: "x", Target: "contact"}})
	})
	diff(t, "targets after the migration", []store.LookupTarget{
		{Table: "cts_case", Row: "k1", Column: "cts_customerid", Value: "x", Target: "contact"},
	}, targetsOf(t, s, "k1"))
	write(t, s, func(tx store.Tx) error { return tx.DeleteRow(tb, "k1") })
	if got := targetsOf(t, s, "k1"); len(got) != 0 {
		t.Errorf("targets of a deleted row: %+v", got)
	}
}
