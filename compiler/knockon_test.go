package compiler_test

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
)

// TestNoKnockOns: a mistake is reported once, not again by the checks that
// run on what it left: a misspelt next does not make its stage
// unreachable, a step column that is not a string is not an unknown
// column, a misspelt required argument is not also a missing one, a string left open is one error, not one per line after it, and
// a misspelt table (of a flow, a stage, a workflow, a lookup) is not
// reported again on every stage, workflow use and relationship that
// follows from it.
func TestNoKnockOns(t *testing.T) {
	tests := []struct {
		name, flow string
		want       []string
	}{{
		name: "misspelt next",
		flow: "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    next = stage.resolv\n  }\n  stage \"b\" {\n  }\n  stage \"resolve\" {\n  }\n}\n",
		want: []string{"f.hcl:4: error: Unknown stage"},
	}, {
		name: "column not a string",
		flow: "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    step \"b\" { column = [\"subject\"] }\n  }\n}\n",
		want: []string{"f.hcl:4: error: Invalid column"},
	}, {
		name: "misspelt required arguments",
		flow: "flow \"f\" {\n  Primary_Table = \"lead\"\n  stage \"a\" {\n    step \"b\" { colum = \"subject\" }\n  }\n}\n",
		want: []string{"f.hcl:2: error: Unsupported argument", "f.hcl:4: error: Unsupported argument"},
	}, {
		name: "string left open",
		flow: "flow \"f\" {\n  primary_table = \"lead\"\n  display_name = \"F\n  stage \"a\" {\n    step \"b\" { column = \"subject\" }\n  }\n}\n",
		want: []string{"f.hcl:3: error: Invalid multi-line string", "f.hcl:3: error: Unterminated template string"},
	}, {
		name: "misspelt primary_table",
		flow: `workflow "w" {
  table = "lead"
}
flow "f" {
  primary_table = "leed"
  on_finish     = [workflow.w]
  stage "a" {
    step "b" { column = "budgetamount" }
    action "go" { workflow = workflow.w }
    on_enter = [workflow.w]
    branch {
      when = self.budgetamount > 3
      next = stage.c
    }
  }
  stage "b" {
    step "d" { column = "subject" }
  }
  stage "c" {
    step "e" { column = "subject" }
  }
}
`,
		want: []string{"f.hcl:5: error: Unknown table"},
	}, {
		name: "misspelt table of a stage",
		flow: `flow "f" {
  primary_table = "lead"
  stage "a" {}
  stage "b" {
    table        = "opportunty"
    relationship = "originatingleadid"
  }
  stage "c" {
    step "d" { column = "name" }
  }
}
`,
		want: []string{"f.hcl:5: error: Unknown table"},
	}, {
		name: "misspelt table of the first stage",
		flow: `flow "f" {
  primary_table = "lead"
  stage "a" {
    table = "leed"
  }
}
`,
		want: []string{"f.hcl:4: error: Unknown table"},
	}, {
		name: "misspelt table of a workflow",
		flow: `workflow "w" {
  table = "leed"
}
flow "f" {
  primary_table = "lead"
  stage "a" {
    on_enter = [workflow.w]
  }
}
`,
		want: []string{"f.hcl:2: error: Unknown table"},
	}, {
		name: "misspelt lookup target",
		flow: `table "fx_t" {
  column "fx_name" { type = "string" }
  column "fx_ref" {
    type   = "lookup"
    target = "leed"
  }
}
flow "f" {
  primary_table = "lead"
  stage "a" {}
  stage "b" {
    table        = "fx_t"
    relationship = "fx_ref"
  }
}
`,
		want: []string{"f.hcl:5: error: Unknown lookup target"},
	}, {
		// The next that is no reference leaves b with no stage known to
		// lead there, which is no reason to say b stays on one table.
		name: "next written as a string before a cross-table stage",
		flow: `flow "f" {
  primary_table = "lead"
  stage "a" {
    next = "b"
  }
  stage "b" {
    table        = "opportunity"
    relationship = "originatingleadid"
  }
}
`,
		want: []string{"f.hcl:4: error: Invalid reference"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(tt.flow), "s.hcl": []byte(baseSolution)})
			if diff := cmp.Diff(tt.want, diagKeys(diags)); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPrefixKnockOns: without a valid prefix of the project's own (a
// misspelt solution block, a prefix in capitals) the custom names are not
// each reported as lacking it; the one mistake is.
func TestPrefixKnockOns(t *testing.T) {
	const tables = "table \"fx_thing\" {\n  display_name = \"Thing\"\n  column \"fx_name\" {\n    type = \"string\"\n  }\n}\n"
	for _, tt := range []struct {
		name, solution string
		want           []string
	}{{
		name:     "prefix in capitals",
		solution: strings.Replace(baseSolution, `prefix = "fx"`, `prefix = "FX"`, 1),
		want:     []string{"s.hcl:4: error: Invalid prefix"},
	}, {
		name:     "misspelt solution block",
		solution: strings.Replace(baseSolution, "solution ", "soluton ", 1),
		want:     []string{"<project>: error: Missing solution", "s.hcl:1: error: Unsupported block type"},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := compiler.LoadSources(map[string][]byte{"t.hcl": []byte(tables), "s.hcl": []byte(tt.solution)})
			if diff := cmp.Diff(tt.want, diagKeys(diags)); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInvalidColumnKnockOns: a column declared with an invalid name
// ("fx_Reason") is reported once; a step, a condition or a workflow's
// update that uses it by the name its error suggests ("fx_reason"), or in
// another case, is not an Unknown column too, and a name near it that is
// unknown is never told to use the invalid name.
func TestInvalidColumnKnockOns(t *testing.T) {
	tables := `table "fx_ticket" {
  display_name = "Ticket"
  column "fx_name" {
    type = "string"
  }
  column "fx_Reason" {
    type = "string"
  }
}
workflow "w" {
  table = "fx_ticket"
  step "s" {
    update = { COLUMN = "x" }
  }
}
flow "f" {
  primary_table = "fx_ticket"
  stage "a" {
    step "b" { column = "COLUMN" }
    branch {
      when = self.COLUMN == "x"
      next = stage.c
    }
    on_enter = [workflow.w]
    next     = stage.c
  }
  stage "c" {}
}
`
	for _, tt := range []struct {
		column string
		want   []string
	}{
		{"fx_reason", []string{"f.hcl:6: error: Invalid column name"}},
		{"FX_REASON", []string{"f.hcl:6: error: Invalid column name"}},
		{"fx_reasn", []string{"f.hcl:6: error: Invalid column name", "f.hcl:13: error: Unknown column", "f.hcl:19: error: Unknown column", "f.hcl:21: error: Unknown column"}},
	} {
		t.Run(tt.column, func(t *testing.T) {
			src := strings.ReplaceAll(tables, "COLUMN", tt.column)
			_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
			if diff := cmp.Diff(tt.want, diagKeys(diags)); diff != "" {
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
			for _, d := range diags {
				if d.Summary == "Unknown column" && strings.Contains(d.Detail, "fx_Reason") {
					t.Errorf("%s suggests the invalid name: %s", d.Summary, d.Detail)
				}
			}
		})
	}
}

// TestInvalidTableKnockOns: a table declared with an invalid name
// ("fx_Thing") is reported once; a flow, a workflow, a create or a lookup
// that names it by the name its error suggests ("fx_thing"), or in another
// case, is not an Unknown table too, and an unknown name near it is never
// told to use the invalid name.
func TestInvalidTableKnockOns(t *testing.T) {
	src := `table "fx_Thing" {
  display_name = "Thing"
  column "fx_name" {
    type = "string"
  }
}
table "fx_other" {
  column "fx_name" {
    type = "string"
  }
  column "fx_ref" {
    type   = "lookup"
    target = "fx_thing"
  }
}
workflow "w" {
  table = "FX_THING"
  step "s" {
    create = { table = "fx_thing", values = { fx_name = "x" } }
  }
}
workflow "v" {
  table = "fx_thin"
}
flow "f" {
  primary_table = "fx_thing"
  stage "a" {
    step "b" { column = "fx_name" }
  }
}
`
	_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
	if diff := cmp.Diff([]string{"f.hcl:1: error: Invalid table name", "f.hcl:23: error: Unknown table"}, diagKeys(diags)); diff != "" {
		t.Errorf("diagnostics differ (-want +got):\n%s", diff)
	}
	for _, d := range diags {
		if d.Summary == "Unknown table" && strings.Contains(d.Detail, "fx_Thing") {
			t.Errorf("an unknown table is told the invalid name: %s", d.Detail)
		}
	}
}
