package unpack

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
)

// rawWorkflow is a classic workflow (Category 0) read back from the XAML
// bpfc writes (emit.WorkflowXAML). Dataverse's own workflow XAML uses many
// more activities; a workflow with any activity bpfc does not write is not
// expressed, and reported.
type rawWorkflow struct {
	id, file, dataFile string
	component          string
	display            string
	table              string
	realtime           bool
	waitUntil          compiler.Expr
	timeout            string
	steps              []*rawWStep
	bpfcName           string // bpfc:Name, when bpfc wrote the XAML
	name               string // chosen later
}

type rawWStep struct {
	name        string // bpfc:Name
	kind        string
	when        compiler.Expr
	values      map[string]compiler.Expr
	createTable string
	workflowID  string // start_workflow
	stopStatus  string // stop: "" or "canceled"
	statusValue int    // change_status: the status reason, when not an extension
	statusExpr  compiler.Expr
}

// errUnsupported marks XAML that is not the shape bpfc writes.
type errUnsupported struct{ what string }

func (e *errUnsupported) Error() string { return e.what }

func unsupported(format string, args ...any) error {
	return &errUnsupported{fmt.Sprintf(format, args...)}
}

// decodeWorkflow reads a classic workflow's XAML.
func (w *rawWorkflow) decode(doc *etree.Document) error {
	root := doc.Root()
	if root == nil || local(root) != "Activity" {
		return unsupported("the root element is not <Activity>")
	}
	ext := extensionPrefix(root, emit.ExtensionNamespace)
	var wf *etree.Element
	for _, c := range root.ChildElements() {
		if local(c) == "Workflow" {
			wf = c
		}
	}
	if wf == nil {
		return unsupported("no <Workflow> activity")
	}
	w.bpfcName, _ = extAttr(root, ext, "Name")
	acts := wf.ChildElements()
	if len(acts) > 0 && class(acts[0]) == "ConditionSequence" && strings.EqualFold(argText(acts[0], "Wait"), "True") {
		cond, then, err := w.branch(acts[0], ext)
		if err != nil {
			return err
		}
		if len(acts) > 1 {
			return unsupported("activities after a wait condition")
		}
		w.waitUntil = cond
		w.timeout, _ = extAttr(acts[0], ext, "Timeout")
		acts = then
	}
	steps, err := w.readSteps(acts, ext)
	if err != nil {
		return err
	}
	w.steps = steps
	return nil
}

// branch reads a ConditionSequence with one ConditionBranch: its condition
// and the activities of its Then.
func (w *rawWorkflow) branch(seq *etree.Element, ext string) (compiler.Expr, []*etree.Element, error) {
	ev := newEvaluator()
	var cond compiler.Expr
	var then []*etree.Element
	branches := 0
	for _, a := range activities(seq) {
		if handled, err := ev.step(a); handled {
			if err != nil {
				return nil, nil, unsupported("%v", err)
			}
			continue
		}
		if class(a) != "ConditionBranch" {
			return nil, nil, unsupported("activity %s in a condition", describe(a))
		}
		if branches++; branches > 1 {
			return nil, nil, unsupported("a condition with more than one branch")
		}
		if text, ok := extAttr(a, ext, "Condition"); ok {
			x, err := parseExprText(text)
			if err != nil {
				return nil, nil, unsupported("a bpfc condition that does not parse: %v", err)
			}
			cond = x
		} else {
			x, why := ev.branchCondition(argText(a, "Condition"))
			if x == nil {
				return nil, nil, unsupported("a condition that %s", why)
			}
			cond = x
		}
		if e := prop(a, "Else"); e != nil && local(e) != "Null" {
			return nil, nil, unsupported("a condition with an otherwise branch")
		}
		if t := prop(a, "Then"); t != nil {
			then = activities(t)
		}
	}
	if cond == nil {
		return nil, nil, unsupported("a condition without a branch")
	}
	return cond, then, nil
}

var stepPrefixes = []struct{ prefix, kind string }{
	{"UpdateStep", compiler.StepUpdate}, {"CreateStep", compiler.StepCreate}, {"AssignStep", compiler.StepAssign},
	{"SendEmailStep", compiler.StepSendEmail}, {"ChildWorkflowStep", compiler.StepStartWorkflow}, {"StopWorkflowStep", compiler.StepStop},
}

// readSteps reads a workflow's steps; each takes the bpfc:Name its outermost
// activity carries.
func (w *rawWorkflow) readSteps(acts []*etree.Element, ext string) ([]*rawWStep, error) {
	var out []*rawWStep
	for _, a := range acts {
		n := len(out)
		switch {
		case local(a) == "Persist":
		case a.Space == ext && ext != "" && local(a) == "Webhook":
			x, err := parseExprText(attrValue(a, "Url"))
			if err != nil {
				return nil, unsupported("a webhook URL that does not parse: %v", err)
			}
			out = append(out, &rawWStep{kind: compiler.StepWebhook, values: map[string]compiler.Expr{"url": x}})
		case a.Space == ext && ext != "" && local(a) == "SetState":
			x, err := parseExprText(attrValue(a, "Status"))
			if err != nil {
				return nil, unsupported("a status that does not parse: %v", err)
			}
			out = append(out, &rawWStep{kind: compiler.StepChangeStatus, statusExpr: x})
		case local(a) == "SetState":
			st, err := setState(a)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		case class(a) == "ConditionSequence":
			cond, then, err := w.branch(a, ext)
			if err != nil {
				return nil, err
			}
			inner, err := w.readSteps(then, ext)
			if err != nil {
				return nil, err
			}
			if len(inner) != 1 || inner[0].when != nil {
				return nil, unsupported("a condition around %d steps", len(inner))
			}
			inner[0].when = cond
			out = append(out, inner[0])
		case local(a) == "Sequence":
			st, err := w.sequence(a, ext)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		default:
			return nil, unsupported("activity %s", describe(a))
		}
		if name, ok := extAttr(a, ext, "Name"); ok && len(out) > n {
			out[n].name = name
		}
	}
	return out, nil
}

