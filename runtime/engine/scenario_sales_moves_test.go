package engine

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// The sales scenario's moves: next, prev, finish, abandon, reactivate, a
// deleted record, users and roles, and a redeploy.

func (sc *salesScenario) next(t *testing.T) {
	dev, admin, ctx := sc.dev.with(t), sc.admin, sc.ctx
	dev.hooks.take()
	lead := dev.create(admin, "lead", Values{"subject": "Fleet", "firstname": "Jo", "lastname": "Bloggs"}, StartOptions{Flow: "strategic_deal"})
	id := lead.Instance.ID
	next := func() error {
		_, err := admin.Next(ctx, id, MoveOptions{})
		return err
	}
	r := refused(t, dev.unchanged("next with three required steps empty", next), RuleRequiredStep,
		`cannot move to the next stage: required step "budget" (lead.budgetamount) is empty; required step "timeframe" (lead.purchasetimeframe) is empty; required step "decision_maker" (lead.decisionmaker) must be Yes`)
	if r.Step != "budget" || !slices.Equal(r.Steps, []string{"budget", "timeframe", "decision_maker"}) || r.Stage != "qualify" || r.Instance != id {
		t.Errorf("refusal %+v", r)
	}
	// The record and columns that fill the steps, for a caller to say how.
	wantMissing := []Missing{{"budget", "budgetamount", false}, {"timeframe", "purchasetimeframe", false}, {"decision_maker", "decisionmaker", true}}
	if r.Table != "lead" || r.Record != lead.ID || !slices.Equal(r.Missing, wantMissing) {
		t.Errorf("refusal's record and columns: %s %s %+v, want lead %s %+v", r.Table, r.Record, r.Missing, lead.ID, wantMissing)
	}
	dev.update("lead", lead.ID, Values{"purchasetimeframe": "Immediate", "decisionmaker": "yes"})
	if err := dev.unchanged("next with the budget empty", next); err.Error() != `cannot move to the next stage: required step "budget" (lead.budgetamount) is empty` {
		t.Errorf("refusal: %v", err)
	}
	dev.update("lead", lead.ID, Values{"budgetamount": "50000", "decisionmaker": "no"})
	refused(t, dev.unchanged("next with a required yes/no step at no", next), RuleRequiredStep,
		`cannot move to the next stage: required step "decision_maker" (lead.decisionmaker) must be Yes`)
	dev.update("lead", lead.ID, Values{"decisionmaker": "yes"})

	// Linking: to a missing record, or to one of another lead, is refused.
	refused(t, dev.unchanged("a link to a missing opportunity", func() error {
		_, err := admin.Next(ctx, id, MoveOptions{Link: "00000000-0000-0000-0000-00000000dead"})
		return err
	}), RuleLink, `there is no opportunity "00000000-0000-0000-0000-00000000dead" to link to stage "develop"`)
	other := dev.create(admin, "lead", Values{"subject": "Other"}, StartOptions{NoFlow: true})
	foreign := dev.create(admin, "opportunity", Values{"name": "Foreign", "originatingleadid": other.ID}, StartOptions{NoFlow: true})
	refused(t, dev.unchanged("a link to another lead's opportunity", func() error {
		_, err := admin.Next(ctx, id, MoveOptions{Link: foreign.ID})
		return err
	}), RuleLink, "belongs to another lead (opportunity.originatingleadid = "+other.ID+")")

	dev.clock.Advance(time.Hour)
	in := dev.must(admin.Next(ctx, id, MoveOptions{})) // creates the opportunity
	opp := in.Records["opportunity"]
	if in.ActiveStage != "develop" || opp == "" || !slices.Equal(in.TraversedPath, []string{"qualify", "develop"}) ||
		!in.ActiveStageStartedOn.Equal(dev.clock.Now()) || in.Version != 2 {
		t.Errorf("after next: %+v", in)
	}
	o, err := admin.Record(ctx, "opportunity", opp)
	if err != nil || o.Values["originatingleadid"] != lead.ID || o.Values["name"] != "Fleet" {
		t.Errorf("created opportunity = %v, %v", o, err)
	}
	row := dev.instanceRow(in)
	f := dev.flow("strategic_deal")
	if row["traversedpath"] != f.stageID["qualify"]+","+f.stageID["develop"] || row["activestageid"] != f.stageID["develop"] ||
		row["bpf_opportunityid"] != opp || row["bpf_leadid"] != lead.ID {
		t.Errorf("instance row = %v", row)
	}

	// develop -> approval (30000 > dev's 25000) -> propose -> close.
	refused(t, dev.unchanged("next with the value empty", next), RuleRequiredStep, `required step "value" (opportunity.estimatedvalue) is empty`)
	dev.update("opportunity", opp, Values{"estimatedvalue": "30000", "customerneed": "Trucks"})
	refused(t, dev.unchanged("a link to a stage on the same table", func() error {
		_, err := admin.Next(ctx, id, MoveOptions{Link: opp})
		return err
	}), RuleLink, `stage "approval" is on opportunity like stage "develop": a link is only for a move to a stage on another table`)
	if in = dev.must(admin.Next(ctx, id, MoveOptions{})); in.ActiveStage != "approval" {
		t.Fatalf("branch: at %s, want approval", in.ActiveStage)
	}
	dev.update("opportunity", opp, Values{"cts_approverid": "alice", "cts_dealapproved": "no"})
	refused(t, dev.unchanged("next with approved = no", next), RuleRequiredStep, `required step "approved" (opportunity.cts_dealapproved) must be Yes`)
	dev.update("opportunity", opp, Values{"cts_dealapproved": "yes", "developproposal": "yes"})
	dev.must(admin.Next(ctx, id, MoveOptions{}))
	in = dev.must(admin.Next(ctx, id, MoveOptions{}))
	if in.ActiveStage != "close" || !slices.Equal(in.TraversedPath, []string{"qualify", "develop", "approval", "propose", "close"}) {
		t.Errorf("at the end: %+v", in)
	}
	refused(t, dev.unchanged("next on the last stage", next), RuleLastStage,
		`cannot move to the next stage: stage "close" is the last stage of the active path; finish the instance instead`)

	// The workflows each move fires, as the hook saw them.
	want := []string{"start ->qualify ", "next qualify>develop notify_deal_desk", "next develop>approval request_deal_approval",
		"next approval>propose record_approval", "next propose>close "}
	if got := dev.hooks.take(); !slices.Equal(got, want) {
		t.Errorf("transitions seen by the hooks:\n got %q\nwant %q", got, want)
	}
	// A hook that fails refuses the move and changes nothing.
	dev.hooks.fail = errors.New("realtime workflow failed")
	prevErr := dev.unchanged("prev with a failing hook", func() error {
		_, err := admin.Prev(ctx, id, MoveOptions{})
		return err
	})
	dev.hooks.fail = nil
	if prevErr.Error() != "realtime workflow failed" {
		t.Errorf("failing hook: %v", prevErr)
	}
}

