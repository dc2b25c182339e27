package emit

import (
	"github.com/bpfc/bpfc/compiler"
)

// Projects that define the flows of the real exports in shared/conformance,
// as a bpfc author would write them.

func conformanceProject(tables ...*compiler.Table) *compiler.Project {
	return &compiler.Project{
		Solution: &compiler.Solution{Name: "Conformance", Version: "1.0.0.0", Publisher: &compiler.Publisher{Name: "test", Prefix: "new"}},
		Tables:   tables,
	}
}

func table(name, display string, cols ...*compiler.Column) *compiler.Table {
	t := &compiler.Table{Name: name, DisplayName: display, PrimaryKey: name + "id", Custom: true}
	for _, c := range cols {
		c.Table = name
		t.Columns = append(t.Columns, c)
	}
	return t
}

func col(name, display, typ string, options ...compiler.Option) *compiler.Column {
	return &compiler.Column{Name: name, DisplayName: display, Type: typ, Options: options}
}

// link sets each stage's index and, where unset, its next stage to the one written after it.
func link(stages ...*compiler.Stage) []*compiler.Stage {
	for i, s := range stages {
		s.Index = i
		if !s.NextExplicit && len(s.Branches) == 0 && i+1 < len(stages) {
			s.Next = stages[i+1].Name
		}
	}
	return stages
}

// packageReviewProject is powerplatform-rules-engine's Package Review Process:
// three stages on one table, one step each, no categories, activated.
func packageReviewProject() (*compiler.Project, *compiler.Flow) {
	pkg := table("bac_package", "Package",
		col("bac_type", "Type", compiler.TypeChoice, compiler.Option{Label: "App", Value: 1}),
		col("bac_name", "Name", compiler.TypeString))
	p := conformanceProject(pkg)
	st := func(name, display, col string, required bool) *compiler.Step {
		return &compiler.Step{Name: name, DisplayName: display, Column: col, Required: required}
	}
	f := &compiler.Flow{Name: "package_review", DisplayName: "Package Review Process", PrimaryTable: "bac_package", Order: 100,
		Type: compiler.FlowBusiness, Active: true, InstanceTable: "bac_packagereviewprocess",
		Stages: link(
			&compiler.Stage{Name: "submission", DisplayName: "Submission", Table: "bac_package", Steps: []*compiler.Step{st("type", "Type", "bac_type", true)}},
			&compiler.Stage{Name: "validation", DisplayName: "Validation", Table: "bac_package", Steps: []*compiler.Step{st("name", "Name", "bac_name", false)}},
			&compiler.Stage{Name: "determination", DisplayName: "Determination", Table: "bac_package", Steps: []*compiler.Step{st("name", "Name", "bac_name", false)}},
		)}
	p.Flows = []*compiler.Flow{f}
	return p, f
}

