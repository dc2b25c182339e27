package emit

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
)

// FlowXAML returns the XAML of a business process flow or task flow
// (Workflows/<FileName>.xaml): the stage relationships, then one EntityComposite
// per stage in the order written, each holding its StageComposite with the
// steps, the triggered workflows (on_enter/on_exit; on_finish/on_abandon in the
// first stage) and, last, the branching ConditionSequence. A task flow has the
// same XAML (its pages are stages); FlowData marks it BusinessProcessType 1.
// The flow's, stages' and steps' names and the flow's owner are carried in the
// bpfc extension (see ExtensionNamespace).
func FlowXAML(p *compiler.Project, f *compiler.Flow) *etree.Document {
	w := &flowWriter{p: p, f: f, d: newXAML(p.FlowID(f))}
	carryName(w.d.root, f.Name)
	if f.Owner != "" {
		w.d.root.CreateAttr("bpfc:Owner", f.Owner)
	}
	w.relationships()
	for _, s := range f.Stages {
		w.stage(s)
	}
	return w.d.finish()
}

type flowWriter struct {
	p *compiler.Project
	f *compiler.Flow
	d *xamlDoc
}

func (w *flowWriter) stageID(name string) string {
	if s := w.f.Stage(name); s != nil {
		return w.p.StageID(w.f, s)
	}
	return ""
}

// relationships writes the StageRelationshipCollectionComposite: one
// StageRelationship per cross-table stage, from the stage it is reached from.
func (w *flowWriter) relationships() {
	rc := activityRef(w.d.wf, "Microsoft.Crm.Workflow.BusinessProcessFlowActivities.StageRelationshipCollectionComposite", w.d.step("RelationshipCollection"))
	_, acts := composite(refProps(rc))
	for _, s := range w.f.Stages {
		src := sourceStage(w.p, w.f, s)
		if s.Relationship == "" || src == nil {
			continue
		}
		seq := el(acts, "Sequence", "DisplayName", w.d.step("Relationship"))
		el(seq, "mcwb:StageRelationship", "AttributeName", s.Relationship, "RelationshipName", RelationshipName(w.p, s.Table, s.Relationship, src.Table),
			"SourceStageId", w.p.StageID(w.f, src), "TargetStageId", w.p.StageID(w.f, s))
	}
}

// RelationshipName names the 1:N relationship behind a cross-table stage's
// lookup on table pointing at source. A lookup the solution ships has the
// relationship Relationships writes for it (LookupRelationship); a standard
// table's lookup, Dataverse's name for it (opportunity_originating_lead
// for opportunity.originatingleadid) where the catalog knows it; any
// other (a column of an external table) is named "<table>_<lookup
// column>", following Dataverse's <table>_<attribute> convention.
func RelationshipName(p *compiler.Project, table, lookup, source string) string {
	t := p.Table(table)
	if t != nil && ships(t) {
		if c := t.Column(lookup); c != nil && !c.Standard && (c.Type == compiler.TypeLookup || c.Type == compiler.TypeCustomer) {
			return LookupRelationship(table, lookup, source)
		}
	}
	if t == nil || t.Standard {
		if name, ok := catalog.Relationship(table, lookup, source); ok {
			return name
		}
	}
	return table + "_" + lookup
}

func (w *flowWriter) stage(s *compiler.Stage) {
	ec := activityRef(w.d.wf, "EntityComposite", w.d.step("Entity")+": "+s.Table)
	eprops := refProps(ec)
	_, eacts := composite(eprops)
	sc := activityRef(eacts, "StageComposite", w.d.step("Stage")+": "+s.DisplayName)
	carryName(sc, s.Name)
	props := refProps(sc)
	_, acts := composite(props)
	for _, st := range s.Steps {
		if st.Action {
			w.actionStep(acts, s, st)
		} else {
			w.dataStep(acts, s, st)
		}
	}
	w.triggers(acts, s)
	w.branches(acts, s)
	id := w.p.StageID(w.f, s)
	stepLabels(props, s.DisplayName, id)
	xString(props, "StageId", id)
	xString(props, "StageCategory", strconv.Itoa(s.CategoryValue()))
	if next := nextStage(w.f, s); next != "" {
		xString(props, "NextStageId", w.stageID(next))
	} else {
		xNull(props, "NextStageId")
	}
	xNull(eprops, "RelationshipName")
	xNull(eprops, "AttributeName")
	xBool(eprops, "IsClosedLoop", false)
}

