package engine

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// Moves back to any earlier stage of the traversed path in one move
// (PrevTo, and MoveTo for the Web API's PATCH), as Dataverse's Set Active
// of a completed stage makes them. These tests run on the store the tests
// were asked for: PostgreSQL with BPFC_TEST_STORE=postgres (a database of
// their own on BPFC_TEST_POSTGRES), SQLite otherwise.

// contractTables is a table a third stage of a lead's flow is on.
const contractTables = `
table "cts_contract" {
  display_name   = "Contract"
  primary_column = "cts_name"
  column "cts_name" { type = "string" }
  column "cts_opportunityid" {
    type   = "lookup"
    target = "opportunity"
  }
}
`

// contractFlow spans three tables: lead, opportunity, contract.
const contractFlow = `
flow "contract_deal" {
  display_name  = "Contract Deal"
  primary_table = "lead"
  order         = 30

  stage "qualify" {
    step "subject" { column = "subject" }
  }
  stage "develop" {
    table        = "opportunity"
    relationship = "originatingleadid"
    step "name" { column = "name" }
  }
  stage "sign" {
    table        = "cts_contract"
    relationship = "cts_opportunityid"
    step "contract" { column = "cts_name" }
  }
  stage "archive" {
    step "archived" { column = "cts_name" }
  }
}
`

// prevToEnv deploys the sales example, with the scenario's roles and the
// contract flow, to dev on the store the tests were asked for.
func prevToEnv(t *testing.T) *env {
	t.Helper()
	dir := testenv.Example(t, "sales", "test_roles.hcl", salesTestRoles, "contract.hcl", contractTables,
		"flows/contract_deal.hcl", contractFlow)
	p := testenv.Load(t, dir)
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		p.Environment("dev").Store = pgtest.URL(t)
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	return open(t, p, "dev")
}

// unmoved runs fn, which must fail, and checks that instance id, its row
// and its stage log are as they were (on either store, where unchanged
// compares SQLite files).
func (v *env) unmoved(id, what string, fn func() error) error {
	v.t.Helper()
	before := v.show(id)
	row := v.instanceRow(before)
	err := fn()
	if err == nil {
		v.t.Fatalf("%s: succeeded, want an error", what)
	}
	after := v.show(id)
	if !reflect.DeepEqual(after, before) || !reflect.DeepEqual(v.instanceRow(after), row) {
		v.t.Errorf("%s changed the instance:\n%+v\nwas\n%+v", what, after, before)
	}
	return err
}

// visitLog is the stage log as "stage entered_how>left_how" ("open" while
// the stay lasts).
func visitLog(in *Instance) []string {
	var out []string
	for _, vi := range in.Visits {
		left := "open"
		if vi.LeftOn != nil {
			left = vi.LeftHow
		}
		out = append(out, vi.Stage+" "+vi.EnteredHow+">"+left)
	}
	return out
}

// stopped is a hook's refusal of a change, as a canceling workflow's.
type stopped struct{}

func (stopped) Error() string       { return "the workflow stopped the change" }
func (stopped) RefusesChange() bool { return true }

// strategicAtClose starts the strategic deal on a new lead and takes it
// through approval to close: qualify, develop, approval, propose, close.
func strategicAtClose(t *testing.T, v *env) (lead, opp string, in *Instance) {
	t.Helper()
	admin, ctx := v.admin(), v.ctx
	c := v.create(admin, "lead", Values{"subject": "Fleet", "lastname": "Bloggs", "budgetamount": "50000",
		"purchasetimeframe": "Immediate", "decisionmaker": "yes"}, StartOptions{Flow: "strategic_deal"})
	in = v.must(admin.Next(ctx, c.Instance.ID, MoveOptions{}))
	opp = in.Records["opportunity"]
	v.update("opportunity", opp, Values{"estimatedvalue": "30000", "customerneed": "Trucks", "cts_approverid": "admin",
		"cts_dealapproved": "yes", "developproposal": "yes"})
	for range 3 {
		in = v.must(admin.Next(ctx, c.Instance.ID, MoveOptions{}))
	}
	if !slices.Equal(in.TraversedPath, []string{"qualify", "develop", "approval", "propose", "close"}) {
		t.Fatalf("at close: %+v", in)
	}
	return c.ID, opp, in
}

