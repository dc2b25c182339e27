package deploy

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestImportInstallsEverything: a first import creates the solution and its
// components, the custom table and added columns as real SQL, each active
// flow's instance table with the Dataverse columns, the roles' privileges,
// the variables, and keeps the archives, the model and a history entry.
func TestImportInstallsEverything(t *testing.T) {
	pr := newProject(t)
	res := pr.deploy("dev", quiet())
	if res.Result != Applied || res.Managed || res.Version != "1.0.0.0" || res.ImportID == 0 {
		t.Fatalf("result = %+v", res)
	}
	b := pr.build()
	p := b.Project
	pr.read("dev", func(tx store.Tx) {
		sol, err := tx.Solution("Sales")
		must(t, err)
		if sol.Managed || sol.State != store.StateInstalled || sol.BuildDigest != b.Digest || sol.ArchiveSHA256 != b.Unmanaged.SHA256() {
			t.Errorf("solution = %+v", sol)
		}
		cs, _ := tx.Components("Sales")
		var names []string
		for _, c := range cs {
			names = append(names, c.Kind+":"+c.Name)
		}
		want := []string{"column:cts_project.cts_budget", "column:cts_project.cts_name", "column:opportunity.cts_approved",
			"flow:lead_to_opportunity", "flow:project_flow", "role:salesperson", "table:cts_project", "variable:cts_threshold", "workflow:notify"}
		if !slices.Equal(names, want) {
			t.Errorf("components = %v\nwant %v", names, want)
		}
		// Workflow records with XAML from the archive, stages and steps.
		f := p.Flow("lead_to_opportunity")
		w, err := tx.Workflow(p.FlowID(f))
		must(t, err)
		if !w.Active || w.Category != store.CategoryBPF || w.InstanceTable != "cts_leadtoopportunity" || !strings.Contains(w.XAML, "lead_to_opportunity") {
			t.Errorf("workflow = %+v", w)
		}
		stages, _ := tx.Stages(w.ID)
		if len(stages) != 3 || stages[1].Table != "opportunity" || stages[1].Branches[0].When != "self.estimatedvalue > var.threshold" ||
			stages[0].Steps[0].Column != "budgetamount" || !stages[0].Steps[0].Required {
			t.Errorf("stages = %+v", stages)
		}
		// The instance table with the Dataverse columns.
		it, err := tx.Table("cts_leadtoopportunity")
		must(t, err)
		for _, c := range []string{"businessprocessflowinstanceid", "bpf_name", "processid", "activestageid", "activestagestartedon",
			"traversedpath", "statecode", "statuscode", "completedon", "bpf_duration", "createdon", "modifiedon",
			store.RowVersionColumn, "bpf_leadid", "bpf_opportunityid"} {
			if _, ok := it.Column(c); !ok {
				t.Errorf("instance table has no column %s", c)
			}
		}
		if it.Kind != store.TableInstance || it.Solution != "Sales" {
			t.Errorf("instance table = %+v", it)
		}
		must(t, nil)
		if n, err := tx.CountRows("cts_leadtoopportunity"); err != nil || n != 0 {
			t.Errorf("instance table rows = %d, %v", n, err)
		}
		// The custom table and the added column.
		ct, err := tx.Table("cts_project")
		must(t, err)
		if c, ok := ct.Column("cts_budget"); !ok || c.Type != "money" || ct.Kind != store.TableCustom {
			t.Errorf("custom table = %+v", ct)
		}
		opp, _ := tx.Table("opportunity")
		if c, ok := opp.Column("cts_approved"); !ok || c.Solution != "Sales" {
			t.Errorf("added column = %+v", c)
		}
		// Roles: privileges on instance tables as granted.
		ps, _ := tx.Privileges("salesperson")
		want2 := []store.Privilege{
			{Table: "cts_leadtoopportunity", Privilege: "create", Depth: "user"},
			{Table: "cts_leadtoopportunity", Privilege: "read", Depth: "user"},
			{Table: "cts_leadtoopportunity", Privilege: "write", Depth: "user"},
			{Table: "cts_projectflow", Privilege: "read", Depth: "organization"},
		}
		if !slices.Equal(ps, want2) {
			t.Errorf("privileges = %+v", ps)
		}
		for _, r := range []string{"system_administrator", "system_customizer"} {
			role, err := tx.Role(r)
			if err != nil || !role.FullAccess {
				t.Errorf("built-in role %s = %+v, %v", r, role, err)
			}
		}
		// Variables: the definition, and dev's value from its values block.
		v, err := tx.VariableValue("cts_threshold")
		if err != nil || v.Value != "25000" || v.Source != SourceEnvironment {
			t.Errorf("value = %+v, %v", v, err)
		}
		// The build is kept for promotion.
		snap, err := tx.Snapshot(b.Digest)
		if err != nil || snap.ManagedSHA256 != b.Managed.SHA256() || snap.UnmanagedSHA256 != b.Unmanaged.SHA256() {
			t.Errorf("snapshot = %+v, %v", snap, err)
		}
		if a, err := tx.Archive(b.Managed.SHA256()); err != nil || !a.Managed {
			t.Errorf("managed archive = %v", err)
		}
		h, _ := tx.Imports(store.ImportFilter{})
		if len(h) != 1 || h[0].Result != store.ResultSucceeded || h[0].Who != "tester" || h[0].BuildDigest != b.Digest ||
			h[0].Mode != "upgrade" || h[0].ArchiveSHA256 != b.Unmanaged.SHA256() {
			t.Errorf("history = %+v", h)
		}
		if _, err := tx.User("admin"); err != nil {
			t.Errorf("admin: %v", err)
		}
	})
}

// TestSameVersionReapplies: importing the same version again succeeds and
// changes nothing but the history; the changes list is empty.
func TestSameVersionReapplies(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	before := pr.dump("dev", "importjob")
	res := pr.deploy("dev", quiet())
	if len(res.Changes) != 0 {
		t.Errorf("re-applying changed %v", res.Changes)
	}
	if after := pr.dump("dev", "importjob"); stamps.ReplaceAllString(after, "TIME") != stamps.ReplaceAllString(before, "TIME") {
		t.Errorf("re-applying changed more than modification times:\n%s", firstDiff(before, after))
	}
}

var stamps = regexp.MustCompile(`\d{4}-\d\d-\d\dT[0-9:.]+Z`)

// TestVersionGate: a lower version than installed is refused; a higher one applies.
func TestVersionGate(t *testing.T) {
	pr := newProject(t)
	pr.version("1.2.0.0").deploy("dev", quiet())
	pr.version2("1.2.0.0", "1.1.9.9").refuse("dev", quiet(), "version 1.1.9.9 is lower than the installed Sales 1.2.0.0")
	pr.version2("1.1.9.9", "1.10.0.0").deploy("dev", quiet())
	pr.read("dev", func(tx store.Tx) {
		s, _ := tx.Solution("Sales")
		if s.Version != "1.10.0.0" {
			t.Errorf("version = %s", s.Version)
		}
	})
}

func (pr *project) version2(old, new string) *project {
	return pr.edit("bpfc.hcl", `version      = "`+old+`"`, `version      = "`+new+`"`)
}
