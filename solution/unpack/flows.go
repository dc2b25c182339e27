package unpack

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

var roleIDRe = regexp.MustCompile(`(?i)Role\s+Id="\{?([0-9a-f-]{36})\}?"`)

// flowRecord reads a flow's .xaml.data.xml record.
func (b *builder) flowRecord(f *rawFlow, d *etree.Element) {
	f.description = localized(d, "Descriptions")
	f.primary = strings.ToLower(text(d, "PrimaryEntity"))
	f.uniqueName = strings.ToLower(text(d, "UniqueName"))
	f.task = text(d, "BusinessProcessType") == "1"
	f.active = text(d, "StateCode") == "1"
	if n, err := strconv.Atoi(text(d, "processorder")); err == nil {
		f.order = n
	}
	if l := d.SelectElement("labels"); l != nil {
		for _, sl := range l.SelectElements("steplabels") {
			f.labels[normID(sl.SelectAttrValue("id", ""))] = localized(sl, "label")
			for _, lb := range sl.SelectElements("label") {
				if lb.SelectAttrValue("languagecode", "") == "1033" {
					f.labels[normID(sl.SelectAttrValue("id", ""))] = lb.SelectAttrValue("description", "")
				}
			}
		}
	}
	for _, m := range roleIDRe.FindAllStringSubmatch(text(d, "processroleassignment"), -1) {
		f.roleIDs = append(f.roleIDs, strings.ToLower(m[1]))
	}
}

// categoryNames maps stage category values to bpfc's names.
func categoryName(v int) (string, bool) {
	if v == -1 {
		return "", true
	}
	for n, c := range compiler.StageCategories {
		if c == v {
			return n, true
		}
	}
	return "", false
}

