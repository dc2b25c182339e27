package unpack

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// graph sets each stage's branches and next stage from the XAML: branch
// targets, the else branch, NextStageId.
func (b *builder) graph(f *compiler.Flow, rf *rawFlow, byID map[string]*compiler.Stage, raws map[*compiler.Stage]*rawStage) {
	comp, file := rf.component, rf.file
	for i, s := range f.Stages {
		rs := raws[s]
		following := ""
		if i+1 < len(f.Stages) {
			following = f.Stages[i+1].Name
		}
		t := b.tables[s.Table]
		for _, br := range rs.branches {
			target := byID[br.target]
			if target == nil {
				b.w.add(comp, file, "a branch of stage %q leads to stage %s, which is not in the flow; left out", rs.label, br.target)
				continue
			}
			when, err := b.finishExpr(br.when, t, rf.ev, comp, file)
			if err != nil {
				b.w.add(comp, file, "a branch of stage %q to %q cannot be expressed: %v; it is written as when = false, so it never matches", rs.label, target.DisplayName, err)
				when = falseLit
			}
			s.Branches = append(s.Branches, &compiler.Branch{When: when, Next: target.Name})
		}
		next := ""
		switch {
		case rs.hasElse:
			if n := byID[rs.elseTarget]; n != nil {
				next = n.Name
			} else {
				b.w.add(comp, file, "the otherwise branch of stage %q leads to stage %s, which is not in the flow", rs.label, rs.elseTarget)
			}
		case rs.next != "":
			if n := byID[rs.next]; n != nil {
				next = n.Name
			} else {
				b.w.add(comp, file, "stage %q continues to stage %s, which is not in the flow", rs.label, rs.next)
			}
		}
		// next == "" before the last stage: the path ends there, as in
		// the export (written next = null).
		s.Next = next
		s.NextExplicit = next != following
	}
}

// prune removes stages the first stage cannot reach (Dataverse cannot reach
// them either; bpfc refuses them).
func (b *builder) prune(f *compiler.Flow, comp, file string) {
	for {
		reach := map[string]bool{}
		var visit func(n string)
		visit = func(n string) {
			if reach[n] {
				return
			}
			reach[n] = true
			if s := f.Stage(n); s != nil {
				for _, m := range s.Successors() {
					visit(m)
				}
			}
		}
		visit(f.Stages[0].Name)
		var kept []*compiler.Stage
		for _, s := range f.Stages {
			if reach[s.Name] {
				kept = append(kept, s)
			} else {
				b.w.add(comp, file, "stage %q cannot be reached from the first stage; it was left out", s.DisplayName)
			}
		}
		if len(kept) == len(f.Stages) {
			return
		}
		f.Stages = kept
		for i, s := range f.Stages {
			s.Index = i
		}
	}
}

