package unpack

import (
	"os"
	"path/filepath"
	"testing"
)

// writeProject writes files (name -> HCL) into a new project directory.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkRoundTrip: the project unpacked from dir's unmanaged archive has dir's
// digest, and so builds the same solution.
func checkRoundTrip(t *testing.T, dir string) {
	t.Helper()
	orig := loadProject(t, dir)
	got, _ := mustRead(t, buildProject(t, orig).Unmanaged)
	written, _ := writeAndLoad(t, got)
	if orig.Digest() != written.Digest() {
		t.Errorf("digest %s after the round trip, want %s; model diff:\n%s", written.Digest(), orig.Digest(), modelDiff(t, orig, written))
	}
}

const spellingSolution = `
solution "Spelling" {
  version = "1.0.0.0"
  publisher "contoso" {
    prefix = "cts"
  }
}
`

// TestRoundTripJSONDefaultSpelling: a json variable's default written as JSON
// text ships that text, as an HCL object ships its encoding; either way the
// unpacked project is the same build (it was not: a string default came back
// as an object, with another digest, and spaced text lost its spacing).
func TestRoundTripJSONDefaultSpelling(t *testing.T) {
	checkRoundTrip(t, writeProject(t, map[string]string{"bpfc.hcl": spellingSolution + `
variable "compact" {
  type    = "json"
  default = "{\"a\":1,\"b\":[true,null]}"
}
variable "spaced" {
  type    = "json"
  default = "{ \"b\": 2, \"a\": \"<x>\" }"
}
variable "object" {
  type    = "json"
  default = { queue = "<sales>", weights = [1, 2.5] }
}
variable "scalar" {
  type    = "json"
  default = "\"text\""
}
`}))
}

// TestRoundTripChoiceValueSpelling: a choice compared or set by its option's
// value (2) and by its label ("High") compile to the same XAML, which keeps
// only the value; unpack writes the label. Both spellings are one build (the
// value spelling had another digest, so its round trip did not hold).
func TestRoundTripChoiceValueSpelling(t *testing.T) {
	checkRoundTrip(t, writeProject(t, map[string]string{"bpfc.hcl": spellingSolution + `
table "cts_ticket" {
  primary_column = "cts_name"
  column "cts_name" { type = "string" }
  column "cts_prio" {
    type    = "choice"
    options = { Low = 1, High = 2, Urgent = 3 }
  }
}

flow "ticket_flow" {
  primary_table = "cts_ticket"
  stage "one" {
    step "p" { column = "cts_prio" }
    branch {
      when = self.cts_prio == 3 || self.cts_prio == 2
      next = stage.three
    }
  }
  stage "two" {
    step "n" { column = "cts_name" }
  }
  stage "three" {
    step "n" { column = "cts_name" }
    on_enter = [workflow.raise]
  }
}

workflow "raise" {
  table      = "cts_ticket"
  wait_until = self.cts_prio != 1
  step "u" {
    when   = !(self.cts_prio == 3)
    update = { cts_prio = 3 }
  }
  step "c" {
    create = { table = "cts_ticket", values = { cts_name = "follow-up", cts_prio = 1 } }
  }
}
`}))
}

// TestRoundTripStatusValueSpelling: change_status sets a status reason by
// its label ("On Hold") or its value (2); the XAML keeps only the value
// and unpack writes the label, so both spellings are one build, on a table
// with status reasons of its own (incident) and on one with the default
// ones (Active, Inactive).
func TestRoundTripStatusValueSpelling(t *testing.T) {
	checkRoundTrip(t, writeProject(t, map[string]string{"bpfc.hcl": spellingSolution + `
table "cts_ticket" {
  primary_column = "cts_name"
  column "cts_name" { type = "string" }
}

workflow "hold_case" {
  table = "incident"
  step "hold" { change_status = 2 }
}

workflow "close_ticket" {
  table = "cts_ticket"
  step "close" { change_status = { status = 2 } }
}
`}))
}