// TestPrevToEarlierStage: PrevTo and MoveTo go back to any stage of the
// traversed path in one move: the path cut back there, one exit and one
// entry in the stage log (none for the stages in between), one transition
// for the hooks (the target's on_enter, as prev fires it), and Next from
// there returns to the record the instance had.
func TestPrevToEarlierStage(t *testing.T) {
	dev := prevToEnv(t)
	admin, ctx := dev.admin(), dev.ctx
	lead, opp, in := strategicAtClose(t, dev)
	id := in.ID
	dev.hooks.take()

	// A realtime workflow that refuses the move back refuses it whole,
	// saying which move.
	dev.hooks.fail = stopped{}
	refused(t, dev.unmoved(id, "PrevTo refused by a workflow", func() error {
		_, err := admin.PrevTo(ctx, id, "develop", MoveOptions{})
		return err
	}), RuleWorkflow, "cannot move back to stage develop: the workflow stopped the change")
	dev.hooks.fail = nil

	dev.clock.Advance(time.Hour)
	in = dev.must(admin.PrevTo(ctx, id, "approval", MoveOptions{IfVersion: in.Version}))
	if in.ActiveStage != "approval" || !slices.Equal(in.TraversedPath, []string{"qualify", "develop", "approval"}) ||
		!in.ActiveStageStartedOn.Equal(dev.clock.Now()) || in.Records["lead"] != lead || in.Records["opportunity"] != opp {
		t.Errorf("after PrevTo approval: %+v", in)
	}
	f := dev.flow("strategic_deal")
	if row := dev.instanceRow(in); row["traversedpath"] != f.stageID["qualify"]+","+f.stageID["develop"]+","+f.stageID["approval"] ||
		row["activestageid"] != f.stageID["approval"] {
		t.Errorf("instance row after PrevTo approval: %v", row)
	}
	// approval's on_enter, not propose's or close's, and no on_exit.
	if got := dev.hooks.take(); !slices.Equal(got, []string{"prev close>approval request_deal_approval"}) {
		t.Errorf("transitions seen by the hooks: %q", got)
	}
	want := []string{"qualify start>next", "develop next>next", "approval next>next", "propose next>next", "close next>prev", "approval prev>open"}
	if got := visitLog(dev.show(id)); !slices.Equal(got, want) {
		t.Errorf("stage log:\n got %q\nwant %q", got, want)
	}

	// MoveTo (a PATCH of activestageid) to the first stage, by name: back
	// across to the lead, the opportunity's lookup cleared.
	dir, in, err := admin.MoveTo(ctx, "", id, "qualify", MoveOptions{})
	if err != nil || dir != DirectionPrev || in.ActiveStage != "qualify" || !slices.Equal(in.TraversedPath, []string{"qualify"}) {
		t.Fatalf("MoveTo qualify: %d %+v %v", dir, in, err)
	}
	if row := dev.instanceRow(in); row["bpf_opportunityid"] != nil || row["bpf_leadid"] != lead {
		t.Errorf("after MoveTo qualify, the row's lookups: lead %v, opportunity %v", row["bpf_leadid"], row["bpf_opportunityid"])
	}
	if got := dev.hooks.take(); !slices.Equal(got, []string{"prev approval>qualify "}) {
		t.Errorf("transitions seen by the hooks: %q", got)
	}
	if got := visitLog(dev.show(id)); !slices.Equal(got, append(want[:len(want)-1], "approval prev>prev", "qualify prev>open")) {
		t.Errorf("stage log: %q", got)
	}
	// The path ahead is resolved on the opportunity a move there returns
	// to (its value takes the approval branch), as Next below goes, not on
	// no opportunity (the default branch, to propose).
	if got := dev.show(id).ActivePath; !slices.Equal(got, []string{"qualify", "develop", "approval", "propose", "close"}) {
		t.Errorf("the active path back at qualify: %q", got)
	}
	// Forward again: the opportunity it had, not a new one.
	if in = dev.must(admin.Next(ctx, id, MoveOptions{})); in.Records["opportunity"] != opp {
		t.Errorf("next after the move back linked %q, want %s", in.Records["opportunity"], opp)
	}
}

