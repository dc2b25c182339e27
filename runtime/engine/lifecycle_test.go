package engine

import (
	"slices"
	"testing"
	"time"
)

// TestStartAndReactivateAbandoned: a start writes the spec's row (the
// first stage's lookup, the first stage active since now, state Active,
// the path so far that stage), and an instance abandoned before its last
// stage reactivates there: Active again, its completedon and duration
// kept, its stay at the stage beginning anew.
func TestStartAndReactivateAbandoned(t *testing.T) {
	p := release(t, "sales")
	dev := open(t, p, "dev")
	admin, ctx := dev.admin(), dev.ctx
	dev.clock.Advance(7 * time.Minute)
	started := dev.clock.Now()
	lead := dev.create(admin, "lead", Values{"subject": "Start", "lastname": "Row"}, StartOptions{Flow: "strategic_deal"})
	in := lead.Instance
	f := dev.flow("strategic_deal")
	row := dev.instanceRow(in)
	for col, want := range map[string]any{
		"bpf_leadid": lead.ID, "bpf_opportunityid": nil, "activestageid": f.stageID["qualify"], "traversedpath": f.stageID["qualify"],
		"statecode": int64(0), "statuscode": int64(1), "completedon": nil, "bpf_duration": nil, "processid": f.wf.ID,
	} {
		if got := row[col]; got != want {
			t.Errorf("started instance's %s = %#v, want %#v", col, got, want)
		}
	}
	if on, ok := row["activestagestartedon"].(time.Time); !ok || !on.Equal(started) {
		t.Errorf("activestagestartedon = %v, want %v", row["activestagestartedon"], started)
	}
	if in.State != StateActive || in.ActiveStage != "qualify" || !slices.Equal(in.TraversedPath, []string{"qualify"}) {
		t.Errorf("started: %+v", in)
	}

	dev.clock.Advance(45 * time.Minute)
	ended := dev.clock.Now()
	in = dev.must(admin.Abandon(ctx, in.ID, MoveOptions{}))
	if in.State != StateAborted || in.StateCode != 1 || in.StatusCode != 3 || !in.CompletedOn.Equal(ended) || *in.DurationMinutes != 45 {
		t.Errorf("abandoned on the first stage: %+v", in)
	}
	dev.clock.Advance(time.Hour)
	in = dev.must(admin.Reactivate(ctx, in.ID, MoveOptions{}))
	if in.State != StateActive || in.StateCode != 0 || in.StatusCode != 1 || in.ActiveStage != "qualify" ||
		in.CompletedOn == nil || !in.CompletedOn.Equal(ended) || in.DurationMinutes == nil || *in.DurationMinutes != 45 ||
		!in.ActiveStageStartedOn.Equal(dev.clock.Now()) {
		t.Errorf("reactivated: %+v", in)
	}
	vs := dev.show(in.ID).Visits
	if n := len(vs); n != 2 || vs[0].LeftHow != "abandon" || vs[1].EnteredHow != "reactivate" || vs[1].LeftOn != nil {
		t.Errorf("stage log: %+v", vs)
	}
}
