package unpack

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

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
		if !validName(s.table) || len(s.table) > 50 {
			b.w.add(comp, file, "stage %q is on %q, which is not a table name bpfc accepts; the flow was left out", s.label, s.table)
			return nil
		}
	}
	if !validName(rf.primary) {
		b.w.add(comp, rf.dataFile, "the primary table %q is not a table name bpfc accepts; the flow was left out", rf.primary)
		return nil
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
	name := recoverName(&b.budget, rf.id, b.ids.flow, []string{rf.name}, uniqueNameCandidates(unique, rf.display), labelCandidates(rf.display))
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
		name = flowScope.fallback(rf.name, ident(rf.display, "flow"))
		b.lostName(rf.id, name, comp, rf.dataFile, "the flow")
	} else {
		flowScope[name] = true
	}
	f := &compiler.Flow{Name: name, DisplayName: rf.display, Description: rf.description, PrimaryTable: rf.primary,
		Order: rf.order, Type: compiler.FlowBusiness, Active: rf.active, UniqueName: unique, InstanceTable: b.prefix + "_" + unique,
		Owner: rf.owner}
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
		sname := recoverName(&b.budget, rs.id, b.ids.stage(name), []string{rs.name}, labelCandidates(rs.label))
		if sname == "" || stageScope[sname] {
			sname = stageScope.fallback(rs.name, ident(rs.label, "stage"))
			b.lostName(rs.id, sname, comp, file, fmt.Sprintf("stage %q", rs.label))
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
			n := recoverName(&b.budget, st.id, b.ids.step(f.Name, s.Name), []string{st.name}, labelCandidates(label))
			if n == "" || stepScope[n] {
				n = stepScope.fallback(st.name, ident(label, "action"))
				b.lostName(st.id, n, comp, file, fmt.Sprintf("action step %q of stage %q", label, rs.label))
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
		if t.External && !col.Standard && col.DisplayName == col.Name && st.controlLabel != "" {
			// A column the solution does not define: its control carries its display name.
			col.DisplayName = st.controlLabel
		}
		if col.Type == compiler.TypeUniqueID {
			b.w.add(comp, file, "step %q of stage %q edits the primary key %s, which bpfc does not allow; left out", label, rs.label, col.Name)
			continue
		}
		cands := [][]string{{st.name}, labelCandidates(label), columnCandidates(st.column, b.prefix)}
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
			n = stepScope.fallback(st.name, base)
			b.lostName(st.id, n, comp, file, fmt.Sprintf("step %q of stage %q", label, rs.label))
		} else {
			stepScope[n] = true
		}
		if label == "" {
			label = col.DisplayName
		}
		s.Steps = append(s.Steps, &compiler.Step{Name: n, DisplayName: label, Column: col.Name, Required: st.required})
	}
}
