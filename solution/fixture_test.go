package solution

import (
	"strings"

	"github.com/beevik/etree"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// testProject is a hand-made checked model covering what the solution
// writers look at: a custom, an extended standard and an external table, two
// flows (one cross-table, one on the external table), a role with two grants,
// a built-in role, a classic workflow and one variable of each type.
func testProject() *compiler.Project {
	p := &compiler.Project{
		Solution: &compiler.Solution{
			Name: "ContosoSales", DisplayName: "Contoso Sales", Version: "1.4.0.0", VersionNums: [4]int{1, 4, 0, 0},
			Description: "Sales processes & approvals",
			Publisher:   &compiler.Publisher{Name: "contoso", DisplayName: "Contoso Ltd", Prefix: "cts", OptionValuePrefix: 10000},
		},
	}
	p.Tables = []*compiler.Table{
		{Name: "account", DisplayName: "Account", Standard: true},
		{Name: "cts_project", DisplayName: "Project", Custom: true, PrimaryColumn: "cts_name", PrimaryKey: "cts_projectid",
			Columns: []*compiler.Column{{Name: "cts_name", Type: compiler.TypeString, MaxLength: 200, Table: "cts_project"}}},
		{Name: "lead", DisplayName: "Lead", Standard: true, PrimaryColumn: "subject", PrimaryKey: "leadid",
			Columns: []*compiler.Column{{Name: "budgetamount", DisplayName: "Budget Amount", Type: compiler.TypeMoney, Standard: true, Table: "lead"}}},
		{Name: "opportunity", DisplayName: "Opportunity", Standard: true, Extended: true, PrimaryColumn: "name", PrimaryKey: "opportunityid",
			Columns: []*compiler.Column{
				{Name: "estimatedvalue", Type: compiler.TypeMoney, Standard: true, Table: "opportunity"},
				{Name: "cts_approverid", Type: compiler.TypeLookup, Target: "systemuser", Table: "opportunity"},
			}},
		{Name: "xyz_claim", DisplayName: "Claim", External: true, PrimaryColumn: "xyz_name", PrimaryKey: "xyz_claimid"},
	}
	threshold := &compiler.VarRef{Name: "approval_threshold"}
	p.Flows = []*compiler.Flow{
		{Name: "claim_review", DisplayName: "Claim Review", PrimaryTable: "xyz_claim", Type: compiler.FlowBusiness,
			UniqueName: "claimreview", InstanceTable: "cts_claimreview", Active: true,
			Stages: []*compiler.Stage{{Name: "triage", DisplayName: "Triage", Table: "xyz_claim"}}},
		{Name: "lead_to_opportunity", DisplayName: "Lead to Opportunity Sales Process", PrimaryTable: "lead",
			Order: 10, Type: compiler.FlowBusiness, Active: true, UniqueName: "leadtoopportunity", InstanceTable: "cts_leadtoopportunity",
			Stages: []*compiler.Stage{
				{Name: "qualify", DisplayName: "Qualify", Category: "qualify", Table: "lead", Next: "develop",
					Steps: []*compiler.Step{{Name: "budget", DisplayName: "Budget", Column: "budgetamount", Required: true}}},
				{Name: "develop", DisplayName: "Develop", Category: "develop", Table: "opportunity", Relationship: "originatingleadid",
					Index: 1, Next: "close",
					Steps: []*compiler.Step{{Name: "value", Column: "estimatedvalue", Required: true}},
					Branches: []*compiler.Branch{{
						When: &compiler.Binary{Op: compiler.OpGt,
							L: &compiler.ColumnRef{Table: "opportunity", Column: "estimatedvalue"}, R: threshold},
						Next: "close"}}},
				{Name: "close", DisplayName: "Close", Category: "close", Table: "opportunity", Index: 2},
			}},
	}
	p.Roles = []*compiler.Role{
		{Name: "salesperson", DisplayName: "Salesperson", Grants: []*compiler.Grant{
			{Flow: "lead_to_opportunity", Privileges: []string{"create", "read", "write", "append", "append_to"}},
			{Flow: "claim_review", Privileges: []string{"read"}, Depth: "user"},
		}},
		{Name: "system_administrator", DisplayName: "System Administrator"},
	}
	p.Workflows = []*compiler.Workflow{{Name: "open_folder", DisplayName: "Open folder", Table: "opportunity", Mode: compiler.ModeBackground,
		Steps: []*compiler.WorkflowStep{{Name: "note", Kind: compiler.StepUpdate,
			Values: map[string]compiler.Expr{"description": &compiler.Literal{Value: cty.StringVal("Folder requested"), Kind: compiler.KindString}}}}}}
	p.Variables = []*compiler.Variable{
		{Name: "approval_threshold", SchemaName: "cts_approval_threshold", Type: compiler.VarNumber, Default: cty.NumberIntVal(50000),
			DisplayName: "Approval threshold", Description: "Deals above this need an approval stage"},
		{Name: "config", SchemaName: "cts_config", Type: compiler.VarJSON,
			Default: cty.ObjectVal(map[string]cty.Value{"b": cty.NumberIntVal(1), "a": cty.StringVal("x<y")})},
		{Name: "fast_track", SchemaName: "cts_fast_track", Type: compiler.VarBoolean, Default: cty.False, DisplayName: "Fast track"},
		{Name: "folder_service_url", SchemaName: "cts_folder_service_url", Type: compiler.VarString, DisplayName: "Folder service"},
		{Name: "service_key", SchemaName: "cts_service_key", Type: compiler.VarSecret, DisplayName: "Service key"},
	}
	threshold.Var = p.Variables[0]
	return p
}

// fakeEmitted stands in for package emit: per flow a small XAML and its
// .xaml.data.xml, the instance table's Entity.xml and formula; per workflow
// its XAML and metadata.
func fakeEmitted(p *compiler.Project) *Emitted {
	em := &Emitted{Schema: map[string]any{"solution": p.Solution.Name, "flows": len(p.Flows)}}
	add := func(path string, doc *etree.Document) {
		em.Files = append(em.Files, EmittedFile{Path: path, Doc: doc})
	}
	workflow := func(name, display, id string, category string) {
		base := "Workflows/" + strings.ReplaceAll(display, " ", "") + "-" + strings.ToUpper(id)
		x, root := newDoc("Activity", "x:Class", "XrmWorkflow"+strings.ReplaceAll(id, "-", ""),
			"xmlns", "http://schemas.microsoft.com/netfx/2009/xaml/activities",
			"xmlns:x", "http://schemas.microsoft.com/winfx/2006/xaml")
		elem(root, "x:Members")
		root.CreateElement("mva:VisualBasic.Settings").SetText("Assembly references and imported namespaces for internal implementation")
		add(base+".xaml", x)
		d, w := newDoc("Workflow", "WorkflowId", braced(id), "Name", display, "xmlns:xsi", xsiNamespace)
		textElem(w, "XamlFileName", "/"+base+".xaml")
		textElem(w, "Category", category)
		textElem(w, "UniqueName", name)
		add(base+".xaml.data.xml", d)
	}
	for _, f := range p.Flows {
		workflow(f.InstanceTable, f.DisplayName, p.FlowID(f), "4")
		e, root := newDoc("Entity", "xmlns:xsi", xsiNamespace)
		n := elem(root, "Name", "LocalizedName", f.DisplayName, "OriginalName", f.DisplayName)
		n.SetText(f.InstanceTable)
		info := elem(elem(root, "EntityInfo"), "entity", "Name", f.InstanceTable)
		textElem(info, "IsBPFEntity", "1")
		elem(root, "FormXml")
		elem(root, "SavedQueries")
		elem(root, "RibbonDiffXml")
		add("Entities/"+f.InstanceTable+"/Entity.xml", e)
		fx, froot := newDoc("Activity", "xmlns", "http://schemas.microsoft.com/netfx/2009/xaml/activities")
		elem(froot, "Sequence", "DisplayName", f.InstanceTable)
		add("Entities/"+f.InstanceTable+"/Formulas/"+f.InstanceTable+"-bpf_duration.xaml", fx)
	}
	for _, w := range p.Workflows {
		workflow(w.Name, w.DisplayName, p.WorkflowID(w), "0")
	}
	return em
}
