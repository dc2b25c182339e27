package emit

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// andChain returns clauses joined by &&, nested to the left as the parser
// nests them.
func andChain(clauses ...compiler.Expr) compiler.Expr {
	e := clauses[0]
	for _, c := range clauses[1:] {
		e = &compiler.Binary{Op: compiler.OpAnd, L: e, R: c}
	}
	return e
}

// TestConditionIssueChecksOperatorsOnce: whether a condition mixes && and
// || is decided once, at its root. Decided again at every level, a chain of
// n clauses walked n subtrees: quadratic, so 8,000 clauses took a second to
// check and 200,000 minutes. Each decision allocates its set of operators,
// which is what this counts: a chain of bare two-options columns allocates
// nothing else.
func TestConditionIssueChecksOperatorsOnce(t *testing.T) {
	flag := &compiler.ColumnRef{Table: "opportunity", Column: "cts_dealapproved", Col: &compiler.Column{Type: compiler.TypeBoolean}}
	chain := func(n int) compiler.Expr {
		clauses := make([]compiler.Expr, n)
		for i := range clauses {
			clauses[i] = flag
		}
		return andChain(clauses...)
	}
	short, long := chain(10), chain(10_000)
	if issue := conditionIssue(long); issue != "" {
		t.Fatalf("a chain of two-options columns: %s", issue)
	}
	a := testing.AllocsPerRun(5, func() { conditionIssue(short) })
	b := testing.AllocsPerRun(5, func() { conditionIssue(long) })
	if b != a {
		t.Errorf("conditionIssue allocates %v times for 10 clauses, %v for 10,000: it checks the operators more than once", a, b)
	}

	// Checked once, the answers are those of checking every level.
	text := &compiler.ColumnRef{Table: "opportunity", Column: "name", Col: &compiler.Column{Type: compiler.TypeString}}
	or := &compiler.Binary{Op: compiler.OpOr, L: flag, R: flag}
	clauses := []compiler.Expr{flag, flag, or, flag}
	if issue := conditionIssue(andChain(clauses...)); !strings.HasPrefix(issue, "mixes && and ||") {
		t.Errorf("an || deep in an && chain: got %q, want the mixed operators", issue)
	}
	clauses = []compiler.Expr{flag, flag, flag, text, flag}
	if issue := conditionIssue(andChain(clauses...)); issue != "tests a column that is not a two-options column" {
		t.Errorf("a text column deep in an && chain: got %q", issue)
	}
}
