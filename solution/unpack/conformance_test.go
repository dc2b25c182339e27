package unpack

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	gocmp "github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// The real business process flows of the conformance corpus (see its
// README.md). Each unpacks, validates and builds, with the stages (labels,
// tables, categories, order), steps (columns, required flags) and branches
// of the original: the expectations are read off the files, and checked
// again against an independent walk over the original XAML.

type wantStage struct {
	label, table, category string
	steps                  []string // columns; "*" marks a required step
	branches               int
	next                   string // display name of the next stage; "" = the path ends
}

type wantFlow struct {
	name, display, primary string
	active                 bool
	stages                 []wantStage
	conditions             []string // FormatExpr of every branch, in order
}

var (
	coeFlow = wantFlow{
		display: "PowerApps App Approval BPF", primary: "admin_app", active: false,
		stages: []wantStage{
			{"Validate Maker Business Requirements", "admin_app", "qualify", []string{"*admin_makersubmittedrequirements", "*admin_requirement_4"}, 1, "Assess Risk"},
			{"Mitigation Plan", "admin_app", "develop", []string{"admin_requirement_5"}, 0, "Highlight App In Catalog"},
			{"Assess Risk", "admin_app", "identify", []string{"*admin_riskassessment", "admin_quarantineapp"}, 0, "Highlight App In Catalog"},
			{"Highlight App In Catalog", "admin_app", "qualify", []string{"*admin_category", "admin_inappcatalog", "admin_inappcatalogfeatured"}, 0, ""},
		},
		conditions: []string{"self.admin_requirement_4 == 597910002"},
	}
	rulesFlow = wantFlow{
		display: "Package Review Process", primary: "bac_package", active: true,
		stages: []wantStage{
			{"Submission", "bac_package", "", []string{"*bac_type"}, 0, "Validation"},
			{"Validation", "bac_package", "", []string{"bac_name"}, 0, "Determination"},
			{"Determination", "bac_package", "", []string{"bac_name"}, 0, ""},
		},
	}
	prFlow = wantFlow{
		display: "Internal Purchase Requisition OF95", primary: "cttech_internalpurchaserequisition", active: false,
		stages: []wantStage{
			{"New OF95 - Stage 1", "cttech_internalpurchaserequisition", "qualify",
				[]string{"*cttech_of95statusreason", "*cttech_grantfunding", "cttech_purchaserequisitiontype", "createdon"}, 1, "OF95 Stage 2"},
			{"Pending Approval Decision - Stage 2", "cttech_internalpurchaserequisition", "identify",
				[]string{"*cttech_of95statusreason", "*cttech_emailaddress"}, 0, "Approval Decision - Stage 2"},
			{"OF95 Stage 2", "cttech_internalpurchaserequisition", "", []string{"cttech_of95statusreason"}, 0, "Stage 2 Step 1 Approval"},
			{"Stage 2 Step 1 Approval", "cttech_approvaluser", "research",
				[]string{"*createdby", "*cttech_approvaldecision", "cttech_decisioncomment", "cttech_purchaserequisitiontype"}, 0, "Stage 2 Step 2 Approval"},
			{"Stage 2 Step 2 Approval", "cttech_approvaluser", "research",
				[]string{"*createdby", "*cttech_approvaldecision", "cttech_decisioncomment", "cttech_purchaserequisitiontype"}, 0, "Approval Decision - Stage 2"},
			{"Approval Decision - Stage 2", "cttech_internalpurchaserequisition", "approval", []string{"cttech_of95statusreason"}, 1, "Rejected - Stage 3"},
			{"Approved - Stage 3", "cttech_internalpurchaserequisition", "approval", []string{"*cttech_of95statusreason"}, 0, "Accounting & Approval Review OF95 - Stage 5"},
			{"Accounting & Approval Review OF95 - Stage 5", "cttech_fiscalreview", "identify", []string{"*cttech_department"}, 0, "OF95 Request Closed"},
			{"Rejected - Stage 3", "cttech_internalpurchaserequisition", "approval", []string{"*cttech_of95statusreason"}, 0, "Rejected OF95 - Stage Closing"},
			{"Rejected OF95 - Stage Closing", "cttech_internalpurchaserequisition", "close", []string{"*cttech_of95statusreason"}, 0, "OF95 Request Closed"},
			{"OF95 Request Closed", "cttech_internalpurchaserequisition", "close", []string{"statecode", "*cttech_of95statusreason"}, 0, ""},
		},
		conditions: []string{
			"self.cttech_purchaserequisitiontype == 397830000 && (self.cttech_of95statusreason == 397830003 || self.cttech_of95statusreason == 397830009)",
			"self.cttech_of95statusreason == 397830003",
		},
	}
)

