package unpack

import (
	"sort"

	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// decodeWorkflowNames names the classic workflows bpfc can express, before
// the flows that refer to them are built.
func (b *builder) decodeWorkflowNames() {
	sort.SliceStable(b.wfs, func(i, j int) bool {
		if b.wfs[i].display != b.wfs[j].display {
			return b.wfs[i].display < b.wfs[j].display
		}
		return b.wfs[i].id < b.wfs[j].id
	})
	sc := scope{}
	var kept []*rawWorkflow
	for _, wf := range b.wfs {
		if wf.table != "" && (!validName(wf.table) || len(wf.table) > 50) {
			b.w.add(wf.component, wf.dataFile, "the primary table %q is not a table name bpfc accepts; the workflow was left out", wf.table)
			delete(b.wfByID, wf.id)
			continue
		}
		kept = append(kept, wf)
		n := recoverName(&b.budget, wf.id, b.ids.workflow, []string{wf.bpfcName}, labelCandidates(wf.display))
		if n == "" || sc[n] {
			n = sc.fallback(wf.bpfcName, ident(wf.display, "workflow"))
			b.lostName(wf.id, n, wf.component, wf.dataFile, "the workflow")
		} else {
			sc[n] = true
		}
		wf.name = n
		if wf.table == "" {
			wf.table = "systemuser"
			b.w.add(wf.component, wf.dataFile, "the workflow names no primary table; systemuser was assumed")
		}
		b.useTable(wf.table, wf.component, wf.dataFile)
	}
	b.wfs = kept
}

// buildWorkflows turns the decoded workflows into the model.
func (b *builder) buildWorkflows() []*compiler.Workflow {
	var out []*compiler.Workflow
	for _, rw := range b.wfs {
		comp, file := rw.component, rw.file
		t := b.tables[rw.table]
		w := &compiler.Workflow{Name: rw.name, DisplayName: rw.display, Table: rw.table, Mode: compiler.ModeBackground, Timeout: rw.timeout}
		if w.DisplayName == "" {
			w.DisplayName = w.Name
		}
		if rw.realtime {
			w.Mode = compiler.ModeRealtime
		}
		if rw.waitUntil != nil {
			x, err := b.finishExpr(rw.waitUntil, t, nil, comp, file)
			if err != nil {
				b.w.add(comp, file, "the wait condition cannot be expressed: %v; the workflow was left out", err)
				continue
			}
			w.WaitUntil = x
		}
		sc := scope{}
		ok := true
		for _, rs := range rw.steps {
			st, err := b.workflowStep(rw, rs, t, sc)
			if err != "" {
				b.w.add(comp, file, "a %s step cannot be expressed: %s; the workflow was left out", rs.kind, err)
				ok = false
				break
			}
			w.Steps = append(w.Steps, st)
		}
		if ok {
			out = append(out, w)
		}
	}
	// Workflows left out here may still be named by flows: drop those references.
	kept := map[string]bool{}
	for _, w := range out {
		kept[w.Name] = true
	}
	for id, rw := range b.wfByID {
		if !kept[rw.name] {
			delete(b.wfByID, id)
		}
	}
	return out
}

func (b *builder) workflowStep(rw *rawWorkflow, rs *rawWStep, t *compiler.Table, sc scope) (*compiler.WorkflowStep, string) {
	comp, file := rw.component, rw.file
	st := &compiler.WorkflowStep{Name: sc.fallback(rs.name, rs.kind), Kind: rs.kind, Values: map[string]compiler.Expr{}, CreateTable: rs.createTable}
	if rs.when != nil {
		x, err := b.finishExpr(rs.when, t, nil, comp, file)
		if err != nil {
			return nil, "its condition " + err.Error()
		}
		st.When = x
	}
	target := t
	if rs.kind == compiler.StepCreate {
		target = b.useTable(rs.createTable, comp, file)
	}
	for k, v := range rs.values {
		x, err := b.finishExpr(v, t, nil, comp, file)
		if err != nil {
			return nil, "its value for " + k + " " + err.Error()
		}
		if rs.kind == compiler.StepUpdate || rs.kind == compiler.StepCreate {
			col := target.Column(k)
			if col == nil {
				return nil, "it sets " + k + ", which " + target.Name + " does not have"
			}
			if lit, ok := x.(*compiler.Literal); ok {
				x = choiceLabel(col, lit)
			}
		}
		st.Values[k] = x
	}
	switch rs.kind {
	case compiler.StepChangeStatus:
		if rs.statusExpr != nil {
			x, err := b.finishExpr(rs.statusExpr, t, nil, comp, file)
			if err != nil {
				return nil, "its status " + err.Error()
			}
			st.Values["status"] = x
			break
		}
		lit := &compiler.Literal{Value: cty.NumberIntVal(int64(rs.statusValue)), Kind: compiler.KindNumber}
		col := t.Column("statuscode")
		if col == nil || len(col.Options) == 0 {
			col = &compiler.Column{Name: "statuscode", Type: compiler.TypeStatus,
				Options: compiler.DefaultStatusReasons}
		}
		st.Values["status"] = choiceLabel(col, lit)
	case compiler.StepStop:
		if rs.stopStatus != "" {
			st.Values["status"] = &compiler.Literal{Value: cty.StringVal(rs.stopStatus), Kind: compiler.KindString}
		}
	case compiler.StepStartWorkflow:
		child := b.wfByID[rs.workflowID]
		if child == nil {
			return nil, "it starts process " + rs.workflowID + ", which bpfc does not express"
		}
		st.Workflow = child.name
	}
	return st, ""
}
