package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestPromotionGate: deploy to an environment with promote_from is refused
// unless the same build digest is live in the source.
func TestPromotionGate(t *testing.T) {
	pr := newProject(t)
	pr.refuse("test", quiet(), `promote_from = "dev": nothing was ever deployed to dev`)
	if pr.created("test") {
		t.Error("a refused first import left an environment file")
	}
	pr.deploy("dev", quiet())
	pr.deploy("test", quiet())
	pr.version("1.1.0.0").refuse("test", quiet(), `build sha256:`, "is not live in dev, which has Sales 1.0.0.0", "bpfc promote --from dev --to test")
	pr.read("test", func(tx store.Tx) {
		h, _ := tx.Imports(store.ImportFilter{})
		if len(h) != 2 || h[0].Result != store.ResultRefused || !strings.Contains(h[0].Message, "not live in dev") {
			t.Errorf("the refusal is not in test's history: %+v", h)
		}
	})
}

// TestPromoteExactBuild: promote imports into the target, in its flavour,
// exactly the build live in the source, whatever the project now says.
func TestPromoteExactBuild(t *testing.T) {
	pr := newProject(t)
	res := pr.deploy("dev", quiet())
	b1 := pr.build()
	// The working tree moves on; dev still has 1.0.0.0.
	pr.version("1.5.0.0").edit("lead.hcl", `display_name  = "Lead to Opportunity"`, `display_name  = "Changed"`)
	pl := pr.pipeline(pr.load())
	got, err := pl.Promote(context.Background(), "dev", "test", quiet())
	must(t, err)
	if got.Digest != res.Digest || got.Version != "1.0.0.0" || !got.Managed || got.ArchiveSHA256 != b1.Managed.SHA256() {
		t.Errorf("promote = %+v\nwant build %s, managed archive %s", got, res.Digest, b1.Managed.SHA256())
	}
	pr.read("test", func(tx store.Tx) {
		s, _ := tx.Solution("Sales")
		if !s.Managed || s.BuildDigest != b1.Digest {
			t.Errorf("test has %+v", s)
		}
		w, _ := tx.Workflow(b1.Project.FlowID(b1.Project.Flow("lead_to_opportunity")))
		if w.DisplayName != "Lead to Opportunity" {
			t.Errorf("promote used the working tree: %q", w.DisplayName)
		}
		h, _ := tx.Imports(store.ImportFilter{})
		if h[0].Operation != "promote" {
			t.Errorf("history = %+v", h[0])
		}
	})
	// Promoting into prod (promote_from test) from dev is gated on test.
	if _, err := pl.Promote(context.Background(), "dev", "prod", quiet()); err != nil {
		t.Errorf("dev's build is live in test, so prod accepts it: %v", err)
	}
	// Nothing to promote from an environment never deployed to.
	pr2 := newProject(t)
	if _, err := pr2.pipeline(pr2.load()).Promote(context.Background(), "dev", "test", quiet()); !errors.Is(err, environ.ErrNotCreated) {
		t.Errorf("promote from an empty environment: %v", err)
	}
}

// TestRelease: release deploys to dev and promotes along the chain, with a
// summary; it stops at the first refusal and skips the rest.
func TestRelease(t *testing.T) {
	pr := newProject(t)
	b := pr.build()
	rel, err := pr.pipeline(b.Project).Release(context.Background(), b, quiet(), nil)
	must(t, err)
	if !rel.OK || len(rel.Environments) != 3 {
		t.Fatalf("release = %+v", rel)
	}
	for i, want := range []string{"deploy", "promote from dev", "promote from test"} {
		s := rel.Environments[i]
		if s.Action != want || s.Result != Applied || s.Digest != b.Digest {
			t.Errorf("step %d = %+v", i, s)
		}
	}
	// A variable without a value in prod stops the release there.
	pr.version("1.1.0.0").set("more.hcl", `
variable "region" {
  type = "string"
}
`).edit("bpfc.hcl", `values  = { threshold = 25000 }`, `values  = { threshold = 25000, region = "eu" }`)
	pr.edit("bpfc.hcl", `promote_from = "dev"`, "promote_from = \"dev\"\n  values       = { region = \"eu\" }")
	b = pr.build()
	rel, err = pr.pipeline(b.Project).Release(context.Background(), b, quiet(), nil)
	var ref *Refusal
	if !errors.As(err, &ref) || rel.OK {
		t.Fatalf("release: %v, %+v", err, rel)
	}
	got := []string{rel.Environments[0].Result, rel.Environments[1].Result, rel.Environments[2].Result}
	if got[0] != Applied || got[1] != Applied || got[2] != Refused || !strings.Contains(rel.Environments[2].Message, "variable region has no value for environment prod") {
		t.Errorf("results = %v (%+v)", got, rel.Environments[2])
	}
	// A refusal in the middle skips what follows.
	pr.version2("1.1.0.0", "1.2.0.0").edit("bpfc.hcl", "values       = { region = \"eu\" }", "")
	b = pr.build()
	rel, _ = pr.pipeline(b.Project).Release(context.Background(), b, quiet(), nil)
	got = []string{rel.Environments[0].Result, rel.Environments[1].Result, rel.Environments[2].Result}
	if got[0] != Applied || got[1] != Refused || got[2] != Skipped {
		t.Errorf("results = %v", got)
	}
	if a := rel.Environments[2].Action; a != "promote from "+pr.load().Environments[2].PromoteFrom || a == "promote from " {
		t.Errorf("the skipped step's action: %q, want what it would have done", a)
	}
}

