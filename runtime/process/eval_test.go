package process

import (
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/zclconf/go-cty/cty"
)

const testProject = `
solution "T" {
  version = "1.0.0.0"
  publisher "p" { prefix = "tp" }
}
variable "threshold" {
  type    = "number"
  default = 100
}
variable "day" {
  type    = "string"
  default = "2026-01-31"
}
flow "deal" {
  primary_table = "lead"
  stage "qualify" {
    step "budget" {
      column   = "budgetamount"
      required = true
    }
    step "decider" {
      column   = "decisionmaker"
      required = true
    }
    branch {
      when = self.budgetamount > var.threshold && self.purchasetimeframe == "Immediate"
      next = stage.fast
    }
    branch {
      when = self.subject == null || startswith(self.subject, "VIP")
      next = stage.review
    }
    next = stage.close
  }
  stage "fast" {
    next = stage.close
  }
  stage "review" {}
  stage "close" {}
}
`

func load(t *testing.T) *compiler.Project {
	t.Helper()
	p, diags := compiler.LoadSources(map[string][]byte{"p.hcl": []byte(testProject)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

func names(stages []*compiler.Stage) []string {
	var out []string
	for _, s := range stages {
		out = append(out, s.Name)
	}
	return out
}

func TestActivePathFollowsValuesAndVariables(t *testing.T) {
	p := load(t)
	f := p.Flow("deal")
	// Vars are by schema name, as the engine reads them from the store.
	threshold := p.Variable("threshold").SchemaName
	vars := Vars{threshold: cty.NumberIntVal(100)}
	cases := []struct {
		row  Row
		vars Vars
		want string
	}{
		{Row{"budgetamount": 500.0, "purchasetimeframe": int64(0), "subject": "x"}, vars, "qualify fast close"},
		{Row{"budgetamount": 500.0, "purchasetimeframe": int64(0), "subject": "x"}, Vars{threshold: cty.NumberIntVal(1000)}, "qualify close"},
		{Row{"budgetamount": int64(50), "subject": "vip deal"}, vars, "qualify review close"}, // case-insensitive startswith
		{Row{"budgetamount": 500.0, "purchasetimeframe": int64(1), "subject": "x"}, vars, "qualify close"},
		{Row{"purchasetimeframe": int64(0)}, vars, "qualify review close"}, // empty budget: > is false; empty subject == null
	}
	for i, c := range cases {
		path, err := ActivePath(f, nil, Records{"lead": c.row}, c.vars)
		if err != nil {
			t.Fatal(err)
		}
		if got := joinNames(names(path)); got != c.want {
			t.Errorf("case %d: path %q, want %q", i, got, c.want)
		}
	}
	// The traversed part is kept even when values change afterwards.
	path, _ := ActivePath(f, []string{"qualify", "fast"}, Records{"lead": {}}, vars)
	if got := joinNames(names(path)); got != "qualify fast close" {
		t.Errorf("traversed path: %q", got)
	}
}

func joinNames(n []string) string {
	out := ""
	for i, s := range n {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

func TestMissingRequired(t *testing.T) {
	p := load(t)
	s := p.Flow("deal").Stage("qualify")
	if got := MissingRequired(p, s, Row{"budgetamount": 1.0, "decisionmaker": true}); len(got) != 0 {
		t.Errorf("all filled: %v", got)
	}
	got := MissingRequired(p, s, Row{"decisionmaker": false})
	if len(got) != 2 || got[0].Step.Name != "budget" || !got[1].IsBool {
		t.Fatalf("got %v", got)
	}
	if msg := got[0].Error(); msg != `required step "budget" (lead.budgetamount) is empty` {
		t.Errorf("message %q", msg)
	}
}

func TestEvalComparisons(t *testing.T) {
	p := load(t)
	parse := func(src string) compiler.Expr {
		x, err := compiler.ParseExpr(p, src, "lead", true)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	row := Row{"parentaccountid": "3b7fbd35-5adc-516c-9dc0-1e40c9927088", "subject": "Big Deal", "budgetamount": int64(10), "estimatedclosedate": time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), "decisionmaker": true}
	for src, want := range map[string]bool{
		`self.subject == "big deal"`:                                       true,
		`self.subject != "big deal"`:                                       false,
		`self.budgetamount >= 10`:                                          true,
		`self.budgetamount < 10`:                                           false,
		`self.estimatedclosedate > "2026-04-30"`:                           true,
		`self.decisionmaker`:                                               true,
		`!self.decisionmaker`:                                              false,
		`self.description != null`:                                         false,
		`self.description == "x"`:                                          false,
		`contains(self.subject, "DEAL")`:                                   true,
		`endswith(self.subject, "x")`:                                      false,
		`self.budgetamount > 5 || self.subject == null`:                    true,
		`self.parentaccountid == "3B7FBD35-5ADC-516C-9DC0-1E40C9927088"`:   true,
		`self.parentaccountid == "{3b7fbd35-5adc-516c-9dc0-1e40c9927088}"`: true,
		`"{3b7fbd35-5adc-516c-9dc0-1e40c9927088}" == self.parentaccountid`: true,
		`self.parentaccountid != "{3b7fbd35-5adc-516c-9dc0-1e40c9927088}"`: false,
	} {
		got, err := Eval(parse(src), row, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %t, want %t", src, got, want)
		}
	}
}

// TestChoiceLabelCase: a variable's text names a choice's option by its
// label in any case, as the compiler's check takes it; the label as
// written first, where two options' labels differ only in case.
func TestChoiceLabelCase(t *testing.T) {
	p, diags := compiler.LoadSources(map[string][]byte{"p.hcl": []byte(`
solution "T" {
  version = "1.0.0.0"
  publisher "p" { prefix = "tp" }
}
table "tp_thing" {
  primary_column = "tp_name"
  column "tp_name" { type = "string" }
  column "tp_heat" {
    type    = "choice"
    options = { "Hot" = 1, "Cold" = 2 }
  }
  column "tp_twin" {
    type    = "choice"
    options = { "Hot" = 1, "hot" = 2 }
  }
}
variable "v" {
  type     = "string"
  required = false
}
`)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, c := range []struct {
		src, v string
		row    Row
		want   bool
	}{
		{`self.tp_heat == var.v`, "cold", Row{"tp_heat": int64(2)}, true},
		{`self.tp_heat == var.v`, "HOT", Row{"tp_heat": int64(2)}, false},
		{`self.tp_twin == var.v`, "hot", Row{"tp_twin": int64(2)}, true},
		{`self.tp_twin == var.v`, "Hot", Row{"tp_twin": int64(1)}, true},
		{`self.tp_twin == var.v`, "hot", Row{"tp_twin": int64(1)}, false},
	} {
		x, err := compiler.ParseExpr(p, c.src, "tp_thing", true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Eval(x, c.row, Vars{p.Variable("v").SchemaName: cty.StringVal(c.v)})
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s with var.v = %q and %v: %t, want %t", c.src, c.v, c.row, got, c.want)
		}
	}
}

// TestVariableOrderedAgainstDate: a string variable ordered against a date
// column (the compiler checks its values as dates there) compares as the
// date it reads as, as a literal's text does.
func TestVariableOrderedAgainstDate(t *testing.T) {
	p := load(t)
	row := Row{"estimatedclosedate": time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	for day, want := range map[string]bool{"2026-04-30": true, "2026-05-01": false, "2026-05-02": false} {
		x, err := compiler.ParseExpr(p, `var.day < self.estimatedclosedate`, "lead", true)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Eval(x, row, Vars{p.Variable("day").SchemaName: cty.StringVal(day)}); err != nil || got != want {
			t.Errorf("var.day = %q < 2026-05-01: %t %v, want %t", day, got, err, want)
		}
	}
}
