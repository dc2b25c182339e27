package unpack

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// Conditions in process XAML are a flat list of activities that compute
// variables: GetEntityProperty reads a column, EvaluateExpression makes a
// literal (CreateCrmType) or copies a value (SelectFirstNonNull),
// EvaluateCondition compares, EvaluateLogicalCondition combines. evaluator
// replays them symbolically and gives each variable an expression.

// crmLit is a CreateCrmType literal: its WorkflowPropertyType, value and,
// for lookups, the target table.
type crmLit struct {
	ptype, value, target string
}

// xval is what a variable holds.
type xval struct {
	col  *compiler.ColumnRef
	lit  *crmLit
	cond compiler.Expr // a boolean
	size int           // nodes in cond: variables can be combined with themselves, so trees could double at every step
	bad  string        // why the value cannot be expressed
}

// maxCondSize bounds the expression a condition may expand to.
const maxCondSize = 1000

type evaluator struct {
	vars map[string]*xval
	// colTypes records the property type each column was compared with, for
	// typing columns of tables the archive does not define.
	colTypes map[string]string // "table.column" -> WorkflowPropertyType
	// warn reports a condition expressed differently from the export.
	warn func(msg string)
}

func newEvaluator() *evaluator {
	return &evaluator{vars: map[string]*xval{}, colTypes: map[string]string{}}
}

// step replays one activity. It reports whether the activity belongs to a
// condition; err says why one that does cannot be expressed.
func (ev *evaluator) step(e *etree.Element) (bool, error) {
	switch class(e) {
	case "GetEntityProperty":
		v := bracketed(attrValue(e, "Value"))
		col := attrValue(e, "Attribute")
		if v == "" || col == "" {
			return true, fmt.Errorf("GetEntityProperty without Attribute or Value")
		}
		ev.vars[v] = &xval{col: &compiler.ColumnRef{Table: strings.ToLower(attrValue(e, "EntityName")), Column: strings.ToLower(col)}}
		if ent := attrValue(e, "Entity"); ent != "" && !strings.Contains(ent, `InputEntities("primaryEntity")`) && !strings.Contains(ent, `InputEntities(&quot;primaryEntity&quot;)`) {
			ev.vars[v] = &xval{bad: "reads a related record (" + ent + ")"}
		}
		return true, nil
	case "EvaluateExpression":
		res := bracketed(argText(e, "Result"))
		op := argText(e, "ExpressionOperator")
		items, ok := vbArray(argText(e, "Parameters"))
		if res == "" {
			return true, fmt.Errorf("EvaluateExpression without a result")
		}
		switch {
		case !ok:
			ev.vars[res] = &xval{bad: "computes " + op + " with parameters bpfc cannot read"}
		case op == "CreateCrmType":
			ev.vars[res] = ev.createCrmType(items)
		case op == "SelectFirstNonNull" && len(items) >= 1 && !items[0].str:
			if x := ev.vars[items[0].text]; x != nil {
				ev.vars[res] = x
			} else {
				ev.vars[res] = &xval{bad: "copies an unknown value"}
			}
		default:
			ev.vars[res] = &xval{bad: "computes a value with " + op}
		}
		return true, nil
	case "EvaluateCondition":
		res := bracketed(argText(e, "Result"))
		if res == "" {
			return true, fmt.Errorf("EvaluateCondition without a result")
		}
		ev.vars[res] = ev.condition(argText(e, "ConditionOperator"), arg(e, "Parameters"), bracketed(argText(e, "Operand")))
		return true, nil
	case "EvaluateLogicalCondition":
		res := bracketed(argText(e, "Result"))
		if res == "" {
			return true, fmt.Errorf("EvaluateLogicalCondition without a result")
		}
		l, r := ev.vars[bracketed(argText(e, "LeftOperand"))], ev.vars[bracketed(argText(e, "RightOperand"))]
		op := map[string]string{"And": compiler.OpAnd, "Or": compiler.OpOr}[argText(e, "LogicalOperator")]
		switch {
		case op == "":
			ev.vars[res] = &xval{bad: "combines clauses with " + argText(e, "LogicalOperator")}
		case l == nil || r == nil || l.cond == nil || r.cond == nil:
			ev.vars[res] = &xval{bad: firstBad(l, r, "combines values that are not conditions")}
		case l.size+r.size+1 > maxCondSize:
			ev.vars[res] = &xval{bad: "is too large to express"}
		default:
			ev.vars[res] = &xval{cond: &compiler.Binary{Op: op, L: l.cond, R: r.cond}, size: l.size + r.size + 1}
		}
		return true, nil
	}
	return false, nil
}

