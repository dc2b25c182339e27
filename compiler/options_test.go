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

// TestDuplicateOptionValueSuggestionsPaste: the value a duplicate option is
// told to take is one no option has and Dataverse takes, so that, written
// in, the options validate, even when the greatest whole number is taken
// (it was suggested again, and the one after it, out of range).
func TestDuplicateOptionValueSuggestionsPaste(t *testing.T) {
	suggestion := regexp.MustCompile(`e\.g\. (\w+) = (-?\d+)\.$`)
	for _, options := range []string{
		`{ A = 1, B = 1, C = 1 }`,
		`{ A = 2147483646, B = 2147483647, C = 2147483647, D = 2147483647 }`,
		`{ A = 2147483647, B = 1, C = 2147483647, D = 2, E = 2 }`,
	} {
		src := func(options string) map[string][]byte {
			return map[string][]byte{"s.hcl": []byte(baseSolution), "f.hcl": []byte(`table "fx_policy" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
  column "fx_kind" {
    type    = "choice"
    options = ` + options + `
  }
}
`)}
		}
		_, diags := compiler.LoadSources(src(options))
		fixed := options
		for _, d := range diags {
			m := suggestion.FindStringSubmatch(d.Detail)
			if d.Summary != "Duplicate option value" || m == nil {
				t.Fatalf("%s: %s: %s", options, d.Summary, d.Detail)
			}
			// The later option of that label takes the value suggested.
			i := strings.LastIndex(fixed, m[1]+" = ")
			j := i + len(m[1]+" = ")
			k := j + strings.IndexAny(fixed[j:], ", }")
			fixed = fixed[:j] + m[2] + fixed[k:]
		}
		if _, diags := compiler.LoadSources(src(fixed)); diags.HasErrors() {
			t.Errorf("%s with the values suggested, %s: %v", options, fixed, diags)
		}
	}
}
