package compiler_test

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/gen"
)

func benchmarkLoad(b *testing.B, flows int) {
	srcs := gen.Project(flows, 30, 30)
	size := 0
	for _, s := range srcs {
		size += len(s)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		_, diags := compiler.LoadSources(srcs)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkValidate measures parse-and-check of 10, 100 and 1,000 flows of
// 30 stages × 30 steps; the ratio between sizes shows the cost is linear.
func BenchmarkValidate10(b *testing.B)   { benchmarkLoad(b, 10) }
func BenchmarkValidate100(b *testing.B)  { benchmarkLoad(b, 100) }
func BenchmarkValidate1000(b *testing.B) { benchmarkLoad(b, 1000) }