func firstBad(l, r *xval, def string) string {
	for _, x := range []*xval{l, r} {
		if x != nil && x.bad != "" {
			return x.bad
		}
	}
	return def
}

// createCrmType reads "WorkflowPropertyType.X, "value", "marker"" or, for a
// lookup, "WorkflowPropertyType.EntityReference, "table", "", idVar, "Lookup"".
func (ev *evaluator) createCrmType(items []vbItem) *xval {
	if len(items) < 2 || items[0].str {
		return &xval{bad: "makes a literal bpfc cannot read"}
	}
	pt := items[0].text
	if i := strings.LastIndexByte(pt, '.'); i >= 0 {
		pt = pt[i+1:]
	}
	if pt == "EntityReference" {
		if len(items) < 4 || !items[1].str || items[3].str {
			return &xval{bad: "makes a lookup literal bpfc cannot read"}
		}
		id := ev.vars[items[3].text]
		if id == nil || id.lit == nil {
			return &xval{bad: "makes a lookup literal from an unknown id"}
		}
		return &xval{lit: &crmLit{ptype: pt, value: id.lit.value, target: strings.ToLower(items[1].text)}}
	}
	if !items[1].str {
		return &xval{bad: "makes a literal from a computed value"}
	}
	return &xval{lit: &crmLit{ptype: pt, value: items[1].text}}
}

var compareOps = map[string]string{
	"Equal": compiler.OpEq, "NotEqual": compiler.OpNe,
	"GreaterThan": compiler.OpGt, "GreaterEqual": compiler.OpGe,
	"LessThan": compiler.OpLt, "LessEqual": compiler.OpLe,
}

var textOps = map[string]struct {
	fn  string
	neg bool
}{
	"Contains": {"contains", false}, "DoesNotContain": {"contains", true},
	"BeginsWith": {"startswith", false}, "DoesNotBeginWith": {"startswith", true},
	"EndsWith": {"endswith", false}, "DoesNotEndWith": {"endswith", true},
}

// condition builds one comparison.
func (ev *evaluator) condition(op string, params *etree.Element, operand string) *xval {
	left := ev.vars[operand]
	if left == nil {
		return &xval{bad: "compares an unknown value"}
	}
	if left.bad != "" {
		return left
	}
	if left.col == nil {
		return &xval{bad: "compares a value that is not a column"}
	}
	col := left.col
	var rights []*xval
	if params != nil && local(params) != "Null" {
		items, ok := vbArray(strings.TrimSpace(params.Text()))
		if !ok {
			return &xval{bad: "compares with parameters bpfc cannot read"}
		}
		for _, it := range items {
			if it.str {
				return &xval{bad: "compares with an inline value bpfc cannot read"}
			}
			r := ev.vars[it.text]
			if r == nil {
				return &xval{bad: "compares with an unknown value"}
			}
			if r.bad != "" {
				return r
			}
			rights = append(rights, r)
		}
	}
	switch op {
	case "Null", "NotNull":
		o := compiler.OpEq
		if op == "NotNull" {
			o = compiler.OpNe
		}
		return &xval{cond: &compiler.Binary{Op: o, L: col, R: &compiler.Literal{Value: cty.NullVal(cty.DynamicPseudoType), Kind: compiler.KindNull}}, size: 3}
	}
	if len(rights) == 0 {
		return &xval{bad: "uses the operator " + op + " without a value"}
	}
	operand2 := func(r *xval) (compiler.Expr, bool) {
		switch {
		case r.col != nil:
			return r.col, true
		case r.lit != nil:
			ev.colTypes[col.Table+"."+col.Column] = r.lit.ptype
			l, ok := litExpr(r.lit)
			return l, ok
		}
		return nil, false
	}
	if o, ok := compareOps[op]; ok {
		// Equal with several values is written back as Dataverse wrote it
		// (emit's in-list); NotEqual with several is not, yet.
		if len(rights) > 1 && o == compiler.OpNe && ev.warn != nil {
			ev.warn(fmt.Sprintf("the condition %s %s (none of %d values) is written as comparisons joined by &&; where that is combined with ||, Dataverse cannot encode it and the rebuilt XAML carries it as a bpfc extension", col.Column, op, len(rights)))
		}
		if len(rights) > maxCondSize/4 {
			return &xval{bad: "compares with too many values"}
		}
		var out compiler.Expr
		for _, r := range rights {
			x, ok := operand2(r)
			if !ok {
				return &xval{bad: "compares with a value bpfc cannot read"}
			}
			var c compiler.Expr = &compiler.Binary{Op: o, L: col, R: x}
			switch {
			case out == nil:
				out = c
			case o == compiler.OpNe: // not any of them
				out = &compiler.Binary{Op: compiler.OpAnd, L: out, R: c}
			default: // any of them
				out = &compiler.Binary{Op: compiler.OpOr, L: out, R: c}
			}
		}
		return &xval{cond: out, size: 4 * len(rights)}
	}
	if t, ok := textOps[op]; ok && len(rights) == 1 {
		x, ok := operand2(rights[0])
		if !ok {
			return &xval{bad: "compares with a value bpfc cannot read"}
		}
		var c compiler.Expr = &compiler.Call{Func: t.fn, Args: []compiler.Expr{col, x}}
		if t.neg {
			c = &compiler.Not{X: c}
		}
		return &xval{cond: c, size: 5}
	}
	return &xval{bad: "uses the condition operator " + op + ", which bpfc conditions do not offer"}
}

