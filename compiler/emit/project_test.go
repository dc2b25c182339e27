package emit

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
)

// The test project is built by hand, so these tests do not depend on the
// parser. It covers cross-table stages, branches with an else and with
// converging paths, required steps, categories, an action step, stage and
// process triggers, a task flow, every workflow step kind, and constructs that
// need the bpfc extension.

var line = 0

// rng returns a distinct source range per call, so warnings can be told apart.
func rng() hcl.Range {
	line++
	return hcl.Range{Filename: "project.hcl", Start: hcl.Pos{Line: line, Column: 3, Byte: line * 40}, End: hcl.Pos{Line: line, Column: 30, Byte: line*40 + 27}}
}

func str(s string) *compiler.Literal {
	return &compiler.Literal{Value: cty.StringVal(s), Kind: compiler.KindString, Rng: rng()}
}

func num(n int64) *compiler.Literal {
	return &compiler.Literal{Value: cty.NumberIntVal(n), Kind: compiler.KindNumber, Rng: rng()}
}

func boolean(b bool) *compiler.Literal {
	return &compiler.Literal{Value: cty.BoolVal(b), Kind: compiler.KindBool, Rng: rng()}
}

func null() *compiler.Literal {
	return &compiler.Literal{Value: cty.NullVal(cty.DynamicPseudoType), Kind: compiler.KindNull, Rng: rng()}
}

func bin(op string, l, r compiler.Expr) *compiler.Binary {
	return &compiler.Binary{Op: op, L: l, R: r, Rng: rng()}
}

type testProject struct{ p *compiler.Project }

func (tp testProject) col(table, name string) *compiler.ColumnRef {
	t := tp.p.Table(table)
	return &compiler.ColumnRef{Table: table, Column: name, Col: t.Column(name), Rng: rng()}
}

func (tp testProject) variable(name string) *compiler.VarRef {
	return &compiler.VarRef{Name: name, Var: tp.p.Variable(name), Rng: rng()}
}

func refs(names ...string) []*compiler.WorkflowRef {
	var out []*compiler.WorkflowRef
	for _, n := range names {
		out = append(out, &compiler.WorkflowRef{Name: n, Range: rng()})
	}
	return out
}

func standardTables() []*compiler.Table {
	var out []*compiler.Table
	for _, ct := range catalog.Tables() {
		t := &compiler.Table{Name: ct.Name, DisplayName: ct.DisplayName, PrimaryColumn: ct.PrimaryColumn, PrimaryKey: ct.PrimaryKey, Standard: true}
		for _, cc := range ct.Columns {
			c := &compiler.Column{Name: cc.Name, DisplayName: cc.DisplayName, Type: cc.Type, MaxLength: cc.MaxLength,
				Target: cc.Target, Targets: cc.Targets, Required: cc.Required, Standard: true, Table: ct.Name}
			for _, o := range cc.Options {
				c.Options = append(c.Options, compiler.Option{Label: o.Label, Value: o.Value})
			}
			t.Columns = append(t.Columns, c)
		}
		out = append(out, t)
	}
	return out
}

