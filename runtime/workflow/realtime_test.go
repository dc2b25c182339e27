package workflow

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

const siuID = "7f5b6c1e-0000-4000-8000-000000000001"

// update, create, assign (on_exit), update on another table (on_enter) and
// change_status (on_finish) run inside the transitions.
func TestRealtimeStepsRunInTheTransition(t *testing.T) {
	v := newEnv(t, Options{})
	id, in := v.lead("realtime", engine.Values{"budgetamount": "5000"})
	in, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The move says what it ran: on_exit's three, then on_enter's.
	var ran []string
	for _, r := range in.Workflows {
		ran = append(ran, r.Workflow+" "+r.Mode+" "+r.State)
	}
	if got, want := strings.Join(ran, ", "), "rate realtime ran, call_back realtime ran, give_to_siu realtime ran, rate_opportunity realtime ran"; got != want {
		t.Errorf("workflows of the move: %s, want %s", got, want)
	}
	lead := v.record("lead", id)
	for col, want := range map[string]any{
		"description": "Rated", "leadqualitycode": int64(1), "estimatedamount": 5000.0, "qualificationcomments": "big", "ownerid": siuID,
	} {
		if lead[col] != want {
			t.Errorf("lead.%s = %#v, want %#v", col, lead[col], want)
		}
	}
	calls, err := v.admin().Records(v.ctx, "phonecall")
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Fatalf("%d phone calls, want 1", len(calls))
	}
	call := calls[0].Values
	for col, want := range map[string]any{
		"subject": "Big deal", "prioritycode": int64(2), "directioncode": true, "regardingobjectid": id, "statecode": int64(0),
		"statuscode": int64(1), "versionnumber": int64(1),
	} {
		if call[col] != want {
			t.Errorf("phonecall.%s = %#v, want %#v", col, call[col], want)
		}
	}
	// A person a step creates has the full name every other path composes.
	if people, err := v.admin().Records(v.ctx, "contact"); err != nil || len(people) != 1 || people[0].Values["fullname"] != "Ann Lee" {
		t.Errorf("the contact call_back created: %v %+v", err, people)
	}
	opp := in.Records["opportunity"]
	if got := v.record("opportunity", opp)["opportunityratingcode"]; got != int64(2) {
		t.Errorf("on_enter of develop: opportunityratingcode = %#v, want 2 (Warm)", got)
	}
	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.admin().Finish(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	o := v.record("opportunity", opp)
	if o["statecode"] != int64(1) || o["statuscode"] != int64(3) {
		t.Errorf("on_finish change_status Won: state %v status %v, want 1 and 3", o["statecode"], o["statuscode"])
	}
	if len(v.jobs()) != 0 {
		t.Errorf("realtime workflows queued jobs: %+v", v.jobs())
	}
}

// A realtime step that fails refuses the transition: nothing changes — not
// the instance, not the record a realtime step before it updated, and no
// background job queued before it in the same transition.
func TestRealtimeFailureRollsBackTheTransition(t *testing.T) {
	v := newEnv(t, Options{})
	id, in := v.lead("failing", engine.Values{"budgetamount": "50"})
	before := v.dump()
	_, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{})
	var se *StepError
	if !errors.As(err, &se) || se.Workflow != "give_to_nobody" || se.Step != "assign" {
		t.Fatalf("next: %v, want the step error of give_to_nobody.assign", err)
	}
	if !strings.Contains(err.Error(), `there is no user "nobody"`) {
		t.Errorf("message %q", err)
	}
	// The user who moved is told, as a refusal (the Web API's 400 Refused).
	var ref *engine.ErrRefused
	if !errors.As(err, &ref) || ref.Rule != engine.RuleWorkflow || ref.Stage != "qualify" ||
		!strings.HasPrefix(err.Error(), "cannot move to the next stage: workflow give_to_nobody failed at step assign") {
		t.Errorf("a failing realtime step: %v, want a refusal of rule workflow", err)
	}
	if after := v.dump(); after != before {
		t.Error("a refused transition changed the environment")
	}
	if got := v.record("lead", id)["description"]; got != nil {
		t.Errorf("the update of an earlier realtime workflow stayed: %v", got)
	}
	if js := v.jobs(); len(js) != 0 {
		t.Errorf("a background workflow was queued for a refused transition: %+v", js)
	}
	got, err := v.admin().Instance(v.ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ActiveStage != "qualify" || got.Version != in.Version {
		t.Errorf("instance moved: stage %s version %d", got.ActiveStage, got.Version)
	}
}

