package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestSuggestionsNameWritableColumns: the column a "Did you mean" offers is
// one that would be valid where it is pasted: a step's value names a column
// the step can write (not the created or modified time, not the key of the
// record it updates), a step's column one that can be filled in (not the
// key), primary_column a string column. Each was offered before, and refused
// in turn once pasted.
func TestSuggestionsNameWritableColumns(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"read-only column in an update", `workflow "w" {
  table = "lead"
  step "s" { update = { createdonn = "x" } }
}`, `Table "lead" has no column "createdonn".`},
		{"key in an update", `workflow "w" {
  table = "lead"
  step "s" { update = { leadidd = "x" } }
}`, `Table "lead" has no column "leadidd".`},
		{"key as a step's column", `flow "f" {
  primary_table = "lead"
  stage "a" {
    step "s" { column = "leadidd" }
  }
}`, `Step "s" uses column "leadidd", which table "lead" does not have.`},
		{"primary column not a string", `table "fx_thing" {
  primary_column = "fx_counts"
  column "fx_name" { type = "string" }
  column "fx_count" { type = "number" }
}`, `primary_column "fx_counts" is not a column of "fx_thing".`},
		{"the key in a create is offered", `workflow "w" {
  table = "lead"
  step "s" { create = { table = "contact", values = { contactidd = "x" } } }
}`, `Table "contact" has no column "contactidd". Did you mean "contactid"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(tc.src), "s.hcl": []byte(baseSolution)})
			var details []string
			for _, d := range diags {
				if d.Detail == tc.want {
					return
				}
				details = append(details, d.Detail)
			}
			t.Errorf("no diagnostic says %q; got %q", tc.want, details)
		})
	}
}

// TestSuggestionsPreferFewerEdits: a prefix of several names counts as near
// each of them; the one fewer edits away is offered, not the first in
// alphabetical order. incident's Customer is "customerid", which "customer"
// misses by two letters; "customercontacted" it misses by nine.
func TestSuggestionsPreferFewerEdits(t *testing.T) {
	src := `flow "f" {
  primary_table = "incident"
  stage "a" {
    step "s" { column = "customer" }
  }
}`
	want := `Step "s" uses column "customer", which table "incident" does not have. Did you mean "customerid"?`
	_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
	var details []string
	for _, d := range diags {
		if d.Detail == want {
			return
		}
		details = append(details, d.Detail)
	}
	t.Errorf("no diagnostic says %q; got %q", want, details)
}

// TestSuggestionsByDisplayName: a table or column named by the display name
// Dataverse's apps show ("case", "Origin"), which is no
// misspelling of its logical name, is offered that logical name.
func TestSuggestionsByDisplayName(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"primary table", `flow "f" {
  primary_table = "case"
  stage "a" {}
}`, `primary_table "case" is neither a standard table nor declared in the project. Did you mean "incident"? "Case" is its display name; a table is named by its logical name.`},
		{"stage table", `flow "f" {
  primary_table = "lead"
  stage "a" {}
  stage "b" { table = "Case" }
}`, `Stage "b" is on table "Case", which is neither a standard table nor declared in the project. Did you mean "incident"? "Case" is its display name; a table is named by its logical name.`},
		{"step column", `flow "f" {
  primary_table = "incident"
  stage "a" {
    step "s" { column = "origin" }
  }
}`, `Step "s" uses column "origin", which table "incident" does not have. Did you mean "caseorigincode"? "Origin" is its display name; a column is named by its logical name.`},
		{"condition column", `flow "f" {
  primary_table = "incident"
  stage "a" {
    branch {
      when = self.origin == "Web"
      next = stage.b
    }
  }
  stage "b" {}
}`, `Table "incident" has no column "origin". Did you mean "caseorigincode"? "Origin" is its display name; a column is named by its logical name.`},
		{"lookup target", `table "fx_thing" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
  column "fx_case" {
    type   = "lookup"
    target = "case"
  }
}`, `Column fx_thing.fx_case looks up table "case", which is neither a standard table nor declared in the project. Did you mean "incident"? "Case" is its display name; a table is named by its logical name.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(tc.src), "s.hcl": []byte(baseSolution)})
			var details []string
			for _, d := range diags {
				if d.Detail == tc.want {
					return
				}
				details = append(details, d.Detail)
			}
			t.Errorf("no diagnostic says %q; got %q", tc.want, details)
		})
	}
}
