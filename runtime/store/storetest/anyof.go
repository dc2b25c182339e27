package storetest

import (
	"slices"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// testAnyOfValues: an Any of one column equal to values (ids or'ed
// together, which the SQL stores write as one IN list) selects what the
// terms one by one select, as the evaluator in memory does: under a Not
// too, where a NULL column is not among the values; folded text whatever
// its case; a value a column cannot hold matching nothing beside the
// others; and terms on two columns.
func testAnyOfValues(t *testing.T, s store.Store) {
	tb := rowsWith(t, s,
		map[string]any{"cts_projectid": "p1", "cts_name": "Apollo", "cts_headcount": 7, store.RowVersionColumn: int64(1)},
		map[string]any{"cts_projectid": "p2", "cts_name": "Gemini", "cts_headcount": 3, store.RowVersionColumn: int64(1)},
		map[string]any{"cts_projectid": "p3", "cts_name": "Mercury", store.RowVersionColumn: int64(1)},
		map[string]any{"cts_projectid": "p4", store.RowVersionColumn: int64(1)})
	eq := func(col string, v any) store.Compare { return store.Compare{Column: col, Op: store.OpEq, Value: v} }
	sameInStoreAndMemory(t, s, tb, []condCase{
		{"ids", store.Any{eq("cts_projectid", "p1"), eq("cts_projectid", "p3"), eq("cts_projectid", "p9")}, []string{"p1", "p3"}},
		{"not ids", store.Not{X: store.Any{eq("cts_projectid", "p1"), eq("cts_projectid", "p3")}}, []string{"p2", "p4"}},
		{"folded text", store.Any{eq("cts_name", "APOLLO"), eq("cts_name", "gemini")}, []string{"p1", "p2"}},
		{"not text, NULL kept", store.Not{X: store.Any{eq("cts_name", "apollo"), eq("cts_name", "Gemini")}}, []string{"p3", "p4"}},
		{"integers", store.Any{eq("cts_headcount", 7), eq("cts_headcount", 3)}, []string{"p1", "p2"}},
		{"not integers, NULL kept", store.Not{X: store.Any{eq("cts_headcount", 7), eq("cts_headcount", 4)}}, []string{"p2", "p3", "p4"}},
		{"a fraction no integer equals", store.Any{eq("cts_headcount", 7.5), eq("cts_headcount", 3)}, []string{"p2"}},
		{"nested", store.Any{eq("cts_projectid", "p1"), store.Any{eq("cts_projectid", "p2"), eq("cts_projectid", "p4")}}, []string{"p1", "p2", "p4"}},
		{"two columns", store.Any{eq("cts_projectid", "p1"), eq("cts_name", "Mercury")}, []string{"p1", "p3"}},
		{"with null", store.Any{eq("cts_name", nil), eq("cts_name", "Apollo")}, []string{"p1", "p4"}},
	})
}

// condCase is a condition on the rows table and the ids of the rows it
// selects.
type condCase struct {
	name string
	cond store.Cond
	want []string
}

// sameInStoreAndMemory checks that each case's condition selects its
// rows of tb in s (QueryRows, and as many by CountQuery) and in memory
// (Query.Run over every row).
func sameInStoreAndMemory(t *testing.T, s store.Store, tb store.Table, cases []condCase) {
	t.Helper()
	read(t, s, func(tx store.Tx) error {
		qt := tx.(store.QueryTx)
		all, err := qt.QueryRows(store.Query{Table: tb})
		must(t, err)
		for _, tc := range cases {
			q := store.Query{Table: tb, Where: tc.cond}
			got, err := qt.QueryRows(q)
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if n, err := qt.CountQuery(q); err != nil || n != len(tc.want) {
				t.Errorf("%s counted: %d, %v; want %d", tc.name, n, err, len(tc.want))
			}
			inMem, err := q.Run(all)
			if err != nil {
				t.Errorf("%s in memory: %v", tc.name, err)
				continue
			}
			for where, rs := range map[string][]store.Row{"store": got, "memory": inMem} {
				var ids []string
				for _, r := range rs {
					ids = append(ids, r["cts_projectid"].(string))
				}
				slices.Sort(ids)
				if !slices.Equal(ids, tc.want) {
					t.Errorf("%s in the %s: %q, want %q", tc.name, where, ids, tc.want)
				}
			}
		}
		return nil
	})
}
