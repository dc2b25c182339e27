package compiler

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Expr is a checked condition or value expression: the small language of
// `when`, `wait_until` and workflow step values. It is a plain tree so that the
// emitters can write it as XAML and the runtime can evaluate it.
type Expr interface {
	Range() hcl.Range
	// Type is the value kind the expression yields: one of the Kind constants.
	Type() Kind
}

// Kind is the value kind of an expression.
type Kind string

// Expression value kinds. Column types map onto these (money -> Number, ...).
const (
	KindString   Kind = "string"
	KindNumber   Kind = "number"
	KindBool     Kind = "bool"
	KindDateTime Kind = "datetime"
	KindChoice   Kind = "choice" // compares with its labels (strings) or values (numbers)
	KindLookup   Kind = "lookup" // compares with ids (strings) or null
	KindNull     Kind = "null"
	KindAny      Kind = "any" // json variables
)

// Operators of Binary.
const (
	OpEq  = "=="
	OpNe  = "!="
	OpLt  = "<"
	OpLe  = "<="
	OpGt  = ">"
	OpGe  = ">="
	OpAnd = "&&"
	OpOr  = "||"
)

// Literal is a constant: string, number, bool or null.
type Literal struct {
	Value cty.Value
	Kind  Kind
	Rng   hcl.Range
}

// ColumnRef is self.<column>: a column of the record the expression is about.
type ColumnRef struct {
	Table  string
	Column string
	Col    *Column
	Rng    hcl.Range
}

// VarRef is var.<name>: resolved in the target environment at run time.
type VarRef struct {
	Name string
	Var  *Variable
	Rng  hcl.Range
}

// Binary is a comparison or a logical and/or.
type Binary struct {
	Op   string
	L, R Expr
	Rng  hcl.Range
}

// Not is logical negation.
type Not struct {
	X   Expr
	Rng hcl.Range
}

// Call is one of the functions contains, startswith, endswith.
type Call struct {
	Func string
	Args []Expr
	Rng  hcl.Range
}

func (e *Literal) Range() hcl.Range   { return e.Rng }
func (e *ColumnRef) Range() hcl.Range { return e.Rng }
func (e *VarRef) Range() hcl.Range    { return e.Rng }
func (e *Binary) Range() hcl.Range    { return e.Rng }
func (e *Not) Range() hcl.Range       { return e.Rng }
func (e *Call) Range() hcl.Range      { return e.Rng }

func (e *Literal) Type() Kind { return e.Kind }
func (e *ColumnRef) Type() Kind {
	if e.Col == nil {
		return KindAny
	}
	return ColumnKind(e.Col.Type)
}
func (e *VarRef) Type() Kind {
	if e.Var == nil {
		return KindAny
	}
	return VariableKind(e.Var.Type)
}
func (e *Binary) Type() Kind { return KindBool }
func (e *Not) Type() Kind    { return KindBool }
func (e *Call) Type() Kind   { return KindBool }

// ColumnKind maps a column type to the kind of value it holds.
func ColumnKind(colType string) Kind {
	switch colType {
	case TypeString, TypeMemo, TypeEmail:
		return KindString
	case TypeInteger, TypeDecimal, TypeMoney:
		return KindNumber
	case TypeBoolean:
		return KindBool
	case TypeDateTime:
		return KindDateTime
	case TypeChoice, TypeState, TypeStatus:
		return KindChoice
	case TypeLookup, TypeCustomer, TypeUniqueID:
		return KindLookup
	}
	return KindAny
}

// VariableKind maps a variable type to the kind of value it holds.
func VariableKind(varType string) Kind {
	switch varType {
	case VarString, VarSecret:
		return KindString
	case VarNumber:
		return KindNumber
	case VarBoolean:
		return KindBool
	}
	return KindAny
}

// VarRefs lists the variable references in e, in the order written.
func VarRefs(e Expr) []*VarRef { return refsOf[*VarRef](e) }

// ColumnRefs lists the column references in e (self.<column> and
// <table>.<column>), in the order written.
func ColumnRefs(e Expr) []*ColumnRef { return refsOf[*ColumnRef](e) }

// refsOf lists the references of type T in e, in the order written.
func refsOf[T Expr](e Expr) []T {
	var out []T
	var walk func(Expr)
	walk = func(e Expr) {
		if r, ok := e.(T); ok {
			out = append(out, r)
			return
		}
		switch e := e.(type) {
		case *Binary:
			walk(e.L)
			walk(e.R)
		case *Not:
			walk(e.X)
		case *Call:
			for _, a := range e.Args {
				walk(a)
			}
		}
	}
	walk(e)
	return out
}