const (
	coeDir   = "coe-starter-kit/CenterofExcellenceCoreComponents/SolutionPackage"
	coeXAML  = coeDir + "/Workflows/PowerAppsAppApprovalBPF-FFA183A6-76D6-4EC9-AEE6-A558129651A2.xaml"
	prDir    = "PurchaseRequisitionData"
	prXAML   = prDir + "/Workflows/InternalPurchaseRequisitionOF95-D036ABAE-41DA-EE11-904D-00224804912F.xaml"
	rulesDir = "powerplatform-rules-engine"
	rulesZip = rulesDir + "/OrganizationalPackageReview_1_0_0_4.zip"
	rulesXML = rulesDir + "/Workflows/PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400.xaml"
)

func TestConformanceFlows(t *testing.T) {
	for _, tc := range []struct {
		name, in, xaml string
		want           wantFlow
		steps, req     int
	}{
		{"coe", coeDir, coeXAML, coeFlow, 8, 4},
		{"purchase requisition", prDir, prXAML, prFlow, 22, 13},
		{"rules engine tree", rulesDir, rulesXML, rulesFlow, 3, 1},
		{"rules engine zip", rulesZip, rulesXML, rulesFlow, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, warns := mustRead(t, conformanceFile(t, tc.in))
			if len(p.Flows) != 1 {
				t.Fatalf("%d flows, want 1", len(p.Flows))
			}
			f := p.Flows[0]
			checkFlow(t, p, f, tc.want)
			steps, req := 0, 0
			for _, s := range f.Stages {
				for _, st := range s.Steps {
					steps++
					if st.Required {
						req++
					}
				}
			}
			if steps != tc.steps || req != tc.req {
				t.Errorf("%d steps (%d required), want %d (%d)", steps, req, tc.steps, tc.req)
			}
			// An independent reading of the original XAML agrees.
			if diff := gocmp.Diff(xamlOutline(t, conformanceFile(t, tc.xaml)), projectOutline(f)); diff != "" {
				t.Errorf("stages and steps differ from the original XAML (-original +unpacked):\n%s", diff)
			}
			for _, w := range warns {
				if w.Component == "" || w.Message == "" {
					t.Errorf("warning without component or message: %+v", w)
				}
			}

			// It validates as written, builds, and what it builds unpacks to the same flow.
			written, _ := writeAndLoad(t, p)
			res, err := solution.Build(written, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			again, _ := mustRead(t, res.Unmanaged)
			if len(again.Flows) != 1 {
				t.Fatalf("rebuilt: %d flows", len(again.Flows))
			}
			if diff := gocmp.Diff(projectOutline(f), projectOutline(again.Flows[0])); diff != "" {
				t.Errorf("rebuilt flow differs (-unpacked +rebuilt):\n%s", diff)
			}
			// Names (carried in the rebuild's XAML) and lookup targets (the
			// export's relationships; the rebuild carries one for every
			// lookup) survive the rebuild: the same digest.
			// External tables nothing in the rebuild uses are not in it.
			written.Tables = slices.DeleteFunc(written.Tables, func(tb *compiler.Table) bool { return tb.External && again.Table(tb.Name) == nil })
			if again.Digest() != written.Digest() {
				t.Errorf("rebuilt digest %s, want %s:\n%s", again.Digest(), written.Digest(), modelDiff(t, written, again))
			}
		})
	}
}

