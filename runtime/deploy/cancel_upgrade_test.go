package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestCancelStagedUpgrade: uninstalling the holding solution alone cancels
// the staged upgrade, as deleting the _Upgrade solution does in Dataverse
// (it was refused): what only the upgrade added goes, with its data, after
// confirmation, and the environment is as the installed version left it;
// the upgrade can then be staged again.
func TestCancelStagedUpgrade(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	pr.addInstanceRow("dev", "cts_leadtoopportunity", "i1")
	// What the cancel may change: the history, the access stamp, the
	// builds kept (the staged one stays, for a later promote), and the
	// workflows' modifiedon (compared without it: workflowDefs).
	skip := []string{"importjob", "accessstamp", "importarchive", "modelsnapshot", "workflow"}
	before, defs := pr.dump("dev", skip...), pr.workflowDefs("dev")

	// The upgrade drops the project flow, its table and the workflow (kept
	// until apply-upgrade), adds a flow, a column and a stage, and changes
	// the variable's default and a stage's steps.
	pr.v2().set("review.hcl", `
flow "review_flow" {
  display_name  = "Review"
  primary_table = "opportunity"
  stage "review" {
    step "margin" {
      column = "cts_margin"
    }
  }
}
`)
	pr.edit("tables.hcl", `column "cts_approved" {`, `column "cts_margin" {
    type = "decimal"
  }
  column "cts_approved" {`)
	pr.edit("variables.hcl", "50000", "60000")
	pr.edit("lead.hcl", `  stage "approve" {`, `  stage "approve" {
    step "note" {
      column = "description"
    }`)
	stage := quiet()
	stage.Mode = Stage
	pr.deploy("dev", stage)
	pr.addInstanceRow("dev", "cts_reviewflow", "r1")

	pl := pr.pipeline(pr.load())
	staged := pr.dump("dev", "importjob")
	out, err := pl.Uninstall(context.Background(), "dev", "Sales_Upgrade", false, quiet())
	if !errors.Is(err, ErrNeedsConfirmation) || out.InstanceRows != 1 || out.Restored != "Sales 1.0.0.0" ||
		!hasChange(out.Removed, "remove", "flow", "review_flow") || !hasChange(out.Removed, "remove", "column", "opportunity.cts_margin") ||
		hasChange(out.Removed, "remove", "flow", "project_flow") || !strings.Contains(err.Error(), "cancels the staged upgrade of Sales to 2.0.0.0") {
		t.Errorf("unconfirmed cancel: %v %+v", err, out)
	}
	if d := firstDiff(staged, pr.dump("dev", "importjob")); d != "" {
		t.Errorf("an unconfirmed cancel changed the environment:\n%s", d)
	}
	out, err = pl.Uninstall(context.Background(), "dev", "Sales_Upgrade", true, quiet())
	must(t, err)
	if out.Result != Applied || len(out.Removed) != 2 {
		t.Errorf("cancel = %+v", out)
	}
	if d := firstDiff(before, pr.dump("dev", skip...)); d != "" {
		t.Errorf("the environment after the cancel is not as version 1 left it:\n%s", d)
	}
	if got := pr.workflowDefs("dev"); got != defs {
		t.Errorf("workflows after the cancel:\n%s\nwant:\n%s", got, defs)
	}
	pr.read("dev", func(tx store.Tx) {
		sols, _ := tx.Solutions()
		if len(sols) != 1 || sols[0].Name != "Sales" || sols[0].Version != "1.0.0.0" {
			t.Errorf("solutions = %+v", sols)
		}
	})
	// Staged again and applied, as if the first had never been.
	pr.deploy("dev", stage)
	_, err = pl.ApplyUpgrade(context.Background(), "dev", "Sales", quiet())
	must(t, err)
}

// workflowDefs lists the environment's workflow records but for when they
// were last modified.
func (pr *project) workflowDefs(env string) string {
	var out strings.Builder
	pr.read(env, func(tx store.Tx) {
		wfs, err := tx.Workflows()
		must(pr.t, err)
		for _, w := range wfs {
			w.ModifiedOn = time.Time{}
			fmt.Fprintf(&out, "%+v\n", w)
		}
	})
	return out.String()
}

