package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// GenerateProject writes a project of flows × stages × steps on lead, with a
// branch on every stage but the last, as one source per flow.
func generateProject(flows, stages, steps int) map[string][]byte {
	cols := []string{"subject", "budgetamount", "purchasetimeframe", "description", "decisionmaker", "qualificationcomments"}
	srcs := map[string][]byte{"bpfc.hcl": []byte(`solution "Bench" {
  version = "1.0.0.0"
  publisher "bench" { prefix = "bn" }
}
environment "dev" { max_active_flows_per_table = 100000 }
variable "threshold" {
  type    = "number"
  default = 1000
}
`)}
	for f := range flows {
		var b strings.Builder
		fmt.Fprintf(&b, "flow \"flow_%04d\" {\n  primary_table = \"lead\"\n  order = %d\n", f, f)
		for s := range stages {
			fmt.Fprintf(&b, "  stage \"stage_%02d\" {\n    category = \"qualify\"\n", s)
			for st := range steps {
				fmt.Fprintf(&b, "    step \"step_%02d\" {\n      column   = %q\n      required = %t\n    }\n", st, cols[st%len(cols)], st%3 == 0)
			}
			if s%3 == 0 && s+2 < stages {
				fmt.Fprintf(&b, "    branch {\n      when = self.budgetamount > var.threshold && self.subject != null\n      next = stage.stage_%02d\n    }\n", s+2)
			}
			b.WriteString("  }\n")
		}
		b.WriteString("}\n")
		srcs[fmt.Sprintf("flows/flow_%04d.hcl", f)] = []byte(b.String())
	}
	return srcs
}

func benchmarkLoad(b *testing.B, flows int) {
	srcs := generateProject(flows, 30, 30)
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
