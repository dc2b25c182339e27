package unpack

import (
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// valuesObject writes { key = expr, ... }: keys in order, then the rest sorted.
func valuesObject(values map[string]compiler.Expr, order []string) hclwrite.Tokens {
	keys := make([]string, 0, len(values))
	for k := range values {
		if !slices.Contains(order, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var ordered []string
	for _, k := range order {
		if _, ok := values[k]; ok {
			ordered = append(ordered, k)
		}
	}
	ordered = append(ordered, keys...)
	var attrs []hclwrite.ObjectAttrTokens
	for _, k := range ordered {
		attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: keyTokens(k), Value: exprTokens(values[k], 0)})
	}
	return hclwrite.TokensForObject(attrs)
}

// precedence of binary operators, as compiler.FormatExpr parenthesises them.
func precedence(op string) int {
	switch op {
	case compiler.OpOr:
		return 1
	case compiler.OpAnd:
		return 2
	case compiler.OpEq, compiler.OpNe:
		return 3
	}
	return 4
}

var opTokens = map[string]hclsyntax.TokenType{
	compiler.OpEq: hclsyntax.TokenEqualOp, compiler.OpNe: hclsyntax.TokenNotEqual,
	compiler.OpLt: hclsyntax.TokenLessThan, compiler.OpLe: hclsyntax.TokenLessThanEq,
	compiler.OpGt: hclsyntax.TokenGreaterThan, compiler.OpGe: hclsyntax.TokenGreaterThanEq,
	compiler.OpAnd: hclsyntax.TokenAnd, compiler.OpOr: hclsyntax.TokenOr,
}

func tok(t hclsyntax.TokenType, s string) *hclwrite.Token {
	return &hclwrite.Token{Type: t, Bytes: []byte(s)}
}

// exprTokens writes an expression as compiler.FormatExpr does, with string
// literals escaped by hclwrite (so "${" stays text).
func exprTokens(e compiler.Expr, parent int) hclwrite.Tokens {
	switch e := e.(type) {
	case nil:
		return hclwrite.TokensForIdentifier("null")
	case *compiler.Literal:
		if e.Value == cty.NilVal || e.Value.IsNull() {
			return hclwrite.TokensForIdentifier("null")
		}
		return hclwrite.TokensForValue(e.Value)
	case *compiler.ColumnRef:
		return traversal("self", e.Column)
	case *compiler.VarRef:
		return traversal("var", e.Name)
	case *compiler.Not:
		return append(hclwrite.Tokens{tok(hclsyntax.TokenBang, "!")}, exprTokens(e.X, 5)...)
	case *compiler.Call:
		var args []hclwrite.Tokens
		for _, a := range e.Args {
			args = append(args, exprTokens(a, 0))
		}
		return hclwrite.TokensForFunctionCall(e.Func, args...)
	case *compiler.Binary:
		p := precedence(e.Op)
		var out hclwrite.Tokens
		if p <= parent {
			out = append(out, tok(hclsyntax.TokenOParen, "("))
		}
		out = append(out, exprTokens(e.L, p-1)...)
		out = append(out, tok(opTokens[e.Op], e.Op))
		out = append(out, exprTokens(e.R, p)...)
		if p <= parent {
			out = append(out, tok(hclsyntax.TokenCParen, ")"))
		}
		return out
	}
	return hclwrite.TokensForIdentifier("null")
}
