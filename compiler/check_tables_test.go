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

// TestClashingInstanceTableSuggestion: the unique_name an instance table
// that clashes with a table is told is free, set in the flow: no table's,
// no other flow's instance table, and within Dataverse's 50 characters.
func TestClashingInstanceTableSuggestion(t *testing.T) {
	const solution = `solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "fx" }
}
`
	long := strings.Repeat("abcdefghij", 4) + "abcdefg" // fx_ and it: 50 characters
	for _, tc := range []struct{ name, project string }{
		{"another flow's", `flow "reqprocess" {
  primary_table = "fx_req"
  stage "s" {}
}
`},
		{"tables", `table "fx_reqprocess" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
}
table "fx_reqflow" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
}
`},
		{"long", `flow "` + long + `" {
  primary_table = "fx_` + long + `"
  stage "s" {}
}
table "fx_` + long + `" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
}
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flow := `flow "req" {
  primary_table = "fx_req"
  stage "s" {}
}
table "fx_req" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
}
` + tc.project
			_, diags := compiler.LoadSources(map[string][]byte{"bpfc.hcl": []byte(solution), "f.hcl": []byte(flow)})
			fixed := flow
			for _, d := range diags {
				i := strings.Index(d.Detail, `unique_name = "`)
				if d.Summary != "Instance table clashes with a table" || i < 0 {
					t.Fatalf("unexpected diagnostic %v", d)
				}
				name := strings.TrimSuffix(d.Detail[i+len(`unique_name = "`):], `".`)
				flowName := strings.TrimSuffix(strings.TrimPrefix(d.Detail, `Flow "`), d.Detail[strings.Index(d.Detail, `"'s`):])
				fixed = strings.Replace(fixed, `flow "`+flowName+`" {`, `flow "`+flowName+`" {`+"\n  unique_name = \""+name+`"`, 1)
			}
			if len(diags) == 0 {
				t.Fatal("no clash reported")
			}
			if _, diags := compiler.LoadSources(map[string][]byte{"bpfc.hcl": []byte(solution), "f.hcl": []byte(fixed)}); diags.HasErrors() {
				t.Errorf("the suggestion set:\n%s\ndoes not validate: %v", fixed, diags)
			}
		})
	}
}

// TestMissingSolutionSuggestionPastes: the solution block a project without
// one is told to add is HCL that, pasted into a file, makes the project valid
// (it was written on one line with two arguments, which HCL refuses).
func TestMissingSolutionSuggestionPastes(t *testing.T) {
	flow := `flow "f" {
  primary_table = "lead"
  stage "a" {}
}
`
	_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(flow)})
	if len(diags) != 1 || diags[0].Summary != "Missing solution" {
		t.Fatalf("want one Missing solution, got %v", diags)
	}
	i := strings.Index(diags[0].Detail, `solution "`)
	if i < 0 {
		t.Fatalf("detail suggests no solution block: %q", diags[0].Detail)
	}
	block := diags[0].Detail[i:]
	if _, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(flow), "bpfc.hcl": []byte(block + "\n")}); diags.HasErrors() {
		t.Errorf("the suggestion pasted:\n%s\ndoes not validate: %v", block, diags)
	}
}

// TestSuggestedPublisherFitsTheNames: the solution (or publisher) block a
// project without one is told to add has the prefix its custom names use,
// so that, pasted, the project validates: with "cts" every fx_ table and
// column was then said to lack the publisher's prefix.
func TestSuggestedPublisherFitsTheNames(t *testing.T) {
	tables := `table "fx_task" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
}
table "lead" {
  column "fx_score" { type = "integer" }
}
flow "f" {
  primary_table = "fx_task"
  stage "a" {}
}
`
	for _, tc := range []struct {
		name, solution, summary, start string
		paste                          func(block string) string
	}{
		{"no solution", "", "Missing solution", `solution "`, func(b string) string { return b + "\n" }},
		{"no publisher", "solution \"S\" {\n  version = \"1.0.0.0\"\n}\n", "Missing publisher", `publisher "`,
			func(b string) string {
				return "solution \"S\" {\n  version = \"1.0.0.0\"\n  " + strings.TrimSuffix(b, ".") + "\n}\n"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string][]byte{"f.hcl": []byte(tables)}
			if tc.solution != "" {
				files["bpfc.hcl"] = []byte(tc.solution)
			}
			_, diags := compiler.LoadSources(files)
			if len(diags) != 1 || diags[0].Summary != tc.summary {
				t.Fatalf("want one %s, got %v", tc.summary, diags)
			}
			i := strings.Index(diags[0].Detail, tc.start)
			if i < 0 {
				t.Fatalf("detail suggests no block: %q", diags[0].Detail)
			}
			files["bpfc.hcl"] = []byte(tc.paste(diags[0].Detail[i:]))
			if _, diags := compiler.LoadSources(files); diags.HasErrors() {
				t.Errorf("the suggestion pasted:\n%s\ndoes not validate: %v", files["bpfc.hcl"], diags)
			}
		})
	}
}
