package workflow

import (
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestDateOnlyCopy: a step that copies a date and time into a date-only
// column writes its date (UTC), as a date-only column's time is always
// midnight; a text with a time fails the step, as the engine refuses it
// (the compiler and a deploy refuse such a value for the variable: this one
// is put in the store as an older deploy could have left it).
func TestDateOnlyCopy(t *testing.T) {
	dir := t.TempDir()
	testenv.Write(t, dir, "dates.hcl", `
table "lead" {
  column "tw_met" {
    type     = "datetime"
    behavior = "date_only"
  }
}
variable "when_text" { default = "2026-05-04" }
workflow "stamp" {
  table = "lead"
  mode  = "realtime"
  step "s" {
    update = { tw_met = self.createdon }
  }
}
workflow "stamp_text" {
  table = "lead"
  mode  = "realtime"
  step "s" {
    update = { tw_met = var.when_text }
  }
}
flow "dated" {
  primary_table = "lead"
  stage "a" { on_exit = [workflow.stamp] }
  stage "b" { on_exit = [workflow.stamp_text] }
  stage "c" {}
}
`)
	p, path := deployTestProject(t, dir)
	v := openEnv(t, p, path, Options{})
	v.clock.Advance(10*time.Hour + 30*time.Minute) // created at 19:30 UTC
	id, in := v.lead("dated", nil)
	in, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.record("lead", id)["tw_met"]; got != time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC) {
		t.Errorf("tw_met = %v, want 2026-05-04 (midnight UTC)", got)
	}
	v.setVar("when_text", "2026-05-04T10:00:00Z")
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err == nil {
		t.Error("a text with a time written into a date-only column: the realtime step succeeded")
	}
}
