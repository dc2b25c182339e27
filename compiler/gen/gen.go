// Package gen generates synthetic bpfc projects of any size, for benchmarks
// and load tests: N flows of S stages × T steps on the standard lead table.
package gen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Project returns the sources of a project with flows flows of stages stages
// × steps steps, one file per flow, a branch on a variable every third stage.
func Project(flows, stages, steps int) map[string][]byte {
	cols := []string{"subject", "budgetamount", "purchasetimeframe", "description", "decisionmaker", "qualificationcomments"}
	srcs := map[string][]byte{"bpfc.hcl": []byte(`solution "Bench" {
  version = "1.0.0.0"
  publisher "bench" { prefix = "bn" }
}
environment "dev" {
  managed = false
  max_active_flows_per_table = 100000
}
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

// WriteDir writes sources under dir.
func WriteDir(dir string, srcs map[string][]byte) error {
	for name, b := range srcs {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