// TestPlan: plan lists what would be added, changed and removed and the
// refusals, and writes nothing, not even a new environment.
func TestPlan(t *testing.T) {
	pr := newProject(t)
	b := pr.build()
	pl := pr.pipeline(b.Project)
	plan, err := pl.Plan(context.Background(), "dev", b, quiet())
	must(t, err)
	if pr.created("dev") {
		t.Error("plan created the environment")
	}
	if !hasChange(plan.Changes, "add", "flow", "lead_to_opportunity") || !hasChange(plan.Changes, "add", "step", "lead_to_opportunity.qualify.budget") ||
		!hasChange(plan.Changes, "add", "column", "opportunity.cts_approved") || len(plan.Refusals) != 0 || plan.InstalledVersion != "" {
		t.Errorf("plan = %+v", plan)
	}
	pr.deploy("dev", quiet())
	before := pr.dump("dev")
	pr.v2().edit("lead.hcl", `display_name  = "Lead to Opportunity"`, `display_name  = "L2O"`)
	b = pr.build()
	plan, err = pr.pipeline(b.Project).Plan(context.Background(), "dev", b, quiet())
	must(t, err)
	for _, c := range [][3]string{{"change", "flow", "lead_to_opportunity"}, {"remove", "flow", "project_flow"},
		{"remove", "stage", "project_flow.start"}, {"remove", "table", "cts_project"}, {"remove", "workflow", "notify"},
		{"change", "role", "salesperson"}} {
		if !hasChange(plan.Changes, c[0], c[1], c[2]) {
			t.Errorf("plan lacks %v: %+v", c, plan.Changes)
		}
	}
	if hasChange(plan.Changes, "change", "stage", "lead_to_opportunity.qualify") {
		t.Error("plan lists an unchanged stage")
	}
	if plan.InstalledVersion != "1.0.0.0" || plan.Version != "2.0.0.0" {
		t.Errorf("plan versions = %+v", plan)
	}
	// Refusals are listed, the gate's too.
	plan, _ = pr.pipeline(b.Project).Plan(context.Background(), "test", b, quiet())
	if len(plan.Refusals) == 0 || !strings.Contains(plan.Refusals[0], "not installed in dev") && !strings.Contains(plan.Refusals[0], "not live in dev") {
		t.Errorf("plan for test: %+v", plan.Refusals)
	}
	if pr.dump("dev") != before {
		t.Error("plan changed the environment")
	}
}

// TestUninstall: a managed solution goes with its components, instance
// tables and their rows, only after confirmation; an unmanaged one leaves its
// components.
func TestUninstall(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	pr.addInstanceRow("dev", "cts_leadtoopportunity", "i1")
	pr.addInstanceRow("dev", "cts_leadtoopportunity", "i2")
	pl := pr.pipeline(pr.load())
	before := pr.dump("dev", "importjob")
	out, err := pl.Uninstall(context.Background(), "dev", "Sales", false, quiet())
	if !errors.Is(err, ErrNeedsConfirmation) || !strings.Contains(err.Error(), "--yes") || out.InstanceRows != 2 || len(out.Removed) == 0 {
		t.Errorf("unconfirmed uninstall: %v %+v", err, out)
	}
	if pr.dump("dev", "importjob") != before {
		t.Error("an unconfirmed uninstall changed the environment")
	}
	out, err = pl.Uninstall(context.Background(), "dev", "Sales", true, quiet())
	must(t, err)
	if out.InstanceRows != 2 || !hasChange(out.Removed, "remove", "flow", "lead_to_opportunity") {
		t.Errorf("uninstall = %+v", out)
	}
	// A variable is named as the project and plans name it, not by its
	// schema name (cts_threshold).
	if !hasChange(out.Removed, "remove", "variable", "threshold") {
		t.Errorf("uninstall removed %+v, want variable threshold", out.Removed)
	}
	pr.read("dev", func(tx store.Tx) {
		if sols, _ := tx.Solutions(); len(sols) != 0 {
			t.Errorf("solutions = %+v", sols)
		}
		for _, table := range []string{"cts_leadtoopportunity", "cts_projectflow", "cts_project"} {
			if _, err := tx.Table(table); err == nil {
				t.Errorf("table %s outlived the uninstall", table)
			}
		}
		opp, _ := tx.Table("opportunity")
		if _, ok := opp.Column("cts_approved"); ok {
			t.Error("added column outlived the uninstall")
		}
		if _, err := tx.Role("salesperson"); err == nil {
			t.Error("role outlived the uninstall")
		}
		if wfs, _ := tx.Workflows(); len(wfs) != 0 {
			t.Errorf("workflows outlived the uninstall: %d", len(wfs))
		}
		if _, err := tx.Role("system_administrator"); err != nil {
			t.Error("uninstall removed a built-in role")
		}
	})
	// Unmanaged: only the solution record goes.
	pr = newProject(t)
	pr.deploy("dev", quiet())
	pl = pr.pipeline(pr.load())
	out, err = pl.Uninstall(context.Background(), "dev", "Sales", false, quiet())
	must(t, err)
	if len(out.Removed) != 0 {
		t.Errorf("unmanaged uninstall removed %v", out.Removed)
	}
	pr.read("dev", func(tx store.Tx) {
		if _, err := tx.Table("cts_leadtoopportunity"); err != nil {
			t.Error("unmanaged uninstall removed a component")
		}
	})
	// Its components are then taken over by a new import.
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
}

