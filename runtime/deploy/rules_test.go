package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// write runs fn in a write transaction on the environment.
func (pr *project) write(env string, fn func(tx store.Tx) error) {
	pr.t.Helper()
	s := pr.open(env, 0)
	defer s.Close()
	must(pr.t, s.Write(context.Background(), fn))
}

func (pr *project) addInstanceRow(env, table, id string) {
	pr.write(env, func(tx store.Tx) error {
		return tx.InsertRow(table, map[string]any{"businessprocessflowinstanceid": id, "bpf_name": "row " + id})
	})
}

// v2 drops the project flow, its table, the workflow and the grant on the flow.
func (pr *project) v2() *project {
	pr.version("2.0.0.0").set("project.hcl", "").set("workflows.hcl", "")
	pr.edit("roles.hcl", `  grant "project_flow" {
    privileges = ["read"]
  }
`, "")
	pr.edit("tables.hcl", `table "cts_project" {
  display_name   = "Project"
  primary_column = "cts_name"
  column "cts_name" {
    type = "string"
  }
  column "cts_budget" {
    type = "money"
  }
}
`, "")
	return pr
}

func (pr *project) exists(env, what string, get func(tx store.Tx) error) bool {
	var err error
	pr.read(env, func(tx store.Tx) { err = get(tx) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		pr.t.Fatalf("%s: %v", what, err)
	}
	return err == nil
}

// TestManagedOverUnmanaged: a managed import over the same solution
// installed unmanaged is refused and says what to do; the reverse is refused.
func TestManagedOverUnmanaged(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.refuse("dev", quiet(), "installed unmanaged", "uninstall it first (bpfc uninstall Sales --env dev")

	pr = newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	pr.edit("bpfc.hcl", "managed = true\n  values", "managed = false\n  values")
	pr.refuse("dev", quiet(), "installed managed in dev; an unmanaged import over a managed solution is not allowed")
}

// TestUpgradeRemovesDropped: upgrade mode removes what the new version no
// longer has: flows with their instance tables and rows, tables, workflows,
// grants.
func TestUpgradeRemovesDropped(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pr.addInstanceRow("dev", "cts_projectflow", "i1")
	b1 := pr.build()
	res := pr.v2().deploy("dev", quiet())
	p1 := b1.Project
	flowID := p1.FlowID(p1.Flow("project_flow"))
	if pr.exists("dev", "flow", func(tx store.Tx) error { _, err := tx.Workflow(flowID); return err }) {
		t.Error("the dropped flow is still there")
	}
	if pr.exists("dev", "instance table", func(tx store.Tx) error { _, err := tx.CountRows("cts_projectflow"); return err }) {
		t.Error("the dropped flow's instance table is still there")
	}
	if pr.exists("dev", "table", func(tx store.Tx) error { _, err := tx.Table("cts_project"); return err }) {
		t.Error("the dropped custom table is still there")
	}
	if pr.exists("dev", "workflow", func(tx store.Tx) error { _, err := tx.Workflow(p1.WorkflowID(p1.Workflow("notify"))); return err }) {
		t.Error("the dropped workflow is still there")
	}
	pr.read("dev", func(tx store.Tx) {
		ps, _ := tx.Privileges("salesperson")
		for _, p := range ps {
			if p.Table == "cts_projectflow" {
				t.Errorf("privilege on a dropped instance table: %+v", p)
			}
		}
		cs, _ := tx.Components("Sales")
		for _, c := range cs {
			if c.Name == "project_flow" || c.Name == "cts_project" {
				t.Errorf("component %v still listed", c)
			}
		}
	})
	if !hasChange(res.Changes, "remove", "flow", "project_flow") || !hasChange(res.Changes, "remove", "table", "cts_project") {
		t.Errorf("changes = %+v", res.Changes)
	}
}

func hasChange(cs []Change, action, kind, name string) bool {
	for _, c := range cs {
		if c.Action == action && c.Kind == kind && c.Name == name {
			return true
		}
	}
	return false
}

// TestUpdateKeepsDropped: update mode keeps what the new version dropped,
// still listed as the solution's, so a later upgrade removes it.
func TestUpdateKeepsDropped(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pr.addInstanceRow("dev", "cts_projectflow", "i1")
	o := quiet()
	o.Mode = Update
	// A stage and a step dropped from a flow the build still has go with
	// it in every mode (one definition): the plan says remove, not keep.
	pr.v2().edit("lead.hcl", `    step "ok" {
      column = "cts_approved"
    }
`, "").edit("lead.hcl", `    branch {
      when = self.estimatedvalue > var.threshold
      next = stage.approve
    }
  }
  stage "approve" {
  }
`, "  }\n")
	plan, err := pr.pipeline(pr.load()).Plan(context.Background(), "dev", pr.build(), o)
	if err != nil {
		t.Fatal(err)
	}
	res := pr.deploy("dev", o)
	for _, cs := range [][]Change{plan.Changes, res.Changes} {
		if !hasChange(cs, "keep", "flow", "project_flow") || !hasChange(cs, "remove", "stage", "lead_to_opportunity.approve") ||
			!hasChange(cs, "remove", "step", "lead_to_opportunity.approve.ok") {
			t.Errorf("changes = %+v", cs)
		}
	}
	pr.read("dev", func(tx store.Tx) {
		if n, err := tx.CountRows("cts_projectflow"); err != nil || n != 1 {
			t.Errorf("kept instance table: %d rows, %v", n, err)
		}
		s, _ := tx.Solution("Sales")
		if s.Version != "2.0.0.0" {
			t.Errorf("version = %s", s.Version)
		}
		cs, _ := tx.Components("Sales")
		found := false
		for _, c := range cs {
			found = found || c.Name == "project_flow"
		}
		if !found {
			t.Error("the kept flow is no longer the solution's")
		}
	})
	pr.version2("2.0.0.0", "2.0.0.1").deploy("dev", quiet())
	if pr.exists("dev", "instance table", func(tx store.Tx) error { _, err := tx.CountRows("cts_projectflow"); return err }) {
		t.Error("a later upgrade kept what update kept")
	}
}

// TestStageAndApplyUpgrade: stage mode installs a holding solution beside the
// old one, keeping everything; apply-upgrade then removes what the new
// version dropped and leaves one solution. Other imports wait for it.
func TestStageAndApplyUpgrade(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	o := quiet()
	o.Mode = Stage
	pr.refuse("dev", o, "a staged upgrade needs a higher version")
	pr.v2().deploy("dev", o)
	pr.read("dev", func(tx store.Tx) {
		base, err1 := tx.Solution("Sales")
		hold, err2 := tx.Solution("Sales_Upgrade")
		if err1 != nil || err2 != nil || base.Version != "1.0.0.0" || hold.Version != "2.0.0.0" || hold.State != store.StateHolding || hold.UpgradeOf != "Sales" {
			t.Errorf("solutions = %+v %+v (%v %v)", base, hold, err1, err2)
		}
		if _, err := tx.CountRows("cts_projectflow"); err != nil {
			t.Errorf("stage removed the old flow's table: %v", err)
		}
	})
	pr.version2("2.0.0.0", "3.0.0.0").refuse("dev", quiet(), "a staged upgrade of Sales (Sales_Upgrade 2.0.0.0) is pending", "bpfc apply-upgrade Sales --env dev")
	pl := pr.pipeline(pr.load())
	applied := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ao := quiet()
	ao.Now = func() time.Time { return applied }
	out, err := pl.ApplyUpgrade(context.Background(), "dev", "Sales", ao)
	must(t, err)
	if out.Version != "2.0.0.0" || !hasChange(out.Removed, "remove", "flow", "project_flow") {
		t.Errorf("apply-upgrade = %+v", out)
	}
	pr.read("dev", func(tx store.Tx) {
		sols, _ := tx.Solutions()
		if len(sols) != 1 || sols[0].Name != "Sales" || sols[0].Version != "2.0.0.0" || sols[0].State != store.StateInstalled {
			t.Errorf("solutions after apply-upgrade = %+v", sols)
		}
		if !sols[0].ModifiedOn.Equal(applied) {
			t.Errorf("modified on %v after apply-upgrade, want its time %v", sols[0].ModifiedOn, applied)
		}
		if _, err := tx.CountRows("cts_projectflow"); err == nil {
			t.Error("apply-upgrade kept the dropped flow's table")
		}
		h, _ := tx.Imports(store.ImportFilter{Limit: 1})
		if h[0].Operation != "apply-upgrade" || h[0].Result != store.ResultSucceeded {
			t.Errorf("history = %+v", h[0])
		}
	})
	if _, err := pl.ApplyUpgrade(context.Background(), "dev", "Sales", quiet()); err == nil || !strings.Contains(err.Error(), "no staged upgrade") {
		t.Errorf("second apply-upgrade: %v", err)
	}
}

// TestMissingDependenciesListed: every table and column the build uses that
// is neither in the environment nor in the build is listed.
func TestMissingDependenciesListed(t *testing.T) {
	pr := newProject(t)
	pr.set("external.hcl", `
table "cts_contract" {
  external = true
  column "cts_signed" {
    type = "boolean"
  }
}

flow "contract_flow" {
  primary_table = "cts_contract"
  stage "sign" {
    step "signed" {
      column = "cts_signed"
    }
  }
}
`)
	pr.refuse("dev", quiet(), "missing table cts_contract, used by flow contract_flow",
		"missing column cts_contract.cts_signed, used by flow contract_flow stage sign step signed; external table cts_contract")
	// Once another solution brings the table, the import goes through.
	pr.write("dev", func(tx store.Tx) error {
		return tx.CreateTable(store.Table{Name: "cts_contract", PrimaryKey: "cts_contractid", Kind: store.TableCustom,
			Columns: []store.Column{{Name: "cts_signed", Type: "boolean"}}})
	})
	pr.deploy("dev", quiet())
}

// TestColumnTypeChangeRefused: a column's type never changes.
func TestColumnTypeChangeRefused(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pr.edit("tables.hcl", `column "cts_budget" {
    type = "money"`, `column "cts_budget" {
    type = "integer"`)
	pr.refuse("dev", quiet(), "column cts_project.cts_budget is money in the environment and integer in the build")
}

// TestNewColumnsCreated: extra columns on existing tables are added by DDL.
func TestNewColumnsCreated(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pr.edit("tables.hcl", `  column "cts_budget" {`, `  column "cts_code" {
    type = "string"
  }
  column "cts_budget" {`)
	pr.edit("tables.hcl", `column "cts_approved" {`, `column "cts_margin" {
    type = "decimal"
  }
  column "cts_approved" {`)
	res := pr.version("1.1.0.0").deploy("dev", quiet())
	if !hasChange(res.Changes, "add", "column", "cts_project.cts_code") || !hasChange(res.Changes, "add", "column", "opportunity.cts_margin") {
		t.Errorf("changes = %+v", res.Changes)
	}
	pr.write("dev", func(tx store.Tx) error {
		if err := tx.InsertRow("cts_project", map[string]any{"cts_projectid": "p", "cts_code": "X"}); err != nil {
			return err
		}
		return tx.InsertRow("opportunity", map[string]any{"opportunityid": "o", "cts_margin": 0.25})
	})
}

// TestNewSystemColumns: a custom table an older bpfc created without
// createdby and modifiedby gets them at the next import, and new rows
// carry who made them.
func TestNewSystemColumns(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pr.write("dev", func(tx store.Tx) error {
		for _, c := range []string{"createdby", "modifiedby"} {
			if err := tx.DropColumn("cts_project", c); err != nil {
				return err
			}
		}
		return tx.InsertRow("cts_project", map[string]any{"cts_projectid": "p1", "cts_name": "Old", "ownerid": "u1", store.RowVersionColumn: int64(1)})
	})
	pr.version("1.0.0.1").deploy("dev", quiet())
	pr.read("dev", func(tx store.Tx) {
		tb, err := tx.Table("cts_project")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"createdby", "modifiedby"} {
			if col, ok := tb.Column(c); !ok || !col.System || col.Type != "lookup" {
				t.Errorf("cts_project.%s after the import: %+v %v", c, col, ok)
			}
		}
		// A row from before: its owner is its creator and last modifier,
		// and its version is as it was.
		row, err := tx.GetRow(tb, "p1")
		if err != nil || row["createdby"] != "u1" || row["modifiedby"] != "u1" || row[store.RowVersionColumn] != int64(1) {
			t.Errorf("the row from before: %v %v", row, err)
		}
	})
}