func customProject() *compiler.Table {
	t := &compiler.Table{Name: "cts_project", DisplayName: "Project", PrimaryColumn: "cts_name", PrimaryKey: "cts_projectid", Custom: true, DeclRange: rng()}
	add := func(c compiler.Column) {
		c.Table = t.Name
		t.Columns = append(t.Columns, &c)
	}
	add(compiler.Column{Name: "cts_projectid", DisplayName: "Project", Type: compiler.TypeUniqueID, Standard: true})
	add(compiler.Column{Name: "createdon", DisplayName: "Created On", Type: compiler.TypeDateTime, Standard: true})
	add(compiler.Column{Name: "modifiedon", DisplayName: "Modified On", Type: compiler.TypeDateTime, Standard: true})
	add(compiler.Column{Name: "ownerid", DisplayName: "Owner", Type: compiler.TypeLookup, Target: "systemuser", Standard: true})
	add(compiler.Column{Name: "statecode", DisplayName: "Status", Type: compiler.TypeState, Standard: true,
		Options: []compiler.Option{{Label: "Active", Value: 0}, {Label: "Inactive", Value: 1}}})
	add(compiler.Column{Name: "statuscode", DisplayName: "Status Reason", Type: compiler.TypeStatus, Standard: true,
		Options: []compiler.Option{{Label: "Active", Value: 1}, {Label: "Inactive", Value: 2}}})
	add(compiler.Column{Name: "cts_name", DisplayName: "Name", Type: compiler.TypeString, MaxLength: 200, Required: true})
	add(compiler.Column{Name: "cts_budget", DisplayName: "Budget", Type: compiler.TypeMoney})
	add(compiler.Column{Name: "cts_sponsor", DisplayName: "Sponsor", Type: compiler.TypeLookup, Target: "contact"})
	add(compiler.Column{Name: "cts_customer", DisplayName: "Customer", Type: compiler.TypeCustomer, Target: "account", Targets: []string{"account", "contact"}})
	add(compiler.Column{Name: "cts_priority", DisplayName: "Priority", Type: compiler.TypeChoice,
		Options: []compiler.Option{{Label: "Low", Value: 1}, {Label: "High", Value: 2}}})
	add(compiler.Column{Name: "cts_signed_on", DisplayName: "Signed On", Type: compiler.TypeDateTime})
	add(compiler.Column{Name: "cts_approved", DisplayName: "Approved", Type: compiler.TypeBoolean})
	add(compiler.Column{Name: "cts_notes", DisplayName: "Notes", Type: compiler.TypeMemo})
	add(compiler.Column{Name: "cts_contact_email", DisplayName: "Contact Email", Type: compiler.TypeEmail, MaxLength: 120})
	add(compiler.Column{Name: "cts_headcount", DisplayName: "Headcount", Type: compiler.TypeInteger})
	add(compiler.Column{Name: "cts_rate", DisplayName: "Rate", Type: compiler.TypeDecimal})
	add(compiler.Column{Name: "cts_opportunityid", DisplayName: "Opportunity", Type: compiler.TypeLookup, Target: "opportunity"})
	return t
}

