package compiler_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
)

// TestDuplicateOptionValues: options that share a value are reported in the
// order the source writes them, each at the key of the later option, with a
// value of its own for it (none of them the same), the same way on every load.
func TestDuplicateOptionValues(t *testing.T) {
	src := `table "fx_policy" {
  primary_column = "fx_name"
  column "fx_name" {
    type = "string"
  }
  column "fx_kind" {
    type    = "choice"
    options = { Motor = 1, Home = 1, Travel = 1, Boat = 1 }
  }
}
`
	want := []string{
		`f.hcl:8,28-32: Options "Motor" and "Home" both have the value 1; give each option a value of its own, e.g. Home = 2.`,
		`f.hcl:8,38-44: Options "Motor" and "Travel" both have the value 1; give each option a value of its own, e.g. Travel = 3.`,
		`f.hcl:8,50-54: Options "Motor" and "Boat" both have the value 1; give each option a value of its own, e.g. Boat = 4.`,
	}
	for i := range 20 {
		_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
		var got []string
		for _, d := range diags {
			if d.Summary != "Duplicate option value" {
				t.Fatalf("unexpected diagnostic: %s", d.Error())
			}
			got = append(got, fmt.Sprintf("%s: %s", d.Subject, d.Detail))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("load %d: diagnostics differ (-want +got):\n%s", i, diff)
		}
	}
}

// TestDuplicateOptionValueSuggestionsPaste: the option a duplicate is told
// to write (its label as HCL takes it, a value no option has and Dataverse
// takes), written in place of it, validates: the greatest whole number taken
// made the suggestion that value again, and the one after it, out of range;
// a label was quoted as Go quotes, "${" left to be read as a template.
func TestDuplicateOptionValueSuggestionsPaste(t *testing.T) {
	suggestion := regexp.MustCompile(`e\.g\. (\w+|"(?:[^"\\]|\\.)*") = (-?\d+)\.$`)
	for _, options := range []string{
		`{ A = 1, B = 1, C = 1 }`,
		`{ A = 2147483646, B = 2147483647, C = 2147483647, D = 2147483647 }`,
		`{ A = 2147483647, B = 1, C = 2147483647, D = 2, E = 2 }`,
		`{ A = 1, "Cost $${x}" = 1, "Say \"hi\"" = 1 }`,
	} {
		src := `table "fx_policy" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
  column "fx_kind" {
    type    = "choice"
    options = ` + options + `
  }
}
`
		_, diags := compiler.LoadSources(map[string][]byte{"s.hcl": []byte(baseSolution), "f.hcl": []byte(src)})
		fixed := src
		for i := len(diags) - 1; i >= 0; i-- { // from the last, so that the offsets before it hold
			d := diags[i]
			m := suggestion.FindStringSubmatch(d.Detail)
			if d.Summary != "Duplicate option value" || m == nil {
				t.Fatalf("%s: %s: %s", options, d.Summary, d.Detail)
			}
			// The option reported, from its key to its value's end, is
			// the one suggested.
			from := d.Subject.Start.Byte
			to := d.Subject.End.Byte + strings.IndexAny(fixed[d.Subject.End.Byte:], ",}")
			fixed = fixed[:from] + m[1] + " = " + m[2] + " " + fixed[to:]
		}
		if _, diags := compiler.LoadSources(map[string][]byte{"s.hcl": []byte(baseSolution), "f.hcl": []byte(fixed)}); diags.HasErrors() {
			t.Errorf("%s with the options suggested:\n%s: %v", options, fixed, diags)
		}
	}
}
