package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Round trips of every kind of object the store holds.

func testSolutions(t *testing.T, s store.Store) {
	pub := store.Publisher{Name: "contoso", DisplayName: "Contoso", Prefix: "cts", OptionValuePrefix: 10000}
	sol := store.Solution{Name: "Sales", DisplayName: "Sales", Version: "1.0.0.0", Managed: true, Publisher: "contoso",
		State: store.StateInstalled, BuildDigest: "sha256:aa", ArchiveSHA256: "bb"}
	hold := store.Solution{Name: "Sales_Upgrade", Version: "1.1.0.0", Managed: true, Publisher: "contoso",
		State: store.StateHolding, UpgradeOf: "Sales"}
	comps := []store.Component{{Kind: store.KindFlow, Name: "f", ObjectID: "id-f"}, {Kind: store.KindRole, Name: "r", ObjectID: "id-r"}}
	write(t, s, func(tx store.Tx) error {
		must(t, tx.PutPublisher(pub))
		must(t, tx.PutSolution(sol))
		must(t, tx.PutSolution(hold))
		must(t, tx.SetComponents("Sales", comps))
		must(t, tx.SetComponents("Sales_Upgrade", comps[:1]))
		if err := tx.SetComponents("Nope", comps); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetComponents of a missing solution: %v", err)
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Publisher("contoso")
		must(t, err)
		diff(t, "publisher", pub, got)
		all, err := tx.Solutions()
		must(t, err)
		diff(t, "solutions", []store.Solution{sol, hold}, all, ignoreTimes)
		if all[0].InstalledOn.IsZero() {
			t.Error("InstalledOn not set")
		}
		cs, err := tx.Components("Sales")
		must(t, err)
		diff(t, "components", comps, cs)
		if _, err := tx.Solution("Other"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Solution(Other): %v", err)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		must(t, tx.DeleteSolution("Sales"))
		must(t, tx.RenameSolution("Sales_Upgrade", "Sales"))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Solution("Sales")
		must(t, err)
		if got.Version != "1.1.0.0" {
			t.Errorf("renamed solution = %+v", got)
		}
		cs, err := tx.Components("Sales")
		must(t, err)
		diff(t, "components after rename", comps[:1], cs)
		if cs, _ := tx.Components("Sales_Upgrade"); len(cs) != 0 {
			t.Errorf("components left behind: %v", cs)
		}
		return nil
	})
}

func testWorkflows(t *testing.T, s store.Store) {
	wf := store.Workflow{ID: "w1", Name: "lead_flow", UniqueName: "cts_leadflow", Solution: "Sales", Category: store.CategoryBPF,
		DisplayName: "Lead flow", PrimaryTable: "lead", Type: "business", Order: 10, Active: true, InstanceTable: "cts_leadflow",
		XAML: "<Activity/>", Definition: []byte(`{"name":"lead_flow"}`)}
	stages := []store.Stage{
		{ID: "s1", Name: "qualify", DisplayName: "Qualify", Category: 0, Table: "lead", Next: "develop",
			Branches: []store.Branch{{When: "self.budgetamount > 10", Next: "develop"}},
			Steps: []store.Step{{ID: "st1", Name: "budget", DisplayName: "Budget", Column: "budgetamount", Required: true},
				{ID: "st2", Name: "verify", Action: true, Workflow: "verify"}}},
		{ID: "s2", Name: "develop", Category: -1, Table: "opportunity", Relationship: "originatingleadid"},
	}
	write(t, s, func(tx store.Tx) error {
		must(t, tx.PutWorkflow(wf))
		must(t, tx.PutWorkflow(store.Workflow{ID: "w2", Name: "notify", UniqueName: "notify", Category: store.CategoryWorkflow, Mode: "background"}))
		must(t, tx.SetStages("w1", stages))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Workflow("w1")
		must(t, err)
		diff(t, "workflow", wf, got, ignoreTimes)
		st, err := tx.Stages("w1")
		must(t, err)
		diff(t, "stages", stages, st)
		all, err := tx.Workflows()
		must(t, err)
		if len(all) != 2 || all[0].ID != "w1" {
			t.Errorf("Workflows: flows first, got %v", all)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		wf.Active = false
		must(t, tx.PutWorkflow(wf))
		must(t, tx.SetStages("w1", stages[1:]))
		must(t, tx.DeleteWorkflow("w2"))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, _ := tx.Workflow("w1")
		if got.Active {
			t.Error("update did not deactivate")
		}
		st, _ := tx.Stages("w1")
		diff(t, "replaced stages", stages[1:], st)
		if _, err := tx.Workflow("w2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted workflow: %v", err)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteWorkflow("w1") })
	read(t, s, func(tx store.Tx) error {
		st, err := tx.Stages("w1")
		must(t, err)
		if len(st) != 0 {
			t.Errorf("stages outlived their workflow: %v", st)
		}
		return nil
	})
}

func testVariables(t *testing.T, s store.Store) {
	def := "50000"
	defs := []store.VariableDefinition{
		{SchemaName: "cts_key", ID: "v2", Name: "key", Solution: "Sales", Type: "secret"},
		{SchemaName: "cts_threshold", ID: "v1", Name: "threshold", Solution: "Sales", Type: "number", Default: &def, DisplayName: "Threshold"},
	}
	sealed := []byte{1, 2, 3, 0, 255}
	write(t, s, func(tx store.Tx) error {
		for _, d := range defs {
			must(t, tx.PutVariableDefinition(d))
		}
		must(t, tx.PutVariableValue(store.VariableValue{SchemaName: "cts_threshold", Value: "100", Source: "environment"}))
		must(t, tx.PutVariableValue(store.VariableValue{SchemaName: "cts_key", Sealed: sealed, Source: "BPFC_VAR"}))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.VariableDefinitions()
		must(t, err)
		diff(t, "definitions", defs, got)
		v, err := tx.VariableValue("cts_key")
		must(t, err)
		if v.Value != "" || !slices.Equal(v.Sealed, sealed) || v.Source != "BPFC_VAR" {
			t.Errorf("secret value = %+v", v)
		}
		v, _ = tx.VariableValue("cts_threshold")
		if v.Value != "100" || v.Sealed != nil {
			t.Errorf("value = %+v", v)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteVariableDefinition("cts_key") })
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.VariableValue("cts_key"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("value outlived its definition: %v", err)
		}
		return nil
	})
}

func customTable() store.Table {
	return store.Table{Name: "cts_project", DisplayName: "Project", EntitySetName: "cts_projects", PrimaryKey: "cts_projectid",
		PrimaryColumn: "cts_name", Kind: store.TableCustom, Solution: "Sales", Columns: []store.Column{
			{Name: "cts_projectid", DisplayName: "Project", Type: "uniqueidentifier", System: true},
			{Name: "cts_name", DisplayName: "Name", Type: "string", MaxLength: 200, Required: true},
			{Name: "cts_budget", DisplayName: "Budget", Type: "money"},
			{Name: "cts_priority", DisplayName: "Priority", Type: "choice", Options: []store.Option{{Label: "Low", Value: 1}, {Label: "High", Value: 2}}},
			{Name: "cts_sponsor", DisplayName: "Sponsor", Type: "lookup", Targets: []string{"contact"}},
		}}
}

func testTables(t *testing.T, s store.Store) {
	tb := customTable()
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(tb))
		if err := tx.CreateTable(tb); !errors.Is(err, store.ErrExists) {
			t.Errorf("CreateTable twice: %v", err)
		}
		must(t, tx.InsertRow("cts_project", map[string]any{"cts_projectid": "p1", "cts_name": "Apollo", "cts_budget": 12.5,
			"cts_priority": int64(2), "cts_sponsor": nil}))
		return nil
	})
	// A column that is not in the table is refused.
	if err := s.Write(context.Background(), func(tx store.Tx) error {
		return tx.InsertRow("cts_project", map[string]any{"cts_projectid": "p2", "nosuchcolumn": 1})
	}); err == nil {
		t.Error("InsertRow with an unknown column succeeded")
	}
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Table("cts_project")
		must(t, err)
		want := tb
		want.Columns = append(slices.Clone(want.Columns), store.Column{Name: store.RowVersionColumn, DisplayName: "Version Number",
			Type: store.TypeRowVersion, System: true})
		diff(t, "table", want, got)
		n, err := tx.CountRows("cts_project")
		must(t, err)
		if n != 1 {
			t.Errorf("rows = %d", n)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		must(t, tx.AddColumn("cts_project", store.Column{Name: "cts_signed_on", Type: "datetime", Solution: "Other"}))
		must(t, tx.AddColumn("lead", store.Column{Name: "cts_score", Type: "integer", Solution: "Sales"}))
		if err := tx.AddColumn("lead", store.Column{Name: "cts_score", Type: "integer"}); !errors.Is(err, store.ErrExists) {
			t.Errorf("AddColumn twice: %v", err)
		}
		if err := tx.UpdateColumn("cts_project", store.Column{Name: "cts_budget", Type: "integer"}); err == nil {
			t.Error("UpdateColumn changed a type")
		}
		must(t, tx.UpdateColumn("cts_project", store.Column{Name: "cts_budget", DisplayName: "Budget (USD)", Type: "money"}))
		must(t, tx.InsertRow("lead", map[string]any{"leadid": "l1", "cts_score": int64(7), "subject": "Hi"}))
		must(t, tx.DropColumn("cts_project", "cts_sponsor"))
		tb.Name, tb.PrimaryKey, tb.Columns = "cts_gone", "cts_goneid", nil
		must(t, tx.CreateTable(tb))
		must(t, tx.PutRole(store.Role{ID: "r", Name: "r"}))
		must(t, tx.SetPrivileges("r", []store.Privilege{{Table: "cts_gone", Privilege: "read", Depth: store.DepthUser}}))
		must(t, tx.DropTable("cts_gone"))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, _ := tx.Table("cts_project")
		if c, ok := got.Column("cts_signed_on"); !ok || c.Solution != "Other" {
			t.Errorf("added column = %+v", c)
		}
		if c, _ := got.Column("cts_budget"); c.DisplayName != "Budget (USD)" {
			t.Errorf("updated column = %+v", c)
		}
		if _, ok := got.Column("cts_sponsor"); ok {
			t.Error("dropped column still there")
		}
		if _, err := tx.Table("cts_gone"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("dropped table: %v", err)
		}
		if _, err := tx.CountRows("cts_gone"); err == nil {
			t.Error("dropped table still counts rows")
		}
		ps, _ := tx.Privileges("r")
		if len(ps) != 0 {
			t.Errorf("privileges on a dropped table remain: %v", ps)
		}
		if n, _ := tx.CountRows("lead"); n != 1 {
			t.Errorf("lead rows = %d", n)
		}
		return nil
	})
}

