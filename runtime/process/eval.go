package process

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/zclconf/go-cty/cty"
)

// Row is a record's values by column name: string, int64, float64, bool,
// time.Time or nil (empty). Choice columns hold their option value (int64),
// lookups the target row's id (string).
type Row map[string]any

// Vars are the environment's variable values by schema name
// (<prefix>_<name>): two solutions in one environment may each declare a
// variable of one short name, and each reads its own.
type Vars map[string]cty.Value

// VarKey is the key of the variable e names in Vars: its schema name,
// or its short name where the reference was never resolved.
func VarKey(e *compiler.VarRef) string {
	if e.Var != nil && e.Var.SchemaName != "" {
		return e.Var.SchemaName
	}
	return e.Name
}

// Eval evaluates a condition on row. A comparison that involves an empty
// column is false, except a comparison with null itself: self.x == null
// tests for empty, as in Dataverse's "does not contain data".
func Eval(e compiler.Expr, row Row, vars Vars) (bool, error) {
	v, err := value(e, row, vars)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, nil // an empty bool column or variable is not true
	}
	return b, nil
}

// Value evaluates a value expression (a workflow step value) on row.
func Value(e compiler.Expr, row Row, vars Vars) (any, error) { return value(e, row, vars) }

// empty marks an empty column, so comparisons can tell it from a null literal.
type empty struct{}

func value(e compiler.Expr, row Row, vars Vars) (any, error) {
	switch e := e.(type) {
	case *compiler.Literal:
		return fromCty(e.Value), nil
	case *compiler.ColumnRef:
		v, ok := row[e.Column]
		if !ok || v == nil {
			return empty{}, nil
		}
		if s, ok := v.(string); ok && s == "" {
			return empty{}, nil
		}
		return v, nil
	case *compiler.VarRef:
		v, ok := vars[VarKey(e)]
		if !ok || v == cty.NilVal || v.IsNull() {
			return empty{}, nil
		}
		return fromCty(v), nil
	case *compiler.Not:
		b, err := Eval(e.X, row, vars)
		return !b, err
	case *compiler.Call:
		return call(e, row, vars)
	case *compiler.Binary:
		return binary(e, row, vars)
	}
	return nil, fmt.Errorf("cannot evaluate %T", e)
}

func fromCty(v cty.Value) any {
	switch {
	case v == cty.NilVal || v.IsNull():
		return nil
	case v.Type() == cty.String:
		return v.AsString()
	case v.Type() == cty.Number:
		f, _ := v.AsBigFloat().Float64()
		return f
	case v.Type() == cty.Bool:
		return v.True()
	}
	return v.GoString()
}

func call(e *compiler.Call, row Row, vars Vars) (any, error) {
	var args [2]string
	for i, a := range e.Args {
		v, err := value(a, row, vars)
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return false, nil // an empty argument never matches
		}
		args[i] = strings.ToLower(s)
	}
	switch e.Func {
	case "contains":
		return strings.Contains(args[0], args[1]), nil
	case "startswith":
		return strings.HasPrefix(args[0], args[1]), nil
	case "endswith":
		return strings.HasSuffix(args[0], args[1]), nil
	}
	return nil, fmt.Errorf("unknown function %s", e.Func)
}

func binary(e *compiler.Binary, row Row, vars Vars) (any, error) {
	switch e.Op {
	case compiler.OpAnd, compiler.OpOr:
		l, err := Eval(e.L, row, vars)
		if err != nil {
			return nil, err
		}
		if e.Op == compiler.OpAnd && !l || e.Op == compiler.OpOr && l {
			return l, nil
		}
		return Eval(e.R, row, vars)
	}
	l, err := value(e.L, row, vars)
	if err != nil {
		return nil, err
	}
	r, err := value(e.R, row, vars)
	if err != nil {
		return nil, err
	}
	_, lEmpty := l.(empty)
	_, rEmpty := r.(empty)
	if l == nil || r == nil { // a null literal: test for empty
		isEmpty := lEmpty || rEmpty || l == nil && r == nil
		if e.Op == compiler.OpNe {
			return !isEmpty, nil
		}
		return isEmpty, nil
	}
	if lEmpty || rEmpty {
		return false, nil
	}
	l, r = align(e.L, l, e.R, r)
	c, ok := compare(l, r)
	if !ok {
		return false, nil
	}
	switch e.Op {
	case compiler.OpEq:
		return c == 0, nil
	case compiler.OpNe:
		return c != 0, nil
	case compiler.OpLt:
		return c < 0, nil
	case compiler.OpLe:
		return c <= 0, nil
	case compiler.OpGt:
		return c > 0, nil
	case compiler.OpGe:
		return c >= 0, nil
	}
	return nil, fmt.Errorf("unknown operator %s", e.Op)
}

// align makes the two sides of a comparison comparable: a choice label on
// one side becomes the option value of the choice column on the other, and a
// date string compared with a date becomes a time.
func align(le compiler.Expr, l any, re compiler.Expr, r any) (any, any) {
	return alignSide(re, r, l), alignSide(le, l, r)
}

// alignSide converts other (the value opposite x) to x's representation.
func alignSide(x compiler.Expr, v, other any) any {
	s, ok := other.(string)
	if !ok {
		return other
	}
	if ref, isRef := x.(*compiler.ColumnRef); isRef && ref.Col != nil && compiler.ColumnKind(ref.Col.Type) == compiler.KindChoice {
		// The label as written first: two options may differ only in
		// case, and the compiler refused text that matches both so.
		for _, o := range ref.Col.Options {
			if o.Label == s {
				return int64(o.Value)
			}
		}
		for _, o := range ref.Col.Options {
			if strings.EqualFold(o.Label, s) {
				return int64(o.Value)
			}
		}
		return other
	}
	if ref, isRef := x.(*compiler.ColumnRef); isRef && ref.Col != nil && compiler.ColumnKind(ref.Col.Type) == compiler.KindLookup {
		return compiler.Unbraced(s) // an id in braces, as Dataverse writes them (validate takes it)
	}
	if _, isTime := v.(time.Time); isTime {
		if t, ok := compiler.ParseDate(s); ok {
			return t
		}
	}
	return other
}

// compare orders two values of compatible kinds; ok is false when they are not comparable.
func compare(l, r any) (int, bool) {
	if lf, ok := number(l); ok {
		if rf, ok := number(r); ok {
			return big.NewFloat(lf).Cmp(big.NewFloat(rf)), true
		}
		return 0, false
	}
	switch lv := l.(type) {
	case string:
		rv, ok := r.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(strings.ToLower(lv), strings.ToLower(rv)), true
	case bool:
		rv, ok := r.(bool)
		if !ok {
			return 0, false
		}
		if lv == rv {
			return 0, true
		}
		return 1, true
	case time.Time:
		rv, ok := r.(time.Time)
		if !ok {
			return 0, false
		}
		return lv.Compare(rv), true
	}
	return 0, false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