// TestPrevToClearsEveryTableLeft: back over two tables clears both of
// their lookups; back to a stage whose table the cut path still has keeps
// it; a move back onto a deleted record is refused.
func TestPrevToClearsEveryTableLeft(t *testing.T) {
	dev := prevToEnv(t)
	admin, ctx := dev.admin(), dev.ctx
	lead := dev.create(admin, "lead", Values{"subject": "Contract", "lastname": "Three"}, StartOptions{Flow: "contract_deal"})
	id := lead.Instance.ID
	var in *Instance
	for range 3 {
		in = dev.must(admin.Next(ctx, id, MoveOptions{}))
	}
	opp, contract := in.Records["opportunity"], in.Records["cts_contract"]
	if in.ActiveStage != "archive" || opp == "" || contract == "" {
		t.Fatalf("at archive: %+v", in)
	}
	in = dev.must(admin.PrevTo(ctx, id, "develop", MoveOptions{}))
	if row := dev.instanceRow(in); in.ActiveStage != "develop" || row["bpf_cts_contractid"] != nil ||
		row["bpf_opportunityid"] != opp || row["bpf_leadid"] != lead.ID {
		t.Errorf("after PrevTo develop: stage %s, row %v", in.ActiveStage, row)
	}
	dev.must(admin.Next(ctx, id, MoveOptions{}))
	if in = dev.must(admin.Next(ctx, id, MoveOptions{})); in.Records["cts_contract"] != contract {
		t.Errorf("forward again: contract %q, want %s", in.Records["cts_contract"], contract)
	}
	in = dev.must(admin.PrevTo(ctx, id, "qualify", MoveOptions{}))
	if row := dev.instanceRow(in); in.ActiveStage != "qualify" || row["bpf_cts_contractid"] != nil ||
		row["bpf_opportunityid"] != nil || row["bpf_leadid"] != lead.ID || len(in.Records) != 1 {
		t.Errorf("after PrevTo qualify: stage %s, row %v", in.ActiveStage, row)
	}
	want := []string{"qualify start>next", "develop next>next", "sign next>next", "archive next>prev", "develop prev>next",
		"sign next>next", "archive next>prev", "qualify prev>open"}
	if got := visitLog(dev.show(id)); !slices.Equal(got, want) {
		t.Errorf("stage log:\n got %q\nwant %q", got, want)
	}

	// Back onto an opportunity that was deleted: refused, nothing changed.
	for range 3 {
		in = dev.must(admin.Next(ctx, id, MoveOptions{}))
	}
	if err := admin.DeleteRecord(ctx, "opportunity", opp); err != nil {
		t.Fatal(err)
	}
	refused(t, dev.unmoved(id, "PrevTo onto a deleted opportunity", func() error {
		_, err := admin.PrevTo(ctx, id, "develop", MoveOptions{})
		return err
	}), RuleRecordDeleted, `cannot move back to stage develop: opportunity `+opp+` of stage "develop" was deleted: the instance cannot go back to it`)
}

