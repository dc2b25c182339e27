package diff

import (
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

func (c *collector) flows(old, new *compiler.Project) {
	flowName := func(f *compiler.Flow) string { return f.Name }
	for _, name := range sortedUnion(names(old.Flows, flowName), names(new.Flows, flowName)) {
		of, nf := old.Flow(name), new.Flow(name)
		switch {
		case of == nil:
			c.added("flow", name, flowSummary(nf))
			continue
		case nf == nil:
			c.removed("flow", name, flowSummary(of))
			continue
		}
		c.field("flow", name, "display_name", of.DisplayName, nf.DisplayName)
		c.field("flow", name, "description", of.Description, nf.Description)
		c.field("flow", name, "primary_table", of.PrimaryTable, nf.PrimaryTable)
		c.field("flow", name, "order", itoa(of.Order), itoa(nf.Order))
		c.field("flow", name, "type", of.Type, nf.Type)
		c.field("flow", name, "active", boolText(of.Active), boolText(nf.Active))
		c.field("flow", name, "unique_name", of.UniqueName, nf.UniqueName)
		c.field("flow", name, "instance_table", of.InstanceTable, nf.InstanceTable)
		c.field("flow", name, "owner", of.Owner, nf.Owner)
		c.field("flow", name, "on_finish", refsText(of.OnFinish), refsText(nf.OnFinish))
		c.field("flow", name, "on_abandon", refsText(of.OnAbandon), refsText(nf.OnAbandon))
		stageName := func(s *compiler.Stage) string { return s.Name }
		os, ns := names(of.Stages, stageName), names(nf.Stages, stageName)
		if orderChanged(os, ns) {
			c.field("flow", name, "stages", strings.Join(os, ", "), strings.Join(ns, ", "))
		}
		for _, sn := range orderedUnion(os, ns) {
			c.stage(name, of.Stage(sn), nf.Stage(sn), sn)
		}
	}
}

func flowSummary(f *compiler.Flow) string {
	return "primary table " + f.PrimaryTable + ", " + compiler.Plural(len(f.Stages), "stage") + ": " + strings.Join(compiler.StageNames(f.Stages), ", ")
}

func (c *collector) stage(flow string, os, ns *compiler.Stage, name string) {
	full := flow + "." + name
	switch {
	case os == nil:
		c.added("stage", full, stageSummary(ns))
		return
	case ns == nil: // a flow that stays: its instances at the stage move (a rename is a removal too: ids derive from names)
		c.removed("stage", full, stageSummary(os)+"; "+removedStageNote)
		return
	}
	c.field("stage", full, "display_name", os.DisplayName, ns.DisplayName)
	c.field("stage", full, "category", os.Category, ns.Category)
	c.field("stage", full, "table", os.Table, ns.Table)
	c.field("stage", full, "relationship", os.Relationship, ns.Relationship)
	c.field("stage", full, "next", os.Next, ns.Next)
	c.field("stage", full, "on_enter", refsText(os.OnEnter), refsText(ns.OnEnter))
	c.field("stage", full, "on_exit", refsText(os.OnExit), refsText(ns.OnExit))

	stepName := func(s *compiler.Step) string { return s.Name }
	osn, nsn := names(os.Steps, stepName), names(ns.Steps, stepName)
	if orderChanged(osn, nsn) {
		c.field("stage", full, "steps", strings.Join(osn, ", "), strings.Join(nsn, ", "))
	}
	for _, sn := range orderedUnion(osn, nsn) {
		c.step(full+"."+sn, findStep(os, sn), findStep(ns, sn))
	}

	ob, nb := branchKeys(os), branchKeys(ns)
	if orderChanged(ob, nb) {
		c.field("stage", full, "branches", branchOrder(os), branchOrder(ns))
	}
	for _, key := range orderedUnion(ob, nb) {
		bname := full + " to " + key
		obr, nbr := findBranch(os, ob, key), findBranch(ns, nb, key)
		switch {
		case obr == nil:
			c.added("branch", bname, "when "+compiler.FormatExpr(nbr.When))
		case nbr == nil:
			c.removed("branch", bname, "when "+compiler.FormatExpr(obr.When))
		default:
			c.field("branch", bname, "when", compiler.FormatExpr(obr.When), compiler.FormatExpr(nbr.When))
		}
	}
}

// removedStageNote says what an import does to the instances at a stage a
// kept flow no longer has, which a renamed stage is too.
const removedStageNote = "an import moves the active instances at it back to the last stage of their path the flow keeps (bpfc plan --env E counts them)"

func stageSummary(s *compiler.Stage) string {
	parts := []string{"table " + s.Table}
	if s.Relationship != "" {
		parts = append(parts, "via "+s.Relationship)
	}
	if s.Category != "" {
		parts = append(parts, "category "+s.Category)
	}
	parts = append(parts, compiler.Plural(len(s.Steps), "step"))
	if len(s.Branches) > 0 {
		parts = append(parts, compiler.Plural(len(s.Branches), "branch"))
	}
	return strings.Join(parts, ", ")
}

func findStep(s *compiler.Stage, name string) *compiler.Step {
	for _, st := range s.Steps {
		if st.Name == name {
			return st
		}
	}
	return nil
}

func (c *collector) step(full string, os, ns *compiler.Step) {
	switch {
	case os == nil:
		c.added("step", full, stepSummary(ns))
		return
	case ns == nil:
		c.removed("step", full, stepSummary(os))
		return
	}
	c.field("step", full, "display_name", os.DisplayName, ns.DisplayName)
	c.field("step", full, "column", os.Column, ns.Column)
	c.field("step", full, "required", boolText(os.Required), boolText(ns.Required))
	c.field("step", full, "action", boolText(os.Action), boolText(ns.Action))
	c.field("step", full, "workflow", os.Workflow, ns.Workflow)
}

func stepSummary(s *compiler.Step) string {
	if s.Action {
		return "action running workflow " + s.Workflow
	}
	if s.Required {
		return "column " + s.Column + ", required"
	}
	return "column " + s.Column
}

// branchKeys names a stage's branches by target: "approval", and
// "approval (2)" for the second branch to the same stage. A condition edited
// in place then reads as a changed condition, not as a removal and an addition.
func branchKeys(s *compiler.Stage) []string {
	var out []string
	seen := map[string]int{}
	for _, b := range s.Branches {
		seen[b.Next]++
		k := b.Next
		if n := seen[b.Next]; n > 1 {
			k += " (" + itoa(n) + ")"
		}
		out = append(out, k)
	}
	return out
}

func findBranch(s *compiler.Stage, keys []string, key string) *compiler.Branch {
	if i := slices.Index(keys, key); i >= 0 {
		return s.Branches[i]
	}
	return nil
}

func branchOrder(s *compiler.Stage) string {
	var parts []string
	for _, b := range s.Branches {
		parts = append(parts, "to "+b.Next)
	}
	return strings.Join(parts, ", ")
}

func refsText(refs []*compiler.WorkflowRef) string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ", ")
}

