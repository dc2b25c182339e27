package compiler_test

import (
	"os"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
)

// TestUsedTables: the tables a project uses are its flows' and workflows'
// tables, standard ones included, and the tables it declares.
func TestUsedTables(t *testing.T) {
	t.Run("scaffold", func(t *testing.T) {
		srcs := map[string][]byte{}
		for _, n := range []string{"bpfc.hcl", "lead_qualification.hcl"} {
			b, err := os.ReadFile("../cmd/bpfc/scaffold/" + n)
			if err != nil {
				t.Fatal(err)
			}
			srcs[n] = b
		}
		p, diags := compiler.LoadSources(srcs)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if diff := cmp.Diff([]string{"lead"}, p.UsedTables()); diff != "" {
			t.Errorf("UsedTables (-want +got):\n%s", diff)
		}
	})
	t.Run("mixed", func(t *testing.T) {
		src := `flow "f" {
  primary_table = "lead"
  stage "a" {}
  stage "b" {
    table        = "opportunity"
    relationship = "originatingleadid"
    on_enter     = [workflow.w]
  }
}
workflow "w" {
  table = "opportunity"
  step "s" { create = { table = "phonecall", values = { subject = "Call" } } }
}
table "fx_project" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
}
table "account" {
  column "fx_tier" { type = "integer" }
}
`
		p, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		want := []string{"account", "fx_project", "lead", "opportunity", "phonecall"}
		if diff := cmp.Diff(want, p.UsedTables()); diff != "" {
			t.Errorf("UsedTables (-want +got):\n%s", diff)
		}
	})
}