func testRolesAndUsers(t *testing.T, s store.Store) {
	role := store.Role{ID: "rid", Name: "salesperson", DisplayName: "Salesperson", Solution: "Sales"}
	privs := []store.Privilege{
		{Table: "cts_a", Privilege: "create", Depth: store.DepthUser},
		{Table: "cts_a", Privilege: "read", Depth: store.DepthOrganization},
		{Table: "cts_b", Privilege: "read", Depth: store.DepthBusinessUnit},
	}
	write(t, s, func(tx store.Tx) error {
		must(t, tx.PutRole(role))
		must(t, tx.SetPrivileges("salesperson", privs))
		must(t, tx.PutUser(store.User{ID: "u1", Name: "alice", FullName: "Alice", Email: "alice@example.com", Roles: []string{"salesperson"}}))
		if err := tx.PutUser(store.User{ID: "u2", Name: "bob", Roles: []string{"nosuchrole"}}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("user with an unknown role: %v", err)
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Role("salesperson")
		must(t, err)
		diff(t, "role", role, got)
		ps, err := tx.Privileges("salesperson")
		must(t, err)
		diff(t, "privileges", privs, ps)
		u, err := tx.User("alice")
		must(t, err)
		diff(t, "user", store.User{ID: "u1", Name: "alice", FullName: "Alice", Email: "alice@example.com", Roles: []string{"salesperson"}}, u)
		return nil
	})
	// Another enabled holder of a role: alice is one for anyone but herself,
	// and none once she is disabled.
	others := func(want ...bool) {
		t.Helper()
		read(t, s, func(tx store.Tx) error {
			for i, except := range []string{"u9", "u1"} {
				got, err := tx.OtherUserWithRole("salesperson", except)
				must(t, err)
				if got != want[i] {
					t.Errorf("OtherUserWithRole(salesperson, %s) = %v, want %v", except, got, want[i])
				}
			}
			if got, err := tx.OtherUserWithRole("manager", "u9"); err != nil || got {
				t.Errorf("OtherUserWithRole(manager) = %v, %v: nobody holds it", got, err)
			}
			return nil
		})
	}
	others(true, false)
	write(t, s, func(tx store.Tx) error {
		return tx.PutUser(store.User{ID: "u1", Name: "alice", FullName: "Alice", Email: "alice@example.com", Roles: []string{"salesperson"}, Disabled: true})
	})
	others(false, false)
	write(t, s, func(tx store.Tx) error { return tx.DeleteRole("salesperson") })
	read(t, s, func(tx store.Tx) error {
		u, _ := tx.User("alice")
		if len(u.Roles) != 0 {
			t.Errorf("deleted role still assigned: %v", u.Roles)
		}
		ps, _ := tx.Privileges("salesperson")
		if len(ps) != 0 {
			t.Errorf("deleted role's privileges remain: %v", ps)
		}
		return nil
	})
}

func testHistory(t *testing.T, s store.Store) {
	a := store.Archive{SHA256: "abc", Name: "S_1_0_0_0_managed.zip", Managed: true, Data: []byte("PK\x03\x04zip")}
	snap := store.Snapshot{Digest: "sha256:d1", Solution: "S", Version: "1.0.0.0", Model: []byte(`{"format":"x"}`), ManagedSHA256: "abc"}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []int64
	write(t, s, func(tx store.Tx) error {
		must(t, tx.PutArchive(a))
		must(t, tx.PutArchive(a)) // content-addressed: idempotent
		must(t, tx.PutSnapshot(snap))
		must(t, tx.PutSnapshot(store.Snapshot{Digest: "sha256:d1", Solution: "S", Version: "1.0.0.0", Model: snap.Model, UnmanagedSHA256: "def"}))
		for i, sol := range []string{"S", "T", "S"} {
			id, err := tx.AddImport(store.ImportRecord{Operation: "deploy", Solution: sol, Version: "1.0.0.0", Managed: true, Mode: "upgrade",
				Who: "ci", StartedOn: start.Add(time.Duration(i) * time.Minute), Duration: 1500 * time.Millisecond,
				ArchiveSHA256: "abc", BuildDigest: "sha256:d1", Result: store.ResultSucceeded, Message: fmt.Sprint(i)})
			must(t, err)
			ids = append(ids, id)
		}
		return nil
	})
	if !(ids[0] < ids[1] && ids[1] < ids[2]) {
		t.Errorf("import ids not increasing: %v", ids)
	}
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Archive("abc")
		must(t, err)
		diff(t, "archive", a, got, ignoreTimes)
		sn, err := tx.Snapshot("sha256:d1")
		must(t, err)
		snap.UnmanagedSHA256 = "def"
		diff(t, "snapshot", snap, sn, ignoreTimes)
		all, err := tx.Imports(store.ImportFilter{})
		must(t, err)
		if len(all) != 3 || all[0].ID != ids[2] || all[0].Message != "2" {
			t.Errorf("imports newest first: %+v", all)
		}
		if !all[2].StartedOn.Equal(start) || all[2].Duration != 1500*time.Millisecond || all[2].Who != "ci" {
			t.Errorf("import record = %+v", all[2])
		}
		s1, _ := tx.Imports(store.ImportFilter{Solution: "S", Limit: 1})
		if len(s1) != 1 || s1[0].ID != ids[2] {
			t.Errorf("filtered imports = %+v", s1)
		}
		if one, err := tx.Imports(store.ImportFilter{ID: ids[1]}); err != nil || len(one) != 1 || one[0].Solution != "T" {
			t.Errorf("the import of id %d: %+v %v", ids[1], one, err)
		}
		if none, err := tx.Imports(store.ImportFilter{ID: ids[1], Solution: "S"}); err != nil || len(none) != 0 {
			t.Errorf("the import of id %d if it is S's: %+v %v", ids[1], none, err)
		}
		return nil
	})
}
