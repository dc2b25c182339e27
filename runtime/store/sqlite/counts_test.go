package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestCounts: each transaction and each statement in it counts once, a
// statement through the statement cache as one run by hand.
func TestCounts(t *testing.T) {
	ctx := context.Background()
	s := written(t, filepath.Join(t.TempDir(), "test.db"))
	defer s.Close()
	lead := func(tx store.Tx) store.Table {
		tb, err := tx.Table("lead")
		if err != nil {
			t.Fatal(err)
		}
		return tb
	}
	before := s.Counts()
	var rows int64
	if err := s.Read(ctx, func(tx store.Tx) error {
		tb := lead(tx)
		rows = s.Counts().Statements
		for range 3 {
			if _, err := tx.GetRow(tb, "00000000-0000-0000-0000-000000000001"); err == nil {
				t.Fatal("a row that is not there was read")
			}
		}
		rows = s.Counts().Statements - rows
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rows != 3 {
		t.Errorf("three reads of a row counted %d statements, want 3", rows)
	}
	after := s.Counts()
	if n := after.Transactions - before.Transactions; n != 1 {
		t.Errorf("one transaction counted %d", n)
	}
	if after.Statements <= before.Statements+3 {
		t.Errorf("the table's definition counted no statement: %+v, then %+v", before, after)
	}
}
