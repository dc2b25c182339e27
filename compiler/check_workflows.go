package compiler

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

func (c *checker) workflows() {
	p := c.p
	wfNames := make([]string, len(p.Workflows))
	for i, w := range p.Workflows {
		wfNames[i] = w.Name
		c.processName("Workflow", w.Name, w.DisplayName, w.Attrs, w.DeclRange)
		if _, set := w.Attrs["table"]; set && w.Table == "" {
			c.errorf(w.Attrs.Of("table", w.DeclRange), "Missing table", "table is empty; name the table the workflow runs on, such as \"lead\".")
		}
		if p.Table(w.Table) == nil && w.Table != "" && !p.invalidTableUse(w.Table) {
			c.errorf(w.Attrs.Of("table", w.DeclRange), "Unknown table", "Workflow %q runs on table %q, which is neither a standard table nor declared in the project.%s", w.Name, w.Table, didYouMeanTable(w.Table, p))
		}
	}
	for _, cu := range c.d.createTables {
		if p.Table(cu.step.CreateTable) == nil && !p.invalidTableUse(cu.step.CreateTable) {
			c.errorf(cu.rng, "Unknown table", "create.table %q is neither a standard table nor declared in the project.%s", cu.step.CreateTable, didYouMeanTable(cu.step.CreateTable, p))
		}
	}
	for _, u := range c.d.workflowUses {
		w := p.Workflow(u.name)
		if w == nil && p.misspeltDecl("workflow", u.name) {
			continue
		}
		if w == nil {
			c.errorf(u.rng, "Unknown workflow", "No workflow %q is declared.%s", u.name, workflowHint(p, u, wfNames))
			continue
		}
		if u.table != nil {
			if t := u.table(); t != "" && w.Table != t && p.Table(t) != nil && p.Table(w.Table) != nil { // an unknown table is reported on its own
				c.errorf(u.rng, "Workflow on the wrong table", "Workflow %q runs on %s, but it is used where the record is %s %s; use a workflow on %s.", w.Name, w.Table, Article(t), t, t)
			}
		}
		if u.any != nil {
			if ts := u.any(); len(ts) > 0 && !contains(ts, w.Table) && p.Table(w.Table) != nil && allTables(p, ts) {
				c.errorf(u.rng, "Workflow on the wrong table", "Workflow %q runs on %s, which is not a table of this flow (%s).", w.Name, w.Table, strings.Join(ts, ", "))
			}
		}
	}
	// change_status by label: the label must be a status reason of the
	// table (the run time can do nothing else with it).
	for _, w := range p.Workflows {
		t := p.Table(w.Table)
		if t == nil {
			continue
		}
		reasons := DefaultStatusReasons
		if col := t.Column("statuscode"); col != nil && len(col.Options) > 0 {
			reasons = col.Options
		}
		var labels []string
		for _, o := range reasons {
			labels = append(labels, o.Label)
		}
		for _, st := range w.Steps {
			if st.Kind == StepAssign && t.Column("ownerid") == nil {
				c.errorf(st.DeclRange, "Nothing to assign", "Step %q assigns a %s record to an owner, but %s records have none (%s); remove the step.",
					st.Name, t.Name, t.Name, ownerless(t))
			}
			lit, ok := st.Values["status"].(*Literal)
			if st.Kind != StepChangeStatus || !ok || lit.Kind != KindString || contains(labels, lit.Value.AsString()) {
				continue
			}
			c.errorf(lit.Rng, "Unknown status reason", "change_status %q is not a status reason of %s; its status reasons are %s.%s",
				lit.Value.AsString(), t.Name, joinQuoted(labels), didYouMean(lit.Value.AsString(), labels))
		}
	}
	// A secret's value never lands in the store in clear text: no step may
	// write it into a record or an email (the outbox keeps what it sends).
	// A webhook's url may carry it. Nor may a condition read it: the branch
	// taken (the active path anyone reading the instance sees) or the step
	// run would tell it, one guess at a time.
	secretIn := func(e Expr, what string) {
		for _, ref := range VarRefs(e) {
			if ref.Var != nil && ref.Var.Type == VarSecret {
				c.errorf(ref.Rng, "Secret in a condition",
					"var.%s is a secret; %s would tell its value to whoever sees which way it went, one guess at a time. Compare with a string variable instead.",
					ref.Name, what)
			}
		}
	}
	for _, f := range p.Flows {
		for _, s := range f.Stages {
			for _, b := range s.Branches {
				secretIn(b.When, fmt.Sprintf("the branch of stage %q", s.Name))
			}
		}
	}
	for _, w := range p.Workflows {
		secretIn(w.WaitUntil, fmt.Sprintf("the wait_until of workflow %q", w.Name))
		for _, st := range w.Steps {
			secretIn(st.When, fmt.Sprintf("the condition of step %q", st.Name))
		}
	}
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			if st.Kind == StepWebhook {
				continue
			}
			for _, k := range sortedKeys(st.Values) {
				for _, ref := range VarRefs(st.Values[k]) {
					if ref.Var == nil || ref.Var.Type != VarSecret {
						continue
					}
					where := "a column of the record it writes"
					if st.Kind == StepSendEmail {
						where = "an email, which the outbox keeps"
					}
					c.errorf(ref.Rng, "Secret in a stored value",
						"var.%s is a secret, whose value never lands in the store in clear text; step %q would write it into %s. A webhook's url may carry a secret; if %s is not secret, make it a string variable.",
						ref.Name, st.Name, where, ref.Name)
				}
			}
		}
	}
	// A variable that stands for a webhook's url or an email's recipients
	// is text, and its default is such a url or addresses: the run time
	// would only find out when the job fails.
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			for _, k := range addressFields(st) {
				// A column: text, or (recipients) a lookup to whom to send.
				if col, ok := st.Values[k].(*ColumnRef); ok && col.Col != nil {
					kind := ColumnKind(col.Col.Type)
					if kind != KindString && (k == "url" || kind != KindLookup) {
						want := "a text column"
						if k != "url" {
							want = "a text or lookup column"
						}
						c.errorf(col.Rng, "Type mismatch in value", "%s of step %q takes %s; self.%s is %s %s column.", k, st.Name, want, col.Column, Article(col.Col.Type), col.Col.Type)
					}
					continue
				}
				ref, ok := st.Values[k].(*VarRef)
				if !ok || ref.Var == nil {
					continue
				}
				v := ref.Var
				if v.Type != VarString && v.Type != VarSecret {
					c.errorf(ref.Rng, "Type mismatch in value", "%s of step %q is text, and var.%s is a %s variable; use a string variable.", k, st.Name, v.Name, v.Type)
					continue
				}
				if !v.HasDefault() || v.Default.Type() != cty.String {
					continue
				}
				if summary, detail := addressProblem(w, st, k, v, v.Default.AsString()); summary != "" {
					c.errorf(ref.Rng, summary, "var.%s's default: %s", v.Name, detail)
				}
			}
		}
	}
	// start_workflow must not recurse. Each loop is reported once, where it
	// closes; the search goes on, so that a workflow that only starts one
	// of a loop is not taken for part of it.
	state := map[string]int{}
	var visit func(w *Workflow)
	visit = func(w *Workflow) {
		state[w.Name] = 1
		for _, st := range w.Steps {
			if st.Kind != StepStartWorkflow {
				continue
			}
			child := p.Workflow(st.Workflow)
			if child == nil {
				continue
			}
			switch state[child.Name] {
			case 1:
				c.errorf(st.DeclRange, "Recursive workflow", "Workflow %q starts %q, which leads back to it; workflows must not start themselves.", w.Name, child.Name)
			case 0:
				visit(child)
			}
		}
		state[w.Name] = 2
	}
	for _, w := range p.Workflows {
		if state[w.Name] == 0 {
			visit(w)
		}
	}
}