func checkFlow(t *testing.T, p *compiler.Project, f *compiler.Flow, want wantFlow) {
	t.Helper()
	if f.DisplayName != want.display || f.PrimaryTable != want.primary || f.Active != want.active {
		t.Errorf("flow %q on %s active=%v, want %q on %s active=%v", f.DisplayName, f.PrimaryTable, f.Active, want.display, want.primary, want.active)
	}
	if len(f.Stages) != len(want.stages) {
		t.Fatalf("%d stages, want %d", len(f.Stages), len(want.stages))
	}
	var conds []string
	for i, s := range f.Stages {
		w := want.stages[i]
		var steps []string
		for _, st := range s.Steps {
			c := st.Column
			if st.Required {
				c = "*" + c
			}
			steps = append(steps, c)
		}
		next := ""
		if n := f.Stage(s.Next); n != nil {
			next = n.DisplayName
		}
		got := wantStage{s.DisplayName, s.Table, s.Category, steps, len(s.Branches), next}
		if diff := gocmp.Diff(w, got, gocmp.AllowUnexported(wantStage{})); diff != "" {
			t.Errorf("stage %d (-want +got):\n%s", i, diff)
		}
		for _, b := range s.Branches {
			conds = append(conds, compiler.FormatExpr(b.When))
		}
	}
	if diff := gocmp.Diff(want.conditions, conds); diff != "" {
		t.Errorf("branch conditions (-want +got):\n%s", diff)
	}
}

// outline is the structure both readings must agree on: per stage, its
// label and table, then its steps as column with a required mark, and the
// labels of its branch targets (else last).
type outline [][]string

func projectOutline(f *compiler.Flow) outline {
	var out outline
	for _, s := range f.Stages {
		row := []string{s.DisplayName, s.Table}
		for _, st := range s.Steps {
			row = append(row, step(st.Column, st.Required))
		}
		for _, b := range s.Branches {
			row = append(row, "->"+f.Stage(b.Next).DisplayName)
		}
		if len(s.Branches) > 0 && s.Next != "" {
			row = append(row, "->"+f.Stage(s.Next).DisplayName)
		}
		out = append(out, row)
	}
	return out
}

func step(col string, required bool) string {
	if required {
		return col + " (required)"
	}
	return col
}

// xamlOutline reads the outline straight from a BPF's XAML with etree.
func xamlOutline(t *testing.T, path string) outline {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(b); err != nil {
		t.Fatal(err)
	}
	class := func(e *etree.Element) string {
		q, _, _ := strings.Cut(e.SelectAttrValue("AssemblyQualifiedName", ""), ",")
		return q[strings.LastIndex(q, ".")+1:]
	}
	keyed := func(e *etree.Element, key string) string {
		for _, c := range e.FindElements("./mxswa:ActivityReference.Properties/*") {
			if c.SelectAttrValue("x:Key", "") == key {
				return strings.TrimSpace(c.Text())
			}
		}
		return ""
	}
	labels := map[string]string{}
	for _, sc := range doc.FindElements("//mxswa:ActivityReference") {
		if class(sc) == "StageComposite" {
			labels[keyed(sc, "StageId")] = sc.FindElement("./mxswa:ActivityReference.Properties/sco:Collection/mcwo:StepLabel").SelectAttrValue("Description", "")
		}
	}
	var out outline
	for _, ec := range doc.FindElements("//mxswa:ActivityReference") {
		if class(ec) != "EntityComposite" {
			continue
		}
		_, table, _ := strings.Cut(ec.SelectAttrValue("DisplayName", ""), ": ")
		for _, sc := range ec.FindElements(".//mxswa:ActivityReference") {
			if class(sc) != "StageComposite" {
				continue
			}
			row := []string{labels[keyed(sc, "StageId")], table}
			var targets []string
			for _, c := range sc.FindElements(".//mxswa:ActivityReference") {
				switch class(c) {
				case "StepComposite":
					ctrl := c.FindElement(".//mcwb:Control")
					row = append(row, step(ctrl.SelectAttrValue("DataFieldName", ""), keyed(c, "IsProcessRequired") == "True"))
				case "ConditionBranch":
					for _, n := range c.FindElements(".//mcwc:SetNextStage") {
						targets = append(targets, "->"+labels[n.SelectAttrValue("StageId", "")])
					}
				}
			}
			out = append(out, append(row, targets...))
		}
	}
	return out
}

