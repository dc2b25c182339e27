package compiler_test

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestMissingLookupSuggestionPastes: the column a missing relationship's
// diagnostic suggests is HCL that, pasted into the table's block, makes the
// project valid (a block written on one line takes one argument only).
func TestMissingLookupSuggestionPastes(t *testing.T) {
	const solution = `solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "fx" }
}
`
	for _, tc := range []struct{ name, relationship string }{
		{"without relationship", ""},
		{"with an unusable one", `relationship = "subject"`},
		{"with an unknown one", `relationship = "fx_nothing"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flow := `flow "f" {
  primary_table = "fx_req"
  unique_name   = "fxreqprocess"
  stage "a" {}
  stage "b" {
    table = "phonecall"
    ` + tc.relationship + `
  }
}
table "fx_req" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
}
`
			_, diags := compiler.LoadSources(map[string][]byte{"bpfc.hcl": []byte(solution), "f.hcl": []byte(flow)})
			if len(diags) != 1 {
				t.Fatalf("want one diagnostic, got %v", diags)
			}
			detail := diags[0].Detail
			i := strings.Index(detail, `column "`)
			if i < 0 {
				t.Fatalf("detail suggests no column: %q", detail)
			}
			block := detail[i:]
			fixed := strings.Replace(flow, tc.relationship, `relationship = "fx_reqid"`, 1)
			if tc.relationship == "" {
				fixed = strings.Replace(flow, `table = "phonecall"`, `table = "phonecall"`+"\n"+`    relationship = "fx_reqid"`, 1)
			}
			fixed += "table \"phonecall\" {\n" + block + "\n}\n"
			if _, diags := compiler.LoadSources(map[string][]byte{"bpfc.hcl": []byte(solution), "f.hcl": []byte(fixed)}); diags.HasErrors() {
				t.Errorf("the suggestion pasted:\n%s\ndoes not validate: %v", fixed, diags)
			}
		})
	}
}
