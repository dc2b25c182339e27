package compiler_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// diagKeys renders diagnostics as "file:line: severity: summary".
func diagKeys(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		where := "<project>"
		if d.Subject != nil {
			where = fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line)
		}
		out = append(out, fmt.Sprintf("%s: %s: %s", where, sev, d.Summary))
	}
	return out
}

// TestParseErrorsHideFollowOns: a file the parser could not read to the end
// gets its parse errors and nothing else; what the checks would say about it
// comes from the part the parser lost. Other files are still checked.
func TestParseErrorsHideFollowOns(t *testing.T) {
	tests := []struct {
		name string
		srcs map[string]string
		want []string
	}{{
		// Was also: f.hcl:1: error: Flow without stages.
		name: "flow cut before its first stage",
		srcs: map[string]string{"f.hcl": "flow \"f\" {\n  display_name  = \"F\"\n  primary_table = \"lead\"\n", "s.hcl": baseSolution},
		want: []string{"f.hcl:1: error: Unclosed configuration block"},
	}, {
		// Was also: f.hcl:5: error: Unknown column ("budg").
		name: "string cut short",
		srcs: map[string]string{"f.hcl": "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    step \"b\" {\n      column = \"budg", "s.hcl": baseSolution},
		want: []string{"f.hcl:5: error: Unterminated template string"},
	}, {
		// Was also: Invalid column and Unknown column on the same line.
		name: "missing value",
		srcs: map[string]string{"f.hcl": "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    step \"b\" {\n      column =\n    }\n  }\n}\n", "s.hcl": baseSolution},
		want: []string{"f.hcl:5: error: Invalid expression"},
	}, {
		// An unclosed flow swallows the solution block after it. Was also:
		// Missing solution (no subject) and f.hcl:6: Unsupported block type.
		name: "unclosed block swallows the solution",
		srcs: map[string]string{"f.hcl": "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n  }\n\nsolution \"S\" {\n  version = \"1.0.0.0\"\n  publisher \"p\" { prefix = \"xx\" }\n}\n"},
		want: []string{"f.hcl:1: error: Unclosed configuration block"},
	}, {
		// The workflow before the break is still known to g.hcl (no Unknown
		// workflow there), and g.hcl's own error is still reported.
		name: "other files are still checked",
		srcs: map[string]string{
			"f.hcl": "workflow \"notify\" {\n  table = \"lead\"\n  step \"s\" { update = { description = \"x\" } }\n}\n\nflow \"broken\" {\n  primary_table = \"lead\"\n",
			"g.hcl": "flow \"good\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    on_enter = [workflow.notify]\n    step \"b\" { column = \"budgetamont\" }\n  }\n}\n",
			"s.hcl": baseSolution,
		},
		want: []string{"f.hcl:6: error: Unclosed configuration block", "g.hcl:5: error: Unknown column"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srcs := map[string][]byte{}
			for n, s := range tt.srcs {
				srcs[n] = []byte(s)
			}
			_, diags := compiler.LoadSources(srcs)
			if diff := cmp.Diff(tt.want, diagKeys(diags)); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTruncatedScaffold cuts the flow `bpfc init` writes at every byte: when
// the cut leaves a parse error, the parse errors are all that is reported.
func TestTruncatedScaffold(t *testing.T) {
	sol, err := os.ReadFile("../cmd/bpfc/scaffold/bpfc.hcl")
	if err != nil {
		t.Fatal(err)
	}
	flow, err := os.ReadFile("../cmd/bpfc/scaffold/lead_qualification.hcl")
	if err != nil {
		t.Fatal(err)
	}
	cuts, failed := 0, 0
	for i := range len(flow) {
		_, parseDiags := hclsyntax.ParseConfig(flow[:i], "flow.hcl", hcl.InitialPos)
		if !parseDiags.HasErrors() {
			continue
		}
		cuts++
		_, diags := compiler.LoadSources(map[string][]byte{"bpfc.hcl": sol, "flow.hcl": flow[:i]})
		compiler.SortDiagnostics(parseDiags)
		if diff := cmp.Diff(diagKeys(parseDiags), diagKeys(diags)); diff != "" {
			if failed++; failed <= 3 {
				t.Errorf("cut at byte %d: diagnostics differ from the parse errors (-want +got):\n%s", i, diff)
			}
		}
	}
	if cuts == 0 {
		t.Fatal("no cut gave a parse error")
	}
	if failed > 0 {
		t.Errorf("%d of %d cuts reported more than their parse errors", failed, cuts)
	}
}
