package compiler

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// varColumn is a place where a variable's value meets a column: compared
// with it in a condition, or written into it by a step.
type varColumn struct {
	col   *Column
	where string // "the branch of stage \"a\" of flow \"f\"", for a message
	write bool   // a step writes the value into col
}

// varColumns lists where v's value meets a column. A literal there is
// checked against the column (a date-only column takes no time, a choice
// its options); v's value must pass the same checks, or the comparison
// would silently never hold (a date compared as midnight against 10:00).
func (p *Project) varColumns(v *Variable) []varColumn {
	var out []varColumn
	compared := func(e Expr, where string) {
		walkBinaries(e, func(b *Binary) {
			for _, pair := range [][2]Expr{{b.L, b.R}, {b.R, b.L}} {
				col, isCol := pair[0].(*ColumnRef)
				ref, isRef := pair[1].(*VarRef)
				if isCol && isRef && col.Col != nil && ref.Var == v {
					out = append(out, varColumn{col: col.Col, where: where})
				}
			}
		})
	}
	for _, f := range p.Flows {
		for _, s := range f.Stages {
			for _, b := range s.Branches {
				compared(b.When, fmt.Sprintf("a branch of stage %q of flow %q", s.Name, f.Name))
			}
		}
	}
	for _, w := range p.Workflows {
		compared(w.WaitUntil, fmt.Sprintf("the wait_until of workflow %q", w.Name))
		for _, st := range w.Steps {
			compared(st.When, fmt.Sprintf("the condition of step %q of workflow %q", st.Name, w.Name))
			table := ""
			switch st.Kind {
			case StepUpdate:
				table = w.Table
			case StepCreate:
				table = st.CreateTable
			}
			t := p.Table(table)
			if t == nil {
				continue
			}
			for _, k := range sortedKeys(st.Values) {
				if ref, ok := st.Values[k].(*VarRef); ok && ref.Var == v && t.Column(k) != nil {
					out = append(out, varColumn{col: t.Column(k), where: fmt.Sprintf("step %q of workflow %q", st.Name, w.Name), write: true})
				}
			}
		}
	}
	return out
}

// walkBinaries calls fn on each comparison or combination in e.
func walkBinaries(e Expr, fn func(*Binary)) {
	switch e := e.(type) {
	case *Binary:
		fn(e)
		walkBinaries(e.L, fn)
		walkBinaries(e.R, fn)
	case *Not:
		walkBinaries(e.X, fn)
	}
}

// columnValueProblem says what is wrong with raw as v's value where it
// meets a column (varColumns), as a literal there would be refused:
// summary and detail, or "".
func (p *Project) columnValueProblem(v *Variable, raw string) (summary, detail string) {
	var val cty.Value
	switch v.Type {
	case VarString:
		val = cty.StringVal(raw)
	case VarNumber:
		f, _, err := big.ParseFloat(strings.TrimSpace(raw), 10, 512, big.ToNearestEven)
		if err != nil {
			return "", "" // not a number: reported as such where the value is read
		}
		val = cty.NumberVal(f)
	default:
		return "", ""
	}
	for _, u := range p.varColumns(v) {
		c := &exprConverter{sc: exprScope{p: p, table: p.Table(u.col.Table)}}
		lit := literal(val, hcl.Range{}).(*Literal)
		if u.write {
			c.checkStoredLiteral(u.col, lit)
		} else {
			c.checkLiteralFor(u.col, lit)
		}
		for _, d := range c.diags {
			if d.Severity != hcl.DiagError {
				continue // a warning on a literal (an id without its table) is the condition's to give
			}
			how := "compares it with"
			if u.write {
				how = "writes it into"
			}
			return d.Summary, fmt.Sprintf("%s (%s %s %s.%s)", strings.TrimSuffix(d.Detail, "."), u.where, how, u.col.Table, u.col.Name) + "."
		}
	}
	return "", ""
}

// variableDefaults checks each default where the variable meets a column,
// at the default (an environment's values are checked in environments).
func (c *checker) variableDefaults() {
	for _, v := range c.p.Variables {
		e, ok := c.d.varDefaults[v]
		if !ok || !v.GivesDefault() {
			continue
		}
		raw := ""
		switch v.Default.Type() {
		case cty.String:
			raw = v.Default.AsString()
		case cty.Number:
			raw = v.Default.AsBigFloat().Text('f', -1)
		default:
			continue
		}
		if summary, detail := c.p.columnValueProblem(v, raw); summary != "" {
			c.errorf(e.Range(), summary, "var.%s's default: %s", v.Name, detail)
		}
	}
}