// TestVariableValues: values from the environment block, a settings file,
// BPFC_VAR_<NAME>; a variable without value or default refuses the import
// and is named; an empty string is not a value; secrets come only from
// BPFC_VAR_<NAME>, are sealed and never stored in clear.
func TestVariableValues(t *testing.T) {
	pr := newProject(t)
	pr.set("more.hcl", `
variable "mailbox" {
  type = "string"
}

variable "api_key" {
  type = "secret"
}
`)
	pr.refuse("dev", quiet(), "variable mailbox has no value for environment dev and no default: set it in environment \"dev\" values, in a --settings file (SchemaName cts_mailbox), or in BPFC_VAR_CTS_MAILBOX (or BPFC_VAR_MAILBOX)",
		"secret api_key has no value for environment dev: set BPFC_VAR_CTS_API_KEY (or BPFC_VAR_API_KEY)")

	// An empty string is not a value (the compiler refuses one in an
	// environment block; settings files and BPFC_VAR_* are checked here).
	empty := quiet()
	empty.Settings = settingsFile(t, writeFile(t, `{"EnvironmentVariables":[{"SchemaName":"cts_mailbox","Value":""}]}`))
	empty.Getenv = func(k string) string { return "" }
	pr.refuse("dev", empty, "variable mailbox has no value")

	// A secret in a settings file is refused.
	o := quiet()
	o.Settings = map[string]string{"cts_mailbox": "a@b.c", "cts_api_key": "nope"}
	pr.refuse("dev", o, "secret api_key has a value in the settings file")

	// Settings, BPFC_VAR and the environment block; the settings file wins.
	settings := filepath.Join(t.TempDir(), "settings.json")
	must(t, os.WriteFile(settings, []byte(`{"EnvironmentVariables":[{"SchemaName":"cts_mailbox","Value":"sales@example.com"},`+
		`{"SchemaName":"cts_threshold","Value":""}],"ConnectionReferences":[]}`), 0o644))
	o.Settings = settingsFile(t, settings)
	const secretValue = "s3cr3t-Value-42"
	o.Getenv = func(k string) string {
		switch k {
		case "BPFC_VAR_API_KEY":
			return secretValue
		case "BPFC_VAR_MAILBOX":
			return "ignored@example.com"
		}
		return ""
	}
	pr.deploy("dev", o)
	pr.read("dev", func(tx store.Tx) {
		v, _ := tx.VariableValue("cts_mailbox")
		if v.Value != "sales@example.com" || v.Source != SourceSettings {
			t.Errorf("mailbox = %+v", v)
		}
		v, _ = tx.VariableValue("cts_threshold")
		if v.Value != "25000" || v.Source != SourceEnvironment {
			t.Errorf("threshold (empty in settings, so from the environment) = %+v", v)
		}
		v, _ = tx.VariableValue("cts_api_key")
		if v.Value != "" || len(v.Sealed) == 0 || v.Source != SourceProcess {
			t.Errorf("secret = %+v", v)
		}
	})
	if d := pr.dump("dev"); strings.Contains(d, secretValue) {
		t.Error("the secret is stored in clear text")
	}
	if pr.pgURL == "" {
		raw, _ := os.ReadFile(pr.path("dev"))
		wal, _ := os.ReadFile(pr.path("dev") + "-wal")
		if strings.Contains(string(raw)+string(wal), secretValue) {
			t.Error("the secret is in the database file in clear text")
		}
	}
	if info, err := os.Stat(filepath.Join(pr.dir, ".bpfc", "secret.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("secret key file: %v", err)
	}

	// A later import without BPFC_VAR_API_KEY keeps the sealed value: no
	// value changes; a new value for mailbox is one.
	o.Getenv = func(string) string { return "" }
	if res := pr.deploy("dev", o); hasKind(res.Changes, "value") {
		t.Errorf("the same values again: %+v", res.Changes)
	}
	o.Settings = map[string]string{"cts_mailbox": "desk@example.com"}
	if res := pr.deploy("dev", o); !hasChange(res.Changes, "change", "value", "mailbox") || len(kinds(res.Changes, "value")) != 1 {
		t.Errorf("a new mailbox: %+v", res.Changes)
	}
	// A later import without a settings file keeps the value the last one
	// gave (mailbox has no default: it is not refused), as Dataverse keeps
	// a current value; the environment block's values follow the project.
	o.Settings = nil
	if res := pr.deploy("dev", o); hasKind(res.Changes, "value") {
		t.Errorf("no settings file: %+v", res.Changes)
	}
	pr.read("dev", func(tx store.Tx) {
		if v, _ := tx.VariableValue("cts_mailbox"); v.Value != "desk@example.com" || v.Source != SourceSettings {
			t.Errorf("mailbox kept = %+v", v)
		}
	})

	// A value of the wrong type is refused.
	o.Settings = map[string]string{"cts_mailbox": "x", "cts_threshold": "lots"}
	pr.refuse("dev", o, `the value of threshold from the settings file is not valid: "lots" is not a number`)
	// Numbers are decimals: not NaN, infinity, hex or underscores, which
	// strconv would take and no branch could compare with.
	for _, n := range []string{"NaN", "Inf", "-Infinity", "0x1p4", "1_000", "1e999"} {
		o.Settings = map[string]string{"cts_mailbox": "x", "cts_threshold": n}
		pr.refuse("dev", o, `the value of threshold from the settings file is not valid: "`+n+`" is not a number`)
	}
	// A value a workflow posts to or mails must be a URL or addresses, as
	// its default must (the job would fail only when it runs).
	pr.set("hooks.hcl", `
variable "hook" {
  type    = "string"
  default = "https://hooks.example/x"
}
variable "desk" {
  type    = "string"
  default = "desk@example.com"
}
workflow "tell" {
  table = "lead"
  step "post" { webhook = { url = var.hook } }
  step "mail" { send_email = { to = var.desk, subject = "x" } }
}
`)
	o.Settings = map[string]string{"cts_mailbox": "x", "cts_hook": "javascript:alert(1)", "cts_desk": "nobody"}
	pr.refuse("dev", o,
		`the value of hook from the settings file is not valid: "javascript:alert(1)" is not an http or https URL, and step "post" of workflow "tell" posts to it`,
		`the value of desk from the settings file is not valid: "nobody" is not an email address, and step "mail" of workflow "tell" sends to it`)
	pr.set("hooks.hcl", "")
	// A bad value from the process names the variable it was read from.
	lower := quiet()
	lower.Settings = map[string]string{"cts_mailbox": "x"}
	lower.Getenv = func(k string) string {
		return map[string]string{"BPFC_VAR_threshold": "abc", "BPFC_VAR_API_KEY": "k"}[k]
	}
	pr.refuse("dev", lower, `the value of threshold from BPFC_VAR_threshold is not valid: "abc" is not a number`)
	// Schema names match whatever their case, as in Dataverse (pac's file
	// spells them as the solution does)...
	o.Settings = map[string]string{"cts_mailbox": "x", "CTS_Threshold": "lots"}
	pr.refuse("dev", o, `the value of threshold from the settings file is not valid: "lots" is not a number`)
	// ...and a name no variable has is refused, not left unread.
	o.Settings = map[string]string{"cts_mailbox": "x", "cts_treshold": "7"}
	pr.refuse("dev", o, "the settings file gives a value to cts_treshold, which is not the schema name of a variable of the project (did you mean cts_threshold?)")
	// The variable's name without the publisher's prefix means its schema
	// name; a name close to none is told the schema names there are.
	o.Settings = map[string]string{"cts_mailbox": "x", "threshold": "7"}
	pr.refuse("dev", o, "the settings file gives a value to threshold, which is not the schema name of a variable of the project (did you mean cts_threshold? a schema name carries the publisher's prefix)")
	o.Settings = map[string]string{"cts_mailbox": "x", "cts_dealsize": "7"}
	pr.refuse("dev", o, "the settings file gives a value to cts_dealsize, which is not the schema name of a variable of the project (its variables' schema names are ")
}

// TestUnchangedValueKept: an import that gives a secret the value it has
// leaves its row as it was (the same sealed bytes), where it sealed it anew
// each time; a new value is sealed. Another variable's unchanged value
// keeps its row too.
func TestUnchangedValueKept(t *testing.T) {
	pr := newProject(t)
	pr.set("more.hcl", `
variable "api_key" {
  type = "secret"
}
`)
	key := "k-1"
	o := quiet()
	o.Getenv = func(k string) string {
		if k == "BPFC_VAR_API_KEY" {
			return key
		}
		return ""
	}
	stored := func(schema string) store.VariableValue {
		var v store.VariableValue
		pr.read("dev", func(tx store.Tx) { v, _ = tx.VariableValue(schema) })
		return v
	}
	pr.deploy("dev", o)
	first, threshold := stored("cts_api_key"), stored("cts_threshold")
	if res := pr.deploy("dev", o); hasKind(res.Changes, "value") {
		t.Errorf("the same secret again: %+v", res.Changes)
	}
	if again := stored("cts_api_key"); !bytes.Equal(again.Sealed, first.Sealed) || !again.ModifiedOn.Equal(first.ModifiedOn) || again.Source != first.Source {
		t.Errorf("the same secret changed its row: %+v, was %+v", again, first)
	}
	if again := stored("cts_threshold"); again.Value != "25000" || !again.ModifiedOn.Equal(threshold.ModifiedOn) {
		t.Errorf("the same threshold changed its row: %+v, was %+v", again, threshold)
	}
	key = "k-2"
	if res := pr.deploy("dev", o); !hasChange(res.Changes, "change", "value", "api_key") {
		t.Errorf("a new secret: %+v", res.Changes)
	}
	if again := stored("cts_api_key"); bytes.Equal(again.Sealed, first.Sealed) {
		t.Error("a new secret kept the old sealed value")
	}
}

// TestActiveFlowLimit: more active flows on a table than
// max_active_flows_per_table, counting other solutions, refuses the import.
func TestActiveFlowLimit(t *testing.T) {
	other := newProject(t)
	other.edit("bpfc.hcl", `solution "Sales"`, `solution "Other"`)
	other.set("project.hcl", "").set("roles.hcl", "").set("workflows.hcl", "").set("tables.hcl", "").set("variables.hcl", "")
	other.set("lead.hcl", leadFlows("other", 2))
	other.edit("bpfc.hcl", `values  = { threshold = 25000 }`, ``)
	other.deploy("dev", quiet())

	pr := newProject(t)
	pr.dir, pr.pgURL = other.dir, other.pgURL // the same environments
	pr.edit("bpfc.hcl", `managed = false`, "managed = false\n  max_active_flows_per_table = 3")
	pr.set("lead.hcl", leadFlows("mine", 2)).set("roles.hcl", "")
	pr.refuse("dev", quiet(), "4 active flows on table lead, more than max_active_flows_per_table = 3 in dev",
		"mine_0, mine_1, other_0 (Other), other_1 (Other)")
	pr.set("lead.hcl", leadFlows("mine", 1)).deploy("dev", quiet())
}

// TestVariableOfAnotherSolution: a variable another installed solution
// ships (the same schema name) is refused, as its tables and roles are:
// the import took the definition over, and the other solution's uninstall
// then deleted it, with the value it had, under the first.
func TestVariableOfAnotherSolution(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())

	other := newProject(t)
	other.dir, other.pgURL = pr.dir, pr.pgURL // the same environments
	other.edit("bpfc.hcl", `solution "Sales"`, `solution "Other"`)
	other.set("project.hcl", "").set("roles.hcl", "").set("workflows.hcl", "").set("tables.hcl", "").set("lead.hcl", "")
	if ref := other.refuse("dev", quiet(), "variable threshold (cts_threshold) belongs to solution Sales in this environment"); len(ref.Causes) != 1 {
		t.Errorf("causes = %q, want the variable's only", ref.Causes)
	}
	pr.read("dev", func(tx store.Tx) {
		defs, err := tx.VariableDefinitions()
		if err != nil || len(defs) != 1 || defs[0].Solution != "Sales" {
			t.Errorf("definitions after the refused import: %+v (%v)", defs, err)
		}
		if v, err := tx.VariableValue("cts_threshold"); err != nil || v.Value != "25000" {
			t.Errorf("value after the refused import: %+v (%v)", v, err)
		}
	})
}