// Action steps: a realtime action runs now and reports its steps (with
// when), a background one is queued; start_workflow runs a realtime child
// inline and queues a background one; stop ends a workflow early; stop with
// status canceled refuses the action and undoes its steps; change_status
// sets the state Dataverse pairs with the status.
func TestActionSteps(t *testing.T) {
	v := newEnv(t, Options{})
	id, in := v.lead("actions", engine.Values{"budgetamount": "500"})
	run := func(name string) *Outcome {
		t.Helper()
		a, err := v.admin().RunAction(v.ctx, in.ID, name)
		if err != nil {
			t.Fatalf("action %s: %v", name, err)
		}
		return a.Result.(*Outcome)
	}

	out := run("rate")
	if out.State != Ran || len(out.Steps) != 3 || !out.Steps[0].Ran || out.Steps[1].Ran || !out.Steps[2].Ran {
		t.Errorf("rate: %+v", out)
	}
	if got := v.record("lead", id)["qualificationcomments"]; got != "small" {
		t.Errorf("when: qualificationcomments = %v, want small", got)
	}

	out = run("mail")
	if out.State != Queued || out.Job == 0 {
		t.Errorf("mail: %+v", out)
	}
	js := v.jobs()
	if len(js) != 1 || js[0].Trigger != "action mail" || js[0].InstanceID != in.ID || js[0].State != store.JobQueued {
		t.Errorf("jobs %+v", js)
	}

	out = run("parent")
	if len(out.Children) != 2 || out.Children[0].State != Ran || out.Children[1].State != Queued {
		t.Errorf("parent: %+v", out)
	}
	if js := v.jobs(); len(js) != 2 || js[0].Workflow != "mail" || js[0].Trigger != "start_workflow parent" || js[0].Depth != 1 {
		t.Errorf("child job: %+v", js[0])
	}

	out = run("stopper")
	if out.State != Stopped || len(out.Steps) != 2 {
		t.Errorf("stopper: %+v", out)
	}
	if got := v.record("lead", id)["description"]; got != "first" {
		t.Errorf("stop: description = %v, want first (the step after stop never ran)", got)
	}

	before := v.dump()
	_, err := v.admin().RunAction(v.ctx, in.ID, "canceler")
	var ce *CanceledError
	if !errors.As(err, &ce) || ce.Step != "cancel" {
		t.Fatalf("canceler: %v", err)
	}
	if ref := (*engine.ErrRefused)(nil); !errors.As(err, &ref) || ref.Rule != engine.RuleWorkflow || err.Error() != "cannot run action canceler: "+ce.Error() {
		t.Errorf("a cancel: %v, want a refusal of rule workflow", err)
	}
	if v.dump() != before {
		t.Error("a canceled realtime workflow changed the environment")
	}

	run("qualify")
	lead := v.record("lead", id)
	if lead["statecode"] != int64(1) || lead["statuscode"] != int64(3) {
		t.Errorf("change_status Qualified: state %v status %v, want 1 and 3", lead["statecode"], lead["statuscode"])
	}

	_, err = v.admin().RunAction(v.ctx, in.ID, "nosuch")
	var ref *engine.ErrRefused
	if !errors.As(err, &ref) || ref.Rule != engine.RuleAction || !strings.Contains(err.Error(), "its actions are rate, mail") {
		t.Errorf("unknown action: %v", err)
	}
}

// retryingStore runs every shared write twice, as PostgreSQL's store does
// when the first attempt loses a race: the first attempt's transaction is
// rolled back after fn ran, then fn runs again in a new one.
type retryingStore struct{ store.Store }

var errLostRace = errors.New("lost a race")

func (s retryingStore) WriteShared(ctx context.Context, fn func(store.Tx) error) error {
	err := s.Store.WriteShared(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errLostRace
	})
	if !errors.Is(err, errLostRace) {
		return err
	}
	return s.Store.WriteShared(ctx, fn)
}

