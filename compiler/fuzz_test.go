package compiler_test

import (
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"golang.org/x/tools/txtar"
)

// FuzzLoad checks that parsing and checking never panic, whatever the input.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/compiler/*.txtar")
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			f.Add(file.Data)
		}
	}
	f.Add([]byte(baseSolution))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, diags := compiler.LoadSources(map[string][]byte{"fuzz.hcl": src, "sol.hcl": []byte(baseSolution)})
		if p == nil {
			t.Fatal("nil project")
		}
		for _, d := range diags {
			_ = d.Error()
		}
	})
}
