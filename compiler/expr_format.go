package compiler

import (
	"strings"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// FormatExpr writes an expression in canonical HCL text, fully parenthesised
// where precedence would otherwise matter. Builds, diffs and the digest use it,
// so two spellings of the same condition compare equal.
func FormatExpr(e Expr) string {
	var b strings.Builder
	formatExpr(&b, e, 0)
	return b.String()
}

// precedence of binary operators, as HCL parses them.
func precedence(op string) int {
	switch op {
	case OpOr:
		return 1
	case OpAnd:
		return 2
	case OpEq, OpNe:
		return 3
	}
	return 4
}

func formatExpr(b *strings.Builder, e Expr, parent int) {
	switch e := e.(type) {
	case nil:
		b.WriteString("null")
	case *Literal:
		b.WriteString(FormatValue(e.Value))
	case *ColumnRef:
		b.WriteString("self." + e.Column)
	case *VarRef:
		b.WriteString("var." + e.Name)
	case *Not:
		b.WriteString("!")
		formatExpr(b, e.X, 5)
	case *Call:
		b.WriteString(e.Func + "(")
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			formatExpr(b, a, 0)
		}
		b.WriteString(")")
	case *Binary:
		p := precedence(e.Op)
		if p <= parent {
			b.WriteString("(")
		}
		formatExpr(b, e.L, p-1)
		b.WriteString(" " + e.Op + " ")
		formatExpr(b, e.R, p)
		if p <= parent {
			b.WriteString(")")
		}
	}
}

// FormatValue writes a literal value as HCL.
func FormatValue(v cty.Value) string {
	switch {
	case v == cty.NilVal || v.IsNull():
		return "null"
	case v.Type() == cty.String:
		// HCL's own quoting: "${" and "%{" escaped as "$${" and "%%{",
		// controls as \u: the text parses back to the same string (the
		// deployed model is stored as this text).
		return string(hclwrite.TokensForValue(v).Bytes())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case v.Type() == cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return v.GoString()
}
