package emit

import (
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// WorkflowXAML returns the XAML of a classic workflow (Category 0): each step
// in the shape the process designer writes (UpdateEntity, CreateEntity,
// AssignEntity, SendEmail, SetState, StartChildWorkflow, TerminateWorkflow),
// a step's `when` as a check condition around it, wait_until as a wait
// condition holding the steps, and a Persist after each step of a background
// workflow. Webhook steps, and values Dataverse cannot compute, use the bpfc
// extension (see ExtensionNamespace), which also carries the names of the
// workflow and its steps.
func WorkflowXAML(p *compiler.Project, w *compiler.Workflow) *etree.Document {
	ww := &workflowWriter{p: p, w: w, d: newXAML(p.WorkflowID(w))}
	carryName(ww.d.root, w.Name)
	parent := ww.d.wf
	if w.WaitUntil != nil {
		parent = ww.wait(parent)
	}
	for _, st := range w.Steps {
		ww.step(parent, st)
	}
	pruneEmpty(ww.d.root, "Sequence.Variables")
	return ww.d.finish()
}

type workflowWriter struct {
	p *compiler.Project
	w *compiler.Workflow
	d *xamlDoc
}

// wait writes the wait condition and returns where the following steps go.
func (ww *workflowWriter) wait(parent *etree.Element) *etree.Element {
	cs := activityRef(parent, "ConditionSequence", ww.d.step("Wait"))
	if ww.w.Timeout != "" {
		cs.CreateAttr("bpfc:Timeout", ww.w.Timeout)
	}
	inArg(refArgs(cs), "x:Boolean", "Wait", "True")
	props := refProps(cs)
	vars, acts := composite(props)
	name := ww.d.step("WaitBranch")
	condition, ext := ww.condition(vars, acts, name, ww.w.WaitUntil)
	bprops, then := conditionBranch(acts, name, condition, ext)
	xNull(bprops, "Else")
	xNull(bprops, "Description")
	xNull(props, "ContainsElseBranch")
	return then
}

// condition writes a condition on the workflow's record and returns the
// branch's Condition text, or "False" and the bpfc:Condition text.
func (ww *workflowWriter) condition(vars, acts *etree.Element, name string, e compiler.Expr) (string, string) {
	if conditionIssue(e) != "" {
		return "False", exprText(e)
	}
	sc := &scope{name: name, entity: primaryEntity, table: ww.w.Table, vars: vars, acts: acts}
	return sc.condition(e), ""
}

// step writes one step and carries its name on the step's outermost activity.
func (ww *workflowWriter) step(parent *etree.Element, st *compiler.WorkflowStep) {
	before := len(parent.ChildElements())
	ww.stepBody(parent, st)
	if kids := parent.ChildElements(); len(kids) > before {
		carryName(kids[before], st.Name)
	}
}

func (ww *workflowWriter) stepBody(parent *etree.Element, st *compiler.WorkflowStep) {
	if st.When != nil {
		cs := activityRef(parent, "ConditionSequence", ww.d.step("Condition"))
		inArg(refArgs(cs), "x:Boolean", "Wait", "False")
		props := refProps(cs)
		vars, acts := composite(props)
		name := ww.d.step("ConditionBranch")
		condition, ext := ww.condition(vars, acts, name, st.When)
		bprops, then := conditionBranch(acts, name, condition, ext)
		xNull(bprops, "Else")
		xNull(bprops, "Description")
		xBool(props, "ContainsElseBranch", false)
		parent = then
	}
	table := ww.w.Table
	switch st.Kind {
	case compiler.StepUpdate:
		name := ww.d.step("Update")
		seq, sc := ww.sequence(parent, name)
		temp := created("primaryEntity#Temp")
		el(seq, "Assign", "x:TypeArguments", "mxs:Entity", "To", temp, "Value", `[New Entity("`+table+`")]`)
		el(seq, "Assign", "x:TypeArguments", "s:Guid", "To", `[CreatedEntities("primaryEntity#Temp").Id]`, "Value", `[InputEntities("primaryEntity").Id]`)
		ww.setValues(sc, temp, table, st.Values)
		el(seq, "mxswa:UpdateEntity", "DisplayName", name, "Entity", temp, "EntityName", table)
		el(seq, "Assign", "x:TypeArguments", "mxs:Entity", "To", primaryEntity, "Value", temp)
		ww.persist(seq)
	case compiler.StepCreate:
		name := ww.d.step("Create")
		seq, sc := ww.sequence(parent, name)
		temp := created(name + "_localParameter#Temp")
		el(seq, "Assign", "x:TypeArguments", "mxs:Entity", "To", temp, "Value", `[New Entity("`+st.CreateTable+`")]`)
		ww.setValues(sc, temp, st.CreateTable, st.Values)
		el(seq, "mxswa:CreateEntity", "EntityId", "{x:Null}", "DisplayName", name, "Entity", temp, "EntityName", st.CreateTable)
		el(seq, "Assign", "x:TypeArguments", "mxs:Entity", "To", created(name+"_localParameter"), "Value", temp)
		ww.persist(seq)
	case compiler.StepAssign:
		name := ww.d.step("Assign")
		seq, sc := ww.sequence(parent, name)
		owner := &compiler.Column{Name: "ownerid", Type: compiler.TypeLookup, Target: "systemuser"}
		v, ext := ww.value(sc, owner, st.Values["owner"])
		a := el(seq, "mxswa:AssignEntity", "DisplayName", name, "Entity", primaryEntity, "EntityId", `[InputEntities("primaryEntity").Id]`,
			"EntityName", table, "Owner", "[DirectCast("+v+", Microsoft.Xrm.Sdk.EntityReference)]")
		if ext != "" {
			a.CreateAttr("bpfc:Owner", ext)
		}
		ww.persist(seq)
	case compiler.StepSendEmail:
		name := ww.d.step("SendEmail")
		seq, sc := ww.sequence(parent, name)
		temp := created(name + "_localParameter#Temp")
		el(seq, "Assign", "x:TypeArguments", "mxs:Entity", "To", temp, "Value", `[New Entity("email")]`)
		fields := map[string]compiler.Expr{}
		if e, ok := st.Values["subject"]; ok {
			fields["subject"] = e
		}
		if e, ok := st.Values["body"]; ok {
			fields["description"] = e
		}
		ww.setValues(sc, temp, "email", fields)
		se := el(seq, "mxswa:SendEmail", "EntityId", "{x:Null}", "DisplayName", name, "Entity", temp)
		for _, k := range []string{"to", "cc"} {
			if e, ok := st.Values[k]; ok {
				se.CreateAttr("bpfc:"+strings.ToUpper(k[:1])+k[1:], exprText(e))
			}
		}
		ww.persist(seq)
	case compiler.StepChangeStatus:
		name := ww.d.step("SetState")
		state, status, ok := resolveStatus(ww.p, table, st.Values["status"])
		if !ok {
			el(parent, "bpfc:SetState", "DisplayName", name, "EntityName", table, "Status", exprText(st.Values["status"]))
			break
		}
		ss := el(parent, "mxswa:SetState", "DisplayName", name, "Entity", primaryEntity, "EntityId", `[InputEntities("primaryEntity").Id]`, "EntityName", table)
		optionSetArg(ss, "State", state)
		optionSetArg(ss, "Status", status)
		ww.persist(parent)
	case compiler.StepWebhook:
		el(parent, "bpfc:Webhook", "DisplayName", ww.d.step("Webhook"), "Url", exprText(st.Values["url"]))
	case compiler.StepStartWorkflow:
		name := ww.d.step("ChildWorkflow")
		seq, sc := ww.sequence(parent, name)
		sc.n++
		params := sc.name + "_" + strconv.Itoa(sc.n)
		el(sc.vars, "Variable", "x:TypeArguments", "scg:Dictionary(x:String, x:Object)", "Default", "[New Dictionary(Of System.String, System.Object)]", "Name", params)
		el(seq, "mxswa:StartChildWorkflow", "DisplayName", name, "EntityId", `[InputEntities("primaryEntity").Id]`, "EntityName", table,
			"InputParameters", ref(params), "WorkflowId", ww.p.WorkflowID(workflowOf(ww.p, st.Workflow)))
		ww.persist(seq)
	case compiler.StepStop:
		name := ww.d.step("StopWorkflow")
		seq, _ := ww.sequence(parent, name)
		el(seq, "TerminateWorkflow", "DisplayName", name, "Exception",
			"[New Microsoft.Xrm.Sdk.InvalidPluginExecutionException(Microsoft.Xrm.Sdk.OperationStatus."+stopStatus(st.Values["status"])+")]", "Reason", "")
	}
}

// sequence adds a step's Sequence with its Sequence.Variables, and a scope
// whose variables are declared there (pruneEmpty drops the list if unused).
func (ww *workflowWriter) sequence(parent *etree.Element, name string) (*etree.Element, *scope) {
	seq := el(parent, "Sequence", "DisplayName", name)
	vars := seq.CreateElement("Sequence.Variables")
	return seq, &scope{name: name, entity: primaryEntity, table: ww.w.Table, vars: vars, acts: seq}
}

// persist ends a step of a background workflow with a persistence point.
// Realtime workflows have none.
func (ww *workflowWriter) persist(parent *etree.Element) {
	if ww.w.Mode != compiler.ModeRealtime {
		parent.CreateElement("Persist")
	}
}

// setValues writes column = value assignments on entity, in column order.
func (ww *workflowWriter) setValues(sc *scope, entity, table string, values map[string]compiler.Expr) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		col := column(ww.p, table, k)
		colType := ""
		if col != nil {
			colType = col.Type
		}
		v, ext := ww.value(sc, col, values[k])
		sp := el(sc.acts, "mxswa:SetEntityProperty", "Attribute", k, "Entity", entity, "EntityName", table, "Value", ref(v))
		if ext != "" {
			sp.CreateAttr("bpfc:Value", ext)
		}
		typeLiteral(sp.CreateElement("mxswa:SetEntityProperty.TargetType"), "", xamlType(colType))
	}
}