func leadFlows(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(`
flow "` + prefix + `_` + string(rune('0'+i)) + `" {
  primary_table = "lead"
  stage "only" {
    step "s" {
      column = "subject"
    }
  }
}
`)
	}
	return b.String()
}

// TestConcurrentImportsNeverInterleave: while one import holds the
// environment, a second one is told it waits, then fails clearly; the
// environment then has exactly the first import.
func TestConcurrentImportsNeverInterleave(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet()) // create the environment
	inside, release := make(chan struct{}), make(chan struct{})
	hookBeforeCommit = func() {
		close(inside)
		<-release
	}
	defer func() { hookBeforeCommit = nil }()
	b1 := pr.version("1.1.0.0").build()
	done := make(chan error)
	go func() {
		_, err := pr.pipeline(b1.Project).Deploy(context.Background(), "dev", b1, quiet())
		done <- err
	}()
	<-inside
	hookBeforeCommit = nil
	b2 := pr.version2("1.1.0.0", "1.2.0.0").build()
	pl := pr.pipeline(b2.Project)
	pl.Open.BusyTimeout = 300 * time.Millisecond
	var notices []string
	o := quiet()
	o.Progress = func(s string) { notices = append(notices, s) }
	res, err := pl.Deploy(context.Background(), "dev", b2, o)
	if !errors.Is(err, store.ErrBusy) || !strings.Contains(err.Error(), "the environment is busy") || res.Result != Busy || res.ImportID != 0 {
		t.Errorf("second import: %v (%+v)", err, res)
	}
	if len(notices) == 0 || !strings.Contains(strings.Join(notices, "\n"), "waiting for another import into dev") {
		t.Errorf("no waiting message: %q", notices)
	}
	close(release)
	must(t, <-done)
	pr.read("dev", func(tx store.Tx) {
		s, _ := tx.Solution("Sales")
		if s.Version != "1.1.0.0" {
			t.Errorf("version = %s, want the first import's", s.Version)
		}
	})
	// With time to wait, the second import goes through after the first.
	pl.Open.BusyTimeout = 5 * time.Second
	if _, err := pl.Deploy(context.Background(), "dev", b2, quiet()); err != nil {
		t.Error(err)
	}
}

