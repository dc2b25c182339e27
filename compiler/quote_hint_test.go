package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/hashicorp/hcl/v2"
)

// TestBareNameHint: a bare name where a string is wanted keeps HCL's summary
// and range and gains a hint to quote it; references and non-string
// attributes keep HCL's message as it is.
func TestBareNameHint(t *testing.T) {
	const noVars = "Variables may not be used here."
	hint := func(name string) string {
		return ` Did you mean "` + name + `"? Names of tables, columns and the like are quoted strings.`
	}
	tests := []struct {
		name, src       string
		summary, detail string
		line, col, end  int
	}{{
		name:    "primary_table",
		src:     "flow \"f\" {\n  primary_table = lead\n  stage \"a\" {}\n}\n",
		summary: "Variables not allowed", detail: noVars + hint("lead"), line: 2, col: 19, end: 23,
	}, {
		name:    "column type",
		src:     "table \"fx_t\" {\n  column \"fx_a\" { type = string }\n}\n",
		summary: "Variables not allowed", detail: noVars + hint("string"), line: 2, col: 26, end: 32,
	}, {
		name:    "list element",
		src:     "role \"r\" {\n  grant \"f\" { privileges = [\"read\", write] }\n}\n" + okFlow,
		summary: "Variables not allowed", detail: noVars + hint("write"), line: 2, col: 37, end: 42,
	}, {
		name:    "create table",
		src:     "workflow \"w\" {\n  table = \"lead\"\n  step \"s\" { create = { table = contact } }\n}\n",
		summary: "Invalid create", detail: "create.table must be a table name string." + hint("contact"), line: 3, col: 33, end: 40,
	}, {
		name:    "reference stays as it was",
		src:     "flow \"f\" {\n  primary_table = var.table\n  stage \"a\" {}\n}\n",
		summary: "Variables not allowed", detail: noVars, line: 2, col: 19, end: 22,
	}, {
		name:    "reference root stays as it was",
		src:     "flow \"f\" {\n  primary_table = self\n  stage \"a\" {}\n}\n",
		summary: "Variables not allowed", detail: noVars, line: 2, col: 19, end: 23,
	}, {
		name:    "not a string",
		src:     "flow \"f\" {\n  primary_table = \"lead\"\n  active = yes\n  stage \"a\" {}\n}\n",
		summary: "Variables not allowed", detail: noVars, line: 3, col: 12, end: 15,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(tt.src), "s.hcl": []byte(baseSolution)})
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Summary == tt.summary {
					found = d
				}
			}
			if found == nil {
				t.Fatalf("no %q diagnostic; got %v", tt.summary, diags)
			}
			if found.Detail != tt.detail {
				t.Errorf("detail:\n got %q\nwant %q", found.Detail, tt.detail)
			}
			r := found.Subject
			if r == nil || r.Filename != "a.hcl" || r.Start.Line != tt.line || r.Start.Column != tt.col || r.End.Line != tt.line || r.End.Column != tt.end {
				t.Errorf("range %v, want a.hcl:%d,%d-%d", r, tt.line, tt.col, tt.end)
			}
		})
	}
}

// okFlow is a valid flow for fixtures that grant on flow "f".
const okFlow = `flow "f" {
  primary_table = "lead"
  stage "a" {}
}
`