// TestRemovalsSayWhatTheyDelete: a staged upgrade's plan, apply-upgrade
// and an uninstall say what their removals delete — a custom table's rows,
// an added column's values — as an upgrade's plan does (they said nothing,
// "0 rows of instance tables", and deleted them).
func TestRemovalsSayWhatTheyDelete(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	pr.write("dev", func(tx store.Tx) error {
		for _, id := range []string{"p1", "p2"} {
			if err := tx.InsertRow("cts_project", map[string]any{"cts_projectid": id, "cts_name": id, store.RowVersionColumn: int64(1)}); err != nil {
				return err
			}
		}
		return tx.InsertRow("opportunity", map[string]any{"opportunityid": "o1", "name": "Fleet", "cts_approved": true, store.RowVersionColumn: int64(1)})
	})
	stage := quiet()
	stage.Mode = Stage
	b := pr.v2().build()
	pl := pr.pipeline(b.Project)
	plan, err := pl.Plan(context.Background(), "dev", b, stage)
	must(t, err)
	if !hasData(plan.Changes, "keep", "table", "cts_project", "apply-upgrade deletes 2 rows") {
		t.Errorf("the staged upgrade's plan: %+v", plan.Changes)
	}
	if _, err := pl.Deploy(context.Background(), "dev", b, stage); err != nil {
		t.Fatal(err)
	}
	out, err := pl.ApplyUpgrade(context.Background(), "dev", "Sales", quiet())
	must(t, err)
	if !hasData(out.Removed, "remove", "table", "cts_project", "deletes 2 rows") {
		t.Errorf("apply-upgrade: %+v", out.Removed)
	}
	out, err = pl.Uninstall(context.Background(), "dev", "Sales", false, quiet())
	if !errors.Is(err, ErrNeedsConfirmation) || !hasData(out.Removed, "remove", "column", "opportunity.cts_approved", "deletes its values in 1 row") ||
		!strings.Contains(err.Error(), "of instance tables, and the values of 1 column; run again with --yes") {
		t.Errorf("uninstall: %v %+v", err, out.Removed)
	}
}

// TestPlanNamesWhatIsThere: a flow an update kept (the build dropped it)
// and a later build has again is added to the solution, but it is in the
// environment: the plan says the build takes it over.
func TestPlanNamesWhatIsThere(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	update := quiet()
	update.Mode = Update
	pr.version("1.1.0.0").set("project.hcl", "").edit("roles.hcl", `  grant "project_flow" {
    privileges = ["read"]
  }
`, "")
	pr.deploy("dev", update)
	back := newProject(t)
	back.dir, back.pgURL = pr.dir, pr.pgURL
	b := back.version("1.2.0.0").build()
	plan, err := back.pipeline(b.Project).Plan(context.Background(), "dev", b, quiet())
	must(t, err)
	if !hasNote(plan.Changes, "add", "flow", "project_flow", "already in the environment: this build takes it over") {
		t.Errorf("plan: %+v", plan.Changes)
	}
}

// TestPlanNamesAnotherSolutionsRole: a role another installed solution
// ships is refused, so the plan's addition of it says whose it is; it
// said "this build takes it over" beside the refusal. A variable too (it
// had no note).
func TestPlanNamesAnotherSolutionsRole(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	other := newProject(t)
	other.dir, other.pgURL = pr.dir, pr.pgURL // the same environments
	other.edit("bpfc.hcl", `solution "Sales"`, `solution "Other"`)
	other.set("project.hcl", "").set("workflows.hcl", "").set("tables.hcl", "").set("lead.hcl", "")
	other.set("roles.hcl", `
role "salesperson" {
  grant "lead" {
    privileges = ["read"]
  }
}
`)
	b := other.build()
	plan, err := other.pipeline(b.Project).Plan(context.Background(), "dev", b, quiet())
	must(t, err)
	if !hasNote(plan.Changes, "add", "role", "salesperson", "already in the environment, in solution Sales") {
		t.Errorf("plan: %+v", plan.Changes)
	}
	if !hasNote(plan.Changes, "add", "variable", "threshold", "already in the environment, in solution Sales") {
		t.Errorf("plan: %+v", plan.Changes)
	}
	if !slices.Contains(plan.Refusals, "role salesperson belongs to solution Sales in this environment") {
		t.Errorf("refusals: %q", plan.Refusals)
	}
}
