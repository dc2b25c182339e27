package store

import (
	"slices"
	"testing"
)

// TestRunLike: Run matches a LIKE pattern as each Match's kind places it,
// without regard to case, on every row (the pattern compiled once for the
// run serves them all); a value that is no text matches no pattern.
func TestRunLike(t *testing.T) {
	tb := Table{Name: "workflow", PrimaryKey: "id", Columns: []Column{{Name: "id", Type: "string"}, {Name: "name", Type: "string"}}}
	rows := []Row{
		{"id": "1", "name": "Lead to Opportunity"},
		{"id": "2", "name": "lead_qualification"},
		{"id": "3", "name": "Opportunity Sales"},
		{"id": "4", "name": "50% off"},
		{"id": "5", "name": int64(7)},
	}
	for _, c := range []struct {
		where Cond
		want  []string
	}{
		{Match{Column: "name", Kind: MatchStartsWith, Text: "LEAD", Like: true}, []string{"1", "2"}},
		{Match{Column: "name", Kind: MatchContains, Text: "opp%sal", Like: true}, []string{"3"}},
		{Match{Column: "name", Kind: MatchEndsWith, Text: "_ales", Like: true}, []string{"3"}},
		{Match{Column: "name", Kind: MatchContains, Text: `0\%`, Like: true}, []string{"4"}},
		{Match{Column: "name", Kind: MatchContains, Text: `lead\_`, Like: true}, []string{"2"}},
		{Any{Match{Column: "name", Kind: MatchStartsWith, Text: "l%", Like: true},
			Match{Column: "name", Kind: MatchEndsWith, Text: "l%", Like: true}}, []string{"1", "2", "3"}},
	} {
		got, err := Query{Table: tb, Where: c.where}.Run(rows)
		if err != nil {
			t.Fatalf("%+v: %v", c.where, err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r["id"].(string))
		}
		if !slices.Equal(ids, c.want) {
			t.Errorf("%+v: %v, want %v", c.where, ids, c.want)
		}
	}
}