// TestConformanceWarnings: the warnings real exports give name what they
// leave out, and a flow's XAML and metadata files.
func TestConformanceWarnings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // substrings, each in some warning
	}{
		{coeDir, []string{"no Other/Solution.xml", "table admin_app is not in the solution", "processroleassignment", "new ids",
			"becomes admin_bpf_ffa183a676d64ec9aee6a558129651a2"}},
		{prDir, []string{"names no stage relationship (a draft flow)", "table cttech_approvaluser is in the solution, but the folder holds no Entity.xml for it", "the manifest lists 30 tables (account, contact, ", "7 processes (", "12 option sets (",
			"lookup cttech_department", `the label "IT Approval Check" of branch`}},
		{rulesZip, []string{"cloud flow \"Rules Engine\"", "CanvasApps", "connectionreferences", "forms, views, ribbons",
			"table bac_packagereviewprocess (customizations.xml): the flow's instance table: its 10 views are not expressed",
			"choice column bac_type uses the global option set bac_packagetype"}},
	} {
		t.Run(filepath.Base(tc.in), func(t *testing.T) {
			_, warns := mustRead(t, conformanceFile(t, tc.in))
			var all []string
			for _, w := range warns {
				all = append(all, w.String())
			}
			for _, s := range tc.want {
				if !slices.ContainsFunc(all, func(w string) bool { return strings.Contains(w, s) }) {
					t.Errorf("no warning mentions %q; warnings:\n%s", s, strings.Join(all, "\n"))
				}
			}
		})
	}
}

// TestConformanceArchivesWithoutFlows: the other exports of the corpus
// (tables, variables, connection references) unpack to valid projects.
func TestConformanceArchivesWithoutFlows(t *testing.T) {
	for _, tc := range []struct {
		in         string
		tables     []string
		variables  []string
		varWarning string
	}{
		{"terraform-provider-power-platform/examples/resources/powerplatform_solution/TerraformTestSolution_Complex_1_1_0_0.zip",
			[]string{"cra6e_terraformtesttable"}, []string{"solutionvariablejson", "solutionvariabletext"}, "a data source"},
		{"terraform-provider-power-platform/examples/resources/powerplatform_managed_solution/TerraformSolutionExample_1_0_0_1_managed.zip",
			[]string{"terr_terraform"}, []string{"solutionvariablejson", "solutionvariabletext"}, "a data source"},
		{"powercat-business-approvals-kit/BusinessApprovalKit/SolutionPackage/src", nil,
			[]string{"approvalkitorgurl", "enableoffice365mailboxsettings", "outofofficecheckdays"}, "current value is not kept"},
	} {
		t.Run(filepath.Base(tc.in), func(t *testing.T) {
			p, warns := mustRead(t, conformanceFile(t, tc.in))
			var tables, vars []string
			for _, tb := range p.Tables {
				if tb.Custom {
					tables = append(tables, tb.Name)
				}
			}
			for _, v := range p.Variables {
				vars = append(vars, v.Name)
			}
			if !slices.Equal(tables, tc.tables) || !slices.Equal(vars, tc.variables) {
				t.Errorf("tables %v variables %v, want %v %v", tables, vars, tc.tables, tc.variables)
			}
			found := false
			for _, w := range warns {
				found = found || strings.Contains(w.Message, tc.varWarning)
			}
			if !found {
				t.Errorf("no warning says %q", tc.varWarning)
			}
			writeAndLoad(t, p)
		})
	}
}

// TestConformanceVariableTypes: every variable type of the corpus maps.
func TestConformanceVariableTypes(t *testing.T) {
	p, _ := mustRead(t, conformanceFile(t, "powercat-business-approvals-kit/BusinessApprovalKit/SolutionPackage/src"))
	got := map[string]string{}
	for _, v := range p.Variables {
		d := ""
		if v.HasDefault() {
			d = compiler.FormatValue(v.Default)
		}
		got[v.Name] = v.Type + " " + d
	}
	want := map[string]string{"approvalkitorgurl": "string ", "enableoffice365mailboxsettings": "boolean false", "outofofficecheckdays": "number 0"}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("variables (-want +got):\n%s", diff)
	}
	p, _ = mustRead(t, conformanceFile(t, coeDir))
	if len(p.Variables) != 1 || p.Variables[0].Type != compiler.VarSecret || p.Variables[0].HasDefault() {
		t.Errorf("coe variables: %+v", p.Variables)
	}
}