func writeFile(t *testing.T, content string) string {
	path := filepath.Join(t.TempDir(), "file")
	must(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func hasKind(cs []Change, kind string) bool { return len(kinds(cs, kind)) > 0 }

// kinds are the changes of one kind.
func kinds(cs []Change, kind string) []Change {
	var out []Change
	for _, c := range cs {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// TestSameVersionOtherBuild: another build at the installed version is
// applied, as Dataverse allows, with a note that the version no longer tells
// the builds apart; the same build again has no note.
func TestSameVersionOtherBuild(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	if res := pr.deploy("dev", quiet()); len(res.Notes) != 0 {
		t.Errorf("the same build again: notes %q", res.Notes)
	}
	pr.edit("lead.hcl", `display_name  = "Lead to Opportunity"`, `display_name  = "Lead to Deal"`)
	res := pr.deploy("dev", quiet())
	if res.Result != Applied || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "version 1.0.0.0 was installed from another build (sha256:") ||
		!strings.Contains(res.Notes[0], "raise the version") {
		t.Errorf("another build at 1.0.0.0: %s, notes %q", res.Result, res.Notes)
	}
}

// A settings file is one JSON object of pac's shape, each variable once:
// what is not is refused with what was expected, not read in part.
func TestReadSettingsRefuses(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`null`, "expected a JSON object"},
		{`[]`, "expected a JSON object"},
		{`{"EnvironmentVariables": []} garbage`, "more follows the JSON object"},
		{`{"EnvironmentVariables": {}}`, "EnvironmentVariables is a JSON object; expected {\"EnvironmentVariables\": [{"},
		{`{"EnvironmentVariables": [{"SchemaName": "a_x", "Value": "1"}, {"SchemaName": "A_X", "Value": "2"}]}`, "A_X is given twice (EnvironmentVariables[1])"},
		// A file that is no JSON is said at its line and column (after a
		// BOM and blank lines too), where it said the decoder's error alone.
		{"{\n  \"EnvironmentVariables\": [\n    {\"SchemaName\": \"a_x\" \"Value\": \"1\"}]}", "file:3:26: not a deployment settings file: invalid character '\"' after object key:value pair"},
		{"\ufeff\n{\"EnvironmentVariables\": [", "file:2:27: not a deployment settings file: it ends before its JSON object does"},
		{"{\"EnvironmentVariables\": []}\n x", "file:2:2: not a deployment settings file: more follows the JSON object"},
		{"{\n \"EnvironmentVariables\": {}}", "file:2:26: not a deployment settings file: EnvironmentVariables is a JSON object"},
	} {
		if _, err := ReadSettingsFile(writeFile(t, c.doc)); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "struct") {
			t.Errorf("%s: %v, want %q", c.doc, err, c.want)
		}
	}
	if got, err := ReadSettingsFile(writeFile(t, "\ufeff{\"EnvironmentVariables\": [{\"SchemaName\": \"a_x\", \"Value\": 7}]}\n")); err != nil || got.Values["a_x"] != "7" {
		t.Errorf("a good file: %v %v", got, err)
	}
}

