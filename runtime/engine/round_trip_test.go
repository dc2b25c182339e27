package engine

import (
	"slices"
	"testing"
)

// A flow whose path goes back to the table it started on.
const roundTripFlow = `
flow "round_trip" {
  display_name  = "Round Trip"
  primary_table = "lead"
  order         = 30

  stage "qualify" {
    step "subject" {
      column = "subject"
    }
  }
  stage "develop" {
    table        = "opportunity"
    relationship = "originatingleadid"
    step "name" {
      column = "name"
    }
  }
  stage "confirm" {
    table = "lead"
    step "comments" {
      column   = "qualificationcomments"
      required = true
    }
  }
}
`

// TestRoundTripTables: a stage back on an earlier stage's table is at the
// record the instance has of it (no second lead); Prev from it crosses to
// another table but keeps the lookup of the table the remaining path still
// uses, and clears a crossed table's only when the path leaves it; Finish
// on the last stage needs its required step.
func TestRoundTripTables(t *testing.T) {
	p := release(t, "sales", "flows/round_trip.hcl", roundTripFlow)
	dev := open(t, p, "dev")
	admin, ctx := dev.admin(), dev.ctx
	lead := dev.create(admin, "lead", Values{"subject": "Round", "lastname": "Trip"}, StartOptions{Flow: "round_trip"})
	id := lead.Instance.ID
	in := dev.must(admin.Next(ctx, id, MoveOptions{}))
	opp := in.Records["opportunity"]
	in = dev.must(admin.Next(ctx, id, MoveOptions{}))
	if in.ActiveStage != "confirm" || in.Records["lead"] != lead.ID || in.Records["opportunity"] != opp ||
		!slices.Equal(in.TraversedPath, []string{"qualify", "develop", "confirm"}) {
		t.Fatalf("at confirm: %+v", in)
	}
	refused(t, dev.unchanged("finish with the comments empty", func() error {
		_, err := admin.Finish(ctx, id, MoveOptions{})
		return err
	}), RuleRequiredStep, `cannot finish the instance: required step "comments" (lead.qualificationcomments) is empty`)

	// confirm -> develop: onto the opportunity; the lead stays linked.
	in = dev.must(admin.Prev(ctx, id, MoveOptions{}))
	if row := dev.instanceRow(in); in.ActiveStage != "develop" || row["bpf_leadid"] != lead.ID || row["bpf_opportunityid"] != opp {
		t.Errorf("after prev to develop: stage %s, row %v", in.ActiveStage, row)
	}
	// develop -> qualify: the opportunity's lookup is cleared.
	in = dev.must(admin.Prev(ctx, id, MoveOptions{}))
	if row := dev.instanceRow(in); in.ActiveStage != "qualify" || row["bpf_leadid"] != lead.ID || row["bpf_opportunityid"] != nil {
		t.Errorf("after prev to qualify: stage %s, row %v", in.ActiveStage, row)
	}
	// Forward again to the end and finish there.
	dev.must(admin.Next(ctx, id, MoveOptions{}))
	dev.must(admin.Next(ctx, id, MoveOptions{}))
	dev.update("lead", lead.ID, Values{"qualificationcomments": "Confirmed"})
	in = dev.must(admin.Finish(ctx, id, MoveOptions{}))
	if in.State != StateFinished || in.Records["lead"] != lead.ID || in.Records["opportunity"] != opp {
		t.Errorf("finished: %+v", in)
	}
	leads, err := admin.Records(ctx, "lead")
	if err != nil || len(leads) != 1 {
		t.Errorf("leads after the round trip: %d, %v (want the one)", len(leads), err)
	}
}
