package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// testNewestFirst: a table read by createdon descending (the web pages'
// record lists), as its index serves it, has the order it had when the
// store sorted the table: later times first whatever their number of
// fraction digits, rows without one (empty, or no createdon) last, the key
// ascending among equal times; a page after a row goes on from it.
func testNewestFirst(t *testing.T, s store.Store) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	created := map[string]time.Time{
		"k01": base,                                      // …05Z
		"k02": base.Add(500 * time.Millisecond),          // …05.5Z: text before …05Z
		"k03": base.Add(500010 * time.Microsecond),       // …05.50001Z: text before …05.5Z
		"k04": base.Add(time.Nanosecond),                 // nine digits
		"k05": base.Add(time.Second),                     // …06Z
		"k06": base,                                      // equal to k01
		"k00": base.Add(500 * time.Millisecond),          // equal to k02, key before it
		"k07": base.Add(-time.Hour),                      // earlier
		"k08": {},                                        // empty text
		"k09": base.Add(999999999 * time.Nanosecond),     // …05.999999999Z
		"k10": base.Add(24*time.Hour + time.Microsecond), // the next day
	}
	keys := []string{"k11", "k12"} // no createdon at all
	for k := range created {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var tb store.Table
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(store.Table{Name: "pp_dated", PrimaryKey: "pp_datedid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "pp_name", Type: "string"},
			{Name: "createdon", Type: "datetime", System: true},
		}}))
		var err error
		tb, err = tx.Table("pp_dated")
		must(t, err)
		// Inserted out of key order, so that no order is the insertion's.
		for i := len(keys) - 1; i >= 0; i-- {
			k := keys[i]
			r := map[string]any{"pp_datedid": k, "pp_name": k, store.RowVersionColumn: int64(1)}
			if c, ok := created[k]; ok {
				r["createdon"] = c
			}
			must(t, tx.InsertRow(tb.Name, r))
		}
		return nil
	})
	want := slices.Clone(keys)
	slices.SortStableFunc(want, func(a, b string) int {
		x, y := created[a], created[b]
		switch {
		case x.IsZero() != y.IsZero():
			return cmp.Compare(b2i(x.IsZero()), b2i(y.IsZero()))
		case !x.Equal(y):
			return y.Compare(x)
		}
		return cmp.Compare(a, b)
	})
	order := []store.Order{{Column: "createdon", Desc: true}}
	read(t, s, func(tx store.Tx) error {
		qt := tx.(store.QueryTx)
		rows, err := qt.QueryRows(store.Query{Table: tb, OrderBy: order, Limit: 100})
		must(t, err)
		diff(t, "newest first", want, ids(rows))
		for _, size := range []int{1, 3} {
			var got []string
			var after []any
			for range len(keys) + 1 {
				rows, err := qt.QueryRows(store.Query{Table: tb, OrderBy: order, After: after, Limit: size})
				must(t, err)
				if len(rows) == 0 {
					break
				}
				got = append(got, ids(rows)...)
				last := rows[len(rows)-1]
				after = []any{last["createdon"], last["pp_datedid"]}
			}
			diff(t, "newest first, by pages", want, got)
		}
		return nil
	})
	// SQLite drops no column an index names: createdon's index goes with it.
	write(t, s, func(tx store.Tx) error { return tx.DropColumn("pp_dated", "createdon") })
}

func ids(rows []store.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r["pp_datedid"].(string))
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