// TestIdentityChangesRefused: what Dataverse cannot change in place once
// imported is refused, all at once — a flow's instance table (its unique
// name), its primary table, the solution's
// publisher — where an in-place change left the instances behind in the
// old table. A version written with leading zeros is the same version.
func TestIdentityChangesRefused(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pr.version("01.1.0.0")
	pr.edit("lead.hcl", `primary_table = "lead"`, `primary_table = "lead"
  unique_name   = "leadflow"`)
	pr.edit("project.hcl", `primary_table = "cts_project"`, `primary_table = "opportunity"`).edit("project.hcl", `"cts_budget"`, `"estimatedvalue"`)
	pr.refuse("dev", quiet(),
		"flow lead_to_opportunity keeps its instances in cts_leadtoopportunity and the build names its instance table cts_leadflow",
		"flow project_flow runs on cts_project in the environment and on opportunity in the build: a flow's primary table cannot change")
	pr.edit("bpfc.hcl", `publisher "contoso"`, `publisher "fabrikam"`)
	pr.refuse("dev", quiet(), `Sales is installed from publisher "contoso" and the build's publisher is "fabrikam"`)
	pr.edit("bpfc.hcl", `publisher "fabrikam"`, `publisher "contoso"`)
	pr.set("lead.hcl", baseSources["lead.hcl"]).set("project.hcl", baseSources["project.hcl"])
	pr.edit("tables.hcl", `table "cts_project" {`, `table "cts_project" {
  ownership = "organization"`)
	pr.refuse("dev", quiet(), `table cts_project is user-owned in the environment and the build makes it organization-owned: a table's ownership cannot change (keep ownership = "user"`)
	pr.set("tables.hcl", baseSources["tables.hcl"])
	if res := pr.deploy("dev", quiet()); res.Version != "1.1.0.0" {
		t.Errorf("version %q, want 1.1.0.0", res.Version)
	}
}

// withFiles is archive a with more files in it.
func withFiles(t *testing.T, a Archive, files map[string]string) Archive {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(a.Data), int64(len(a.Data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(f.Name)
		if _, err := io.Copy(w, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, _ := zw.Create(name)
		w.Write([]byte(files[name]))
	}
	must(t, zw.Close())
	return Archive{Name: a.Name, Data: buf.Bytes()}
}

// currentValueFile is environmentvariablevalues.json as Dataverse exports it.
func currentValueFile(value string) string {
	v, _ := json.Marshal(value)
	return `{"environmentvariablevalues":{"environmentvariablevalue":{"@environmentvariablevalueid":"b0baba0c-79f5-ed11-8848-0022482a91f4","iscustomizable":"1","value":` + string(v) + `}}}`
}

// TestArchiveCurrentValues: a current value an archive ships (a Dataverse
// export of an environment that had one) is the variable's value where
// the import gives none and the environment keeps none; it follows the
// archive (a later archive without it takes it away), loses to a value
// given or kept, and one not of the variable's type refuses the import.
func TestArchiveCurrentValues(t *testing.T) {
	pr := newProject(t)
	pr.set("more.hcl", `
variable "mailbox" {
  type = "string"
}

environment "m" {
  managed = true
}
`)
	deploy := func(o Options, files map[string]string) (*Result, error) {
		b := pr.build()
		b.Managed = withFiles(t, b.Managed, files)
		return pr.pipeline(b.Project).Deploy(context.Background(), "m", b, o)
	}
	mailbox := func() store.VariableValue {
		var v store.VariableValue
		pr.read("m", func(tx store.Tx) { v, _ = tx.VariableValue("cts_mailbox") })
		return v
	}
	ships := map[string]string{
		// Dataverse's schema names do not depend on case.
		"environmentvariabledefinitions/cts_Mailbox/environmentvariablevalues.json": currentValueFile("desk@example.com"),
	}
	res, err := deploy(quiet(), ships)
	if err != nil {
		t.Fatalf("an archive shipping mailbox's value: %v", err)
	}
	// A value set where there was none names both, as a change does.
	for _, c := range res.Changes {
		if c.Kind == "value" && c.Name == "mailbox" && (len(c.Fields) != 1 || c.Fields[0].Old != "none" || c.Fields[0].New != `"desk@example.com"`) {
			t.Errorf("the value's change: %+v", c)
		}
	}
	if v := mailbox(); v.Value != "desk@example.com" || v.Source != SourceArchive {
		t.Errorf("mailbox = %+v, want the archive's value", v)
	}

	// Not of the variable's type: refused, naming it.
	bad := maps.Clone(ships)
	bad["environmentvariabledefinitions/cts_threshold/environmentvariablevalues.json"] = currentValueFile("lots")
	if _, err := deploy(quiet(), bad); err == nil || !strings.Contains(err.Error(), "the current value of threshold that the archive ships is not valid") {
		t.Errorf("a shipped value that is no number: %v", err)
	}
	bad["environmentvariabledefinitions/cts_threshold/environmentvariablevalues.json"] = `{"environmentvariablevalues":`
	if _, err := deploy(quiet(), bad); err == nil || !strings.Contains(err.Error(), "the archive's current values cannot be read") {
		t.Errorf("a values file that is not JSON: %v", err)
	}

	// A later archive without it takes it away: mailbox has no default.
	if _, err := deploy(quiet(), nil); err == nil || !strings.Contains(err.Error(), "variable mailbox has no value for environment m") {
		t.Errorf("an archive without the value after one with it: %v", err)
	}

	// A value given wins, and is kept over the archive's after.
	o := quiet()
	o.Settings = map[string]string{"cts_mailbox": "sales@example.com"}
	if _, err := deploy(o, ships); err != nil {
		t.Fatal(err)
	}
	if _, err := deploy(quiet(), ships); err != nil {
		t.Fatal(err)
	}
	if v := mailbox(); v.Value != "sales@example.com" || v.Source != SourceSettings {
		t.Errorf("mailbox = %+v, want the settings file's value kept", v)
	}
}

// TestInterruptedImport: an import whose context ends before it commits
// (Ctrl-C) changes nothing, fails with the context's error, and is in the
// history as interrupted.
func TestInterruptedImport(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	before := pr.dump("dev", "importjob")
	b := pr.version("1.1.0.0").build()
	ctx, cancel := context.WithCancel(context.Background())
	o := quiet()
	o.Progress = func(msg string) {
		if strings.HasPrefix(msg, "checking ") { // inside the import's transaction
			cancel()
		}
	}
	res, err := pr.pipeline(b.Project).Deploy(ctx, "dev", b, o)
	if !errors.Is(err, context.Canceled) || err.Error() != "interrupted before it committed: nothing was changed" || res == nil || res.Result != Failed ||
		res.Message != "interrupted before it committed: nothing was changed" {
		t.Fatalf("an interrupted import: %+v %v", res, err)
	}
	if after := pr.dump("dev", "importjob"); after != before {
		t.Errorf("an interrupted import changed dev:\n%s", firstDiff(before, after))
	}
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{Limit: 1})
		if err != nil || len(imports) != 1 || imports[0].Version != "1.1.0.0" || imports[0].Result != store.ResultFailed ||
			imports[0].Message != "interrupted before it committed: nothing was changed" {
			t.Errorf("history: %+v %v", imports, err)
		}
	})
}