// relationships makes every move to another table go through a lookup the
// project declares: the StageRelationship's attribute when the export has
// one, else the one lookup there is, else an assumed one (reported).
func (b *builder) relationships(f *compiler.Flow, raws map[*compiler.Stage]*rawStage, comp, file string) {
	preds := map[string][]*compiler.Stage{}
	for _, s := range f.Stages {
		for _, n := range s.Successors() {
			preds[n] = append(preds[n], s)
		}
	}
	for _, s := range f.Stages {
		rs := raws[s]
		t := b.tables[s.Table]
		var sources []string
		for _, p := range preds[s.Name] {
			if p.Table != s.Table && !contains(sources, p.Table) {
				sources = append(sources, p.Table)
			}
		}
		if rs.relationship != "" && len(sources) == 0 {
			s.Relationship = rs.relationship
			continue
		}
		if len(sources) == 0 {
			continue
		}
		if len(sources) > 1 {
			b.w.add(comp, file, "stage %q is reached from %d other tables (%s); bpfc follows one relationship per stage, so the flow may not validate", s.DisplayName, len(sources), strings.Join(sources, ", "))
		}
		src := sources[0]
		if rs.relationship != "" {
			c := t.Column(rs.relationship)
			if c == nil {
				var ok bool
				c, ok = b.addColumn(t, rs.relationship, compiler.TypeLookup, file)
				if !ok {
					b.w.add(comp, file, "stage %q moves to %s through %s, which bpfc cannot declare there", s.DisplayName, s.Table, rs.relationship)
					continue
				}
				c.Target = src
			}
			if !c.Standard && c.Type == compiler.TypeLookup && c.Target != src {
				c.Target = src // the stage relationship is authoritative
			}
			s.Relationship = c.Name
			continue
		}
		var cands []string
		for _, c := range t.Columns {
			if (c.Type == compiler.TypeLookup || c.Type == compiler.TypeCustomer) && c.Name != "ownerid" &&
				(c.Target == src || contains(c.Targets, src)) {
				cands = append(cands, c.Name)
			}
		}
		switch len(cands) {
		case 1:
			s.Relationship = cands[0]
		case 0:
			name := src + "id"
			if !t.External {
				short := src
				if _, after, ok := strings.Cut(src, "_"); ok {
					short = after
				}
				name = b.prefix + "_" + short + "id"
			}
			c, ok := b.addColumn(t, name, compiler.TypeLookup, file)
			if !ok {
				b.w.add(comp, file, "stage %q moves from %s to %s, but the export names no relationship and bpfc cannot declare one; the flow may not validate", s.DisplayName, src, s.Table)
				continue
			}
			c.Target = src
			s.Relationship = name
			b.w.add(comp, file, "stage %q moves from %s to %s, but the export names no stage relationship (a draft flow); the lookup %s.%s to %s was assumed: check it", s.DisplayName, src, s.Table, s.Table, name, src)
		default:
			s.Relationship = cands[0]
			b.w.add(comp, file, "stage %q moves from %s to %s; of the lookups %s, %s was chosen", s.DisplayName, src, s.Table, strings.Join(cands, ", "), cands[0])
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// finishExpr checks an expression read from XAML against the table it reads:
// columns exist (or are declared on external tables), variables exist,
// choice values become option labels where the column has them.
func (b *builder) finishExpr(e compiler.Expr, t *compiler.Table, ev *evaluator, comp, file string) (compiler.Expr, error) {
	if t == nil {
		return nil, fmt.Errorf("the table is unknown")
	}
	for _, ref := range compiler.ColumnRefs(e) {
		if ref.Table != "" && ref.Table != t.Name {
			return nil, fmt.Errorf("it reads %s.%s, a column of another table", ref.Table, ref.Column)
		}
		typ := ""
		if ev != nil {
			typ = propertyTypes[ev.colTypes[ref.Table+"."+ref.Column]]
		}
		c, err := b.columnFor(t, ref.Column, typ, comp, file)
		if err != nil {
			return nil, err
		}
		ref.Table, ref.Col = t.Name, c
	}
	for _, v := range compiler.VarRefs(e) {
		found := false
		for _, x := range b.vars {
			found = found || x.Name == v.Name
		}
		if !found {
			return nil, fmt.Errorf("it reads var.%s, which is not a variable of the solution", v.Name)
		}
	}
	return labelLiterals(e), nil
}

// labelLiterals turns choice values compared with a choice column into the
// column's option labels: self.prioritycode == 1 -> == "High".
func labelLiterals(e compiler.Expr) compiler.Expr {
	switch x := e.(type) {
	case *compiler.Binary:
		x.L, x.R = labelLiterals(x.L), labelLiterals(x.R)
		col, _ := x.L.(*compiler.ColumnRef)
		lit, _ := x.R.(*compiler.Literal)
		if col != nil && lit != nil {
			x.R = choiceLabel(col.Col, lit)
		}
	case *compiler.Not:
		x.X = labelLiterals(x.X)
	}
	return e
}

// choiceLabel returns the label of a choice value, or the literal as it is.
func choiceLabel(c *compiler.Column, lit *compiler.Literal) compiler.Expr {
	if c == nil || lit.Kind != compiler.KindNumber {
		return lit
	}
	switch c.Type {
	case compiler.TypeChoice, compiler.TypeState, compiler.TypeStatus:
	default:
		return lit
	}
	bf := lit.Value.AsBigFloat()
	if !bf.IsInt() {
		return lit
	}
	n, _ := bf.Int64()
	label, hits := "", 0
	for _, o := range c.Options {
		if int64(o.Value) == n {
			label = o.Label
			hits++
		}
	}
	if hits != 1 {
		return lit
	}
	return &compiler.Literal{Value: cty.StringVal(label), Kind: compiler.KindString}
}
