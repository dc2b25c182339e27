package storetest

import (
	"context"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// BenchPages times q's first page and the page after it (q.Limit rows a
// page, the next one after the last but one row, as the Web API pages), as
// sub-benchmarks "first" and "next" of b; a backend's benchmark fills the
// table, so that a page is seen to cost the same however big it is.
func BenchPages(b *testing.B, s store.Store, q store.Query) {
	ctx := context.Background()
	page := func(q store.Query) ([]store.Row, error) {
		var rows []store.Row
		err := s.Read(ctx, func(tx store.Tx) error {
			var err error
			rows, err = tx.(store.QueryTx).QueryRows(q)
			return err
		})
		return rows, err
	}
	var next []any
	b.Run("first", func(b *testing.B) {
		for range b.N {
			rows, err := page(q)
			if err != nil {
				b.Fatal(err)
			}
			if len(rows) > q.Limit-2 && q.Limit > 1 {
				next = q.SortKey(rows[q.Limit-2])
			}
		}
	})
	if next == nil {
		return
	}
	b.Run("next", func(b *testing.B) {
		q.After = next
		for range b.N {
			if _, err := page(q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchTable creates the custom table pp_thing with columns in s, fills it
// by the backend's SQL statements and returns the table as the store reads
// it back.
func BenchTable(b *testing.B, s *sqlstore.DB, columns []store.Column, fill ...string) store.Table {
	b.Helper()
	ctx := context.Background()
	tb := store.Table{Name: "pp_thing", PrimaryKey: "pp_thingid", Kind: store.TableCustom, Columns: columns}
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.CreateTable(tb) }); err != nil {
		b.Fatal(err)
	}
	for _, q := range fill {
		if _, err := s.SQL().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	err := s.Read(ctx, func(tx store.Tx) error {
		var err error
		tb, err = tx.Table(tb.Name)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return tb
}