func (b *builder) buildFlows() []*compiler.Flow {
	sort.SliceStable(b.flows, func(i, j int) bool {
		if b.flows[i].display != b.flows[j].display {
			return b.flows[i].display < b.flows[j].display
		}
		return b.flows[i].id < b.flows[j].id
	})
	flowScope, instScope := scope{}, scope{}
	var out []*compiler.Flow
	instances := map[string]bool{}
	for _, rf := range b.flows {
		if f := b.buildFlow(rf, flowScope, instScope); f != nil {
			out = append(out, f)
			instances[rf.uniqueName] = true
			b.flowByInstance[rf.uniqueName] = f.Name
		}
	}
	names := make([]string, 0, len(b.archive))
	for n, ti := range b.archive {
		if ti.bpf && !instances[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		b.w.add("table "+n, b.archive[n].file, "the instance table of a business process flow that is not in the solution was left out")
	}
	return out
}

// uniqueNameOf is the flow's unique_name: its instance table without the prefix.
func (b *builder) uniqueNameOf(rf *rawFlow) string {
	inst := rf.uniqueName
	u := ""
	switch {
	case inst == "":
	case b.ownPrefix(inst):
		u = strings.TrimPrefix(inst, b.prefix+"_")
	default:
		if _, after, ok := strings.Cut(inst, "_"); ok {
			u = after
		} else {
			u = inst
		}
	}
	if !validName(u) {
		u = strings.ReplaceAll(ident(rf.display, "flow"), "_", "")
	}
	if max := 50 - len(b.prefix) - 1; len(u) > max {
		u = u[:max]
	}
	if inst != "" && inst != b.prefix+"_"+u {
		b.w.add(rf.component, rf.dataFile, "the instance table %s becomes %s_%s: bpfc names it after the publisher prefix and the flow's unique_name", inst, b.prefix, u)
	}
	return u
}

func (b *builder) buildFlow(rf *rawFlow, flowScope, instScope scope) *compiler.Flow {
	comp, file := rf.component, rf.file
	tables := map[string]bool{}
	for _, s := range rf.stages {
		tables[s.table] = true
	}
	if rf.task && len(tables) > 1 {
		b.w.add(comp, file, "a task flow on %d tables cannot be expressed (bpfc task flows run on one table); the flow was left out", len(tables))
		return nil
	}
	unique := b.uniqueNameOf(rf)
	if instScope[unique] {
		old := unique
		unique = instScope.unique(unique)
		b.w.add(comp, rf.dataFile, "another flow has the unique name %s; this one became %s", old, unique)
	} else {
		instScope[unique] = true
	}
	name := recoverName(&b.budget, rf.id, b.ids.flow, uniqueNameCandidates(unique, rf.display), labelCandidates(rf.display))
	if name == "" && derived(rf.id) {
		allSegmentations(&b.budget, unique, func(c string) bool {
			if validName(c) && b.ids.flow(c) == rf.id {
				name = c
				return true
			}
			return false
		})
	}
	if name == "" || flowScope[name] {
		name = flowScope.unique(ident(rf.display, "flow"))
	} else {
		flowScope[name] = true
	}
	f := &compiler.Flow{Name: name, DisplayName: rf.display, Description: rf.description, PrimaryTable: rf.primary,
		Order: rf.order, Type: compiler.FlowBusiness, Active: rf.active, UniqueName: unique, InstanceTable: b.prefix + "_" + unique}
	if rf.task {
		f.Type = compiler.FlowTask
	}
	if f.DisplayName == "" {
		f.DisplayName = name
	}
	if !derived(rf.id) {
		b.w.add(comp, rf.dataFile, "component ids are derived from names in bpfc: the rebuilt flow, its stages and steps get new ids (the flow is %s here), so importing it beside this solution adds a second flow", rf.id)
	}
	if len(rf.roleIDs) > 0 {
		b.w.add(comp, rf.dataFile, "the flow is shown only to %d security role(s) (processroleassignment); bpfc expresses who sees a flow as role grants on its instance table: add them", len(rf.roleIDs))
	}
	b.useTable(f.PrimaryTable, comp, file)
	if rf.stages[0].table != f.PrimaryTable {
		b.w.add(comp, file, "the first stage is on %s, not on the primary table %s; the primary table was set to %s", rf.stages[0].table, f.PrimaryTable, rf.stages[0].table)
		f.PrimaryTable = rf.stages[0].table
		b.useTable(f.PrimaryTable, comp, file)
	}

	// Stages and their names.
	stageScope := scope{}
	byID := map[string]*compiler.Stage{}
	raws := map[*compiler.Stage]*rawStage{}
	for i, rs := range rf.stages {
		sname := recoverName(&b.budget, rs.id, b.ids.stage(name), labelCandidates(rs.label))
		if sname == "" || stageScope[sname] {
			sname = stageScope.unique(ident(rs.label, "stage"))
		} else {
			stageScope[sname] = true
		}
		s := &compiler.Stage{Name: sname, DisplayName: rs.label, Table: rs.table, Index: i}
		if s.DisplayName == "" {
			s.DisplayName = sname
		}
		if cat, ok := categoryName(rs.category); ok {
			s.Category = cat
		} else {
			b.w.add(comp, file, "stage %q has the custom category %d, which bpfc does not express; it has none", rs.label, rs.category)
		}
		t := b.useTable(rs.table, comp, file)
		b.steps(f, s, rs, t, comp, file)
		byID[rs.id] = s
		raws[s] = rs
		f.Stages = append(f.Stages, s)
	}
	b.graph(f, rf, byID, raws)
	b.prune(f, comp, file)
	for _, s := range f.Stages {
		rs := raws[s]
		for _, id := range rs.onEnter {
			if r := b.workflowRef(id, comp, file, "on_enter of stage "+s.Name); r != nil {
				s.OnEnter = append(s.OnEnter, r)
			}
		}
		for _, id := range rs.onExit {
			if r := b.workflowRef(id, comp, file, "on_exit of stage "+s.Name); r != nil {
				s.OnExit = append(s.OnExit, r)
			}
		}
	}
	for _, id := range rf.finish {
		if r := b.workflowRef(id, comp, file, "on_finish"); r != nil {
			f.OnFinish = append(f.OnFinish, r)
		}
	}
	for _, id := range rf.abandon {
		if r := b.workflowRef(id, comp, file, "on_abandon"); r != nil {
			f.OnAbandon = append(f.OnAbandon, r)
		}
	}
	b.relationships(f, raws, comp, file)
	return f
}

// workflowRef names the classic workflow a flow runs, or reports it.
func (b *builder) workflowRef(id, comp, file, where string) *compiler.WorkflowRef {
	if wf := b.wfByID[id]; wf != nil {
		return &compiler.WorkflowRef{Name: wf.name}
	}
	b.w.add(comp, file, "%s runs process %s, which bpfc does not express; left out", where, id)
	return nil
}

// steps builds a stage's data and action steps.
func (b *builder) steps(f *compiler.Flow, s *compiler.Stage, rs *rawStage, t *compiler.Table, comp, file string) {
	stepScope := scope{}
	for _, st := range rs.steps {
		label := st.label
		if st.action {
			wf := b.wfByID[st.workflowID]
			if wf == nil {
				b.w.add(comp, file, "action step %q of stage %q runs process %s, which bpfc does not express; left out", label, rs.label, st.workflowID)
				continue
			}
			n := recoverName(&b.budget, st.id, b.ids.step(f.Name, s.Name), labelCandidates(label))
			if n == "" || stepScope[n] {
				n = stepScope.unique(ident(label, "action"))
			} else {
				stepScope[n] = true
			}
			if label == "" {
				label = n
			}
			s.Steps = append(s.Steps, &compiler.Step{Name: n, DisplayName: label, Action: true, Workflow: wf.name})
			continue
		}
		typ, known := classTypes[st.classID]
		if !known && b.tables[s.Table] != nil && b.tables[s.Table].Column(st.column) == nil {
			b.w.add(comp, file, "step %q of stage %q uses control class %s, which bpfc does not know", label, rs.label, st.classID)
		}
		col, err := b.columnFor(t, st.column, typ, comp, file)
		if err != nil {
			b.w.add(comp, file, "step %q of stage %q: %v; the step was left out", label, rs.label, err)
			continue
		}
		if col.Type == compiler.TypeUniqueID {
			b.w.add(comp, file, "step %q of stage %q edits the primary key %s, which bpfc does not allow; left out", label, rs.label, col.Name)
			continue
		}
		var cands [][]string
		cands = append(cands, labelCandidates(label), columnCandidates(st.column, b.prefix))
		if col.DisplayName != "" {
			cands = append(cands, labelCandidates(col.DisplayName))
		}
		if st.controlLabel != "" {
			cands = append(cands, labelCandidates(st.controlLabel))
		}
		n := recoverName(&b.budget, st.id, b.ids.step(f.Name, s.Name), cands...)
		if n == "" || stepScope[n] {
			base := ident(label, "")
			if base == "" || label == "New Step" {
				base = ident(strings.TrimPrefix(st.column, b.prefix+"_"), "step")
			}
			n = stepScope.unique(base)
		} else {
			stepScope[n] = true
		}
		if label == "" {
			label = col.DisplayName
		}
		s.Steps = append(s.Steps, &compiler.Step{Name: n, DisplayName: label, Column: col.Name, Required: st.required})
	}
}

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
		if next == "" && following != "" {
			if len(s.Branches) > 0 {
				b.w.add(comp, file, "when no branch of stage %q matches, the flow ends there in the export; bpfc continues to the following stage %q", rs.label, f.Stages[i+1].DisplayName)
			} else {
				b.w.add(comp, file, "stage %q ends the flow in the export, but it is not the last stage; bpfc continues to the following stage %q", rs.label, f.Stages[i+1].DisplayName)
			}
			next = following
		}
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
				c, ok = b.addColumn(t, rs.relationship, compiler.TypeLookup)
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
			c, ok := b.addColumn(t, name, compiler.TypeLookup)
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
	for _, ref := range columnsOf(e) {
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
	for _, v := range varsOf(e) {
		found := false
		for _, x := range b.vars {
			found = found || x.Name == v
		}
		if !found {
			return nil, fmt.Errorf("it reads var.%s, which is not a variable of the solution", v)
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
