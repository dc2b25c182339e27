package compiler_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// TestOneLineLabels: under LoadOptions.OneLineLabels a display name or
// option label that is not one line loads on one line with a warning, as
// unpack writes an archive's: one left empty falls back (the block's name,
// the option's value), one that meets another label is told apart by its
// value. Without the option each is an error.
func TestOneLineLabels(t *testing.T) {
	dir := t.TempDir()
	src := baseSolution + `
table "fx_thing" {
  display_name   = "\n"
  primary_column = "fx_name"
  column "fx_name" {
    type         = "string"
    display_name = "Thing\r\nname"
  }
  column "fx_stage" {
    type    = "choice"
    options = { "In\tprogress" = 1, "In progress" = 2, "\u0086" = 3, Done = 4 }
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "f.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := compiler.Load(dir)
	if n := len(diags.Errs()); n != 4 {
		t.Fatalf("without OneLineLabels: %d errors, want 4: %v", n, diags)
	}
	p, diags := compiler.LoadWith(dir, compiler.LoadOptions{OneLineLabels: true})
	if diags.HasErrors() {
		for _, d := range diags {
			t.Log(d)
		}
		t.FailNow()
	}
	var warns []string
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning && d.Summary == compiler.LabelNotOneLine {
			warns = append(warns, d.Subject.String()+": "+d.Detail)
		}
	}
	tb := p.Table("fx_thing")
	got := []string{tb.DisplayName, tb.Column("fx_name").DisplayName}
	for _, o := range tb.Column("fx_stage").Options {
		got = append(got, o.Label)
	}
	if diff := cmp.Diff([]string{"fx_thing", "Thing name", "In progress (1)", "In progress", "3", "Done"}, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if len(warns) != 4 {
		t.Errorf("%d warnings, want 4:\n%v", len(warns), warns)
	}
}
