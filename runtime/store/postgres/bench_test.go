package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// BenchmarkQueryPage reads a page of 50 rows of a table in its default
// order (the primary key), the first and the next after a key, as the
// Web API reads $top=50 and its next link, with 0 and 100,000 rows in the
// table: a page should cost the same at both sizes.
//
//	BPFC_TEST_POSTGRES=… go test -run '^$' -bench QueryPage -benchtime 20x ./runtime/store/postgres/
func BenchmarkQueryPage(b *testing.B) {
	pgtest.Skip(b)
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, pgtest.URL(b), Options{Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			tb := store.Table{Name: "pp_thing", PrimaryKey: "pp_thingid", Kind: store.TableCustom,
				Columns: []store.Column{{Name: "pp_name", Type: "string"}}}
			if err := s.Write(ctx, func(tx store.Tx) error { return tx.CreateTable(tb) }); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SQL().ExecContext(ctx, fmt.Sprintf(`INSERT INTO pp_thing (pp_thingid, pp_name, versionnumber)
SELECT md5(i::text), 'row ' || i, 1 FROM generate_series(1, %d) i`, n)); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SQL().ExecContext(ctx, `ANALYZE pp_thing`); err != nil {
				b.Fatal(err)
			}
			err = s.Read(ctx, func(tx store.Tx) error { tb, err = tx.Table("pp_thing"); return err })
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				err := s.Read(ctx, func(tx store.Tx) error {
					q := store.Query{Table: tb, Limit: 51}
					rows, err := tx.(store.QueryTx).QueryRows(q)
					if err != nil || len(rows) < 51 {
						return err
					}
					q.After = q.SortKey(rows[49])
					_, err = tx.(store.QueryTx).QueryRows(q)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