// newRecordPrefilled: the opportunity a move from a lead creates starts as
// Dataverse's create form through opportunity_originating_lead does: the
// lead's Topic as its name (not the lead's person), its Account and
// Contact; a lookup the mover may not read or link to stays empty rather
// than failing the move.
func (sc *salesScenario) newRecordPrefilled(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	alice := dev.as("alice")
	acct := dev.create(admin, "account", Values{"name": "Contoso"}, StartOptions{})
	ann := dev.create(admin, "contact", Values{"firstname": "Ann", "lastname": "Lee", "ownerid": "alice"}, StartOptions{})
	for _, c := range []struct {
		who         *Session
		wantAccount any
	}{{admin, acct.ID}, {alice, nil}} {
		lead := newLead(admin, StartOptions{Flow: "strategic_deal"}, Values{"subject": "Fleet renewal", "firstname": "Ann", "lastname": "Lee",
			"parentaccountid": acct.ID, "parentcontactid": ann.ID, "description": "Call after lunch", "ownerid": "alice"})
		in := dev.must(c.who.Next(ctx, lead.Instance.ID, MoveOptions{}))
		o, err := admin.Record(ctx, "opportunity", in.Records["opportunity"])
		if err != nil {
			t.Fatal(err)
		}
		if o.Values["name"] != "Fleet renewal" || o.Values["parentcontactid"] != ann.ID || o.Values["parentaccountid"] != c.wantAccount ||
			o.Values["originatingleadid"] != lead.ID || o.Values["description"] != nil {
			t.Errorf("opportunity created by %s's move: %v", c.who.User(), o.Values)
		}
	}
	// A lead without a Topic: the opportunity is named after its person.
	lead := newLead(admin, StartOptions{Flow: "strategic_deal"}, Values{"subject": "", "firstname": "Bo", "lastname": "Rin"})
	in := dev.must(admin.Next(ctx, lead.Instance.ID, MoveOptions{}))
	if o, err := admin.Record(ctx, "opportunity", in.Records["opportunity"]); err != nil || o.Values["name"] != "Bo Rin" {
		t.Errorf("opportunity of a lead without a Topic: %v %v", o, err)
	}
}