// TestCancelStagedUpgradeValueOfAnotherType: a value given while the
// staged upgrade declared its variable of another type does not fit the
// installed version's variable; the cancel takes it away, saying so (it
// stayed, text in a number variable).
func TestCancelStagedUpgradeValueOfAnotherType(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.set("level.hcl", "variable \"level\" {\n  type    = \"number\"\n  default = 1\n}\n")
	pr.deploy("dev", quiet())
	pr.version("2.0.0.0").set("level.hcl", "variable \"level\" {\n  type    = \"string\"\n  default = \"one\"\n}\n")
	stage := quiet()
	stage.Mode = Stage
	stage.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_LEVEL": "high"}[k] }
	pr.deploy("dev", stage)
	pl := pr.pipeline(pr.load())
	out, err := pl.Uninstall(context.Background(), "dev", "Sales_Upgrade", false, quiet())
	if !errors.Is(err, ErrNeedsConfirmation) || !hasData(out.Removed, "remove", "value", "level",
		`the value set under the staged upgrade does not fit the number 1.0.0.0 declares: "high" is not a number (a decimal such as 25000 or 0.5); the default applies again`) {
		t.Errorf("unconfirmed cancel: %v %+v", err, out.Removed)
	}
	_, err = pl.Uninstall(context.Background(), "dev", "Sales_Upgrade", true, quiet())
	must(t, err)
	pr.read("dev", func(tx store.Tx) {
		if v, err := tx.VariableValue("cts_level"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("value after the cancel: %+v %v", v, err)
		}
		if defs, _ := tx.VariableDefinitions(); !slices.ContainsFunc(defs, func(d store.VariableDefinition) bool {
			return d.SchemaName == "cts_level" && d.Type == "number"
		}) {
			t.Errorf("definitions after the cancel: %+v", defs)
		}
	})
}