// TestOptionalVariables: a variable with required = false (Dataverse's
// IsRequired 0) and no default imports without a value, and keeps none;
// given one, it takes it. A required one is still refused without.
func TestOptionalVariables(t *testing.T) {
	pr := newProject(t)
	pr.set("more.hcl", `
variable "mailbox" {
  type     = "string"
  required = false
}
`)
	pr.deploy("dev", quiet())
	pr.read("dev", func(tx store.Tx) {
		if v, err := tx.VariableValue("cts_mailbox"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an optional variable without a value has one: %+v %v", v, err)
		}
	})
	o := quiet()
	o.Settings = map[string]string{"cts_mailbox": "desk@example.com"}
	pr.version("1.0.0.1").deploy("dev", o)
	pr.read("dev", func(tx store.Tx) {
		if v, err := tx.VariableValue("cts_mailbox"); err != nil || v.Value != "desk@example.com" {
			t.Errorf("the optional variable's value: %+v %v", v, err)
		}
	})
	pr.edit("more.hcl", "required = false", "required = true").edit("bpfc.hcl", `version      = "1.0.0.1"`, `version      = "1.0.0.2"`)
	pr.write("dev", func(tx store.Tx) error { return tx.DeleteVariableValue("cts_mailbox") })
	pr.refuse("dev", quiet(), "variable mailbox has no value for environment dev and no default")
}

// TestSettingsPlaces: a settings file's value refused after it reads (a
// name of no variable, a value not of its type, a second value) is said at
// its entry's line and column, as a file that is no JSON is; it named the
// variable alone.
func TestSettingsPlaces(t *testing.T) {
	path := writeFile(t, `{
  "ConnectionReferences": [{"LogicalName": "x", "ConnectionId": ""}],
  "environmentVariables": [
    {"SchemaName": "cts_threshold", "Value": "lots"},
      {
        "SchemaName": "cts_treshold_x", "Value": "7"
      }
  ]
}`)
	f, err := ReadSettingsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.At["cts_threshold"] != path+":4:5" || f.At["cts_treshold_x"] != path+":5:7" {
		t.Errorf("places = %v", f.At)
	}
	pr := newProject(t)
	pr.refuse("dev", Options{Who: "tester", Getenv: func(string) string { return "" }, Settings: f.Values, SettingsAt: f.At},
		path+`:4:5: the value of threshold from the settings file is not valid: "lots" is not a number`,
		path+":5:7: the settings file gives a value to cts_treshold_x, which is not the schema name")
	// A remote deploy checks the names before it sends them.
	p := pr.load()
	if _, err := RemoteValues(p, p.Environment("dev"), f.Values, f.At, func(string) string { return "" }); err == nil ||
		!strings.HasPrefix(err.Error(), path+":5:7: the settings file gives a value to cts_treshold_x") {
		t.Errorf("remote values: %v", err)
	}
	// What ReadSettingsFile refuses in an entry is said at it too.
	for _, c := range []struct{ doc, want string }{
		{"{\"EnvironmentVariables\": [{\"SchemaName\": \"a_x\"},\n {\"SchemaName\": \"A_X\"}]}", "file:2:2: A_X is given twice"},
		{"{\"EnvironmentVariables\": [\n\n  {\"Value\": \"1\"}]}", "file:3:3: EnvironmentVariables[0] has no SchemaName"},
		{"{\"EnvironmentVariables\": null, \"EnvironmentVariables\": [\n {\"SchemaName\": \"a_x\", \"Value\": []}]}", "file:2:2: the Value of a_x must be a string"},
	} {
		if _, err := ReadSettingsFile(writeFile(t, c.doc)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.doc, err, c.want)
		}
	}
}

// settingsFile is the values of a settings file that reads.
func settingsFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := ReadSettingsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return f.Values
}

