package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestCustomTableSystemColumns: a custom table has the columns Dataverse
// adds to every one, createdby and modifiedby among them (a real export's
// step shows who created the row), so steps and conditions may use them.
func TestCustomTableSystemColumns(t *testing.T) {
	src := `table "fx_thing" {
  column "fx_name" {
    type = "string"
  }
}
flow "f" {
  primary_table = "fx_thing"
  stage "a" {
    step "who" { column = "createdby" }
    step "changed" { column = "modifiedby" }
    branch {
      when = self.createdby != null
      next = stage.b
    }
  }
  stage "b" {}
}
`
	p, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, tb := range p.Tables {
		if tb.Name != "fx_thing" {
			continue
		}
		for _, name := range []string{"createdby", "modifiedby"} {
			if c := tb.Column(name); c == nil || c.Type != compiler.TypeLookup || c.Target != "systemuser" || !c.Standard {
				t.Errorf("fx_thing.%s: %+v", name, c)
			}
		}
	}
}