func stepLabels(props *etree.Element, description, id string) {
	labels := collection(props, "mcwo:StepLabel", "StepLabels")
	el(labels, "mcwo:StepLabel", "Description", description, "LabelId", id, "LanguageCode", languageCode)
}

// controlParameters writes the empty Control.Parameters every control carries.
func controlParameters(ctrl *etree.Element, tag string) {
	arg := el(ctrl.CreateElement("mcwb:Control."+tag), "InArgument", "x:TypeArguments", "x:String")
	el(arg, "Literal", "x:TypeArguments", "x:String", "Value", "")
}

func (w *flowWriter) dataStep(acts *etree.Element, s *compiler.Stage, st *compiler.Step) {
	col := column(w.p, s.Table, st.Column)
	colType, colName := "", st.DisplayName
	if col != nil {
		colType = col.Type
		if col.DisplayName != "" {
			colName = col.DisplayName
		}
	}
	sc := activityRef(acts, "StepComposite", w.d.step("Step")+": "+st.DisplayName)
	carryName(sc, st.Name)
	props := refProps(sc)
	_, sacts := composite(props)
	seq := el(sacts, "Sequence", "DisplayName", w.d.step("Control"))
	ctrl := el(seq, "mcwb:Control", "ClassId", controlClassID(colType), "ControlDisplayName", colName, "ControlId", st.Column,
		"DataFieldName", st.Column, "IsSystemControl", "False", "IsUnbound", "False", "SystemStepType", "0")
	controlParameters(ctrl, "Parameters")
	id := w.p.StepID(w.f, s, st)
	stepLabels(props, st.DisplayName, id)
	xString(props, "ProcessStepId", id)
	xBool(props, "IsProcessRequired", st.Required)
}

// actionStep writes a button that runs a workflow: a StepComposite holding an
// ActionComposite (ActionType 0, a button, as formats.md has it) whose
// ActionControl is the button.
func (w *flowWriter) actionStep(acts *etree.Element, s *compiler.Stage, st *compiler.Step) {
	wf := workflowOf(w.p, st.Workflow)
	id := w.p.StepID(w.f, s, st)
	sc := activityRef(acts, "StepComposite", w.d.step("Step")+": "+wf.DisplayName)
	carryName(sc, st.Name)
	props := refProps(sc)
	_, sacts := composite(props)
	ac := activityRef(sacts, "ActionComposite", w.d.step("Action")+": "+st.DisplayName)
	aprops := refProps(ac)
	composite(aprops)
	xString(aprops, "ActionId", id)
	textEl(aprops, "x:Int32", "0", "x:Key", "ActionType")
	textEl(aprops, "s:Guid", w.p.WorkflowID(wf), "x:Key", "ProcessId")
	xString(aprops, "UniqueName", "")
	xNull(aprops, "TriggerEvents")
	control := w.d.step("Control")
	seq := el(aprops, "Sequence", "x:Key", "ActionControl", "DisplayName", control)
	ctrl := el(seq, "mcwb:Control", "ClassId", actionButtonClassID, "ControlDisplayName", st.DisplayName,
		"ControlId", "_Step_"+strings.TrimPrefix(control, "ControlStep"), "IsSystemControl", "False", "IsUnbound", "True", "SystemStepType", "0")
	controlParameters(ctrl, "DataFieldName")
	controlParameters(ctrl, "Parameters")
	stepLabels(props, st.DisplayName, id)
	xString(props, "ProcessStepId", id)
	xBool(props, "IsProcessRequired", false)
}

// triggers writes the workflows a stage runs on entry and exit, and in the
// first stage the process-level ones (finished, abandoned), as ActionComposites.
func (w *flowWriter) triggers(acts *etree.Element, s *compiler.Stage) {
	id := w.p.StageID(w.f, s)
	for _, r := range s.OnEnter {
		w.trigger(acts, s, r, "STAGEENTRY", id, "40")
	}
	for _, r := range s.OnExit {
		w.trigger(acts, s, r, "STAGEEXIT", id, "20")
	}
	if s.Index != 0 {
		return
	}
	// FilterId is the instance status code the process moves to.
	for _, r := range w.f.OnFinish {
		w.trigger(acts, s, r, "PROCESSSTATUSCHANGE", "2", "40")
	}
	for _, r := range w.f.OnAbandon {
		w.trigger(acts, s, r, "PROCESSSTATUSCHANGE", "3", "40")
	}
}