// TestPrevToRefusals: the active stage, a stage not traversed, a misspelt
// one, the first stage, a stale version, an ended instance and a user who
// may only read are refused, each saying which stages can be chosen where
// that is the fix, and change nothing.
func TestPrevToRefusals(t *testing.T) {
	dev := prevToEnv(t)
	admin, ctx := dev.admin(), dev.ctx
	if _, err := admin.AddUser(ctx, NewUser{Name: "rita", Roles: []string{"lead_reader"}}); err != nil {
		t.Fatal(err)
	}
	c := dev.create(admin, "lead", Values{"subject": "Small", "lastname": "Deal", "budgetamount": "5000",
		"purchasetimeframe": "Immediate", "decisionmaker": "yes"}, StartOptions{Flow: "strategic_deal"})
	id := c.Instance.ID
	prevTo := func(s *Session, stage string, mo MoveOptions) func() error {
		return func() error {
			_, err := s.PrevTo(ctx, id, stage, mo)
			return err
		}
	}
	refused(t, dev.unmoved(id, "PrevTo the first stage, active", prevTo(admin, "qualify", MoveOptions{})), RuleTargetStage,
		`cannot move back to stage qualify: stage "qualify" is the active stage already; the instance is at its first stage, "qualify", and has none to go back to`)
	refused(t, dev.unmoved(id, "PrevTo from the first stage", prevTo(admin, "develop", MoveOptions{})), RuleFirstStage,
		`cannot move back to stage develop: stage "qualify" is the first stage of the instance: there is no stage to go back to`)
	in := dev.must(admin.Next(ctx, id, MoveOptions{}))
	dev.update("opportunity", in.Records["opportunity"], Values{"estimatedvalue": "1000", "customerneed": "Vans"})
	in = dev.must(admin.Next(ctx, id, MoveOptions{})) // below the threshold: no approval
	if in.ActiveStage != "propose" {
		t.Fatalf("at %s, want propose", in.ActiveStage)
	}
	refused(t, dev.unmoved(id, "PrevTo the active stage", prevTo(admin, "propose", MoveOptions{})), RuleTargetStage,
		`cannot move back to stage propose: stage "propose" is the active stage already; the instance can go back to "qualify" or "develop"`)
	refused(t, dev.unmoved(id, "PrevTo a stage not traversed", prevTo(admin, "approval", MoveOptions{})), RuleTargetStage,
		`cannot move back to stage approval: stage "approval" is not a stage the instance traversed before "propose"; the instance can go back to "qualify" or "develop"`)
	refused(t, dev.unmoved(id, "PrevTo a stage ahead", prevTo(admin, "close", MoveOptions{})), RuleTargetStage,
		`stage "close" is not a stage the instance traversed before "propose"`)
	err := dev.unmoved(id, "PrevTo a misspelt stage", prevTo(admin, "devlop", MoveOptions{}))
	if !errors.Is(err, ErrInvalid) || err.Error() != `flow strategic_deal has no stage "devlop"; the instance can go back to "qualify" or "develop"; did you mean develop?` {
		t.Errorf("a misspelt stage: %v", err)
	}
	err = dev.unmoved(id, "PrevTo at a stale version", prevTo(admin, "qualify", MoveOptions{IfVersion: in.Version - 1}))
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Expected != in.Version-1 || ce.Actual != in.Version {
		t.Errorf("a stale version: %v", err)
	}
	err = dev.unmoved(id, "PrevTo by a user without write", prevTo(dev.as("rita"), "qualify", MoveOptions{}))
	if !errors.Is(err, ErrForbidden) {
		t.Errorf("a user who may not write the flow: %v", err)
	}
	dev.must(admin.Abandon(ctx, id, MoveOptions{}))
	refused(t, dev.unmoved(id, "PrevTo of an abandoned instance", prevTo(admin, "qualify", MoveOptions{})), RuleNotActive,
		"the instance is aborted (reactivate it first)")
	// An empty stage is Prev: one stage back.
	dev.must(admin.Reactivate(ctx, id, MoveOptions{}))
	if in = dev.must(admin.PrevTo(ctx, id, "", MoveOptions{})); in.ActiveStage != "develop" {
		t.Errorf("PrevTo with no stage went to %s, want develop", in.ActiveStage)
	}
	if !strings.Contains(strings.Join(visitLog(dev.show(id)), " "), "propose reactivate>prev develop prev>open") {
		t.Errorf("stage log: %q", visitLog(dev.show(id)))
	}
}

