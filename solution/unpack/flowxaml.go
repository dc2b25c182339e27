package unpack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
)

// rawFlow is a business process flow as its XAML and metadata record say,
// before names are chosen and tables resolved. Ids are lowercase, unbraced.
type rawFlow struct {
	id, file, dataFile string
	component          string // for warnings: flow "<display name>"
	display            string
	name, owner        string // bpfc:Name and bpfc:Owner, when bpfc wrote the XAML
	description        string
	primary            string // logical name of the primary table
	uniqueName         string // the instance table
	task, active       bool
	order              int
	labels             map[string]string // data record labels by id
	stages             []*rawStage
	finish, abandon    []string // workflow ids run when the flow finishes or is abandoned
	roleIDs            []string // processroleassignment
	ev                 *evaluator
}

type rawStage struct {
	id, label, table string
	name             string // bpfc:Name
	category         int
	next             string // NextStageId
	steps            []*rawStep
	branches         []rawBranch
	hasElse          bool
	elseTarget       string
	relationship     string // AttributeName of the StageRelationship into this stage
	onEnter, onExit  []string
}

type rawStep struct {
	id, label, column, classID, controlLabel string
	name                                     string // bpfc:Name
	required, action                         bool
	workflowID                               string
}

type rawBranch struct {
	when   compiler.Expr
	target string
}

// decodeFlow reads a BPF's XAML into f. Constructs bpfc cannot express are
// reported; the rest is kept.
func (f *rawFlow) decode(doc *etree.Document, w *warnings) error {
	root := doc.Root()
	if root == nil || local(root) != "Activity" {
		return fmt.Errorf("%s: root element is not <Activity>", f.file)
	}
	ext := extensionPrefix(root, emit.ExtensionNamespace)
	f.name, _ = extAttr(root, ext, "Name")
	f.owner, _ = extAttr(root, ext, "Owner")
	var wf *etree.Element
	for _, c := range root.ChildElements() {
		if local(c) == "Workflow" {
			wf = c
		}
	}
	if wf == nil {
		return fmt.Errorf("%s: no <Workflow> activity", f.file)
	}
	f.ev = newEvaluator()
	f.ev.warn = func(msg string) { w.add(f.component, f.file, "%s", msg) }
	rels := map[string]string{} // target stage id -> AttributeName
	for _, c := range wf.ChildElements() {
		switch class(c) {
		case "StageRelationshipCollectionComposite":
			for _, r := range descendants(c, "StageRelationship") {
				t := normID(attrValue(r, "TargetStageId"))
				if a := strings.ToLower(attrValue(r, "AttributeName")); t != "" && a != "" {
					rels[t] = a
				}
			}
		case "EntityComposite":
			table := ""
			if d := attrValue(c, "DisplayName"); strings.Contains(d, ":") {
				table = strings.ToLower(strings.TrimSpace(d[strings.Index(d, ":")+1:]))
			}
			for _, a := range activities(c) {
				if class(a) != "StageComposite" {
					w.add(f.component, f.file, "activity %s in a stage's table composite is not expressed and was left out", describe(a))
					continue
				}
				f.stage(a, table, ext, w)
			}
		case "StageComposite":
			f.stage(c, "", ext, w)
		default:
			w.add(f.component, f.file, "top-level activity %s is not expressed and was left out", describe(c))
		}
	}
	for _, s := range f.stages {
		if s.table == "" {
			s.table = f.primary
		}
		s.relationship = rels[s.id]
	}
	return nil
}

// describe names an activity for a warning.
func describe(e *etree.Element) string {
	if d := attrValue(e, "DisplayName"); d != "" {
		return class(e) + " (" + d + ")"
	}
	return class(e)
}

// descendants lists every element below e with the given local name, in document order.
func descendants(e *etree.Element, name string) []*etree.Element {
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if local(c) == name {
			out = append(out, c)
		}
		out = append(out, descendants(c, name)...)
	}
	return out
}

func (f *rawFlow) stage(e *etree.Element, table, ext string, w *warnings) {
	s := &rawStage{id: normID(propText(e, "StageId")), table: table, category: -1, next: normID(propText(e, "NextStageId"))}
	s.name, _ = extAttr(e, ext, "Name")
	s.label = stepLabel(e)
	if s.label == "" {
		s.label = f.labels[s.id]
	}
	if c := propText(e, "StageCategory"); c != "" {
		if n, err := strconv.Atoi(c); err == nil {
			s.category = n
		}
	}
	f.stages = append(f.stages, s)
	for _, a := range activities(e) {
		switch class(a) {
		case "StepComposite":
			f.step(s, a, ext, w)
		case "ConditionSequence":
			f.branches(s, a, nil, ext, w)
		case "ActionComposite":
			f.trigger(s, a, w)
		default:
			w.add(f.component, f.file, "activity %s in stage %q is not expressed and was left out", describe(a), s.label)
		}
	}
}