// TestEveryWarningNamesItsFile: over the corpus, each warning names a component and a file.
func TestEveryWarningNamesItsFile(t *testing.T) {
	for _, in := range []string{coeDir, prDir, rulesDir, rulesZip,
		"terraform-provider-power-platform/examples/resources/powerplatform_solution/TerraformTestSolution_Complex_1_1_0_0.zip",
		"powercat-business-approvals-kit/BusinessApprovalKit/SolutionPackage/src"} {
		_, warns := mustRead(t, conformanceFile(t, in))
		if len(warns) == 0 {
			t.Errorf("%s: no warnings", in)
		}
		for _, w := range warns {
			if w.Component == "" || w.File == "" || w.Message == "" {
				t.Errorf("%s: incomplete warning %+v", in, w)
			}
		}
	}
}

// TestTaskFlowOnSeveralTables: a task flow bpfc cannot express is reported and left out.
func TestTaskFlowOnSeveralTables(t *testing.T) {
	files := corpusTree(t, prDir)
	data := "Workflows/InternalPurchaseRequisitionOF95-D036ABAE-41DA-EE11-904D-00224804912F.xaml.data.xml"
	files[data] = bytes.Replace(files[data], []byte("<BusinessProcessType>0</BusinessProcessType>"), []byte("<BusinessProcessType>1</BusinessProcessType>"), 1)
	p, warns := mustRead(t, writeTree(t, files))
	if len(p.Flows) != 0 {
		t.Errorf("%d flows, want the task flow left out", len(p.Flows))
	}
	found := false
	for _, w := range warns {
		found = found || strings.Contains(w.Message, "a task flow on 3 tables cannot be expressed") && w.File != ""
	}
	if !found {
		t.Errorf("no warning about the task flow: %v", warns)
	}

	// On one table a task flow is expressed.
	files = corpusTree(t, rulesDir)
	data = "Workflows/PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400.xaml.data.xml"
	files[data] = bytes.Replace(files[data], []byte("<BusinessProcessType>0</BusinessProcessType>"), []byte("<BusinessProcessType>1</BusinessProcessType>"), 1)
	p, _ = mustRead(t, writeTree(t, files))
	if len(p.Flows) != 1 || p.Flows[0].Type != compiler.FlowTask {
		t.Errorf("flows %v, want one task flow", p.Flows)
	}
}