func (w *flowWriter) trigger(acts *etree.Element, s *compiler.Stage, r *compiler.WorkflowRef, event, filter, pipeline string) {
	wf := workflowOf(w.p, r.Name)
	ac := activityRef(acts, "ActionComposite", w.d.step("Action")+": "+wf.DisplayName)
	props := refProps(ac)
	composite(props)
	xString(props, "ActionId", compiler.ID("trigger", w.p.Solution.Name, w.f.Name, s.Name, event, filter, r.Name))
	textEl(props, "x:Int32", "3", "x:Key", "ActionType")
	textEl(props, "s:Guid", w.p.WorkflowID(wf), "x:Key", "ProcessId")
	xString(props, "UniqueName", wf.DisplayName)
	arr := el(props, "x:Array", "x:Key", "TriggerEvents", "Type", "mcwo:ProcessTriggerData")
	el(arr, "mcwo:ProcessTriggerData", "Event", event, "FilterId", filter, "PipelineStageId", pipeline)
	xNull(props, "ActionControl")
}

// branches writes the stage's ConditionSequence: one ConditionBranch per
// branch (first match wins), then the default next stage as an else branch.
func (w *flowWriter) branches(acts *etree.Element, s *compiler.Stage) {
	if len(s.Branches) == 0 {
		return
	}
	cs := activityRef(acts, "ConditionSequence", w.d.step("Condition"))
	inArg(refArgs(cs), "x:Boolean", "Wait", "False")
	props := refProps(cs)
	vars, cacts := composite(props)
	for _, b := range s.Branches {
		name := w.d.step("ConditionBranch")
		condition, ext := "False", ""
		if conditionIssue(b.When) == "" {
			sc := &scope{name: name, entity: primaryEntity, table: s.Table, vars: vars, acts: cacts}
			condition = sc.condition(b.When)
		} else {
			ext = exprText(b.When)
		}
		bprops, then := conditionBranch(cacts, name, condition, ext)
		w.setNextStage(then, s, b.Next)
		xNull(bprops, "Else")
		xString(bprops, "Description", exprText(b.When))
	}
	if s.Next != "" {
		name := w.d.step("ConditionBranch")
		bprops, then := conditionBranch(cacts, name, "True", "")
		w.setNextStage(then, s, s.Next)
		xNull(bprops, "Else")
		xString(bprops, "Description", "")
	}
	xBool(props, "ContainsElseBranch", s.Next != "")
}

func (w *flowWriter) setNextStage(acts *etree.Element, s *compiler.Stage, next string) {
	seq := el(acts, "Sequence", "DisplayName", w.d.step("SetNextStage"))
	el(seq, "mcwc:SetNextStage", "ParentStageId", w.p.StageID(w.f, s), "StageId", w.stageID(next))
}

// conditionBranch adds a ConditionBranch with its Then composite and returns
// the branch's properties and the Then composite's activities. ext, when set,
// is the bpfc:Condition text of a condition Dataverse cannot encode.
func conditionBranch(acts *etree.Element, name, condition, ext string) (props, then *etree.Element) {
	br := activityRef(acts, "ConditionBranch", name)
	if ext != "" {
		br.CreateAttr("bpfc:Condition", ext)
	}
	inArg(refArgs(br), "x:Boolean", "Condition", condition)
	props = refProps(br)
	th := el(props, "mxswa:ActivityReference", "x:Key", "Then", "AssemblyQualifiedName", "Microsoft.Crm.Workflow.Activities.Composite, "+crmWorkflowAsm, "DisplayName", name)
	_, then = composite(refProps(th))
	return props, then
}

// column returns a table's column or nil.
func column(p *compiler.Project, table, name string) *compiler.Column {
	if t := p.Table(table); t != nil {
		return t.Column(name)
	}
	return nil
}

// workflowOf returns the named workflow, or a stand-in with that name (and so
// the same id) when the project does not declare it.
func workflowOf(p *compiler.Project, name string) *compiler.Workflow {
	if wf := p.Workflow(name); wf != nil {
		if wf.DisplayName == "" {
			c := *wf
			c.DisplayName = wf.Name
			return &c
		}
		return wf
	}
	return &compiler.Workflow{Name: name, DisplayName: name}
}
