package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestReferenceWrittenAsString: a stage or workflow named in quotes where a
// reference is wanted (next = "develop", as a display name or a Dataverse
// field is written) is told the reference to write instead.
func TestReferenceWrittenAsString(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"next", `flow "f" {
  primary_table = "lead"
  stage "a" { next = "b" }
  stage "b" {}
}`, `Expected a reference of the form stage.<name>, not a string: write stage.b, without quotes.`},
		{"branch next", `flow "f" {
  primary_table = "lead"
  stage "a" {
    branch {
      when = self.budgetamount > 5
      next = "c"
    }
  }
  stage "b" {}
  stage "c" {}
}`, `Expected a reference of the form stage.<name>, not a string: write stage.c, without quotes.`},
		{"action workflow", `workflow "w" { table = "lead" }
flow "f" {
  primary_table = "lead"
  stage "a" {
    action "go" { workflow = "w" }
  }
}`, `Expected a reference of the form workflow.<name>, not a string: write workflow.w, without quotes.`},
		{"on_enter element", `workflow "w" { table = "lead" }
flow "f" {
  primary_table = "lead"
  stage "a" { on_enter = ["w"] }
}`, `Expected a reference of the form workflow.<name>, not a string: write workflow.w, without quotes.`},
		{"a display name", `flow "f" {
  primary_table = "lead"
  stage "a" { next = "Stage B" }
  stage "b" {}
}`, `Expected a reference of the form stage.<name>, with the block's label as name, not a string such as "Stage B". The flow's stages are "a", "b".`},
		// A display name is an identifier too: the label it belongs to
		// is the reference, not stage.Develop, which names no stage.
		{"a display name that is an identifier", `flow "f" {
  primary_table = "lead"
  stage "qualify" { next = "Develop" }
  stage "develop" { display_name = "Develop" }
}`, `Expected a reference of the form stage.<name>, not a string: write stage.develop, without quotes.`},
		{"a name that is no stage", `flow "f" {
  primary_table = "lead"
  stage "qualify" { next = "finish" }
  stage "develop" {}
}`, `Expected a reference of the form stage.<name>, with the block's label as name, not a string such as "finish". The flow's stages are "qualify", "develop".`},
		{"two stages of one display name", `flow "f" {
  primary_table = "lead"
  stage "a" { next = "Review" }
  stage "b" { display_name = "Review" }
  stage "c" { display_name = "Review" }
}`, `Expected a reference of the form stage.<name>, with the block's label as name, not a string such as "Review". The flow's stages are "a", "b", "c".`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(tc.src), "s.hcl": []byte(baseSolution)})
			var details []string
			for _, d := range diags {
				if d.Detail == tc.want {
					return
				}
				details = append(details, d.Summary+": "+d.Detail)
			}
			t.Errorf("no diagnostic says %q; got %q", tc.want, details)
		})
	}
}

// TestConditionBareNameHint: a condition's name that starts with neither
// self nor var is told what was likely meant: the column with self., a
// table's column as self's, or a text value in quotes.
func TestConditionBareNameHint(t *testing.T) {
	for _, tc := range []struct{ name, when, want string }{
		{"column without self", `leadqualitycode == "Hot"`,
			`"leadqualitycode" is not something a condition can refer to; use self.<column> or var.<variable>. Did you mean self.leadqualitycode? A column of the stage's record is self.<column>.`},
		{"label without quotes", `self.leadqualitycode == Hot`,
			`"Hot" is not something a condition can refer to; use self.<column> or var.<variable>. A text value, such as a choice's label, is written in quotes: "Hot".`},
		{"table's column", `lead.leadqualitycode == "Hot"`,
			`"lead" is not something a condition can refer to; use self.<column> or var.<variable>. A condition reads the record of its stage as self, whatever its table: write self.leadqualitycode.`},
		{"variable without var", `self.budgetamount > threshold`,
			`"threshold" is not something a condition can refer to; use self.<column> or var.<variable>. Did you mean var.threshold? A variable is var.<name>.`},
		{"another table's column", `account.accountnumber == "A1"`,
			`"account" is not something a condition can refer to; use self.<column> or var.<variable>. A condition reads only the record of its stage, as self, and this stage is on table "lead", not "account".`},
		{"misspelt self", `slef.leadqualitycode == "Hot"`,
			`"slef" is not something a condition can refer to; use self.<column> or var.<variable>. Did you mean "self"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    branch {\n      when = " + tc.when + "\n      next = stage.b\n    }\n  }\n  stage \"b\" {}\n}\n"
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(src), "s.hcl": []byte(baseSolution),
				"v.hcl": []byte("variable \"threshold\" {\n  type = \"number\"\n}\n")})
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