// TestExternalTableColumns: tables the exports use without carrying them are
// declared external, with the columns their flows use, typed from the step
// control classes.
func TestExternalTableColumns(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string // table.column -> type (lookups: type>target)
	}{
		{coeDir, map[string]string{
			"admin_app.admin_makersubmittedrequirements": "boolean", "admin_app.admin_requirement_4": "choice",
			"admin_app.admin_requirement_5": "boolean", "admin_app.admin_riskassessment": "choice", "admin_app.admin_quarantineapp": "boolean",
			"admin_app.admin_category": "choice", "admin_app.admin_inappcatalog": "boolean", "admin_app.admin_inappcatalogfeatured": "boolean",
		}},
		{prDir, map[string]string{
			"cttech_internalpurchaserequisition.cttech_of95statusreason":        "choice",
			"cttech_internalpurchaserequisition.cttech_grantfunding":            "choice",
			"cttech_internalpurchaserequisition.cttech_purchaserequisitiontype": "choice",
			"cttech_internalpurchaserequisition.cttech_emailaddress":            "email",
			"cttech_internalpurchaserequisition.cttech_approvaluserid":          "lookup>cttech_approvaluser",
			"cttech_internalpurchaserequisition.cttech_fiscalreviewid":          "lookup>cttech_fiscalreview",
			"cttech_approvaluser.cttech_approvaldecision":                       "choice",
			"cttech_approvaluser.cttech_decisioncomment":                        "string",
			"cttech_approvaluser.cttech_purchaserequisitiontype":                "choice",
			"cttech_approvaluser.cttech_internalpurchaserequisitionid":          "lookup>cttech_internalpurchaserequisition",
			"cttech_fiscalreview.cttech_department":                             "lookup>systemuser",
			"cttech_fiscalreview.cttech_internalpurchaserequisitionid":          "lookup>cttech_internalpurchaserequisition",
		}},
		{rulesDir, map[string]string{"bac_package.bac_type": "choice", "bac_package.bac_name": "string"}},
	} {
		t.Run(filepath.Base(tc.in), func(t *testing.T) {
			p, _ := mustRead(t, conformanceFile(t, tc.in))
			got := map[string]string{}
			for _, tb := range p.Tables {
				if !tb.External {
					continue
				}
				for _, c := range tb.Columns {
					if c.Standard {
						continue
					}
					v := c.Type
					if c.Type == compiler.TypeLookup {
						v += ">" + c.Target
					}
					got[tb.Name+"."+c.Name] = v
				}
			}
			if diff := gocmp.Diff(tc.want, got); diff != "" {
				t.Errorf("external columns (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInstanceTableParts: what a flow's instance table carries beyond its
// columns and form (views beside Entity.xml, a customised ribbon) is
// named in a warning; Dataverse's empty ribbon skeleton is not.
func TestInstanceTableParts(t *testing.T) {
	const entity = "Entities/cttech_internalpurchaserequisitionof95/Entity.xml"
	base := corpusTree(t, prDir)
	warnings := func(files map[string][]byte) []string {
		_, warns := mustRead(t, writeTree(t, files))
		var out []string
		for _, w := range warns {
			if strings.Contains(w.String(), "instance table") {
				out = append(out, w.String())
			}
		}
		return out
	}
	if w := warnings(base); len(w) != 0 {
		t.Errorf("an instance table with nothing beyond its columns and form: %q", w)
	}
	skeleton := `<RibbonDiffXml><CustomActions /><Templates><RibbonTemplates Id="Mscrm.Templates"></RibbonTemplates></Templates>` +
		`<CommandDefinitions /><RuleDefinitions><TabDisplayRules /><DisplayRules /><EnableRules /></RuleDefinitions><LocLabels /></RibbonDiffXml>`
	files := maps.Clone(base)
	files[entity] = bytes.Replace(base[entity], []byte("<RibbonDiffXml />"), []byte(skeleton), 1)
	if w := warnings(files); len(w) != 0 {
		t.Errorf("Dataverse's empty ribbon skeleton: %q", w)
	}
	files[entity] = bytes.Replace(base[entity], []byte("<RibbonDiffXml />"),
		[]byte(strings.Replace(skeleton, "<CustomActions />", `<CustomActions><CustomAction Id="x.approve" Location="Mscrm.Form.x.MainTab" /></CustomActions>`, 1)), 1)
	files["Entities/cttech_internalpurchaserequisitionof95/SavedQueries/{6a1c2b9e-0000-4000-8000-000000000001}.xml"] = []byte(`<savedqueries><savedquery /></savedqueries>`)
	w := warnings(files)
	if len(w) != 1 || !strings.Contains(w[0], "its view and its ribbon's customisations are not expressed") {
		t.Errorf("a view beside Entity.xml and a customised ribbon: %q", w)
	}
	files[entity] = base[entity]
	if w := warnings(files); len(w) != 1 || !strings.Contains(w[0], "its view is not expressed") {
		t.Errorf("a view beside Entity.xml: %q", w)
	}
}

// TestConformanceOwnership: an export's organization-owned tables
// (OwnershipTypeMask OrgOwned) unpack as ownership = "organization", the
// others as user-owned, and the rebuild writes each as the export did.
func TestConformanceOwnership(t *testing.T) {
	p, _ := mustRead(t, conformanceFile(t, rulesZip))
	got := map[string]string{}
	for _, tb := range p.Tables {
		if tb.Custom {
			got[tb.Name] = tb.Ownership
		}
	}
	want := map[string]string{"bac_action": "organization", "bac_assignment": "organization", "bac_condition": "organization",
		"bac_package": "", "bac_rule": "organization", "bac_userrole": ""}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("ownership of the custom tables (-want +got):\n%s", diff)
	}
}
