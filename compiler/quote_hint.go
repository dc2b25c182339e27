package compiler

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// referenceRoots are the names a reference may start with (self.<column>,
// var.<variable>, stage.<stage>, workflow.<workflow>).
var referenceRoots = []string{"self", "var", "stage", "workflow"}

// quoteHint adds a hint to the diagnostics of evaluating expr, an attribute
// that wants a string or a list of strings, where a bare name such as
// `primary_table = lead` was written: HCL reads it as a variable and says only
// "Variables not allowed". The hint is for a name standing alone as the value
// or as an element of a list; references (var.x, self.y, ...) keep HCL's
// message as it is.
func quoteHint(expr hcl.Expression, diags hcl.Diagnostics) {
	candidates := []hcl.Expression{expr}
	if t, ok := expr.(*hclsyntax.TupleConsExpr); ok {
		for _, e := range t.Exprs {
			candidates = append(candidates, e)
		}
	}
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Expression != nil && containsExpr(candidates, d.Expression) {
			d.Detail += bareNameHint(d.Expression)
		}
	}
}

// bareNameHint returns ` Did you mean "lead"? ...` when expr is a bare name
// that does not start a reference, or "".
func bareNameHint(expr hcl.Expression) string {
	trav, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() || len(trav) != 1 || contains(referenceRoots, trav.RootName()) {
		return ""
	}
	return ` Did you mean "` + trav.RootName() + `"? Names of tables, columns and the like are quoted strings.`
}

func containsExpr(list []hcl.Expression, e hcl.Expression) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}
