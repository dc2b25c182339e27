package compiler_test

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestOneLineBlockHint: two arguments in a one-line block are told to go on
// lines of their own, once: separated by a comma, HCL's own detail says so
// already, and the hint only repeated it.
func TestOneLineBlockHint(t *testing.T) {
	const hint = "A block written on one line takes one argument only"
	for _, tc := range []struct {
		name, step string
		want       int // times the detail says to write one argument per line
	}{
		{"space", `step "b" { column = "subject" required = true }`, 1},
		{"comma", `step "b" { column = "subject", required = true }`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    " + tc.step + "\n  }\n}\n"
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
			for _, d := range diags {
				if d.Summary != "Invalid single-argument block definition" {
					continue
				}
				said := strings.Count(d.Detail, hint) + strings.Count(d.Detail, "one argument definition per line")
				if said != tc.want {
					t.Errorf("the detail says to write one argument per line %d times, want %d: %q", said, tc.want, d.Detail)
				}
				return
			}
			t.Errorf("no Invalid single-argument block definition error; got %v", diags)
		})
	}
}

// TestConditionOperatorHint: a condition written with one "=", joined with
// a word (and, or, not), testing "in" a list or calling a function as a
// method is a parse error of HCL's, "Missing newline after
// argument", whose detail says only that the line must end; the hint says
// what to write. Another argument going on after its value gets no hint.
func TestConditionOperatorHint(t *testing.T) {
	for _, tc := range []struct{ name, line, want string }{
		{"single equals", `when = self.subject = "x"`, `A condition compares with ==; a single = only sets an argument: write self.subject == ...`},
		{"and", `when = self.subject == "x" and self.decisionmaker`, `write && for and.`},
		{"or in capitals", `when = self.subject == "x" OR self.decisionmaker`, `write || for OR.`},
		{"not", `when = not self.decisionmaker`, `write ! for not.`},
		{"in a list", `when = self.subject in ["a", "b"]`, `A condition has no "in": compare with each value and join the comparisons with ||: self.subject == "a" || self.subject == "b".`},
		{"function as a method", `when = self.subject.startswith("a")`, `startswith is a function, not a method: write startswith(self.subject, ...).`},
		{"in after &&", `when = self.budgetamount > 5 && self.subject in ["a", "b"]`,
			`A condition has no "in": compare with each value and join the comparisons with ||, in parentheses: (self.subject == "a" || self.subject == "b").`},
		{"method after &&", `when = self.budgetamount > 5 && self.subject.contains("a")`, `contains is a function, not a method: write contains(self.subject, ...).`},
		{"method after !", `when = !self.subject.endswith("a")`, `endswith is a function, not a method: write endswith(self.subject, ...).`},
		{"not a condition", `next = stage.b = 3`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    branch {\n      " + tc.line + "\n      next = stage.b\n    }\n  }\n  stage \"b\" {}\n}\n"
			_, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
			for _, d := range diags {
				if d.Summary != "Missing newline after argument" {
					continue
				}
				const hcls = "An argument definition must end with a newline."
				switch {
				case tc.want == "" && d.Detail != hcls:
					t.Errorf("detail %q, want HCL's alone", d.Detail)
				case tc.want != "" && !strings.Contains(d.Detail, tc.want):
					t.Errorf("detail %q does not say %q", d.Detail, tc.want)
				}
				return
			}
			t.Errorf("no Missing newline after argument error; got %v", diags)
		})
	}
}