func (sc *salesScenario) traversedPathLimit(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	lead := newLead(admin, StartOptions{Flow: "strategic_deal"}, nil)
	f := dev.flow("strategic_deal")
	path := strings.Repeat(f.stageID["develop"]+",", 32) + f.stageID["qualify"] // 1,220 characters
	dev.writeInstance(lead.Instance.ID, map[string]any{"traversedpath": path})
	refused(t, dev.unchanged("a path beyond 1,250 characters", func() error {
		_, err := admin.Next(ctx, lead.Instance.ID, MoveOptions{})
		return err
	}), RuleTraversedPath, "the traversed path would be 1257 characters long, more than the 1250 traversedpath holds")
}

func (sc *salesScenario) linkAndPrev(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	lead := newLead(admin, StartOptions{}, nil) // lead to opportunity
	opp := dev.create(admin, "opportunity", Values{"name": "Existing"}, StartOptions{NoFlow: true})
	in := dev.must(admin.Next(ctx, lead.Instance.ID, MoveOptions{Link: opp.ID}))
	if in.Records["opportunity"] != opp.ID {
		t.Errorf("linked %v, want %s", in.Records, opp.ID)
	}
	if o, _ := admin.Record(ctx, "opportunity", opp.ID); o.Values["originatingleadid"] != lead.ID {
		t.Errorf("the linked opportunity does not point back: %v", o.Values["originatingleadid"])
	}
	in = dev.must(admin.Prev(ctx, in.ID, MoveOptions{}))
	if in.ActiveStage != "qualify" || len(in.Records) != 1 || !slices.Equal(in.TraversedPath, []string{"qualify"}) {
		t.Errorf("after prev: %+v", in)
	}
	if row := dev.instanceRow(in); row["bpf_opportunityid"] != nil {
		t.Errorf("prev kept the opportunity lookup: %v", row["bpf_opportunityid"])
	}
	refused(t, dev.unchanged("prev on the first stage", func() error {
		_, err := admin.Prev(ctx, in.ID, MoveOptions{})
		return err
	}), RuleFirstStage, `cannot move to the previous stage: stage "qualify" is the first stage of the instance`)
	// Forward again without a link: back to the opportunity the instance
	// had (it points back at the lead), not a second one.
	in = dev.must(admin.Next(ctx, in.ID, MoveOptions{}))
	in = dev.must(admin.Next(ctx, in.ID, MoveOptions{}))
	in = dev.must(admin.Prev(ctx, in.ID, MoveOptions{})) // propose -> develop: same table, the lookup stays
	if in.ActiveStage != "develop" || in.Records["opportunity"] != opp.ID {
		t.Errorf("after next, next, prev: %+v", in)
	}
	var pointing int
	if err := dev.s.Read(ctx, func(tx store.Tx) error {
		ot, err := tx.Table("opportunity")
		if err != nil {
			return err
		}
		rows, err := tx.FindRows(ot, map[string]any{"originatingleadid": lead.ID})
		pointing = len(rows)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if pointing != 1 {
		t.Errorf("%d opportunities point back at the lead after prev and next; want the one", pointing)
	}

	// A first move there creates one, though a record pointing back exists
	// (the instance never had it).
	fresh := newLead(admin, StartOptions{}, nil)
	before := dev.create(admin, "opportunity", Values{"name": "Earlier", "originatingleadid": fresh.ID}, StartOptions{NoFlow: true})
	if in := dev.must(admin.Next(ctx, fresh.Instance.ID, MoveOptions{})); in.Records["opportunity"] == before.ID || in.Records["opportunity"] == "" {
		t.Errorf("a first move linked the opportunity that points back: %v", in.Records)
	}

	// Back onto a lead that was deleted: refused, the instance as it was
	// (it unlinked the opportunity and could never move forward again).
	gone := newLead(admin, StartOptions{}, nil)
	moved := dev.must(admin.Next(ctx, gone.Instance.ID, MoveOptions{}))
	if err := admin.DeleteRecord(ctx, "lead", gone.ID); err != nil {
		t.Fatal(err)
	}
	refused(t, dev.unchanged("prev onto a deleted lead", func() error {
		_, err := admin.Prev(ctx, moved.ID, MoveOptions{})
		return err
	}), RuleRecordDeleted, `cannot move to the previous stage: lead `+gone.ID+` of stage "qualify" was deleted: the instance cannot go back to it`)
}

func (sc *salesScenario) finishAbandonReactivate(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	lead := newLead(admin, StartOptions{}, nil)
	id := lead.Instance.ID
	created := dev.clock.Now()
	dev.must(admin.Next(ctx, id, MoveOptions{}))
	refused(t, dev.unchanged("finish on develop", func() error {
		_, err := admin.Finish(ctx, id, MoveOptions{})
		return err
	}), RuleNotLastStage, `cannot finish the instance: stage "develop" is not the last stage of the active path ("propose" comes next)`)
	dev.must(admin.Next(ctx, id, MoveOptions{}))
	dev.must(admin.Next(ctx, id, MoveOptions{}))
	dev.clock.Advance(90*time.Minute + 30*time.Second)
	in := dev.must(admin.Finish(ctx, id, MoveOptions{}))
	if in.State != StateFinished || in.StateCode != 1 || in.StatusCode != 2 || in.CompletedOn == nil ||
		!in.CompletedOn.Equal(created.Add(90*time.Minute+30*time.Second)) || in.DurationMinutes == nil || *in.DurationMinutes != 90 {
		t.Errorf("finished: %+v", in)
	}
	for name, fn := range map[string]moveFn{"next": admin.Next, "prev": admin.Prev, "finish": admin.Finish, "abandon": admin.Abandon} {
		refused(t, dev.unchanged(name+" of a finished instance", func() error {
			_, err := fn(ctx, id, MoveOptions{})
			return err
		}), RuleNotActive, "the instance is finished (reactivate it first)")
	}
	dev.clock.Advance(time.Hour)
	in = dev.must(admin.Reactivate(ctx, id, MoveOptions{}))
	if in.State != StateActive || in.StateCode != 0 || in.StatusCode != 1 || in.CompletedOn == nil ||
		!in.CompletedOn.Equal(created.Add(90*time.Minute+30*time.Second)) || *in.DurationMinutes != 90 || in.ActiveStage != "close" ||
		!in.ActiveStageStartedOn.Equal(dev.clock.Now()) {
		t.Errorf("reactivated: %+v", in)
	}
	refused(t, dev.unchanged("reactivate an active instance", func() error {
		_, err := admin.Reactivate(ctx, id, MoveOptions{})
		return err
	}), RuleAlreadyActive, "cannot reactivate the instance: the instance is already active")
	in = dev.must(admin.Abandon(ctx, id, MoveOptions{}))
	if in.State != StateAborted || in.StateCode != 1 || in.StatusCode != 3 || !in.CompletedOn.Equal(dev.clock.Now()) || *in.DurationMinutes != 150 {
		t.Errorf("abandoned: %+v", in)
	}

	// The stage log: every entry and exit, who and how.
	var got []string
	for _, v := range dev.show(id).Visits {
		left := "open"
		if v.LeftOn != nil {
			left = v.LeftOn.Sub(created).String() + " " + v.LeftHow + " by " + v.LeftBy
		}
		got = append(got, v.Stage+" "+v.EnteredOn.Sub(created).String()+" "+v.EnteredHow+" by "+v.EnteredBy+", "+left)
	}
	want := []string{
		"qualify 0s start by admin, 0s next by admin",
		"develop 0s next by admin, 0s next by admin",
		"propose 0s next by admin, 0s next by admin",
		"close 0s next by admin, 1h30m30s finish by admin",
		"close 2h30m30s reactivate by admin, 2h30m30s abandon by admin",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stage log:\n got %q\nwant %q", got, want)
	}
}

func (sc *salesScenario) deletingARecordKeepsItsInstances(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	lead := newLead(admin, StartOptions{}, nil)
	opp := dev.create(admin, "opportunity", Values{"name": "From lead", "originatingleadid": lead.ID}, StartOptions{NoFlow: true})
	if err := admin.DeleteRecord(ctx, "lead", lead.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Record(ctx, "lead", lead.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted lead still reads: %v", err)
	}
	in := dev.show(lead.Instance.ID)
	if in.Records["lead"] != lead.ID || in.RecordNames["lead"] != "" || in.State != StateActive {
		t.Errorf("instance of the deleted lead: %+v", in)
	}
	if o, _ := admin.Record(ctx, "opportunity", opp.ID); o.Values["originatingleadid"] != nil || o.Version != 2 {
		t.Errorf("the opportunity still points at the deleted lead: %v", o.Values)
	}
	refused(t, dev.unchanged("next without the lead", func() error {
		_, err := admin.Next(ctx, lead.Instance.ID, MoveOptions{})
		return err
	}), RuleRecordDeleted, `lead `+lead.ID+` of stage "qualify" was deleted`)
	dev.must(admin.Abandon(ctx, lead.Instance.ID, MoveOptions{}))
	if err := admin.DeleteRecord(ctx, "lead", lead.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
}

func (sc *salesScenario) usersAndRoles(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	// alice's lead (lead to opportunity): her salesperson role reaches the
	// leads she owns (user depth), which her moves read.
	lead := newLead(dev.as("alice"), StartOptions{}, nil)
	id := lead.Instance.ID
	if _, err := dev.as("alice").AddUser(ctx, NewUser{Name: "mallory", Roles: []string{"system_administrator"}}); !errors.Is(err, ErrForbidden) ||
		!strings.Contains(err.Error(), `user "alice" may not add users: only a system_administrator may`) {
		t.Errorf("alice adding a user: %v", err)
	}
	if _, err := admin.AddUser(ctx, NewUser{Name: "eve", Roles: []string{"nosuchrole"}}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "its roles are cleaner, customer_service_representative") {
		t.Errorf("unknown role: %v", err)
	}
	if _, err := admin.AddUser(ctx, NewUser{Name: "alice"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("adding alice twice: %v", err)
	}
	users, err := dev.as("carol").Users(ctx)
	if err != nil || len(users) != 9 {
		t.Errorf("users = %d, %v", len(users), err)
	}
	forbidden := func(who, op, msg string, fn func(s *Session) error) {
		t.Helper()
		err := dev.unchanged(who+" "+op, func() error { return fn(dev.as(who)) })
		if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s %s: %v, want %q", who, op, err, msg)
		}
	}
	show := func(s *Session) error { _, err := s.Instance(ctx, id); return err }
	next := func(s *Session) error { _, err := s.Next(ctx, id, MoveOptions{}); return err }
	forbidden("carol", "shows", `user "carol" may not see instances of flow lead_to_opportunity: none of their roles grants read on cts_leadtoopportunity`, show)
	forbidden("carol", "moves", "grants read on cts_leadtoopportunity", next)
	forbidden("rita", "moves", `user "rita" may not change instances of flow lead_to_opportunity: none of their roles grants write on cts_leadtoopportunity`, next)
	forbidden("rita", "starts", "grants create on cts_leadtoopportunity", func(s *Session) error {
		_, err := s.Start(ctx, "lead_to_opportunity", "lead", lead.ID)
		return err
	})
	forbidden("nick", "crosses to the opportunity", `user "nick" may not link instances of flow lead_to_opportunity to records of another table: none of their roles grants append_to on cts_leadtoopportunity`, next)
	forbidden("alice", "deletes", "grants delete on cts_leadtoopportunity", func(s *Session) error { return s.DeleteInstance(ctx, id, MoveOptions{}) })
	forbidden("nobody", "reads", `user "nobody" has no security role`, show)
	forbidden("ghost", "reads", `user "ghost" is not a user of environment dev`, show)
	if err := dev.s.Write(ctx, func(tx store.Tx) error {
		u, err := tx.User("dave")
		u.Disabled = true
		if err == nil {
			err = tx.PutUser(u)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	forbidden("dave", "creates", `user "dave" is disabled`, func(s *Session) error {
		_, err := s.CreateRecord(ctx, "lead", Values{"subject": "x"}, StartOptions{})
		return err
	})
	if err := show(dev.as("rita")); err != nil {
		t.Errorf("rita reads: %v", err)
	}
	if _, err := dev.as("alice").Next(ctx, id, MoveOptions{}); err != nil { // salesperson: every privilege but delete
		t.Errorf("alice moves: %v", err)
	}
	if _, err := dev.as("cust").Prev(ctx, id, MoveOptions{}); err != nil { // system customizer: everything
		t.Errorf("the customizer moves: %v", err)
	}
	if in := dev.show(id); in.ModifiedBy != "cust" || in.Visits[1].EnteredBy != "alice" || in.Visits[1].LeftBy != "cust" {
		t.Errorf("who moved it: %+v", in)
	}
	if err := dev.as("cleo").DeleteInstance(ctx, id, MoveOptions{}); err != nil {
		t.Errorf("cleo deletes: %v", err)
	}
	if _, err := admin.Instance(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted instance: %v", err)
	}
	// Its stage log goes with it: reports no longer count its stays.
	if err := dev.s.Read(ctx, func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: id})
		if err == nil && len(vs) != 0 {
			t.Errorf("the deleted instance's stays: %+v", vs)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func (sc *salesScenario) runsTheDeployedModel(t *testing.T) {
	dev, admin, ctx, newLead, p := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t)), sc.p
	lead := newLead(admin, StartOptions{Flow: "strategic_deal"}, nil)
	// Change the sources: the summary step becomes required. Nothing
	// changes until the change is deployed.
	file := filepath.Join(p.Dir, "flows", "strategic_deal.hcl")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), `column       = "qualificationcomments"`, "column       = \"qualificationcomments\"\n      required     = true", 1)
	changed = strings.Replace(changed, `display_name  = "Strategic Deal Process"`, `display_name  = "Strategic Deal Process v2"`, 1)
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	version := filepath.Join(p.Dir, "bpfc.hcl")
	src, _ = os.ReadFile(version)
	os.WriteFile(version, []byte(strings.Replace(string(src), `version      = "1.0.0.0"`, `version      = "1.1.0.0"`, 1)), 0o644)
	in := dev.show(lead.Instance.ID)
	if len(in.ActivePath) == 0 {
		t.Fatal("no active path")
	}
	deployAll(t, p.Dir)
	refused(t, dev.unchanged("next after the redeploy", func() error {
		_, err := admin.Next(ctx, lead.Instance.ID, MoveOptions{})
		return err
	}), RuleRequiredStep, `required step "summary" (lead.qualificationcomments) is empty`)
	dev.update("lead", lead.ID, Values{"qualificationcomments": "Ready"})
	dev.must(admin.Next(ctx, lead.Instance.ID, MoveOptions{}))
}
