package workflow

import (
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestChoiceLabelAsWritten: a step writing a label into a choice whose
// labels differ only in case ("Hot" and "hot") writes the option of the
// label as written, as a condition compares it (process.alignSide); the
// first option matching in any case took the other one's value.
func TestChoiceLabelAsWritten(t *testing.T) {
	dir := t.TempDir()
	testenv.Write(t, dir, "twin.hcl", `
table "lead" {
  column "tw_twin" {
    type    = "choice"
    options = { "Hot" = 1, "hot" = 2 }
  }
}
variable "heat" { default = "hot" }
workflow "by_literal" {
  table = "lead"
  mode  = "realtime"
  step "s" {
    update = { tw_twin = "hot" }
  }
}
workflow "by_variable" {
  table = "lead"
  mode  = "realtime"
  step "s" {
    update = { tw_twin = var.heat }
  }
}
flow "twin" {
  primary_table = "lead"
  stage "a" { on_exit = [workflow.by_literal] }
  stage "b" { on_exit = [workflow.by_variable] }
  stage "c" {}
}
`)
	p, path := deployTestProject(t, dir)
	v := openEnv(t, p, path, Options{})
	id, in := v.lead("twin", nil)
	in, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.record("lead", id)["tw_twin"]; got != int64(2) {
		t.Errorf("the literal \"hot\" wrote tw_twin = %v, want 2 (the option hot)", got)
	}
	v.setVar("heat", "Hot")
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := v.record("lead", id)["tw_twin"]; got != int64(1) {
		t.Errorf("var.heat = \"Hot\" wrote tw_twin = %v, want 1 (the option Hot)", got)
	}
}
