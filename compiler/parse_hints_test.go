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
