package emit

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
)

// TestRefusedWarnings: steps the build writes in Dataverse's own form but
// Dataverse would refuse when they run are Refused warnings at the value:
// a change_status to a state only a message of Dataverse's own reaches
// (a case's Resolved, an opportunity's Won and Lost) or to the Merged
// status reason only Merge sets, and an assign to a user's name, which
// only bpfc's runtime resolves. Other states, and an owner given by id or
// read from a column, are no warning.
func TestRefusedWarnings(t *testing.T) {
	src := `solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "pp" }
}
workflow "case" {
  table = "incident"
  step "resolve" { change_status = "Problem Solved" }
  step "info" { change_status = { status = 1000 } }
  step "merge" { change_status = "Merged" }
  step "cancel" { change_status = "Cancelled" }
  step "hold" { change_status = "On Hold" }
}
workflow "deal" {
  table = "opportunity"
  step "win" { change_status = "Won" }
  step "lose" { change_status = "Out-Sold" }
  step "hold" { change_status = "On Hold" }
  step "to_name" { assign = "siu.lead" }
  step "to_id" { assign = { owner = "{7B1F9C2E-5D4A-4E3B-8C6D-1A2B3C4D5E6F}" } }
  step "to_column" { assign = self.ownerid }
}
workflow "person" {
  table = "contact"
  step "off" { change_status = "Inactive" }
}
`
	p, diags := compiler.LoadSources(map[string][]byte{"w.hcl": []byte(src)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got []string
	for _, w := range DataverseWarnings(p) {
		if w.Refused {
			got = append(got, fmt.Sprintf("%d:%d %s: %s", w.Range.Start.Line, w.Range.Start.Column, w.Workflow, w.Message))
		}
	}
	const fails = ", so there the step fails"
	want := []string{
		`7:36 case: step resolve: change_status "Problem Solved" sets incident to state 1 (Resolved), which Dataverse reaches only through its CloseIncident (resolving the case) message: SetState to it is refused` + fails,
		`8:44 case: step info: change_status 1000 sets incident to state 1 (Resolved), which Dataverse reaches only through its CloseIncident (resolving the case) message: SetState to it is refused` + fails,
		`9:34 case: step merge: change_status "Merged" sets incident to status reason 2000 (Merged), which only Dataverse's Merge message sets: SetState to it is refused` + fails,
		`15:32 deal: step win: change_status "Won" sets opportunity to state 1 (Won), which Dataverse reaches only through its WinOpportunity message: SetState to it is refused` + fails,
		`16:33 deal: step lose: change_status "Out-Sold" sets opportunity to state 2 (Lost), which Dataverse reaches only through its LoseOpportunity message: SetState to it is refused` + fails,
		`18:29 deal: step to_name: assign "siu.lead" names user siu.lead, which bpfc writes as the owner's id; Dataverse needs a systemuser id there, and only bpfc's runtime resolves a user's name` + fails,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refused warnings differ (-want +got):\n%s", diff)
	}
}
