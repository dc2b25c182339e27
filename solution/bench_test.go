package solution

import (
	"strings"
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
	benchBuildOf(b, p)
}

// benchBuildOf times Build of p into a directory of the benchmark's.
func benchBuildOf(b *testing.B, p *compiler.Project) {
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

// benchmarkBuildLongCondition measures Build of examples/sales whose
// record_approval step's when joins 2,000 comparisons with op: the cost of
// a condition should grow with its clauses, not faster.
func benchmarkBuildLongCondition(b *testing.B, op string) {
	benchBuildOf(b, longConditionProject(b, op, 2000))
}

// longConditionProject is examples/sales whose record_approval step's when
// joins n comparisons with op.
func longConditionProject(tb testing.TB, op string, n int) *compiler.Project {
	tb.Helper()
	srcs, _ := exampleSources(tb, "sales")
	const one = "self.cts_dealapproved == true"
	terms := make([]string, n)
	for i := range terms {
		terms[i] = one
	}
	wf := string(srcs["workflows.hcl"])
	long := strings.Replace(wf, "when   = "+one+"\n", "when   = "+strings.Join(terms, " "+op+" ")+"\n", 1)
	if long == wf {
		tb.Fatal("examples/sales/workflows.hcl no longer has the record_approval condition")
	}
	srcs["workflows.hcl"] = []byte(long)
	p, diags := compiler.LoadSources(srcs)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	return p
}

func BenchmarkBuildLongCondition(b *testing.B)   { benchmarkBuildLongCondition(b, "&&") }
func BenchmarkBuildLongOrCondition(b *testing.B) { benchmarkBuildLongCondition(b, "||") }