// testProjectValue builds the project every golden test renders.
func newTestProject() testProject {
	line = 0
	p := &compiler.Project{
		Solution: &compiler.Solution{Name: "ContosoSales", DisplayName: "Contoso Sales", Version: "1.4.0.0", VersionNums: [4]int{1, 4, 0, 0},
			Publisher: &compiler.Publisher{Name: "contoso", DisplayName: "Contoso Ltd", Prefix: "cts", OptionValuePrefix: 10000}},
		Variables: []*compiler.Variable{
			{Name: "approval_threshold", SchemaName: "cts_approval_threshold", Type: compiler.VarNumber, Default: cty.NumberIntVal(50000)},
			{Name: "folder_service_url", SchemaName: "cts_folder_service_url", Type: compiler.VarString},
			{Name: "summary_text", SchemaName: "cts_summary_text", Type: compiler.VarString},
		},
	}
	p.Tables = standardTables()
	lead := p.Table("lead")
	lead.Extended = true
	lead.Columns = append(lead.Columns, &compiler.Column{Name: "cts_score", DisplayName: "Score", Type: compiler.TypeInteger, Table: "lead"})
	p.Tables = append(p.Tables, customProject(), &compiler.Table{Name: "cts_vendor", DisplayName: "Vendor", External: true, Custom: true})
	tp := testProject{p}

	step := func(name, display, col string, required bool) *compiler.Step {
		return &compiler.Step{Name: name, DisplayName: display, Column: col, Required: required, DeclRange: rng()}
	}
	stage := func(name, display, category, table string, steps ...*compiler.Step) *compiler.Stage {
		return &compiler.Stage{Name: name, DisplayName: display, Category: category, Table: table, Steps: steps, DeclRange: rng()}
	}
	qualify := stage("qualify", "Qualify", "qualify", "lead",
		step("budget", "Budget", "budgetamount", true),
		step("timeframe", "Purchase Timeframe", "purchasetimeframe", false),
		&compiler.Step{Name: "verify", DisplayName: "Verify lead", Action: true, Workflow: "verify_lead", DeclRange: rng()})
	qualify.OnEnter, qualify.OnExit = refs("open_folder"), refs("summarise")
	develop := stage("develop", "Develop", "develop", "opportunity", step("value", "Estimated Value", "estimatedvalue", true))
	develop.Relationship = "originatingleadid"
	develop.Branches = []*compiler.Branch{
		{When: bin(compiler.OpGt, tp.col("opportunity", "estimatedvalue"), num(100000)), Next: "approval", DeclRange: rng()},
		{When: bin(compiler.OpAnd, bin(compiler.OpGe, tp.col("opportunity", "estimatedvalue"), tp.variable("approval_threshold")),
			bin(compiler.OpNe, tp.col("opportunity", "name"), null())), Next: "approval", DeclRange: rng()},
		{When: bin(compiler.OpOr,
			bin(compiler.OpAnd, bin(compiler.OpEq, tp.col("opportunity", "purchasetimeframe"), str("This Quarter")),
				bin(compiler.OpLt, num(10), tp.col("opportunity", "closeprobability"))),
			&compiler.Call{Func: "contains", Args: []compiler.Expr{tp.col("opportunity", "name"), str("VIP")}, Rng: rng()}), Next: "approval", DeclRange: rng()},
	}
	develop.Next, develop.NextExplicit = "propose", true
	develop.OnExit = refs("summarise")
	approval := stage("approval", "Approval", "approval", "opportunity", step("probability", "Probability", "closeprobability", true))
	approval.Next, approval.NextExplicit = "propose", true
	propose := stage("propose", "Propose", "propose", "opportunity", step("proposal", "Final Proposal", "completefinalproposal", false))
	propose.Next = "review"
	review := stage("review", "Project Review", "research", "cts_project",
		step("name", "Name", "cts_name", true), step("budget", "Budget", "cts_budget", true),
		step("priority", "Priority", "cts_priority", false), step("approved", "Approved", "cts_approved", false),
		step("signed", "Signed On", "cts_signed_on", false), step("notes", "Notes", "cts_notes", false),
		step("email", "Contact Email", "cts_contact_email", false), step("headcount", "Headcount", "cts_headcount", false),
		step("rate", "Rate", "cts_rate", false), step("sponsor", "Sponsor", "cts_sponsor", false),
		step("customer", "Customer", "cts_customer", false), step("status", "Status Reason", "statuscode", false))
	review.Relationship = "cts_opportunityid"
	review.Branches = []*compiler.Branch{
		{When: bin(compiler.OpAnd, bin(compiler.OpEq, tp.col("cts_project", "cts_priority"), str("High")), tp.col("cts_project", "cts_approved")),
			Next: "fast_close", DeclRange: rng()},
		{When: &compiler.Not{X: bin(compiler.OpEq, tp.col("cts_project", "cts_sponsor"), null()), Rng: rng()}, Next: "fast_close", DeclRange: rng()},
		{When: bin(compiler.OpEq, tp.col("cts_project", "cts_sponsor"), str("5d3c4bd1-2b1a-4c7e-9a55-0f3f4a1b2c3d")), Next: "fast_close", DeclRange: rng()},
		{When: bin(compiler.OpLe, tp.col("cts_project", "cts_signed_on"), str("2026-12-31")), Next: "fast_close", DeclRange: rng()},
	}
	review.Next = "close"
	fastClose := stage("fast_close", "Fast Close", "", "cts_project", step("fast_notes", "Closing Notes", "cts_notes", false))
	fastClose.Next, fastClose.NextExplicit = "close", true
	closeStage := stage("close", "Close", "close", "cts_project", step("signed_on", "Signed On", "cts_signed_on", true))
	stages := []*compiler.Stage{qualify, develop, approval, propose, review, fastClose, closeStage}
	for i, s := range stages {
		s.Index = i
		if s.Next == "" && i+1 < len(stages) && len(s.Branches) == 0 && s != closeStage {
			s.Next = stages[i+1].Name
		}
	}
	qualify.Next = "develop"
	lto := &compiler.Flow{Name: "lead_to_opportunity", DisplayName: "Lead to Opportunity Sales Process", Description: "From lead to closed project",
		PrimaryTable: "lead", Order: 10, Type: compiler.FlowBusiness, Active: true, UniqueName: "leadtoopportunity",
		InstanceTable: "cts_leadtoopportunity", Owner: "sales-ops@contoso.example", Stages: stages,
		OnFinish: refs("celebrate"), OnAbandon: refs("lost_deal"), DeclRange: rng()}

	page1 := stage("details", "Contact details", "", "contact", step("first", "First Name", "firstname", true), step("mail", "Email", "emailaddress1", false))
	page2 := stage("follow_up", "Follow up", "", "contact", step("phone", "Business Phone", "telephone1", false), step("born", "Birthday", "birthdate", false))
	page1.Next, page2.Index = "follow_up", 1
	task := &compiler.Flow{Name: "quick_contact_update", DisplayName: "Quick Contact Update (mobile)", PrimaryTable: "contact", Order: 20,
		Type: compiler.FlowTask, Active: false, UniqueName: "quickcontactupdate", InstanceTable: "cts_quickcontactupdate",
		Stages: []*compiler.Stage{page1, page2}, DeclRange: rng()}
	p.Flows = []*compiler.Flow{lto, task}

	wstep := func(name, kind string, values map[string]compiler.Expr) *compiler.WorkflowStep {
		return &compiler.WorkflowStep{Name: name, Kind: kind, Values: values, DeclRange: rng()}
	}
	o := func(col string) *compiler.ColumnRef { return tp.col("opportunity", col) }
	verify := &compiler.Workflow{Name: "verify_lead", DisplayName: "Verify lead", Table: "lead", Mode: compiler.ModeRealtime, DeclRange: rng(),
		Steps: []*compiler.WorkflowStep{
			wstep("mark", compiler.StepUpdate, map[string]compiler.Expr{
				"description": str("Verified, by bpfc"), "budgetamount": num(5000), "purchasetimeframe": str("This Quarter"),
				"decisionmaker": boolean(true), "estimatedclosedate": str("2026-06-30"), "cts_score": num(7),
				"qualificationcomments": null(), "companyname": tp.col("lead", "fullname")}),
		}}
	verify.Steps[0].When = bin(compiler.OpGt, tp.col("lead", "budgetamount"), num(1000))
	openFolder := &compiler.Workflow{Name: "open_folder", DisplayName: "Open project folder", Table: "opportunity", Mode: compiler.ModeBackground,
		WaitUntil: bin(compiler.OpNe, o("estimatedvalue"), null()), Timeout: "72h", DeclRange: rng(),
		Steps: []*compiler.WorkflowStep{
			wstep("note", compiler.StepUpdate, map[string]compiler.Expr{"description": str(`Folder "requested"`), "parentcontactid": str("0f8fad5b-d9cb-469f-a165-70867728950e")}),
			{Name: "project", Kind: compiler.StepCreate, CreateTable: "cts_project", DeclRange: rng(), Values: map[string]compiler.Expr{
				"cts_name": o("name"), "cts_budget": o("estimatedvalue"), "cts_priority": str("High"), "cts_approved": boolean(true),
				"cts_signed_on": str("2026-01-31T09:30:00Z"), "cts_notes": tp.variable("summary_text"), "cts_headcount": num(12)}},
			wstep("owner", compiler.StepAssign, map[string]compiler.Expr{"owner": str("7b1f9c2e-5d4a-4e3b-8c6d-1a2b3c4d5e6f")}),
			wstep("notify", compiler.StepSendEmail, map[string]compiler.Expr{"to": str("sales@contoso.example"), "subject": str("New deal"), "body": o("description")}),
			wstep("hold", compiler.StepChangeStatus, map[string]compiler.Expr{"status": str("On Hold")}),
			wstep("hook", compiler.StepWebhook, map[string]compiler.Expr{"url": tp.variable("folder_service_url")}),
			{Name: "child", Kind: compiler.StepStartWorkflow, Workflow: "summarise", DeclRange: rng()},
			wstep("done", compiler.StepStop, map[string]compiler.Expr{"status": str("canceled")}),
		}}
	openFolder.Steps[4].When = &compiler.Call{Func: "startswith", Args: []compiler.Expr{o("name"), str("Big")}, Rng: rng()}
	openFolder.Steps[7].When = bin(compiler.OpLt, o("estimatedvalue"), num(10))
	summarise := &compiler.Workflow{Name: "summarise", DisplayName: "Summarise", Table: "opportunity", Mode: compiler.ModeBackground, DeclRange: rng(),
		Steps: []*compiler.WorkflowStep{
			wstep("text", compiler.StepUpdate, map[string]compiler.Expr{"description": tp.variable("summary_text")}),
			wstep("odd", compiler.StepChangeStatus, map[string]compiler.Expr{"status": num(999)}),
		}}
	celebrate := &compiler.Workflow{Name: "celebrate", DisplayName: "Celebrate", Table: "lead", Mode: compiler.ModeRealtime, DeclRange: rng(),
		Steps: []*compiler.WorkflowStep{wstep("stop", compiler.StepStop, map[string]compiler.Expr{})}}
	lost := &compiler.Workflow{Name: "lost_deal", DisplayName: "Lost deal", Table: "lead", Mode: compiler.ModeBackground, DeclRange: rng(),
		Steps: []*compiler.WorkflowStep{wstep("cancel", compiler.StepChangeStatus, map[string]compiler.Expr{"status": str("Canceled")})}}
	p.Workflows = []*compiler.Workflow{celebrate, lost, openFolder, summarise, verify}
	return tp
}
