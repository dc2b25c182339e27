package storetest

import (
	"time"

	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// testEmptyValues: empty text and the zero time are values, in a store as
// in memory: only a column that holds nothing (NULL, nil) is empty, which
// equals only nil and is neither greater nor less than anything.
func testEmptyValues(t *testing.T, s store.Store) {
	signed := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tb := rowsWith(t, s,
		map[string]any{"cts_projectid": "p1", "cts_name": "Apollo", "cts_signed_on": signed, store.RowVersionColumn: int64(1)},
		map[string]any{"cts_projectid": "p2", "cts_name": "", store.RowVersionColumn: int64(1)},
		map[string]any{"cts_projectid": "p3", store.RowVersionColumn: int64(1)})
	cmp := func(col, op string, v any) store.Compare { return store.Compare{Column: col, Op: op, Value: v} }
	sameInStoreAndMemory(t, s, tb, []condCase{
		{"eq empty text", cmp("cts_name", store.OpEq, ""), []string{"p2"}},
		{"ne empty text", cmp("cts_name", store.OpNe, ""), []string{"p1", "p3"}},
		{"not eq empty text", store.Not{X: cmp("cts_name", store.OpEq, "")}, []string{"p1", "p3"}},
		{"eq null", cmp("cts_name", store.OpEq, nil), []string{"p3"}},
		{"ne null", cmp("cts_name", store.OpNe, nil), []string{"p1", "p2"}},
		{"gt empty text", cmp("cts_name", store.OpGt, ""), []string{"p1"}},
		{"le empty text", cmp("cts_name", store.OpLe, ""), []string{"p2"}},
		{"not lt empty text", store.Not{X: cmp("cts_name", store.OpLt, "")}, []string{"p1", "p2", "p3"}},
		{"empty id", cmp("cts_projectid", store.OpEq, ""), nil},
		{"any of empty text and a name", store.Any{cmp("cts_name", store.OpEq, ""), cmp("cts_name", store.OpEq, "apollo")}, []string{"p1", "p2"}},
		{"eq zero time", cmp("cts_signed_on", store.OpEq, time.Time{}), nil},
		{"ne zero time", cmp("cts_signed_on", store.OpNe, time.Time{}), []string{"p1", "p2", "p3"}},
		{"ge zero time", cmp("cts_signed_on", store.OpGe, time.Time{}), []string{"p1"}},
	})
}