// value prepares a value for col in a variable: a literal through
// CreateCrmType, a column of the record through SelectFirstNonNull, null as a
// variable never assigned. Anything else leaves the variable unassigned and
// returns its source text for the bpfc extension.
func (ww *workflowWriter) value(sc *scope, col *compiler.Column, e compiler.Expr) (string, string) {
	colType := ""
	if col != nil {
		colType = col.Type
	}
	switch x := e.(type) {
	case *compiler.Literal:
		if x.Kind == compiler.KindNull {
			return sc.object(), ""
		}
		if v, ok := sc.literal(col, x); ok {
			return v, ""
		}
	case *compiler.ColumnRef:
		result := sc.object()
		src := sc.object()
		sc.getProperty(x.Column, src, xamlType(colType))
		sc.evaluate("SelectFirstNonNull", src, xamlType(colType), result)
		return result, ""
	}
	return sc.object(), exprText(e)
}

// valueIssue says why Dataverse cannot compute a workflow value, or "".
func valueIssue(col *compiler.Column, e compiler.Expr) string {
	switch x := e.(type) {
	case nil:
		return ""
	case *compiler.Literal:
		if x.Kind == compiler.KindNull {
			return ""
		}
		if _, ok := crmLiteral(col, x); ok {
			return ""
		}
		return "is a literal Dataverse cannot write for the column's type"
	case *compiler.ColumnRef:
		return ""
	case *compiler.VarRef:
		return "reads var." + x.Name + "; Dataverse workflows cannot read environment variables"
	}
	return "is computed, which Dataverse workflow values cannot be"
}