// controlDataField is the column a step's control edits: the DataFieldName
// attribute, or the property element of system controls.
func controlDataField(c *etree.Element) string {
	if v, ok := attr(c, "DataFieldName"); ok {
		return strings.TrimSpace(v)
	}
	if p := section(c, "DataFieldName"); p != nil {
		for _, l := range descendants(p, "Literal") {
			if v := strings.TrimSpace(attrValue(l, "Value")); v != "" {
				return v
			}
		}
		for _, a := range p.ChildElements() {
			if v := strings.TrimSpace(a.Text()); v != "" && !strings.HasPrefix(v, "[") {
				return v
			}
		}
	}
	return ""
}

func (f *rawFlow) step(s *rawStage, e *etree.Element, ext string, w *warnings) {
	st := &rawStep{id: normID(propText(e, "ProcessStepId")), required: strings.EqualFold(propText(e, "IsProcessRequired"), "True")}
	st.name, _ = extAttr(e, ext, "Name")
	st.label = stepLabel(e)
	if st.label == "" {
		st.label = f.labels[st.id]
	}
	found := false
	for _, a := range activities(e) {
		switch class(a) {
		case "Sequence":
			for _, c := range a.ChildElements() {
				if local(c) != "Control" {
					w.add(f.component, f.file, "activity %s in step %q is not expressed and was left out", describe(c), st.label)
					continue
				}
				if found {
					w.add(f.component, f.file, "step %q has more than one control; only the first is kept", st.label)
					continue
				}
				found = true
				st.classID = normID(attrValue(c, "ClassId"))
				st.controlLabel = attrValue(c, "ControlDisplayName")
				st.column = strings.ToLower(controlDataField(c))
				if st.column == "" {
					if id := attrValue(c, "ControlId"); id != "" && !strings.HasPrefix(id, "_") && !strings.Contains(id, "header_") {
						st.column = strings.ToLower(id)
					}
				}
			}
		case "ActionComposite":
			if found {
				w.add(f.component, f.file, "step %q has more than one control; only the first is kept", st.label)
				continue
			}
			found = true
			st.action = true
			st.workflowID = normID(propText(a, "ProcessId"))
			if st.workflowID == "" {
				w.add(f.component, f.file, "action step %q runs no process (ActionType %s); it is not expressed and was left out", st.label, propText(a, "ActionType"))
				return
			}
		default:
			w.add(f.component, f.file, "activity %s in step %q is not expressed and was left out", describe(a), st.label)
		}
	}
	if !found {
		w.add(f.component, f.file, "step %q has no control; it was left out", st.label)
		return
	}
	if !st.action && st.column == "" {
		w.add(f.component, f.file, "step %q (control %s) edits no column; it was left out", st.label, st.classID)
		return
	}
	s.steps = append(s.steps, st)
}

// trigger reads an ActionComposite at stage level: workflows run on stage
// entry or exit, or when the process finishes or is abandoned.
func (f *rawFlow) trigger(s *rawStage, e *etree.Element, w *warnings) {
	proc := normID(propText(e, "ProcessId"))
	label := attrValue(e, "DisplayName")
	events := prop(e, "TriggerEvents")
	if proc == "" || events == nil || local(events) == "Null" {
		w.add(f.component, f.file, "action %q in stage %q has no process or no trigger; it is not expressed and was left out", label, s.label)
		return
	}
	for _, t := range descendants(events, "ProcessTriggerData") {
		filter := normID(attrValue(t, "FilterId"))
		switch ev := strings.ToUpper(attrValue(t, "Event")); ev {
		case "STAGEENTER", "STAGEENTRY", "STAGEEXIT":
			target := s
			if filter != "" && filter != s.id {
				target = nil
				for _, o := range f.stages {
					if o.id == filter {
						target = o
					}
				}
			}
			if target == nil {
				w.add(f.component, f.file, "trigger %q fires on stage %s, which is not before it in the flow; it was left out", label, filter)
				continue
			}
			if ev == "STAGEEXIT" {
				target.onExit = append(target.onExit, proc)
			} else {
				target.onEnter = append(target.onEnter, proc)
			}
		case "PROCESSSTATUSCHANGE":
			switch filter {
			case "2":
				f.finish = append(f.finish, proc)
			case "3":
				f.abandon = append(f.abandon, proc)
			default:
				w.add(f.component, f.file, "trigger %q fires on process status %s; only finished (2) and abandoned (3) are expressed, it was left out", label, filter)
			}
		default:
			w.add(f.component, f.file, "trigger %q fires on event %s, which bpfc does not express; it was left out", label, ev)
		}
	}
}

var trueLit = &compiler.Literal{Value: cty.True, Kind: compiler.KindBool}
var falseLit = &compiler.Literal{Value: cty.False, Kind: compiler.KindBool}

// isExprText reports whether a branch's label is a condition's text, as
// bpfc labels its branches (not a label a person gave it).
func isExprText(s string) bool {
	_, err := parseExprText(s)
	return err == nil
}