// addressFields are the fields of a step that hold where it posts (a
// webhook's url) or sends (an email's recipients).
func addressFields(st *WorkflowStep) []string {
	switch st.Kind {
	case StepWebhook:
		return []string{"url"}
	case StepSendEmail:
		return []string{"to", "cc"}
	}
	return nil
}

// addressProblem says what is wrong with raw as v's value in field k of
// step st of w (addressFields): an http or https URL for a webhook's url,
// addresses for an email's recipients.
func addressProblem(w *Workflow, st *WorkflowStep, k string, v *Variable, raw string) (summary, detail string) {
	switch {
	case k == "url" && !isWebhookURL(raw):
		shown := Shorten(raw)
		if v.Type == VarSecret {
			shown = "(a secret)"
		}
		return "Invalid webhook url", fmt.Sprintf("%s is not an http or https URL, and step %q of workflow %q posts to it.", shown, st.Name, w.Name)
	case k != "url" && badAddress(raw) != "":
		return "Invalid email address", fmt.Sprintf("%s is not an email address, and step %q of workflow %q sends to it.", Shorten(badAddress(raw)), st.Name, w.Name)
	}
	return "", ""
}

// allTables reports whether every name is a known table: where one is not
// (reported on its own), a workflow on another table may be the one meant.
func allTables(p *Project, names []string) bool {
	for _, n := range names {
		if p.Table(n) == nil {
			return false
		}
	}
	return true
}

// workflowHint is the "Did you mean" or list of workflows for an unknown
// one u names: those on its table when it has one (a workflow on another is
// refused in turn), all when its table is not known.
func workflowHint(p *Project, u workflowUse, names []string) string {
	var tables []string
	switch {
	case u.table != nil:
		if t := u.table(); t != "" {
			tables = []string{t}
		}
	case u.any != nil:
		tables = u.any()
	}
	if len(tables) == 0 || !allTables(p, tables) {
		return didYouMeanOr(u.name, names, "The declared workflows are")
	}
	var on []string
	for _, n := range names {
		if w := p.Workflow(n); w != nil && contains(tables, w.Table) {
			on = append(on, n)
		}
	}
	if len(on) == len(names) {
		return didYouMeanOr(u.name, on, "The declared workflows are")
	}
	return didYouMeanOr(u.name, on, "The workflows on "+strings.Join(tables, " or ")+" are")
}
