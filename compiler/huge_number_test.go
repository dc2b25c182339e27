package compiler_test

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestHugeNumberDescribed: an error about a number of a huge exponent
// names it without writing out its ten million digits (which took a
// minute, and made a message of that size). Such a literal is out of
// range where it is written; 1e400 is named where it is used.
func TestHugeNumberDescribed(t *testing.T) {
	for _, big := range []string{"999e9999999", "1e4000"} {
		hugeNumber(t, big)
	}
}

func hugeNumber(t *testing.T, big string) {
	t.Helper()
	src := "table \"fx_t\" {\n  column \"fx_c\" {\n    type    = \"choice\"\n    options = { Big = " + big + " }\n  }\n}\n"
	_, diags := compiler.LoadSources(map[string][]byte{"t.hcl": []byte(src), "sol.hcl": []byte(baseSolution)})
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	for _, d := range diags {
		if len(d.Detail) > 1000 {
			t.Errorf("%s: a detail of %d bytes", d.Summary, len(d.Detail))
		}
	}
	named := false
	for _, d := range diags {
		named = named || strings.Contains(d.Detail, "±1.8e308")
	}
	if !named {
		t.Errorf("the number is not named as beyond a float64's range: %v", diags)
	}
}