func (c *collector) workflows(old, new *compiler.Project) {
	wfName := func(w *compiler.Workflow) string { return w.Name }
	for _, name := range sortedUnion(names(old.Workflows, wfName), names(new.Workflows, wfName)) {
		ow, nw := old.Workflow(name), new.Workflow(name)
		switch {
		case ow == nil:
			c.added("workflow", name, workflowSummary(nw))
			continue
		case nw == nil:
			c.removed("workflow", name, workflowSummary(ow))
			continue
		}
		c.field("workflow", name, "display_name", ow.DisplayName, nw.DisplayName)
		c.field("workflow", name, "table", ow.Table, nw.Table)
		c.field("workflow", name, "mode", ow.Mode, nw.Mode)
		c.field("workflow", name, "wait_until", exprText(ow.WaitUntil), exprText(nw.WaitUntil))
		c.field("workflow", name, "timeout", ow.Timeout, nw.Timeout)
		stepName := func(s *compiler.WorkflowStep) string { return s.Name }
		osn, nsn := names(ow.Steps, stepName), names(nw.Steps, stepName)
		if orderChanged(osn, nsn) {
			c.field("workflow", name, "steps", strings.Join(osn, ", "), strings.Join(nsn, ", "))
		}
		for _, sn := range orderedUnion(osn, nsn) {
			full := name + "." + sn
			os, ns := findWorkflowStep(ow, sn), findWorkflowStep(nw, sn)
			switch {
			case os == nil:
				c.added("workflow_step", full, ns.Kind)
				continue
			case ns == nil:
				c.removed("workflow_step", full, os.Kind)
				continue
			}
			c.field("workflow_step", full, "kind", os.Kind, ns.Kind)
			c.field("workflow_step", full, "when", exprText(os.When), exprText(ns.When))
			c.field("workflow_step", full, "create_table", os.CreateTable, ns.CreateTable)
			c.field("workflow_step", full, "workflow", os.Workflow, ns.Workflow)
			for _, k := range sortedUnion(mapKeys(os.Values), mapKeys(ns.Values)) {
				c.field("workflow_step", full, k, exprText(os.Values[k]), exprText(ns.Values[k]))
			}
		}
	}
}

func workflowSummary(w *compiler.Workflow) string {
	return "table " + w.Table + ", " + w.Mode + ", " + compiler.Plural(len(w.Steps), "step")
}

func findWorkflowStep(w *compiler.Workflow, name string) *compiler.WorkflowStep {
	for _, s := range w.Steps {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func exprText(e compiler.Expr) string {
	if e == nil {
		return ""
	}
	return compiler.FormatExpr(e)
}

func mapKeys(m map[string]compiler.Expr) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
