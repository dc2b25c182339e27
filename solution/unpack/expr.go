package unpack

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// maxExprText bounds the bpfc extension expressions read from an archive.
const maxExprText = 4096

// parseExprText reads an expression the bpfc extension carries (bpfc:Condition,
// bpfc:Value, ...) into an expression tree. Only the language of conditions is
// accepted — self.<column>, var.<name>, literals, null, comparisons, && || !,
// contains/startswith/endswith — so that nothing else can reach the written
// HCL: the tree is rendered again, never copied as text.
func parseExprText(text string) (compiler.Expr, error) {
	if len(text) > maxExprText {
		return nil, fmt.Errorf("expression of %d characters", len(text))
	}
	e, diags := hclsyntax.ParseExpression([]byte(text), "expression", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s", diags.Errs()[0])
	}
	return convertExpr(e, 0)
}

var exprOps = map[*hclsyntax.Operation]string{
	hclsyntax.OpEqual: compiler.OpEq, hclsyntax.OpNotEqual: compiler.OpNe,
	hclsyntax.OpLessThan: compiler.OpLt, hclsyntax.OpLessThanOrEqual: compiler.OpLe,
	hclsyntax.OpGreaterThan: compiler.OpGt, hclsyntax.OpGreaterThanOrEqual: compiler.OpGe,
	hclsyntax.OpLogicalAnd: compiler.OpAnd, hclsyntax.OpLogicalOr: compiler.OpOr,
}

func convertExpr(e hclsyntax.Expression, depth int) (compiler.Expr, error) {
	if depth > 64 {
		return nil, fmt.Errorf("expression nested too deeply")
	}
	switch e := e.(type) {
	case *hclsyntax.ParenthesesExpr:
		return convertExpr(e.Expression, depth+1)
	case *hclsyntax.LiteralValueExpr:
		return literalOf(e.Val)
	case *hclsyntax.TemplateExpr:
		if !e.IsStringLiteral() {
			return nil, fmt.Errorf("string templates are not conditions")
		}
		v, diags := e.Value(nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s", diags.Errs()[0])
		}
		return literalOf(v)
	case *hclsyntax.ScopeTraversalExpr:
		t := e.Traversal
		if len(t) != 2 {
			return nil, fmt.Errorf("reference %s: want self.<column> or var.<name>", t.RootName())
		}
		a, ok := t[1].(hcl.TraverseAttr)
		if !ok || !validName(a.Name) {
			return nil, fmt.Errorf("reference %s: want self.<column> or var.<name>", t.RootName())
		}
		switch t.RootName() {
		case "self":
			return &compiler.ColumnRef{Column: a.Name}, nil
		case "var":
			return &compiler.VarRef{Name: a.Name}, nil
		}
		return nil, fmt.Errorf("reference %s: want self.<column> or var.<name>", t.RootName())
	case *hclsyntax.UnaryOpExpr:
		x, err := convertExpr(e.Val, depth+1)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case hclsyntax.OpLogicalNot:
			return &compiler.Not{X: x}, nil
		case hclsyntax.OpNegate:
			if l, ok := x.(*compiler.Literal); ok && l.Kind == compiler.KindNumber {
				return &compiler.Literal{Value: l.Value.Negate(), Kind: compiler.KindNumber}, nil
			}
		}
		return nil, fmt.Errorf("unsupported unary operator")
	case *hclsyntax.BinaryOpExpr:
		op, ok := exprOps[e.Op]
		if !ok {
			return nil, fmt.Errorf("arithmetic is not a condition")
		}
		l, err := convertExpr(e.LHS, depth+1)
		if err != nil {
			return nil, err
		}
		r, err := convertExpr(e.RHS, depth+1)
		if err != nil {
			return nil, err
		}
		return &compiler.Binary{Op: op, L: l, R: r}, nil
	case *hclsyntax.FunctionCallExpr:
		switch e.Name {
		case "contains", "startswith", "endswith":
		default:
			return nil, fmt.Errorf("function %s is not a condition function", e.Name)
		}
		if len(e.Args) != 2 || e.ExpandFinal {
			return nil, fmt.Errorf("%s takes two arguments", e.Name)
		}
		c := &compiler.Call{Func: e.Name}
		for _, a := range e.Args {
			x, err := convertExpr(a, depth+1)
			if err != nil {
				return nil, err
			}
			c.Args = append(c.Args, x)
		}
		return c, nil
	}
	return nil, fmt.Errorf("unsupported expression")
}

func literalOf(v cty.Value) (compiler.Expr, error) {
	switch {
	case v.IsNull():
		return &compiler.Literal{Value: cty.NullVal(cty.DynamicPseudoType), Kind: compiler.KindNull}, nil
	case v.Type() == cty.String:
		return &compiler.Literal{Value: v, Kind: compiler.KindString}, nil
	case v.Type() == cty.Number:
		return &compiler.Literal{Value: v, Kind: compiler.KindNumber}, nil
	case v.Type() == cty.Bool:
		return &compiler.Literal{Value: v, Kind: compiler.KindBool}, nil
	}
	return nil, fmt.Errorf("unsupported literal")
}