// A realtime webhook posts from inside the transaction; when the store runs
// the transaction again, the post is made again with the same
// Idempotency-Key, so the receiver can tell; another run of the action has
// another key.
func TestRealtimeWebhookKeyStaysAcrossRetries(t *testing.T) {
	v := newEnv(t, Options{})
	h := newHookServer(t, 0)
	v.setVar("hook_url", h.URL+"/now")
	_, in := v.lead("actions", nil)
	e := engine.New(retryingStore{v.s}, engine.Options{Now: v.clock.Now, Hooks: New(retryingStore{v.s}, Options{Now: v.clock.Now})})
	for range 2 {
		if _, err := e.As("admin").RunAction(v.ctx, in.ID, "hook_now"); err != nil {
			t.Fatal(err)
		}
	}
	calls := h.seen()
	if len(calls) != 4 {
		t.Fatalf("%d webhook calls, want 4 (two runs, each posted twice)", len(calls))
	}
	key := func(i int) string { return calls[i].header.Get("Idempotency-Key") }
	if key(0) == "" || key(0) != key(1) || key(2) != key(3) || key(1) == key(2) || calls[0].header.Get("X-Bpfc-Workflow") != "hook_now" {
		t.Errorf("Idempotency-Keys %q %q (first run), %q %q (second run)", key(0), key(1), key(2), key(3))
	}
}

