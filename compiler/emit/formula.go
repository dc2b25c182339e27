package emit

import (
	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// DurationFormula returns Formulas/<table>-bpf_duration.xaml, the calculated
// column bpf_duration of a flow's instance table: completedon minus createdon
// in minutes. It is Dataverse's per-table template with the table name filled in.
func DurationFormula(p *compiler.Project, f *compiler.Flow) *etree.Document {
	table := f.InstanceTable
	d := newXAML("")
	cs := activityRef(d.wf, "ConditionSequence", "ConditionStep1")
	inArg(refArgs(cs), "x:Boolean", "Wait", "False")
	props := refProps(cs)
	vars := collection(props, "Variable", "Variables")
	el(vars, "Variable", "x:TypeArguments", "x:Boolean", "Default", "False", "Name", "True")
	el(vars, "Variable", "x:TypeArguments", "x:Object", "Name", "ConditionBranchStep2_1")
	acts := collection(props, "Activity", "Activities")
	top := &scope{acts: acts}
	top.evaluate("CreateCrmType", `Microsoft.Xrm.Sdk.Workflow.WorkflowPropertyType.Boolean, "true"`, "x:Boolean", "ConditionBranchStep2_1")

	br := activityRef(acts, "ConditionBranch", "ConditionBranchStep2")
	inArg(refArgs(br), "x:Boolean", "Condition", "[True]")
	bprops := refProps(br)
	th := el(bprops, "mxswa:ActivityReference", "x:Key", "Then", "AssemblyQualifiedName", "Microsoft.Crm.Workflow.Activities.Composite, "+crmWorkflowAsm, "DisplayName", "ConditionBranchStep2")
	_, then := composite(refProps(th))
	xNull(bprops, "Else")

	const step = "SetAttributeValueStep4"
	temp := created("primaryEntity#Temp")
	seq := el(then, "Sequence", "DisplayName", step)
	seqVars := seq.CreateElement("Sequence.Variables")
	for _, n := range []string{"1", "2", "3", "4", "5"} {
		el(seqVars, "Variable", "x:TypeArguments", "x:Object", "Name", step+"_"+n)
	}
	el(seq, "Assign", "x:TypeArguments", "mxs:Entity", "To", temp, "Value", `[New Entity("`+table+`")]`)
	el(seq, "Assign", "x:TypeArguments", "s:Guid", "To", `[CreatedEntities("primaryEntity#Temp").Id]`, "Value", `[InputEntities("primaryEntity").Id]`)
	sc := &scope{entity: primaryEntity, table: table, acts: seq}
	sc.getProperty("createdon", step+"_3", "x:Int32")
	sc.evaluate("SelectFirstNonNull", step+"_3", "x:Int32", step+"_2")
	sc.getProperty("completedon", step+"_5", "x:Int32")
	sc.evaluate("SelectFirstNonNull", step+"_5", "x:Int32", step+"_4")
	sc.evaluate("DiffInMinutes", step+"_2, "+step+"_4", "x:Int32", step+"_1")
	set := el(seq, "mxswa:SetEntityProperty", "Attribute", "bpf_duration", "Entity", temp, "EntityName", table, "Value", ref(step+"_1"))
	typeLiteral(set.CreateElement("mxswa:SetEntityProperty.TargetType"), "", "x:Int32")
	el(seq, "mcwc:SetAttributeValue", "DisplayName", step, "Entity", temp, "EntityName", table)
	el(seq, "Assign", "x:TypeArguments", "mxs:Entity", "To", primaryEntity, "Value", temp)
	return d.finish()
}