// setState reads mxswa:SetState's State and Status option values.
func setState(a *etree.Element) (*rawWStep, error) {
	status := section(a, "Status")
	if status == nil {
		return nil, unsupported("SetState without a status")
	}
	for _, o := range descendants(status, "OptionSetValue") {
		var n int
		if _, err := fmt.Sscan(attrValue(o, "Value"), &n); err == nil {
			return &rawWStep{kind: compiler.StepChangeStatus, statusValue: n}, nil
		}
	}
	return nil, unsupported("SetState with a status bpfc cannot read")
}

// sequence reads one step's Sequence.
func (w *rawWorkflow) sequence(seq *etree.Element, ext string) (*rawWStep, error) {
	name := attrValue(seq, "DisplayName")
	st := &rawWStep{values: map[string]compiler.Expr{}}
	for _, p := range stepPrefixes {
		if strings.HasPrefix(name, p.prefix) {
			st.kind = p.kind
		}
	}
	if st.kind == "" {
		return nil, unsupported("step %s", name)
	}
	ev := newEvaluator()
	valueOf := func(v string) (compiler.Expr, error) {
		x := ev.vars[v]
		switch {
		case x == nil:
			return &compiler.Literal{Value: cty.NullVal(cty.DynamicPseudoType), Kind: compiler.KindNull}, nil
		case x.bad != "":
			return nil, unsupported("a value that %s", x.bad)
		case x.col != nil:
			return &compiler.ColumnRef{Column: x.col.Column}, nil
		case x.lit != nil:
			l, ok := litExpr(x.lit)
			if !ok {
				return nil, unsupported("a %s literal bpfc cannot read", x.lit.ptype)
			}
			return l, nil
		}
		return nil, unsupported("a value that is a condition")
	}
	for _, a := range seq.ChildElements() {
		if handled, err := ev.step(a); handled {
			if err != nil {
				return nil, unsupported("%v", err)
			}
			continue
		}
		switch local(a) {
		case "Sequence.Variables", "Assign", "Persist":
		case "SetEntityProperty":
			attrName := strings.ToLower(attrValue(a, "Attribute"))
			var x compiler.Expr
			if text, ok := extAttr(a, ext, "Value"); ok {
				e, err := parseExprText(text)
				if err != nil {
					return nil, unsupported("a bpfc value that does not parse: %v", err)
				}
				x = e
			} else {
				e, err := valueOf(bracketed(attrValue(a, "Value")))
				if err != nil {
					return nil, err
				}
				x = e
			}
			if st.kind == compiler.StepSendEmail {
				switch attrName {
				case "subject":
				case "description":
					attrName = "body"
				default:
					return nil, unsupported("an e-mail field %s", attrName)
				}
			}
			st.values[attrName] = x
		case "UpdateEntity", "CreateEntity":
			if st.kind == compiler.StepCreate {
				st.createTable = strings.ToLower(attrValue(a, "EntityName"))
			}
		case "AssignEntity":
			if text, ok := extAttr(a, ext, "Owner"); ok {
				x, err := parseExprText(text)
				if err != nil {
					return nil, unsupported("a bpfc owner that does not parse: %v", err)
				}
				st.values["owner"] = x
				break
			}
			owner := attrValue(a, "Owner")
			v := ""
			if i, j := strings.Index(owner, "DirectCast("), strings.Index(owner, ","); i >= 0 && j > i {
				v = strings.TrimSpace(owner[i+len("DirectCast(") : j])
			}
			x, err := valueOf(v)
			if err != nil {
				return nil, err
			}
			st.values["owner"] = x
		case "SendEmail":
			for _, k := range []string{"To", "Cc"} {
				if text, ok := extAttr(a, ext, k); ok {
					x, err := parseExprText(text)
					if err != nil {
						return nil, unsupported("a bpfc %s that does not parse: %v", k, err)
					}
					st.values[strings.ToLower(k)] = x
				}
			}
		case "StartChildWorkflow":
			st.workflowID = normID(attrValue(a, "WorkflowId"))
		case "TerminateWorkflow":
			if strings.Contains(attrValue(a, "Exception"), "OperationStatus.Canceled") {
				st.stopStatus = "canceled"
			}
		default:
			return nil, unsupported("activity %s in step %s", describe(a), name)
		}
	}
	if st.kind == compiler.StepSendEmail && st.values["to"] == nil {
		return nil, unsupported("an e-mail without recipients bpfc can read")
	}
	return st, nil
}
