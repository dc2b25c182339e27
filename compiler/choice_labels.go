package compiler

import "github.com/zclconf/go-cty/cty"

// A choice is compared or set by its option's label ("High") or its value
// (2); both compile to the same option value, and Dataverse's XAML keeps only
// the value. The digest (and so the model) spells such a literal by its
// label, as unpack writes it back, so that a project that wrote the value
// and the project unpacked from its build are one build.

// labelChoices returns e with number literals compared with a choice column
// written as that column's option label. e itself is not changed.
func labelChoices(e Expr) Expr {
	switch x := e.(type) {
	case *Binary:
		l, r := labelChoices(x.L), labelChoices(x.R)
		if c, ok := l.(*ColumnRef); ok {
			r = choiceOptionLabel(c.Col, r)
		}
		if c, ok := r.(*ColumnRef); ok {
			l = choiceOptionLabel(c.Col, l)
		}
		y := *x
		y.L, y.R = l, r
		return &y
	case *Not:
		y := *x
		y.X = labelChoices(x.X)
		return &y
	case *Call:
		y := *x
		y.Args = make([]Expr, len(x.Args))
		for i, a := range x.Args {
			y.Args[i] = labelChoices(a)
		}
		return &y
	}
	return e
}

// choiceOptionLabel is e, a number literal that is the value of exactly one of the
// choice column c's options, as that option's label when no other option has
// it; anything else as it is.
func choiceOptionLabel(c *Column, e Expr) Expr {
	lit, ok := e.(*Literal)
	if !ok || c == nil || lit.Kind != KindNumber || ColumnKind(c.Type) != KindChoice ||
		lit.Value.IsNull() || !lit.Value.IsKnown() {
		return e
	}
	bf := lit.Value.AsBigFloat()
	if !bf.IsInt() {
		return e
	}
	n, acc := bf.Int64()
	if acc != 0 {
		return e
	}
	label, hits := "", 0
	for _, o := range c.Options {
		if int64(o.Value) == n {
			label, hits = o.Label, hits+1
		}
	}
	for _, o := range c.Options {
		if o.Label == label && int64(o.Value) != n {
			hits++ // a label two options share names neither
		}
	}
	if hits != 1 {
		return e
	}
	return &Literal{Value: cty.StringVal(label), Kind: KindString, Rng: lit.Rng}
}

// stepValueText is the digest's text of v, the value field k of step st of
// workflow w gives.
func stepValueText(p *Project, w *Workflow, st *WorkflowStep, k string, v Expr) string {
	if c := stepChoiceColumn(p, w, st, k); c != nil {
		v = choiceOptionLabel(c, v)
	}
	return FormatExpr(v)
}

// stepChoiceColumn is the column field k of step st sets, for the fields
// that set one: a column of the record update or create writes, and
// change_status's status reason (statuscode, with the default reasons
// where the table lists none, as the build and unpack read it). nil for any
// other field.
func stepChoiceColumn(p *Project, w *Workflow, st *WorkflowStep, k string) *Column {
	table, col := "", k
	switch st.Kind {
	case StepUpdate:
		table = w.Table
	case StepCreate:
		table = st.CreateTable
	case StepChangeStatus:
		if k != "status" {
			return nil
		}
		table, col = w.Table, "statuscode"
	default:
		return nil
	}
	t := p.Table(table)
	if t == nil {
		return nil
	}
	c := t.Column(col)
	if st.Kind == StepChangeStatus && (c == nil || len(c.Options) == 0) {
		c = &Column{Name: "statuscode", Type: TypeStatus, Options: DefaultStatusReasons}
	}
	return c
}
