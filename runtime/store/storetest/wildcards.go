package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// testWildcards: a Match's LIKE pattern (store.ParseLike) with sets of
// characters ([a-c], [^a]) matches in the database as in memory
// (Query.Run), without regard to case, the characters that are operators
// of the databases' own patterns (GLOB's, SIMILAR TO's) being themselves.
func testWildcards(t *testing.T, s store.Store) {
	names := []string{"Alpha", "beta", "Gamma Co", "delta_50%", "O'Brien", "x]y", "a^b", "a-b", "q*?|(r)", `s"t\u`, "{w}+", "Ärger", "x[y", "line\nbreak"}
	var rows []map[string]any
	var mem []store.Row
	for i, n := range names {
		row := map[string]any{"cts_projectid": fmt.Sprintf("p%02d", i), "cts_name": n, store.RowVersionColumn: int64(1)}
		rows = append(rows, row)
		mem = append(mem, store.Row(row))
	}
	tb := rowsWith(t, s, rows...)
	type c struct {
		kind, pattern string
		want          []string
	}
	cases := []c{
		{store.MatchStartsWith, "[a-c]", []string{"Alpha", "beta", "a^b", "a-b"}},
		{store.MatchStartsWith, "[A-C]", []string{"Alpha", "beta", "a^b", "a-b"}},
		{store.MatchStartsWith, "[^a-z]", []string{"{w}+", "Ärger"}},
		{store.MatchStartsWith, "[gd]", []string{"Gamma Co", "delta_50%"}},
		{store.MatchContains, "[_%]", []string{"delta_50%"}},
		{store.MatchEndsWith, "[0-9]%", []string{"delta_50%"}},
		{store.MatchContains, "[']b", []string{"O'Brien"}},
		{store.MatchContains, `[\]]`, []string{"x]y"}},
		{store.MatchContains, `a[\^]b`, []string{"a^b"}},
		{store.MatchContains, `a[^\^]b`, []string{"a-b"}},
		{store.MatchContains, "a[-]b", []string{"a-b"}},
		{store.MatchContains, "a[-^]b", []string{"a^b", "a-b"}},
		{store.MatchContains, "a[^^-]b", []string{}},
		{store.MatchContains, "[*][?][|][(]", []string{"q*?|(r)"}},
		{store.MatchContains, `[*?|()]r[)]`, []string{"q*?|(r)"}},
		{store.MatchContains, `["][t][\\]`, []string{`s"t\u`}},
		{store.MatchContains, "[{][w][}][+]", []string{"{w}+"}},
		{store.MatchContains, `[\[]`, []string{"x[y"}},
		{store.MatchStartsWith, "[ä]", []string{"Ärger"}},
		{store.MatchStartsWith, "[z-a]", []string{}},
		{store.MatchStartsWith, "[^z-a]lpha", []string{"Alpha"}},
		{store.MatchContains, "[e][\n]", []string{"line\nbreak"}},
		{store.MatchContains, "e[^a-z]b", []string{"line\nbreak"}},
		{store.MatchContains, "[!-/]", []string{"delta_50%", "O'Brien", "a-b", "q*?|(r)", `s"t\u`, "{w}+"}},
		{store.MatchEndsWith, "[ab]_", []string{"line\nbreak"}},
		{store.MatchEndsWith, "[^ab]_", []string{"Alpha", "beta", "Gamma Co", "delta_50%", "O'Brien", "x]y", "a^b", "a-b", "q*?|(r)", `s"t\u`, "{w}+", "Ärger", "x[y"}},
		{store.MatchContains, `[\\]`, []string{`s"t\u`}},
		// Case folds before a range is read: [a-Z] is [a-z], [Z-a] is
		// [z-a], which holds no character.
		{store.MatchStartsWith, "[a-Z]lpha", []string{"Alpha"}},
		{store.MatchStartsWith, "[Z-a]", []string{}},
		{store.MatchStartsWith, "[^Z-a]lpha", []string{"Alpha"}},
		{store.MatchContains, "a[A-^]b", []string{}},
	}
	read(t, s, func(tx store.Tx) error {
		qt := tx.(store.QueryTx)
		for _, tc := range cases {
			q := store.Query{Table: tb, Where: store.Match{Column: "cts_name", Kind: tc.kind, Text: tc.pattern, Like: true}}
			got, err := qt.QueryRows(q)
			if err != nil {
				t.Errorf("%s(cts_name, %q): %v", tc.kind, tc.pattern, err)
				continue
			}
			inMem, err := q.Run(mem)
			if err != nil {
				t.Errorf("%s(cts_name, %q) in memory: %v", tc.kind, tc.pattern, err)
				continue
			}
			for where, rs := range map[string][]store.Row{"store": got, "memory": inMem} {
				var names []string
				for _, r := range rs {
					names = append(names, r["cts_name"].(string))
				}
				slices.Sort(names)
				want := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(names, want) && !(len(names) == 0 && len(want) == 0) {
					t.Errorf("%s(cts_name, %q) in the %s: %q, want %q", tc.kind, tc.pattern, where, names, want)
				}
			}
		}
		// Patterns that are no patterns are bad queries.
		for _, p := range []string{"[abc", "[]", "a[", fmt.Sprintf("%0*d", store.MaxLikeSets+1, 0)} {
			if p[0] == '0' {
				p = ""
				for range store.MaxLikeSets + 1 {
					p += "[ab]"
				}
			}
			_, err := qt.QueryRows(store.Query{Table: tb, Where: store.Match{Column: "cts_name", Kind: store.MatchContains, Text: p, Like: true}})
			if !errors.Is(err, store.ErrBadQuery) {
				t.Errorf("contains(cts_name, %q): %v, want a bad query", p, err)
			}
		}
		return nil
	})
}
