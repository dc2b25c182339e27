package deploy

import (
	"context"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestSharedColumns: two managed solutions that ship the same column on a
// standard table share it, as Dataverse's layers do: the last one imported
// defines it, it outlives either solution while the other ships it, and
// goes (with its values) with the last; the same column as another kind
// of column, or a lookup to other tables, is refused.
func TestSharedColumns(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.edit("tables.hcl", `column "cts_approved" {
    type = "boolean"
  }`, `column "cts_approved" {
    type         = "boolean"
    display_name = "Approved"
  }
  column "cts_sponsor" {
    type         = "lookup"
    target       = "contact"
    display_name = "Sponsor"
  }`)
	pr.deploy("dev", quiet())
	pr.write("dev", func(tx store.Tx) error {
		return tx.InsertRow("opportunity", map[string]any{"opportunityid": "o1", "name": "Fleet", "cts_approved": true,
			"cts_sponsor": "c1", store.RowVersionColumn: int64(1)})
	})

	other := newProject(t)
	other.dir, other.pgURL = pr.dir, pr.pgURL // the same environments
	other.edit("bpfc.hcl", `solution "Sales"`, `solution "Other"`)
	other.edit("bpfc.hcl", "managed = false", "managed = true")
	other.edit("bpfc.hcl", `values  = { threshold = 25000 }`, ``)
	other.set("project.hcl", "").set("roles.hcl", "").set("workflows.hcl", "").set("variables.hcl", "").set("lead.hcl", "")
	other.set("tables.hcl", `
table "opportunity" {
  column "cts_approved" {
    type         = "boolean"
    display_name = "Signed off"
  }
  column "cts_sponsor" {
    type         = "lookup"
    target       = "account"
    display_name = "Backer"
  }
}
`)
	other.refuse("dev", quiet(), "column opportunity.cts_sponsor of solution Sales is a lookup to contact, and account in the build")
	other.edit("tables.hcl", `target       = "account"`, `target       = "contact"`)
	other.edit("tables.hcl", `type         = "boolean"`, `type         = "integer"`)
	other.refuse("dev", quiet(), "column opportunity.cts_approved is boolean in the environment and integer in the build")
	other.edit("tables.hcl", `type         = "integer"`, `type         = "boolean"`)
	if res := other.deploy("dev", quiet()); !hasNote(res.Changes, "add", "column", "opportunity.cts_approved", "shared with solution Sales, which ships it too") {
		t.Errorf("the second solution's changes: %+v", res.Changes)
	}

	column := func(name, want, owner string) {
		t.Helper()
		pr.read("dev", func(tx store.Tx) {
			opp, err := tx.Table("opportunity")
			must(t, err)
			c, ok := opp.Column(name)
			switch {
			case want == "" && ok:
				t.Errorf("%s outlived both solutions: %+v", name, c)
			case want != "" && (!ok || c.DisplayName != want || c.Solution != owner):
				t.Errorf("%s = %+v, %v; want %q of %s", name, c, ok, want, owner)
			}
			if want == "" {
				return
			}
			row, err := tx.GetRow(opp, "o1")
			if err != nil || row["cts_approved"] != true || row["cts_sponsor"] != "c1" {
				t.Errorf("the row's values: %v %v", row, err)
			}
		})
	}
	// The last import defines it; the first owner keeps it.
	column("cts_approved", "Signed off", "Sales")
	column("cts_sponsor", "Backer", "Sales")

	// Other gone: the column reads as Sales defines it.
	pl := other.pipeline(other.load())
	out, err := pl.Uninstall(context.Background(), "dev", "Other", true, quiet())
	must(t, err)
	if hasChange(out.Removed, "remove", "column", "opportunity.cts_approved") {
		t.Errorf("uninstall of Other removed the column Sales ships: %+v", out.Removed)
	}
	column("cts_approved", "Approved", "Sales")
	column("cts_sponsor", "Sponsor", "Sales")

	// Sales' upgrade drops the lookup while Other ships it: Other takes it, the
	// plan and the result say it stays, the values stay.
	other.deploy("dev", quiet())
	pr.version("1.1.0.0").edit("tables.hcl", `column "cts_sponsor" {
    type         = "lookup"
    target       = "contact"
    display_name = "Sponsor"
  }`, ``)
	res := pr.deploy("dev", quiet())
	if !hasNote(res.Changes, "remove", "column", "opportunity.cts_sponsor", "kept: solution Other ships it too") {
		t.Errorf("the upgrade's changes: %+v", res.Changes)
	}
	column("cts_sponsor", "Backer", "Other")
	column("cts_approved", "Approved", "Sales") // Sales' upgrade is now its top layer

	// The last one that ships it takes it with its values.
	_, err = pl.Uninstall(context.Background(), "dev", "Other", true, quiet())
	must(t, err)
	column("cts_sponsor", "", "")
}

func hasData(cs []Change, action, kind, name, data string) bool {
	for _, c := range cs {
		if c.Action == action && c.Kind == kind && c.Name == name {
			return c.Data == data
		}
	}
	return false
}

func hasNote(cs []Change, action, kind, name, note string) bool {
	for _, c := range cs {
		if c.Action == action && c.Kind == kind && c.Name == name {
			return c.Note == note
		}
	}
	return false
}
