package solution

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/gen"
)

// benchmarkBuild measures Build alone (emit, tree, both archives, write) of
// a generated project; the parse is measured by compiler's BenchmarkValidate.
func benchmarkBuild(b *testing.B, flows int) {
	p, diags := compiler.LoadSources(gen.Project(flows, 30, 30))
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	out := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(p, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuild10(b *testing.B)   { benchmarkBuild(b, 10) }
func BenchmarkBuild100(b *testing.B)  { benchmarkBuild(b, 100) }
func BenchmarkBuild1000(b *testing.B) { benchmarkBuild(b, 1000) }