func optionSetArg(parent *etree.Element, key string, v int) {
	arg := el(parent.CreateElement(parent.FullTag()+"."+key), "InArgument", "x:TypeArguments", "mxs:OptionSetValue")
	lit := el(arg, "mxswa:ReferenceLiteral", "x:TypeArguments", "mxs:OptionSetValue")
	el(lit, "mxs:OptionSetValue", "ExtensionData", "{x:Null}", "Value", strconv.Itoa(v))
}

// stopStatus maps stop = { status = "canceled" } to the workflow's end status.
func stopStatus(e compiler.Expr) string {
	if lit, ok := e.(*compiler.Literal); ok && lit.Kind == compiler.KindString {
		switch strings.ToLower(lit.Value.AsString()) {
		case "canceled", "cancelled", "failed":
			return "Canceled"
		}
	}
	return "Succeeded"
}

// pruneEmpty removes every element named tag that has no children.
func pruneEmpty(root *etree.Element, tag string) {
	// By index rather than over a ChildElements copy, which would allocate
	// for every element of the document.
	for i := 0; i < len(root.Child); {
		c, ok := root.Child[i].(*etree.Element)
		if ok && len(c.Child) == 0 && c.FullTag() == tag {
			root.RemoveChildAt(i)
			continue
		}
		if ok {
			pruneEmpty(c, tag)
		}
		i++
	}
}