// appApprovalProject is coe-starter-kit's PowerApps App Approval BPF: four
// stages, a branch on a choice column with an else, paths meeting again, draft.
func appApprovalProject() (*compiler.Project, *compiler.Flow) {
	app := table("admin_app", "App",
		col("admin_makersubmittedrequirements", "Maker Submitted Requirements", compiler.TypeBoolean),
		col("admin_requirement_4", "Maker Requirement - Business Impact", compiler.TypeChoice,
			compiler.Option{Label: "Low", Value: 597910000}, compiler.Option{Label: "Medium", Value: 597910001}, compiler.Option{Label: "High", Value: 597910002}),
		col("admin_requirement_5", "Mitigation Plan Provided", compiler.TypeBoolean),
		col("admin_riskassessment", "Admin Requirement - Risk Assessment", compiler.TypeChoice),
		col("admin_quarantineapp", "Quarantine App", compiler.TypeBoolean),
		col("admin_category", "Category", compiler.TypeChoice),
		col("admin_inappcatalog", "In App Catalog", compiler.TypeBoolean),
		col("admin_inappcatalogfeatured", "In App Catalog Featured", compiler.TypeBoolean))
	p := conformanceProject(app)
	st := func(name, display, col string, required bool) *compiler.Step {
		return &compiler.Step{Name: name, DisplayName: display, Column: col, Required: required}
	}
	impact := &compiler.ColumnRef{Table: "admin_app", Column: "admin_requirement_4", Col: app.Column("admin_requirement_4")}
	validate := &compiler.Stage{Name: "validate", DisplayName: "Validate Maker Business Requirements", Category: "qualify", Table: "admin_app",
		Steps: []*compiler.Step{
			st("submitted", "Check if Maker Provided Business Requirements", "admin_makersubmittedrequirements", true),
			st("impact", "Confirm Business Impact", "admin_requirement_4", true)},
		Branches:     []*compiler.Branch{{When: &compiler.Binary{Op: compiler.OpEq, L: impact, R: num(597910002)}, Next: "mitigation"}},
		Next:         "assess",
		NextExplicit: true}
	mitigation := &compiler.Stage{Name: "mitigation", DisplayName: "Mitigation Plan", Category: "develop", Table: "admin_app",
		Steps: []*compiler.Step{st("plan", "Mitigation Plan Provided", "admin_requirement_5", false)}, Next: "highlight", NextExplicit: true}
	assess := &compiler.Stage{Name: "assess", DisplayName: "Assess Risk", Category: "identify", Table: "admin_app",
		Steps: []*compiler.Step{st("risk", "Assess Risk", "admin_riskassessment", true), st("quarantine", "Change App Quarantine status", "admin_quarantineapp", false)}}
	highlight := &compiler.Stage{Name: "highlight", DisplayName: "Highlight App In Catalog", Category: "qualify", Table: "admin_app",
		Steps: []*compiler.Step{st("category", "App Category", "admin_category", true), st("catalog", "In App Catalog", "admin_inappcatalog", false),
			st("featured", "Featured In App Catalog", "admin_inappcatalogfeatured", false)}}
	f := &compiler.Flow{Name: "app_approval", DisplayName: "PowerApps App Approval BPF", PrimaryTable: "admin_app", Order: 0,
		Type: compiler.FlowBusiness, InstanceTable: "new_bpf_ffa183a676d64ec9aee6a558129651a2",
		Stages: link(validate, mitigation, assess, highlight)}
	p.Flows = []*compiler.Flow{f}
	return p, f
}

// purchaseRequisitionProject has the instance table of PurchaseRequisitionData's
// Internal Purchase Requisition OF95: stages over three custom tables.
func purchaseRequisitionProject() (*compiler.Project, *compiler.Flow) {
	req := table("cttech_internalpurchaserequisition", "Internal Purchase Requisition", col("cttech_name", "Name", compiler.TypeString))
	approval := table("cttech_approvaluser", "Approval User", col("cttech_name", "Name", compiler.TypeString))
	fiscal := table("cttech_fiscalreview", "Fiscal Review", col("cttech_name", "Name", compiler.TypeString))
	p := conformanceProject(req, approval, fiscal)
	stage := func(name, tbl string) *compiler.Stage {
		return &compiler.Stage{Name: name, DisplayName: name, Table: tbl, Steps: []*compiler.Step{{Name: "name", DisplayName: "Name", Column: "cttech_name"}}}
	}
	f := &compiler.Flow{Name: "of95", DisplayName: "Internal Purchase Requisition OF95", PrimaryTable: "cttech_internalpurchaserequisition",
		Type: compiler.FlowBusiness, InstanceTable: "cttech_internalpurchaserequisitionof95",
		Stages: link(stage("new", "cttech_internalpurchaserequisition"), stage("approve", "cttech_approvaluser"),
			stage("review", "cttech_internalpurchaserequisition"), stage("fiscal", "cttech_fiscalreview"), stage("done", "cttech_internalpurchaserequisition"))}
	p.Flows = []*compiler.Flow{f}
	return p, f
}