// TestRealtimeRunsAsTheCallingUser: a realtime workflow runs with the
// roles of the user whose change ran it (RunAs calling user, as bpfc's
// workflow records declare): abandoning an instance whose on_abandon
// updates a lead the user may not write is forbidden and changes nothing;
// on the user's own lead it runs.
func TestRealtimeRunsAsTheCallingUser(t *testing.T) {
	v := newEnv(t, Options{})
	if _, err := v.admin().AddUser(v.ctx, engine.NewUser{Name: "rep", Roles: []string{"rep"}}); err != nil {
		t.Fatal(err)
	}
	rep := v.e.As("rep")
	id, in := v.lead("guarded", nil) // the administrator's
	before := v.dump()
	_, err := rep.Abandon(v.ctx, in.ID, engine.MoveOptions{})
	if !errors.Is(err, engine.ErrForbidden) || !strings.Contains(err.Error(), `user "rep" may not update lead `+id) {
		t.Fatalf("rep abandons on the administrator's lead: %v, want forbidden", err)
	}
	var ref *engine.ErrRefused
	if errors.As(err, &ref) {
		t.Errorf("a forbidden step is a refusal: %v", err)
	}
	if v.dump() != before {
		t.Error("a forbidden realtime step changed the environment")
	}

	own, err := rep.CreateRecord(v.ctx, "lead", engine.Values{"lastname": "Rep", "subject": "Mine"}, engine.StartOptions{Flow: "guarded"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rep.Abandon(v.ctx, own.Instance.ID, engine.MoveOptions{}); err != nil {
		t.Errorf("rep abandons on their own lead: %v", err)
	}
	if got := v.record("lead", own.ID)["description"]; got == nil {
		t.Error("the realtime update of rep's own lead did not run")
	}
	if js := v.jobs(); len(js) != 1 || js[0].Workflow != "mail" {
		t.Errorf("the background email of the abandon: %+v", js)
	}
}

// TestRealtimeLookupsNeedAppendAndAppendTo: a realtime step that sets a
// lookup needs what record create and update need, as the calling user:
// append on the row's table and append_to on the target's. A clerk who
// writes every lead but appends only to their own may not have a
// workflow create a phonecall regarding the administrator's lead, nor
// update the lead's account; the move is forbidden and changes nothing.
// On a lead (and account) the clerk owns, both run.
func TestRealtimeLookupsNeedAppendAndAppendTo(t *testing.T) {
	v := newEnv(t, Options{})
	if _, err := v.admin().AddUser(v.ctx, engine.NewUser{Name: "clerk", Roles: []string{"clerk"}}); err != nil {
		t.Fatal(err)
	}
	clerk := v.e.As("clerk")
	acct, err := v.admin().CreateRecord(v.ctx, "account", engine.Values{"name": "Contoso"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	id, in := v.lead("linking", engine.Values{"parentaccountid": acct.ID}) // the administrator's

	forbidden := func(what, want string, move func() error) {
		t.Helper()
		before := v.dump()
		err := move()
		if !errors.Is(err, engine.ErrForbidden) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want forbidden: %s", what, err, want)
		}
		if v.dump() != before {
			t.Errorf("%s: a forbidden realtime step changed the environment", what)
		}
	}
	forbidden("create a phonecall regarding the administrator's lead",
		`user "clerk" may not set phonecall.regardingobjectid of a new phonecall to lead `+id+`: they hold append_to on lead only at user depth`,
		func() error { _, err := clerk.Next(v.ctx, in.ID, engine.MoveOptions{}); return err })

	if _, err := v.admin().Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	forbidden("update the lookup of the administrator's lead",
		`user "clerk" may not set lead.parentaccountid of lead `+id+` to account `+acct.ID+`: they hold append on lead only at user depth`,
		func() error { _, err := clerk.Next(v.ctx, in.ID, engine.MoveOptions{}); return err })

	// The clerk's own lead and account: both steps run.
	mine, err := v.admin().CreateRecord(v.ctx, "account", engine.Values{"name": "Mine", "ownerid": "clerk"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	_, ownIn := v.lead("linking", engine.Values{"parentaccountid": mine.ID, "ownerid": "clerk"})
	for _, stage := range []string{"close", "relink"} {
		if _, err := clerk.Next(v.ctx, ownIn.ID, engine.MoveOptions{}); err != nil {
			t.Fatalf("the clerk moves their own lead to %s: %v", stage, err)
		}
	}
}

// TestStartWorkflowNestsEightDeep: start_workflow nests as deep as
// Dataverse's, which counts the first workflow as depth 1 and refuses depth
// 9: eight workflows run, the ninth is refused (the step of the eighth
// that starts it fails), realtime and background alike.
func TestStartWorkflowNestsEightDeep(t *testing.T) {
	v := newEnv(t, Options{})
	id, in := v.lead("actions", nil)

	_, err := v.admin().RunAction(v.ctx, in.ID, "deep") // rt1 … rt9
	var se *StepError
	if !errors.As(err, &se) || se.Workflow != "rt8" || se.Step != "next" || !strings.Contains(err.Error(), "start_workflow nests more than 8 deep") {
		t.Fatalf("nine nested realtime workflows: %v, want rt8's start of rt9 refused", err)
	}
	if got := v.record("lead", id)["description"]; got != nil {
		t.Errorf("a refused chain left description = %v", got)
	}
	a, err := v.admin().RunAction(v.ctx, in.ID, "deep_ok") // rt2 … rt9: eight
	if err != nil {
		t.Fatalf("eight nested realtime workflows: %v", err)
	}
	n := 0
	for out := a.Result.(*Outcome); out != nil; n++ {
		next := out
		out = nil
		if len(next.Children) == 1 {
			out = next.Children[0]
		}
	}
	if n != 8 || v.record("lead", id)["description"] != "rt9" {
		t.Errorf("eight nested realtime workflows ran %d, description %v", n, v.record("lead", id)["description"])
	}

	if _, err := v.admin().RunAction(v.ctx, in.ID, "bg_deep"); err != nil { // bg1 … bg9
		t.Fatal(err)
	}
	for range 20 {
		if len(v.runDue()) == 0 {
			break
		}
	}
	js := v.jobs()
	if len(js) != 8 {
		t.Fatalf("nine nested background workflows queued %d jobs, want 8: %+v", len(js), js)
	}
	for _, j := range js {
		want := store.JobSucceeded
		if j.Workflow == "bg8" {
			want = store.JobFailed
			if j.Depth != 7 || !strings.Contains(j.LastError, "start_workflow nests more than 8 deep") {
				t.Errorf("bg8: depth %d, error %q", j.Depth, j.LastError)
			}
		}
		if j.State != want {
			t.Errorf("job %s: %s, want %s (%s)", j.Workflow, j.State, want, j.LastError)
		}
	}
}
