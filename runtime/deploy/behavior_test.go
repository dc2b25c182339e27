package deploy

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestDateBehaviorChange: as in Dataverse, a datetime column's behavior
// changes once, from user local (to date only or time-zone independent),
// with rows in the table or not; date only never changes back, nor to
// time-zone independent, and a deploy that tries is refused and says why.
func TestDateBehaviorChange(t *testing.T) {
	pr := newProject(t)
	pr.edit("tables.hcl", `  column "cts_budget" {`, `  column "cts_due" { type = "datetime" }
  column "cts_checkin" { type = "datetime" }
  column "cts_budget" {`)
	pr.deploy("dev", quiet())
	pr.read("dev", func(tx store.Tx) {
		tb, err := tx.Table("cts_project")
		must(t, err)
		if c, _ := tb.Column("cts_due"); c.Behavior != "" || c.DateOnly() {
			t.Errorf("cts_due deployed user local: %+v", c)
		}
	})

	signed := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	pr.write("dev", func(tx store.Tx) error {
		return tx.InsertRow("cts_project", map[string]any{"cts_projectid": "9d1f2c3a-0b4e-4f5a-8c6d-7e8f9a0b1c2d", "cts_name": "Old", "cts_due": signed})
	})

	pr.edit("tables.hcl", `column "cts_due" { type = "datetime" }`, `column "cts_due" {
    type     = "datetime"
    behavior = "date_only"
  }`).edit("tables.hcl", `column "cts_checkin" { type = "datetime" }`, `column "cts_checkin" {
    type     = "datetime"
    behavior = "time_zone_independent"
  }`).version2("1.0.0.0", "1.0.0.1")
	b := pr.build()
	plan, err := pr.pipeline(b.Project).Plan(context.Background(), "dev", b, quiet())
	must(t, err)
	var said []string
	for _, c := range plan.Changes {
		for _, f := range c.Fields {
			said = append(said, c.Action+" "+c.Name+" "+f.Field+": "+f.Old+" -> "+f.New)
		}
	}
	if want := []string{`change cts_project.cts_checkin behavior: "user_local" -> "time_zone_independent"`,
		`change cts_project.cts_due behavior: "user_local" -> "date_only"`}; !slices.Equal(said, want) {
		t.Errorf("plan says %q, want %q", said, want)
	}
	pr.deploy("dev", quiet())
	pr.read("dev", func(tx store.Tx) {
		tb, err := tx.Table("cts_project")
		must(t, err)
		due, _ := tb.Column("cts_due")
		checkin, _ := tb.Column("cts_checkin")
		if !due.DateOnly() || checkin.Behavior != "time_zone_independent" {
			t.Errorf("after the change: cts_due %+v, cts_checkin %+v", due, checkin)
		}
		// The value written before stays as it was (Dataverse converts
		// none either: ConvertDateAndTimeBehavior would).
		row, err := tx.GetRow(tb, "9d1f2c3a-0b4e-4f5a-8c6d-7e8f9a0b1c2d")
		must(t, err)
		if v, _ := row["cts_due"].(time.Time); !v.Equal(signed) {
			t.Errorf("the row's cts_due: %v, want %v", row["cts_due"], signed)
		}
	})

	pr.edit("tables.hcl", `behavior = "date_only"`, `behavior = "user_local"`).version2("1.0.0.1", "1.0.0.2")
	pr.refuse("dev", quiet(), "column cts_project.cts_due is date_only in the environment and user_local in the build",
		`only from user_local, once (keep behavior = "date_only"`)
	pr.edit("tables.hcl", `behavior = "user_local"`, `behavior = "date_only"`).
		edit("tables.hcl", `behavior = "time_zone_independent"`, `behavior = "date_only"`)
	pr.refuse("dev", quiet(), "column cts_project.cts_checkin is time_zone_independent in the environment and date_only in the build")
}