// litExpr converts a CRM literal to an expression literal. Choice values
// stay numbers and dates stay text here; labelLiterals maps them once the
// column is known.
func litExpr(l *crmLit) (*compiler.Literal, bool) {
	str := func(s string) (*compiler.Literal, bool) {
		return &compiler.Literal{Value: cty.StringVal(s), Kind: compiler.KindString}, true
	}
	num := func(s string) (*compiler.Literal, bool) {
		f, _, err := big.ParseFloat(strings.TrimSpace(s), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, false
		}
		return &compiler.Literal{Value: cty.NumberVal(f), Kind: compiler.KindNumber}, true
	}
	switch l.ptype {
	case "String", "Memo", "EntityReference", "Guid", "Lookup", "Customer", "Owner":
		return str(l.value)
	case "Integer", "Decimal", "Money", "Float", "Double", "OptionSetValue", "Picklist", "BigInt":
		return num(l.value)
	case "Boolean":
		switch strings.ToLower(strings.TrimSpace(l.value)) {
		case "true", "1":
			return &compiler.Literal{Value: cty.True, Kind: compiler.KindBool}, true
		case "false", "0":
			return &compiler.Literal{Value: cty.False, Kind: compiler.KindBool}, true
		}
		return nil, false
	case "DateTime":
		t, ok := parseCRMDate(l.value)
		if !ok {
			return nil, false
		}
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			return str(t.Format("2006-01-02"))
		}
		return str(t.Format(time.RFC3339))
	}
	return nil, false
}

// parseCRMDate reads the date forms process XAML holds.
func parseCRMDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", "01/02/2006 15:04:05", "1/2/2006 15:04:05", "01/02/2006"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// branchCondition is the expression of a ConditionBranch's Condition
// argument: a variable, or the literals True and False.
func (ev *evaluator) branchCondition(text string) (compiler.Expr, string) {
	switch strings.TrimSpace(text) {
	case "True":
		return &compiler.Literal{Value: cty.True, Kind: compiler.KindBool}, ""
	case "False":
		return &compiler.Literal{Value: cty.False, Kind: compiler.KindBool}, ""
	}
	v := ev.vars[bracketed(text)]
	switch {
	case v == nil:
		return nil, "its condition " + text + " is not computed in the sequence"
	case v.bad != "":
		return nil, "its condition " + v.bad
	case v.cond == nil:
		return nil, "its condition is not a comparison"
	}
	return v.cond, ""
}