// branches flattens a ConditionSequence into the stage's branches: each
// ConditionBranch, in order, first match wins; a nested sequence inside a
// branch adds its conditions to the branch's. An unconditional last branch
// of the outermost sequence is the stage's default next stage.
func (f *rawFlow) branches(s *rawStage, seq *etree.Element, prefix compiler.Expr, ext string, w *warnings) {
	containsElse := strings.EqualFold(propText(seq, "ContainsElseBranch"), "True")
	for _, a := range activities(seq) {
		if handled, err := f.ev.step(a); handled {
			if err != nil {
				w.add(f.component, f.file, "stage %q: %v", s.label, err)
			}
			continue
		}
		if class(a) != "ConditionBranch" {
			w.add(f.component, f.file, "activity %s in a condition of stage %q is not expressed and was left out", describe(a), s.label)
			continue
		}
		var when compiler.Expr
		uncond := false
		if text, ok := extAttr(a, ext, "Condition"); ok {
			x, err := parseExprText(text)
			if err != nil {
				w.add(f.component, f.file, "stage %q: branch %s has a bpfc condition that does not parse (%v); it is written as when = false", s.label, attrValue(a, "DisplayName"), err)
				x = falseLit
			}
			when = x
		} else {
			c := argText(a, "Condition")
			x, why := f.ev.branchCondition(c)
			if x == nil {
				w.add(f.component, f.file, "stage %q: branch %s cannot be expressed: %s; it is written as when = false, so it never matches", s.label, attrValue(a, "DisplayName"), why)
				x = falseLit
			}
			when = x
			uncond = strings.TrimSpace(c) == "True"
		}
		// A designer's branch label (the x:String Description) has no
		// place in the language; bpfc labels a branch with its condition.
		if label := strings.TrimSpace(propText(a, "Description")); label != "" && !uncond && !isExprText(label) {
			w.add(f.component, f.file, "stage %q: the label %q of branch %s is not expressed (bpfc labels a branch with its condition) and was left out", s.label, label, attrValue(a, "DisplayName"))
		}
		full := when
		if prefix != nil {
			if uncond {
				full = prefix
			} else {
				full = &compiler.Binary{Op: compiler.OpAnd, L: prefix, R: when}
			}
		}
		if exprSize(full) > maxCondSize {
			w.add(f.component, f.file, "stage %q: branch %s has a condition too large to express; it is written as when = false", s.label, attrValue(a, "DisplayName"))
			full = falseLit
		}
		then := prop(a, "Then")
		var targets []string
		var nested []*etree.Element
		if then != nil {
			for _, t := range activities(then) {
				switch class(t) {
				case "Sequence":
					for _, c := range t.ChildElements() {
						if local(c) == "SetNextStage" {
							targets = append(targets, normID(attrValue(c, "StageId")))
						} else {
							w.add(f.component, f.file, "activity %s in a branch of stage %q is not expressed and was left out", describe(c), s.label)
						}
					}
				case "SetNextStage":
					targets = append(targets, normID(attrValue(t, "StageId")))
				case "ConditionSequence":
					nested = append(nested, t)
				default:
					w.add(f.component, f.file, "activity %s in a branch of stage %q is not expressed and was left out", describe(t), s.label)
				}
			}
		}
		for _, n := range nested {
			f.branches(s, n, full, ext, w)
		}
		if len(targets) == 0 {
			if len(nested) == 0 {
				w.add(f.component, f.file, "stage %q: branch %s sets no next stage; it was left out", s.label, attrValue(a, "DisplayName"))
			}
			continue
		}
		if len(targets) > 1 {
			w.add(f.component, f.file, "stage %q: branch %s sets the next stage more than once; the first is kept", s.label, attrValue(a, "DisplayName"))
		}
		switch {
		case s.hasElse && prefix == nil:
			w.add(f.component, f.file, "stage %q: branch %s follows an unconditional branch and can never match; it was left out", s.label, attrValue(a, "DisplayName"))
		case uncond && prefix == nil && (containsElse || isLast(seq, a)):
			s.hasElse, s.elseTarget = true, targets[0]
		default:
			s.branches = append(s.branches, rawBranch{when: full, target: targets[0]})
		}
	}
}

// exprSize counts the nodes of an expression, stopping past maxCondSize.
func exprSize(e compiler.Expr) int {
	n := 0
	var walk func(compiler.Expr)
	walk = func(e compiler.Expr) {
		if n > maxCondSize {
			return
		}
		n++
		switch x := e.(type) {
		case *compiler.Binary:
			walk(x.L)
			walk(x.R)
		case *compiler.Not:
			walk(x.X)
		case *compiler.Call:
			for _, a := range x.Args {
				walk(a)
			}
		}
	}
	walk(e)
	return n
}

// isLast reports whether a is the last ConditionBranch of seq.
func isLast(seq, a *etree.Element) bool {
	acts := activities(seq)
	for i := len(acts) - 1; i >= 0; i-- {
		if class(acts[i]) == "ConditionBranch" {
			return acts[i] == a
		}
	}
	return false
}
