package compiler_test

import (
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
)

// TestHugeNumberDescribed: an error about a number of a huge exponent
// names it without writing out its ten million digits (which took a
// minute).
func TestHugeNumberDescribed(t *testing.T) {
	src := "table \"fx_t\" {\n  column \"fx_c\" {\n    type    = \"choice\"\n    options = { Big = 999e9999999 }\n  }\n}\n"
	start := time.Now()
	_, diags := compiler.LoadSources(map[string][]byte{"t.hcl": []byte(src), "sol.hcl": []byte(baseSolution)})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if !diags.HasErrors() {
		t.Error("no error")
	}
}
