package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

const header = `
solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "pp" }
}
`

func load(t *testing.T, src string) *compiler.Project {
	t.Helper()
	p, diags := compiler.LoadSources(map[string][]byte{"bpfc.hcl": []byte(header + src)})
	if diags.HasErrors() {
		t.Fatalf("%v\n%s", diags, src)
	}
	return p
}

// lines renders changes one per line for comparison.
func lines(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		switch c.Change {
		case Changed:
			fmt.Fprintf(&b, "%s %s %s: %s: %q -> %q\n", c.Change, c.Kind, c.Name, c.Field, c.Old, c.New)
		case Added:
			fmt.Fprintf(&b, "%s %s %s: %s\n", c.Change, c.Kind, c.Name, c.New)
		default:
			fmt.Fprintf(&b, "%s %s %s: %s\n", c.Change, c.Kind, c.Name, c.Old)
		}
	}
	return b.String()
}

func TestSemantic(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{
			name: "stages reordered, added and removed",
			old: `flow "f" {
  primary_table = "lead"
  stage "a" {}
  stage "b" {}
  stage "c" {}
}`,
			new: `flow "f" {
  primary_table = "lead"
  stage "a" {}
  stage "c" {}
  stage "d" { category = "close" }
}`,
			want: `changed stage f.a: next: "b" -> "c"
removed stage f.b: table lead, 0 steps; an import moves the active instances at it back to the last stage of their path the flow keeps (bpfc plan --env E counts them)
changed stage f.c: next: "" -> "d"
added stage f.d: table lead, category close, 0 steps
`,
		},
		{
			name: "stage order",
			old: `flow "f" {
  primary_table = "lead"
  stage "a" {}
  stage "b" {
    next = stage.c
  }
  stage "c" {}
}`,
			new: `flow "f" {
  primary_table = "lead"
  stage "a" {
    next = stage.c
  }
  stage "c" {
    next = stage.b
  }
  stage "b" {}
}`,
			want: `changed flow f: stages: "a, b, c" -> "a, c, b"
changed stage f.a: next: "b" -> "c"
changed stage f.c: next: "" -> "b"
changed stage f.b: next: "c" -> ""
`,
		},
		{
			name: "steps, branches, triggers and relationships",
			old: `workflow "w" {
  table = "lead"
  step "s" {
    update = { subject = "x" }
  }
}
flow "f" {
  primary_table = "lead"
  stage "a" {
    step "x" { column = "subject" }
    step "y" { column = "budgetamount" }
    branch {
      when = self.budgetamount > 10
      next = stage.c
    }
  }
  stage "b" {}
  stage "c" {}
}`,
			new: `workflow "w" {
  table = "lead"
  step "s" {
    update = { subject = "y" }
  }
}
flow "f" {
  primary_table = "lead"
  on_finish     = [workflow.w]
  stage "a" {
    step "y" { column = "budgetamount" }
    step "x" {
      column       = "subject"
      display_name = "Headline"
    }
    action "go" { workflow = workflow.w }
    branch {
      when = self.budgetamount > 10
      next = stage.b
    }
    on_exit = [workflow.w]
  }
  stage "b" {
    table        = "opportunity"
    relationship = "originatingleadid"
  }
  stage "c" {
    table = "opportunity"
  }
}`,
			want: `changed flow f: on_finish: "" -> "w"
changed stage f.a: on_exit: "" -> "w"
changed stage f.a: steps: "x, y" -> "y, x, go"
changed step f.a.x: display_name: "Topic" -> "Headline"
added step f.a.go: action running workflow w
removed branch f.a to c: when self.budgetamount > 10
added branch f.a to b: when self.budgetamount > 10
changed stage f.b: table: "lead" -> "opportunity"
changed stage f.b: relationship: "" -> "originatingleadid"
changed stage f.c: table: "lead" -> "opportunity"
changed workflow_step w.s: subject: "\"x\"" -> "\"y\""
`,
		},
		{
			name: "tables and columns",
			old: `table "pp_thing" {
  display_name   = "Thing"
  primary_column = "pp_name"
  column "pp_name" {
    type = "string"
  }
  column "pp_kind" {
    type    = "choice"
    options = { A = 1, B = 2 }
  }
}
table "account" {
  column "pp_extra" { type = "integer" }
}`,
			new: `table "pp_thing" {
  display_name   = "Thing"
  primary_column = "pp_name"
  column "pp_name" {
    type       = "string"
    max_length = 50
  }
  column "pp_kind" {
    type    = "choice"
    options = { A = 1, B = 2, C = 3 }
  }
}
table "pp_other" {
  display_name   = "Other"
  primary_column = "pp_name"
  column "pp_name" { type = "string" }
}`,
			want: `changed table account: kind: "standard, extended" -> "standard"
removed column account.pp_extra: type integer
added table pp_other: custom table, 1 column
changed column pp_thing.pp_name: max_length: "100" -> "50"
changed column pp_thing.pp_kind: options: "A = 1, B = 2" -> "A = 1, B = 2, C = 3"
`,
		},
		{
			name: "a datetime column's behavior",
			old: `table "pp_thing" {
  display_name   = "Thing"
  primary_column = "pp_name"
  column "pp_name" { type = "string" }
  column "pp_due" { type = "datetime" }
}`,
			new: `table "pp_thing" {
  display_name   = "Thing"
  primary_column = "pp_name"
  column "pp_name" { type = "string" }
  column "pp_due" {
    type     = "datetime"
    behavior = "date_only"
  }
  column "pp_born" {
    type     = "datetime"
    behavior = "date_only"
  }
}`,
			want: `changed column pp_thing.pp_due: behavior: "user_local" -> "date_only"
added column pp_thing.pp_born: type datetime, date_only
`,
		},
		{
			// A type change is the type: an integer has no max_length to
			// change to.
			name: "a column's type",
			old: `table "pp_thing" {
  display_name   = "Thing"
  primary_column = "pp_name"
  column "pp_name" { type = "string" }
  column "pp_note" {
    type       = "string"
    max_length = 50
  }
}`,
			new: `table "pp_thing" {
  display_name   = "Thing"
  primary_column = "pp_name"
  column "pp_name" { type = "string" }
  column "pp_note" { type = "integer" }
}`,
			want: `changed column pp_thing.pp_note: type: "string" -> "integer"
`,
		},
		{
			// No build carries an external table's display name: its
			// round trip through unpack loses it, which is no change.
			name: "an external table's display name",
			old: `table "msdyn_workorder" {
  display_name = "Work Order"
  external     = true
}
table "pp_thing" {
  display_name = "Thing"
  external     = true
}`,
			new: `table "msdyn_workorder" {
  external = true
}
table "pp_thing" {
  display_name = "Thing"
  external     = true
}`,
			want: ``,
		},
		{
			name: "roles, variables and the solution",
			old: `variable "v" {
  type    = "string"
  default = "a"
}
variable "gone" { type = "json" }
flow "f" {
  primary_table = "lead"
  stage "a" {}
}
role "r" {
  grant "f" { privileges = ["read"] }
}`,
			new: `variable "v" { type = "string" }
variable "w" {
  type    = "json"
  default = { b = 1, a = [true] }
}
flow "f" {
  primary_table = "lead"
  stage "a" {}
}
role "q" {
  display_name = "Q"
  grant "f" { privileges = ["read", "write"] }
}`,
			want: `removed variable gone: type json, no default
changed variable v: default: "\"a\"" -> ""
added variable w: type json, default {"a":[true],"b":1}
added role q: grants on f
removed role r: grants on f
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lines(Semantic(load(t, tc.old), load(t, tc.new)))
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if back := Semantic(load(t, tc.old), load(t, tc.old)); len(back) != 0 {
				t.Errorf("a project differs from itself:\n%s", lines(back))
			}
		})
	}
}

func TestOrderedUnion(t *testing.T) {
	got := orderedUnion([]string{"a", "b", "c", "d"}, []string{"a", "c", "e"})
	if strings.Join(got, ",") != "a,b,c,d,e" {
		t.Errorf("got %v", got)
	}
	got = orderedUnion([]string{"x", "a"}, []string{"a"})
	if strings.Join(got, ",") != "x,a" {
		t.Errorf("got %v", got)
	}
}