// TestMoveToEarlierStageRefusesOthers: MoveTo's refusal of a stage that
// is neither next nor traversed names the stages it can go to.
func TestMoveToEarlierStageRefusesOthers(t *testing.T) {
	dev := prevToEnv(t)
	admin, ctx := dev.admin(), dev.ctx
	_, _, in := strategicAtClose(t, dev)
	dev.must(admin.PrevTo(ctx, in.ID, "develop", MoveOptions{}))
	dev.update("opportunity", in.Records["opportunity"], Values{"estimatedvalue": "1000"})
	refused(t, dev.unmoved(in.ID, "MoveTo a stage two ahead", func() error {
		_, _, err := admin.MoveTo(ctx, "", in.ID, "close", MoveOptions{})
		return err
	}), RuleTargetStage, `cannot move to stage close: an instance moves forward one stage at a time, or back to a stage it traversed: from "develop" the next stage is "propose"; the instance can go back to "qualify" only`)
}

// TestStartAlongReportsEveryRun: an instance started at a later stage
// (StartAlong) reports the workflows of the start and of every move along
// the path, not the last move's alone.
func TestStartAlongReportsEveryRun(t *testing.T) {
	dev := prevToEnv(t)
	admin, ctx := dev.admin(), dev.ctx
	c := dev.create(admin, "lead", Values{"subject": "Fleet", "lastname": "Bloggs", "budgetamount": "50000",
		"purchasetimeframe": "Immediate", "decisionmaker": "yes"}, StartOptions{NoFlow: true})
	dev.hooks.take()
	in, err := admin.StartAlong(ctx, "strategic_deal", "lead", c.ID, "", []string{"qualify", "develop"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range in.Workflows {
		got = append(got, r.Workflow)
	}
	if in.ActiveStage != "develop" || !slices.Equal(got, []string{"start qualify", "next develop"}) {
		t.Errorf("started along to %s, workflows %q", in.ActiveStage, got)
	}
}

// TestStartAlongLinks: a start along a path that crosses into another
// table links the existing record given for that table (a Dataverse
// client binds it in the create) instead of creating one; a record of a
// table the path does not reach is refused, and nothing is started.
func TestStartAlongLinks(t *testing.T) {
	dev := prevToEnv(t)
	admin, ctx := dev.admin(), dev.ctx
	c := dev.create(admin, "lead", Values{"subject": "Fleet", "lastname": "Bloggs", "budgetamount": "50000",
		"purchasetimeframe": "Immediate", "decisionmaker": "yes"}, StartOptions{NoFlow: true})
	opp := dev.create(admin, "opportunity", Values{"name": "Fleet deal"}, StartOptions{NoFlow: true})
	for _, bad := range []struct {
		path  []string
		links map[string]string
	}{
		{[]string{"qualify"}, map[string]string{"opportunity": opp.ID}},
		{nil, map[string]string{"opportunity": opp.ID}},
		{[]string{"qualify", "develop"}, map[string]string{"lead": c.ID}},
	} {
		if _, err := admin.StartAlong(ctx, "strategic_deal", "lead", c.ID, "", bad.path, bad.links); err == nil {
			t.Errorf("a start along %v linking %v succeeded", bad.path, bad.links)
		}
	}
	if ins, err := admin.Instances(ctx, InstanceFilter{Table: "lead", RecordID: c.ID}); err != nil || len(ins) != 0 {
		t.Fatalf("refused starts left %d instances (%v)", len(ins), err)
	}
	in, err := admin.StartAlong(ctx, "strategic_deal", "lead", c.ID, "", []string{"qualify", "develop"}, map[string]string{"opportunity": opp.ID})
	if err != nil {
		t.Fatal(err)
	}
	if in.ActiveStage != "develop" || in.Records["opportunity"] != opp.ID {
		t.Errorf("started along to %s, records %v; want develop, opportunity %s", in.ActiveStage, in.Records, opp.ID)
	}
}
