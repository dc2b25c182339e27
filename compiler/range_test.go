package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/hashicorp/hcl/v2"
)

// TestExactRanges pins the exact source range of a few diagnostics: the
// caret a user sees must sit under the offending text, not the block.
func TestExactRanges(t *testing.T) {
	src := `flow "f" {
  primary_table = "lead"
  stage "a" {
    step "b" { column = "budgetamont" }
    branch {
      when = self.budgetamount > "x"
      next = stage.zz
    }
  }
}
`
	_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
	type pos struct{ line, col, endLine, endCol int }
	want := map[string]pos{
		"Unknown column":             {4, 25, 4, 38}, // "budgetamont" with its quotes
		"Type mismatch in condition": {6, 14, 6, 37}, // the whole comparison
		"Unknown stage":              {7, 14, 7, 22}, // stage.zz
	}
	got := map[string]hcl.Range{}
	for _, d := range diags {
		if d.Subject != nil {
			got[d.Summary] = *d.Subject
		}
	}
	for summary, w := range want {
		r, ok := got[summary]
		if !ok {
			t.Errorf("no %q diagnostic; got %v", summary, diags)
			continue
		}
		if g := (pos{r.Start.Line, r.Start.Column, r.End.Line, r.End.Column}); g != w || r.Filename != "f.hcl" {
			t.Errorf("%s: range %s:%v, want f.hcl:%v", summary, r.Filename, g, w)
		}
	}
}

// TestAssignmentRanges: an update's unknown or read-only column is marked
// at its name, not at the value given it.
func TestAssignmentRanges(t *testing.T) {
	src := `workflow "w" {
  table = "lead"
  step "u" {
    update = { descriptin = "x", createdon = self.subject }
  }
}
`
	_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
	want := map[string][2]int{"Unknown column": {4, 16}, "Read-only column": {4, 34}} // where each name starts
	for _, d := range diags {
		w, ok := want[d.Summary]
		if !ok {
			t.Errorf("unexpected %s", d.Error())
			continue
		}
		delete(want, d.Summary)
		if r := d.Subject; r.Start.Line != w[0] || r.Start.Column != w[1] {
			t.Errorf("%s at %d:%d, want %d:%d", d.Summary, r.Start.Line, r.Start.Column, w[0], w[1])
		}
	}
	for s := range want {
		t.Errorf("no %q diagnostic", s)
	}
}
