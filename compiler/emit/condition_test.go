package emit

import (
	"strings"
	"testing"

	"github.com/beevik/etree"

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

// TestOrChainEmitsLikeAndChain: an || chain is written as an && chain is,
// one EvaluateLogicalCondition per operator, and costs no more. Looking
// for an in-list (which only an && has) in every clause of an || chain
// of one column walked the rest of the chain at every level: quadratic,
// 8,000 clauses built in 15 s. That walk collects the values it finds,
// so it shows as allocations the && chain does not make.
func TestOrChainEmitsLikeAndChain(t *testing.T) {
	eq := &compiler.Binary{Op: compiler.OpEq,
		L: &compiler.ColumnRef{Table: "opportunity", Column: "cts_dealapproved", Col: &compiler.Column{Type: compiler.TypeBoolean}},
		R: &compiler.Literal{Kind: compiler.KindBool, Value: ctyTrue}}
	chain := func(op string, n int) compiler.Expr {
		var e compiler.Expr = eq
		for range n - 1 {
			e = &compiler.Binary{Op: op, L: e, R: eq}
		}
		return e
	}
	emitted := func(e compiler.Expr) (*etree.Element, float64) {
		var acts *etree.Element
		allocs := testing.AllocsPerRun(3, func() {
			root := etree.NewElement("root")
			acts = root.CreateElement("acts")
			sc := &scope{name: "s", entity: primaryEntity, table: "opportunity", vars: root.CreateElement("vars"), acts: acts}
			sc.condition(e)
		})
		return acts, allocs
	}
	const n = 1_000
	and, andAllocs := emitted(chain(compiler.OpAnd, n))
	or, orAllocs := emitted(chain(compiler.OpOr, n))
	count := func(acts *etree.Element, name string) int {
		return len(acts.FindElements("mxswa:ActivityReference[@DisplayName='" + name + "']"))
	}
	for _, name := range []string{"EvaluateLogicalCondition", "EvaluateCondition"} {
		if a, o := count(and, name), count(or, name); a == 0 || a != o {
			t.Errorf("%s: %d in the && chain, %d in the || chain", name, a, o)
		}
	}
	if orAllocs > andAllocs {
		t.Errorf("emitting %d clauses joined by || allocates %v times, by && %v", n, orAllocs, andAllocs)
	}
}
