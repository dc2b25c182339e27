package emit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// TestExamples builds every project under examples/ through the parser and
// checks that each file is well-formed and each flow's ids are consistent.
// A project that does not load is skipped: that is the parser's tests' concern.
func TestExamples(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*")
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, diags := compiler.Load(dir)
			if diags.HasErrors() {
				t.Fatalf("does not load: %v", diags)
			}
			for _, f := range Files(p) {
				s, err := f.Doc.WriteToString()
				if err != nil {
					t.Fatal(err)
				}
				if err := etree.NewDocument().ReadFromString(s); err != nil {
					t.Errorf("%s: %v", f.Path, err)
				}
			}
			for _, f := range p.Flows {
				for _, problem := range idProblems(FlowXAML(p, f), FlowData(p, f)) {
					t.Errorf("flow %s: %s", f.Name, problem)
				}
			}
			_ = Schema(p)
			for _, w := range DataverseWarnings(p) {
				t.Logf("%s:%d: %s", w.Range.Filename, w.Range.Start.Line, w.Message)
			}
		})
	}
}
