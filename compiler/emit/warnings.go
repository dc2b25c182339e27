package emit

import (
	"sort"

	"github.com/hashicorp/hcl/v2"

	"github.com/bpfc/bpfc/compiler"
)

// Warning is a construct that real Dataverse could not import as bpfc means
// it: the build writes it with the bpfc extension, which Dataverse ignores;
// or, Refused, one the build writes in Dataverse's own form but Dataverse
// would refuse when it runs (a SetState to a state only a message of its
// own reaches, an owner that is a name rather than an id). Flow and Stage,
// or Workflow, say where it is; Range points at the source.
type Warning struct {
	Flow, Stage string
	Workflow    string
	Range       hcl.Range
	Message     string
	Refused     bool
}

const ignored = "; it is written as a bpfc extension that Dataverse ignores"

// DataverseWarnings lists every construct of p that Dataverse has no encoding
// for, or would refuse (used by `bpfc validate --dataverse`), in project
// order. The emitters make the same decisions, so each warning that is not
// Refused matches one use of the bpfc extension in the output. The names the extension carries (bpfc:Name, a
// flow's bpfc:Owner) are no warning: Dataverse loses nothing by skipping them.
func DataverseWarnings(p *compiler.Project) []Warning {
	var out []Warning
	for _, f := range p.Flows {
		for _, s := range f.Stages {
			for _, b := range s.Branches {
				if issue := conditionIssue(b.When); issue != "" {
					out = append(out, Warning{Flow: f.Name, Stage: s.Name, Range: exprRange(b.When, b.DeclRange),
						Message: "branch condition " + exprText(b.When) + " " + issue + ignored + ", so there the branch to " + b.Next + " never matches"})
				}
			}
		}
	}
	for _, w := range p.Workflows {
		out = append(out, workflowWarnings(p, w)...)
	}
	return out
}

func workflowWarnings(p *compiler.Project, w *compiler.Workflow) []Warning {
	var out []Warning
	add := func(rng hcl.Range, msg string) {
		out = append(out, Warning{Workflow: w.Name, Range: rng, Message: msg})
	}
	refused := func(rng hcl.Range, msg string) {
		out = append(out, Warning{Workflow: w.Name, Range: rng, Message: msg, Refused: true})
	}
	if w.WaitUntil != nil {
		if issue := conditionIssue(w.WaitUntil); issue != "" {
			add(exprRange(w.WaitUntil, w.DeclRange), "wait_until "+exprText(w.WaitUntil)+" "+issue+ignored+", so there the workflow waits forever")
		}
		if w.Timeout != "" {
			add(w.Attrs.Of("timeout", w.DeclRange), "timeout "+w.Timeout+" has no Dataverse form bpfc writes"+ignored+", so there the wait has no time limit")
		}
	}
	for _, st := range w.Steps {
		where := "step " + st.Name
		if st.When != nil {
			if issue := conditionIssue(st.When); issue != "" {
				add(exprRange(st.When, st.DeclRange), where+": when "+exprText(st.When)+" "+issue+ignored+", so there the step never runs")
			}
		}
		values := map[string]compiler.Expr{}
		table := w.Table
		switch st.Kind {
		case compiler.StepUpdate:
			values = st.Values
		case compiler.StepCreate:
			values, table = st.Values, st.CreateTable
		case compiler.StepAssign:
			values = map[string]compiler.Expr{"ownerid": st.Values["owner"]}
			if name, ok := userName(st.Values["owner"]); ok {
				refused(exprRange(st.Values["owner"], st.DeclRange), where+": assign "+exprText(st.Values["owner"])+" names user "+name+
					", which bpfc writes as the owner's id; Dataverse needs a systemuser id there, and only bpfc's runtime resolves a user's name, so there the step fails")
			}
		case compiler.StepSendEmail:
			table = "email"
			for k, e := range map[string]string{"subject": "subject", "body": "description"} {
				if x, ok := st.Values[k]; ok {
					values[e] = x
				}
			}
			for _, k := range []string{"to", "cc"} {
				if x, ok := st.Values[k]; ok {
					add(exprRange(x, st.DeclRange), where+": send_email "+k+" = "+exprText(x)+": Dataverse's workflow e-mail takes its recipients as activity parties, "+
						"which bpfc does not write (for an address or a record alike)"+ignored+map[string]string{"to": ", so there the e-mail has no recipient", "cc": ", so there no one is copied"}[k])
				}
			}
		case compiler.StepChangeStatus:
			state, status, ok := resolveStatus(p, w.Table, st.Values["status"])
			if !ok {
				add(exprRange(st.Values["status"], st.DeclRange), where+": change_status "+exprText(st.Values["status"])+" names no status reason of "+w.Table+ignored)
			} else if issue := setStateIssue(p, w.Table, state, status); issue != "" {
				refused(exprRange(st.Values["status"], st.DeclRange), where+": change_status "+exprText(st.Values["status"])+" "+issue+", so there the step fails")
			}
		case compiler.StepWebhook:
			add(st.DeclRange, where+": Dataverse workflows have no webhook step"+ignored+", so there nothing is posted")
		}
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			col := column(p, table, k)
			if k == "ownerid" && st.Kind == compiler.StepAssign {
				col = &compiler.Column{Name: "ownerid", Type: compiler.TypeLookup, Target: "systemuser"}
			}
			if issue := valueIssue(col, values[k]); issue != "" {
				add(exprRange(values[k], st.DeclRange), where+": "+k+" = "+exprText(values[k])+" "+issue+ignored+", so there the column is left empty")
			}
		}
	}
	return out
}

// exprRange is an expression's range, or fallback when it has none.
func exprRange(e compiler.Expr, fallback hcl.Range) hcl.Range {
	if e == nil {
		return fallback
	}
	if r := e.Range(); r.Filename != "" || r.Start.Line != 0 {
		return r
	}
	return fallback
}

// userName is assign's owner when it is a literal user name rather than a
// row id: the runtime looks the name up, Dataverse cannot.
func userName(e compiler.Expr) (string, bool) {
	lit, ok := e.(*compiler.Literal)
	if !ok || lit.Kind != compiler.KindString || lit.Value.IsNull() {
		return "", false
	}
	s := lit.Value.AsString()
	if compiler.IsID(s) {
		return "", false
	}
	return s, true
}
