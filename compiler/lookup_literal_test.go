package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
)

// TestLookupLiterals: a lookup compares with an id in the form the
// runtime reads (36 characters, any case, braces or not); the 32-digit
// and urn: forms uuid.Parse also takes would never match a row, so they
// are refused as any other text is.
func TestLookupLiterals(t *testing.T) {
	for lit, want := range map[string][]string{
		"3b7fbd35-5adc-516c-9dc0-1e40c9927088":          nil,
		"{3B7FBD35-5ADC-516C-9DC0-1E40C9927088}":        nil,
		"3b7fbd355adc516c9dc01e40c9927088":              {"f.hcl:5: error: Invalid id"},
		"urn:uuid:3b7fbd35-5adc-516c-9dc0-1e40c9927088": {"f.hcl:5: error: Invalid id"},
		"{3b7fbd35-5adc-516c-9dc0-1e40c9927088":         {"f.hcl:5: error: Invalid id"},
	} {
		src := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    branch {\n      when = self.parentaccountid == \"" + lit + "\"\n      next = stage.b\n    }\n  }\n  stage \"b\" {}\n}\n"
		_, diags := compiler.LoadSources(map[string][]byte{"f.hcl": []byte(src), "s.hcl": []byte(baseSolution)})
		if diff := cmp.Diff(want, diagKeys(diags)); diff != "" {
			t.Errorf("%s: diagnostics differ (-want +got):\n%s", lit, diff)
		}
	}
}