// TestKeptFlowRemovalListsItsStages: the upgrade that removes a flow an
// earlier update kept lists its stages and steps with it, as the removal
// of a flow the live build has does (it listed the flow alone).
func TestKeptFlowRemovalListsItsStages(t *testing.T) {
	removals := func(cs []Change) []string {
		var out []string
		for _, c := range cs {
			if c.Action == "remove" {
				out = append(out, c.Kind+" "+c.Name)
			}
		}
		return out
	}
	direct := newProject(t)
	direct.deploy("dev", quiet())
	direct.v2()
	want, err := direct.pipeline(direct.load()).Plan(context.Background(), "dev", direct.build(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(want.Changes, "remove", "stage", "project_flow.start") || !hasChange(want.Changes, "remove", "step", "project_flow.start.budget") {
		t.Fatalf("a plain removal: %+v", want.Changes)
	}

	pr := newProject(t)
	pr.deploy("dev", quiet())
	o := quiet()
	o.Mode = Update
	pr.v2().deploy("dev", o)
	pr.version2("2.0.0.0", "2.0.0.1")
	plan, err := pr.pipeline(pr.load()).Plan(context.Background(), "dev", pr.build(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	if got, w := removals(plan.Changes), removals(want.Changes); !slices.Equal(got, w) {
		t.Errorf("removals after an update kept them:\n%v\nwant, as a plain removal lists them:\n%v", got, w)
	}
	res := pr.deploy("dev", quiet())
	if got, w := removals(res.Changes), removals(want.Changes); !slices.Equal(got, w) {
		t.Errorf("result's removals:\n%v\nwant:\n%v", got, w)
	}
}

// TestInterruptedFirstImport: a first import interrupted (Ctrl-C) while it
// creates the environment's store, or inside its transaction, leaves no
// environment behind and is said as an interrupted import, not as the
// store's "context canceled".
func TestInterruptedFirstImport(t *testing.T) {
	for _, at := range []string{"opening", "importing"} {
		t.Run(at, func(t *testing.T) {
			pr := newProject(t)
			b := pr.build()
			ctx, cancel := context.WithCancel(context.Background())
			o := quiet()
			if at == "opening" {
				cancel()
			} else {
				o.Progress = func(msg string) {
					if strings.HasPrefix(msg, "checking ") { // inside the import's transaction
						cancel()
					}
				}
			}
			res, err := pr.pipeline(b.Project).Deploy(ctx, "dev", b, o)
			cancel()
			const said = "interrupted before it committed: nothing was changed"
			if !errors.Is(err, context.Canceled) || err.Error() != said || res == nil || res.Result != Failed || res.Message != said ||
				res.Solution != b.Solution() {
				t.Errorf("an interrupted first import: %+v %v", res, err)
			}
			if pr.created("dev") {
				t.Error("an interrupted first import left the environment dev created")
			}
		})
	}
}

// TestValueComparedWithDateOnlyColumn: a value from a settings file or
// BPFC_VAR_<NAME> for a variable a condition compares with a date-only
// column is a date, as its default must be (a time there compared as
// midnight UTC, and the branch never held); a value the environment keeps
// from an earlier import is checked again.
func TestValueComparedWithDateOnlyColumn(t *testing.T) {
	pr := newProject(t)
	pr.set("cutoff.hcl", `
table "lead" {
  column "cts_born" {
    type     = "datetime"
    behavior = "date_only"
  }
}
variable "cutoff" {
  type    = "string"
  default = "2026-01-31"
}
workflow "late" {
  table = "lead"
  step "mark" {
    when   = self.cts_born == var.cutoff
    update = { description = "late" }
  }
}
`)
	o := quiet()
	o.Settings = map[string]string{"cts_cutoff": "2026-01-31T10:00:00Z"}
	pr.refuse("dev", o, `the value of cutoff from the settings file is not valid: lead.cts_born is a date-only column: it holds a date without a time, such as "2026-12-31"; "2026-01-31T10:00:00Z" has a time (the condition of step "mark" of workflow "late" compares it with lead.cts_born)`)
	env := quiet()
	env.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_CUTOFF": "2026-01-31T10:00:00Z"}[k] }
	pr.refuse("dev", env, `the value of cutoff from BPFC_VAR_CUTOFF is not valid: lead.cts_born is a date-only column`)

	// A value kept from an import before the comparison was written.
	pr.edit("cutoff.hcl", "when   = self.cts_born == var.cutoff", "when   = self.description == var.cutoff")
	pr.deploy("dev", o)
	pr.edit("cutoff.hcl", "when   = self.description == var.cutoff", "when   = self.cts_born == var.cutoff").version("1.0.0.1")
	pr.refuse("dev", quiet(), `the value of cutoff that environment dev keeps (from the settings file) is not valid now: lead.cts_born is a date-only column`)
}

// TestVariableTypeChange: an upgrade may change a variable's type, as
// Dataverse's definition takes a new type (its Type column is valid for
// update; values are not validated there). The definition takes the new
// type; a value the environment keeps that the new type cannot read
// refuses the import, naming the variable and where the value came from,
// until another is given.
func TestVariableTypeChange(t *testing.T) {
	pr := newProject(t)
	pr.set("level.hcl", "variable \"level\" {\n  type    = \"string\"\n  default = \"one\"\n}\n")
	o := quiet()
	o.Settings = map[string]string{"cts_level": "high"}
	pr.deploy("dev", o)

	pr.version("1.0.0.1").set("level.hcl", "variable \"level\" {\n  type    = \"number\"\n  default = 1\n}\n")
	pr.refuse("dev", quiet(), `the value of level that environment dev keeps (from the settings file) is not valid for its type now: "high" is not a number`)
	o.Settings = map[string]string{"cts_level": "7"}
	pr.deploy("dev", o)
	pr.read("dev", func(tx store.Tx) {
		defs, _ := tx.VariableDefinitions()
		if !slices.ContainsFunc(defs, func(d store.VariableDefinition) bool { return d.SchemaName == "cts_level" && d.Type == "number" }) {
			t.Errorf("definitions after the type change: %+v", defs)
		}
		if v, err := tx.VariableValue("cts_level"); err != nil || v.Value != "7" {
			t.Errorf("value after the type change: %+v %v", v, err)
		}
	})
}

// TestVariableBecomesSecret: an upgrade that makes a string variable a
// secret never leaves its value in clear text. One an earlier
// BPFC_VAR_<NAME> gave is sealed, and the change says so; one from a
// settings file is not taken (a secret's value never sits in a file): an
// optional secret's is removed, saying so, a required one's import is
// refused until BPFC_VAR_<NAME> gives one.
func TestVariableBecomesSecret(t *testing.T) {
	asString := func(opt string) string { return "variable \"key\" {\n  type = \"string\"\n" + opt + "}\n" }
	asSecret := func(opt string) string { return "variable \"key\" {\n  type = \"secret\"\n" + opt + "}\n" }
	const clear = "clear-Text-1"

	pr := newProject(t)
	pr.set("key.hcl", asString(""))
	o := quiet()
	o.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_KEY": clear}[k] }
	pr.deploy("dev", o)
	res := pr.version("1.0.0.1").set("key.hcl", asSecret("")).deploy("dev", quiet())
	if i := slices.IndexFunc(res.Changes, func(c Change) bool { return c.Kind == "value" }); i < 0 || !strings.Contains(res.Changes[i].Note, "sealed now") {
		t.Errorf("changes of the value made a secret: %+v", res.Changes)
	}
	pr.read("dev", func(tx store.Tx) {
		v, err := tx.VariableValue("cts_key")
		if err != nil || v.Value != "" || len(v.Sealed) == 0 || v.Source != SourceProcess {
			t.Fatalf("the value made a secret's: %+v %v", v, err)
		}
		if got, err := secret.NewKeyring(pr.dir, func(string) string { return "" }).Open(v.Sealed, "dev/cts_key"); err != nil || got != clear {
			t.Errorf("the sealed value opens to %q, %v", got, err)
		}
	})
	if strings.Contains(pr.dump("dev"), clear) {
		t.Error("the secret's value is in the store in clear text")
	}

	// From a settings file: refused while the secret is required, removed
	// when it is optional.
	pr = newProject(t)
	pr.set("key.hcl", asString("  required = false\n"))
	o = quiet()
	o.Settings = map[string]string{"cts_key": clear}
	pr.deploy("dev", o)
	pr.version("1.0.0.1").set("key.hcl", asSecret(""))
	pr.refuse("dev", quiet(), "secret key has no value for environment dev: set BPFC_VAR_CTS_KEY (or BPFC_VAR_KEY) (the value it keeps from the settings file, given before it was a secret, is not taken")
	res = pr.set("key.hcl", asSecret("  required = false\n")).deploy("dev", quiet())
	if i := slices.IndexFunc(res.Changes, func(c Change) bool { return c.Kind == "value" }); i < 0 || res.Changes[i].Action != "remove" ||
		!strings.Contains(res.Changes[i].Note, "clear text from before it was a secret is removed") {
		t.Errorf("changes of the optional secret: %+v", res.Changes)
	}
	if strings.Contains(pr.dump("dev"), clear) {
		t.Error("the optional secret's value is in the store in clear text")
	}

	// A new value from BPFC_VAR_<NAME> replaces the settings file's: the
	// change says so, not that the file's value is sealed.
	pr = newProject(t)
	pr.set("key.hcl", asString(""))
	o = quiet()
	o.Settings = map[string]string{"cts_key": clear}
	pr.deploy("dev", o)
	o = quiet()
	o.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_KEY": "another-1"}[k] }
	res = pr.version("1.0.0.1").set("key.hcl", asSecret("")).deploy("dev", o)
	if i := slices.IndexFunc(res.Changes, func(c Change) bool { return c.Kind == "value" }); i < 0 ||
		res.Changes[i].Note != "the value kept in clear text from before it was a secret is replaced by the one from BPFC_VAR_CTS_KEY or BPFC_VAR_KEY, sealed" {
		t.Errorf("changes of the value replaced as it became a secret: %+v", res.Changes)
	}
}

// TestSecretBecomesString: an upgrade that makes a secret a string does not
// read its sealed bytes as text: the sealed value is removed (the default
// applies) or replaced by the value given, and the change names it as a
// sealed value, not as "".
func TestSecretBecomesString(t *testing.T) {
	pr := newProject(t)
	pr.set("key.hcl", "variable \"key\" {\n  type = \"secret\"\n}\n")
	o := quiet()
	o.Getenv = func(k string) string { return map[string]string{"BPFC_VAR_KEY": "s3cret"}[k] }
	pr.deploy("dev", o)
	res := pr.version("1.0.0.1").set("key.hcl", "variable \"key\" {\n  type    = \"string\"\n  default = \"plain\"\n}\n").deploy("dev", quiet())
	i := slices.IndexFunc(res.Changes, func(c Change) bool { return c.Kind == "value" })
	if i < 0 || res.Changes[i].Action != "remove" || len(res.Changes[i].Fields) != 1 || !strings.Contains(res.Changes[i].Fields[0].Old, "a sealed value") {
		t.Errorf("changes of the secret made a string: %+v", res.Changes)
	}
	pr.read("dev", func(tx store.Tx) {
		if v, err := tx.VariableValue("cts_key"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the sealed value stays for the string: %+v %v", v, err)
		}
	})

	pr = newProject(t)
	pr.set("key.hcl", "variable \"key\" {\n  type = \"secret\"\n}\n")
	pr.deploy("dev", o)
	res = pr.version("1.0.0.1").set("key.hcl", "variable \"key\" {\n  type = \"string\"\n}\n").deploy("dev", o)
	i = slices.IndexFunc(res.Changes, func(c Change) bool { return c.Kind == "value" })
	if i < 0 || res.Changes[i].Action != "change" || len(res.Changes[i].Fields) != 1 || !strings.Contains(res.Changes[i].Fields[0].Old, "a sealed value") {
		t.Errorf("changes of the secret given a string value: %+v", res.Changes)
	}
	pr.read("dev", func(tx store.Tx) {
		if v, err := tx.VariableValue("cts_key"); err != nil || v.Value != "s3cret" || len(v.Sealed) != 0 {
			t.Errorf("the string's value: %+v %v", v, err)
		}
	})
}

// TestLifecycleBusy: apply-upgrade and uninstall that give up waiting for
// an environment another import holds are result "busy", as such an
// import is: nothing changed and no history row, so that they are retried.
func TestLifecycleBusy(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	o := quiet()
	o.Mode = Stage
	pr.v2().deploy("dev", o)

	// Another writer holds dev, as an import does.
	inside, release := make(chan struct{}), make(chan struct{})
	holder := pr.open("dev", time.Second)
	defer holder.Close()
	done := make(chan error)
	go func() {
		done <- holder.Write(context.Background(), func(store.Tx) error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	pl := pr.pipeline(pr.load())
	pl.Open.BusyTimeout = 300 * time.Millisecond
	out, err := pl.ApplyUpgrade(context.Background(), "dev", "Sales", quiet())
	if !errors.Is(err, store.ErrBusy) || out == nil || out.Result != Busy {
		t.Errorf("apply-upgrade while dev is held: %v (%+v)", err, out)
	}
	out, err = pl.Uninstall(context.Background(), "dev", "Sales", true, quiet())
	if !errors.Is(err, store.ErrBusy) || out == nil || out.Result != Busy {
		t.Errorf("uninstall while dev is held: %v (%+v)", err, out)
	}
	close(release)
	must(t, <-done)
	pr.read("dev", func(tx store.Tx) {
		recs, err := tx.Imports(store.ImportFilter{})
		must(t, err)
		for _, r := range recs {
			if r.Operation == "apply-upgrade" || r.Operation == "uninstall" {
				t.Errorf("a busy %s is in the history: %+v", r.Operation, r)
			}
		}
		if _, err := tx.Solution("Sales_Upgrade"); err != nil {
			t.Errorf("the staged upgrade is gone: %v", err)
		}
	})
}

// TestStageWithNothingInstalledFails: --mode stage with the solution not
// installed runs as an upgrade (it installs); when it then fails, the
// result and the history say mode upgrade, as a success's do, not stage.
func TestStageWithNothingInstalledFails(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	pl := pr.pipeline(pr.load())
	if _, err := pl.Uninstall(context.Background(), "dev", "Sales", true, quiet()); err != nil {
		t.Fatal(err)
	}
	b := pr.version("1.1.0.0").build()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := quiet()
	o.Mode = Stage
	o.Progress = func(msg string) {
		if msg == "tables" { // inside the import's transaction, past its checks
			cancel()
		}
	}
	res, err := pr.pipeline(b.Project).Deploy(ctx, "dev", b, o)
	if err == nil || res == nil || res.Result != Failed || res.Mode != string(Upgrade) {
		t.Fatalf("a failed stage with nothing installed: %+v %v", res, err)
	}
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{Limit: 1})
		if err != nil || len(imports) != 1 || imports[0].Version != "1.1.0.0" || imports[0].Result != store.ResultFailed || imports[0].Mode != string(Upgrade) {
			t.Errorf("history: %+v %v", imports, err)
		}
	})
}