// TestCancelStagedUpgradeListsUsersLosingARole: a role only the staged
// upgrade has goes with the cancel, and with it the users' assignments of
// it; unconfirmed, the cancel names those users (it listed only the role),
// and not the users of a role the installed version keeps.
func TestCancelStagedUpgradeListsUsersLosingARole(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	pr.version("2.0.0.0").set("reviewer.hcl", `
role "reviewer" {
  grant "lead_to_opportunity" {
    privileges = ["read"]
  }
}
`)
	stage := quiet()
	stage.Mode = Stage
	pr.deploy("dev", stage)
	s := pr.open("dev", time.Second)
	must(t, s.Write(context.Background(), func(tx store.Tx) error {
		for i, u := range []store.User{
			{Name: "cy", Roles: []string{"reviewer"}},
			{Name: "ana", Roles: []string{"reviewer", "salesperson"}},
			{Name: "bo", Roles: []string{"salesperson"}},
		} {
			u.ID = fmt.Sprintf("7f5b6c1e-0000-4000-8000-00000000000%d", i+1)
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, s.Close())

	pl := pr.pipeline(pr.load())
	out, err := pl.Uninstall(context.Background(), "dev", "Sales_Upgrade", false, quiet())
	if !errors.Is(err, ErrNeedsConfirmation) || !hasData(out.Removed, "remove", "role", "reviewer", "2 users lose it: ana, cy") ||
		hasChange(out.Removed, "remove", "role", "salesperson") {
		t.Fatalf("unconfirmed cancel: %v %+v", err, out.Removed)
	}
	for _, c := range out.Removed {
		if c.Kind == "role" && !slices.Equal(c.Users, []string{"ana", "cy"}) {
			t.Errorf("users of the removed role: %q, want [ana cy]", c.Users)
		}
	}
	_, err = pl.Uninstall(context.Background(), "dev", "Sales_Upgrade", true, quiet())
	must(t, err)
	pr.read("dev", func(tx store.Tx) {
		if u, err := tx.User("ana"); err != nil || !slices.Equal(u.Roles, []string{"salesperson"}) {
			t.Errorf("ana after the cancel: %+v %v", u, err)
		}
	})
}

// TestStageRefusesTypeChangeOfAHeldValue: a staged upgrade that changes
// the type of a variable the environment holds a value for is refused,
// the environment as it was (staging would seal or drop the value, and a
// cancel could not give it back); the same upgrade not staged applies.
func TestStageRefusesTypeChangeOfAHeldValue(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.set("level.hcl", "variable \"level\" {\n  type    = \"string\"\n  default = \"one\"\n}\n")
	first := quiet()
	first.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_LEVEL": "two"}[k] }
	pr.deploy("dev", first)
	pr.version("2.0.0.0").set("level.hcl", "variable \"level\" {\n  type = \"secret\"\n  required = false\n}\n")
	stage := quiet()
	stage.Mode = Stage
	pr.refuse("dev", stage, "variable level is a string in the installed version and a secret in this one, and the environment holds a value for it",
		"upgrade without --mode stage")
	pr.read("dev", func(tx store.Tx) {
		if v, err := tx.VariableValue("cts_level"); err != nil || v.Value != "two" {
			t.Errorf("the value after the refusal: %+v %v", v, err)
		}
	})
	pr.deploy("dev", quiet()) // an upgrade not staged
}

// TestCancelStagedUpgradeRestoresValues: cancelling a staged upgrade gives
// back the values the environment held before it was staged, as
// Dataverse's cancel returns to the installed version's state: a value the
// staged import changed (the block's, a BPFC_VAR's, a secret's), added
// (level had none) or removed (the block no longer gives region) is as it
// was, modified_on too (the staged values stayed).
func TestCancelStagedUpgradeRestoresValues(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.edit("bpfc.hcl", "values  = { threshold = 25000 }", "values  = { threshold = 25000, region = \"north\" }")
	pr.set("more.hcl", `
variable "region" {
  type     = "string"
  required = false
}
variable "level" {
  type    = "string"
  default = "one"
}
variable "mailbox" {
  type = "string"
}
variable "api_key" {
  type = "secret"
}
`)
	first := quiet()
	first.Getenv = func(k string) string {
		return map[string]string{"BPFC_VAR_MAILBOX": "sales@example.com", "BPFC_VAR_API_KEY": "k1"}[k]
	}
	pr.deploy("dev", first)
	skip := []string{"importjob", "accessstamp", "importarchive", "modelsnapshot", "workflow"}
	before := pr.dump("dev", skip...)

	pr.version("2.0.0.0").edit("bpfc.hcl", "values  = { threshold = 25000, region = \"north\" }", "values  = { threshold = 30000 }")
	stage := quiet()
	stage.Mode = Stage
	stage.Getenv = func(k string) string {
		return map[string]string{"BPFC_VAR_MAILBOX": "desk@example.com", "BPFC_VAR_API_KEY": "k2", "BPFC_VAR_LEVEL": "two"}[k]
	}
	res := pr.deploy("dev", stage)
	for _, c := range [][2]string{{"change", "threshold"}, {"remove", "region"}, {"add", "level"}, {"change", "mailbox"}, {"change", "api_key"}} {
		if !hasChange(res.Changes, c[0], "value", c[1]) {
			t.Errorf("the staged import does not %s the value of %s: %+v", c[0], c[1], res.Changes)
		}
	}
	pl := pr.pipeline(pr.load())
	if _, err := pl.Uninstall(context.Background(), "dev", "Sales_Upgrade", true, quiet()); err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(before, pr.dump("dev", skip...)); d != "" {
		t.Errorf("the environment after the cancel is not as version 1 left it:\n%s", d)
	}
	pr.read("dev", func(tx store.Tx) {
		for schema, want := range map[string]string{"cts_threshold": "25000", "cts_region": "north", "cts_mailbox": "sales@example.com"} {
			if v, err := tx.VariableValue(schema); err != nil || v.Value != want {
				t.Errorf("%s after the cancel = %+v %v, want %q", schema, v, err, want)
			}
		}
		if v, err := tx.VariableValue("cts_level"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("level after the cancel = %+v %v, want none (the default)", v, err)
		}
	})
	// The upgrade staged again and applied takes its values, as if the
	// first had never been staged.
	pr.deploy("dev", stage)
	if _, err := pl.ApplyUpgrade(context.Background(), "dev", "Sales", quiet()); err != nil {
		t.Fatal(err)
	}
	pr.read("dev", func(tx store.Tx) {
		if v, err := tx.VariableValue("cts_mailbox"); err != nil || v.Value != "desk@example.com" {
			t.Errorf("mailbox after apply-upgrade = %+v %v", v, err)
		}
		if kept, err := tx.StagedValues("Sales_Upgrade"); err != nil || len(kept) != 0 {
			t.Errorf("values kept for a cancel after apply-upgrade: %+v %v", kept, err)
		}
	})
}
