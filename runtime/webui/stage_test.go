package webui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
)

// moveOn moves an instance on n stages through the engine, as admin.
func (f *fixture) moveOn(inst string, n int) *engine.Instance {
	f.t.Helper()
	var in *engine.Instance
	for range n {
		var err error
		if in, err = f.eng.As("admin").Next(context.Background(), inst, engine.MoveOptions{}); err != nil {
			f.t.Fatal(err)
		}
	}
	return in
}

// stagePage is the record page of instance inst showing stage.
func stagePage(table, id, inst, stage string) string {
	return stageHref(recordHref(table, id), inst, stage)
}

// setActive presses the Set Active button of a page showing a stage.
func (b *browser) setActive(p *page) *page {
	b.t.Helper()
	t := b.t.(*testing.T)
	m := processAction.FindStringSubmatch(p.body)
	if m == nil || !strings.Contains(p.body, `value="setactive"`) {
		t.Fatalf("no Set Active button: %s", p.body)
	}
	form := url.Values{"csrf": {p.csrf(t)}, "op": {opSetActive}}
	for _, name := range []string{"instance", "version", "target"} {
		form.Set(name, p.hidden(t, name))
	}
	return b.post(m[1], form)
}

// TestStageOfTheBar: each stage of the bar shows the stage read-only with
// the record it is on: a completed stage on another table than the page's,
// with its steps' values, and a stage to come; the active stage stays the
// bar's current step. Beside the stage form a stage is a button of the
// form (TestBarKeepsTyped), on a stage shown read-only a link.
func TestStageOfTheBar(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("lead_to_opportunity", engine.Values{"budgetamount": "90000", "qualificationcomments": "Twelve trucks"})
	in := f.moveOn(inst, 1)
	opp := in.Records["opportunity"]
	b := f.browser()
	b.signIn()

	p := b.get(recordHref("opportunity", opp)+"?instance="+inst).must(t, http.StatusOK, "Active stage: Develop")
	for s, shows := range map[string]string{"qualify": "Stage: Qualify", "develop": "Active stage: Develop", "propose": "Stage: Propose", "close": "Stage: Close"} {
		p.must(t, http.StatusOK, `<button type="submit" form="stage-form" name="op" value="show:`+s+`" formnovalidate>`)
		b.follow(b.post(processAction.FindStringSubmatch(p.body)[1], stageForm(t, p, "show:"+s))).must(t, http.StatusOK, shows)
	}

	p = b.get(stagePage("opportunity", opp, inst, "qualify")).must(t, http.StatusOK,
		`<h3 id="stage-h">Stage: Qualify <span class="kind">on Lead</span>`, "(completed, read-only)",
		`On <a href="/records/lead/`+lead+`?instance=`+inst+`">Bloggs</a> (Lead).`,
		`<dt>Estimated Budget</dt><dd>90,000.00</dd>`, `<dt>Capture Summary</dt><dd>Twelve trucks</dd>`,
		`<li class="stage done viewed"`, `Back to the active stage, Develop`)
	for _, s := range []string{"qualify", "develop", "propose", "close"} {
		p.must(t, http.StatusOK, `<a href="`+strings.ReplaceAll(stagePage("opportunity", opp, inst, s), "&", "&amp;")+`#stage-h">`)
	}
	// Read-only: no inputs for the steps, no moves.
	p.lacks(t, `name="f_budgetamount"`, `value="next"`, `value="prev"`, "Active stage: Develop", `value="show:`)
	if activeStage(p) != "Develop" {
		t.Errorf("the bar's active stage while showing Qualify: %q", activeStage(p))
	}

	// A stage to come, on this page's record: its steps, empty, no button.
	p = b.get(stagePage("opportunity", opp, inst, "propose")).must(t, http.StatusOK,
		`<h3 id="stage-h">Stage: Propose <span class="kind">on Opportunity</span>`, "(to come, read-only)",
		`<dt>Develop Proposal</dt><dd><span class="muted">—</span></dd>`)
	p.lacks(t, `value="setactive"`)

	// The active stage, or a stage the flow has not, shows the stage form.
	b.get(stagePage("opportunity", opp, inst, "develop")).must(t, http.StatusOK, "Active stage: Develop", `value="next"`)
	b.get(stagePage("opportunity", opp, inst, "nowhere")).must(t, http.StatusOK, "Active stage: Develop").lacks(t, " viewed")
}

// TestSetActiveBackTwoStages: Set Active on the previous stage, twice,
// takes the instance back two stages, each move in the stage log; the
// second crosses back to the lead, whose page the answer opens.
func TestSetActiveBackTwoStages(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("lead_to_opportunity", nil)
	in := f.moveOn(inst, 2) // at propose, on the opportunity
	opp := in.Records["opportunity"]
	b := f.browser()
	b.signIn()

	p := b.get(stagePage("opportunity", opp, inst, "develop")).must(t, http.StatusOK, "Stage: Develop", "(completed, read-only)")
	r := b.setActive(p)
	if want := recordHref("opportunity", opp) + "?instance=" + inst; r.status != http.StatusSeeOther || r.location != want {
		t.Fatalf("set active develop: %d %q, want %q: %s", r.status, r.location, want, r.body)
	}
	p = b.follow(r).must(t, http.StatusOK, "Develop is the active stage now.", "Active stage: Develop")
	if got := strings.Join(barStages(p), " "); got != "Qualify:done Develop:active Propose:next Close:next" {
		t.Errorf("bar after set active: %s", got)
	}

	p = b.get(stagePage("opportunity", opp, inst, "qualify")).must(t, http.StatusOK, "Stage: Qualify")
	r = b.setActive(p)
	if want := recordHref("lead", lead) + "?instance=" + inst; r.status != http.StatusSeeOther || r.location != want {
		t.Fatalf("set active qualify: %d %q, want %q", r.status, r.location, want)
	}
	p = b.follow(r).must(t, http.StatusOK, "Qualify is the active stage now.", "Active stage: Qualify",
		`<tr><th scope="row">Propose</th>`, `(prev, admin)`)
	if activeStage(p) != "Qualify" {
		t.Errorf("active stage: %q", activeStage(p))
	}

	in = f.instance(inst)
	var log []string
	for _, v := range in.Visits {
		log = append(log, v.Stage+":"+v.EnteredHow)
	}
	if got := strings.Join(log, " "); !strings.HasSuffix(got, "develop:next propose:next develop:prev qualify:prev") {
		t.Errorf("stage log: %s", got)
	}
	if in.ActiveStage != "qualify" || strings.Join(in.TraversedPath, ",") != "qualify" {
		t.Errorf("instance at %s, path %v", in.ActiveStage, in.TraversedPath)
	}
}

// TestSetActiveAnyCompletedStage: every completed stage has Set Active;
// on the first, from the last, it takes the instance back there in one
// move, as Dataverse does: one exit and one entry in the stage log, the
// opportunity's lookup cleared, and the answer opens the lead's page.
func TestSetActiveAnyCompletedStage(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("lead_to_opportunity", nil)
	in := f.moveOn(inst, 3) // at close
	opp := in.Records["opportunity"]
	b := f.browser()
	b.signIn()

	for _, s := range []string{"propose", "develop"} {
		b.get(stagePage("opportunity", opp, inst, s)).must(t, http.StatusOK, "(completed, read-only)", `value="setactive"`).
			lacks(t, "one stage at a time")
	}
	p := b.get(stagePage("opportunity", opp, inst, "qualify")).must(t, http.StatusOK, "Stage: Qualify", "(completed, read-only)")
	r := b.setActive(p)
	if want := recordHref("lead", lead) + "?instance=" + inst; r.status != http.StatusSeeOther || r.location != want {
		t.Fatalf("set active qualify: %d %q, want %q: %s", r.status, r.location, want, r.body)
	}
	p = b.follow(r).must(t, http.StatusOK, "Qualify is the active stage now.", "Active stage: Qualify")
	if got := strings.Join(barStages(p), " "); got != "Qualify:active Develop:next Propose:next Close:next" {
		t.Errorf("bar after set active: %s", got)
	}
	in = f.instance(inst)
	var log []string
	for _, v := range in.Visits {
		log = append(log, v.Stage+":"+v.EnteredHow+">"+v.LeftHow)
	}
	if got := strings.Join(log, " "); got != "qualify:start>next develop:next>next propose:next>next close:next>prev qualify:prev>" {
		t.Errorf("stage log: %s", got)
	}
	if in.ActiveStage != "qualify" || strings.Join(in.TraversedPath, ",") != "qualify" || in.Records["opportunity"] != "" {
		t.Errorf("instance at %s, path %v, records %v", in.ActiveStage, in.TraversedPath, in.Records)
	}
}

// TestSetActiveRefused: a forged post for a stage that is not a completed
// one is refused on the stage's page; an instance that is not active has
// no Set Active, and a forged post for it is refused by the engine. Both
// move nothing.
func TestSetActiveRefused(t *testing.T) {
	f := newFixture(t)
	_, inst := f.createLead("lead_to_opportunity", nil)
	in := f.moveOn(inst, 3) // at close
	opp := in.Records["opportunity"]
	b := f.browser()
	b.signIn()

	p := b.get(stagePage("opportunity", opp, inst, "develop")).must(t, http.StatusOK, "Stage: Develop", `value="setactive"`)
	post := func(target string, version int64) *page {
		t.Helper()
		form := url.Values{"csrf": {p.csrf(t)}, "op": {opSetActive}, "instance": {inst}, "version": {strconv.FormatInt(version, 10)},
			"target": {target}}
		r := b.post(recordHref("opportunity", opp)+"/process", form)
		if r.status != http.StatusSeeOther {
			t.Fatalf("set active %s: %d: %s", target, r.status, r.body)
		}
		return b.follow(r)
	}
	post("close", in.Version).must(t, http.StatusOK, "Close is the active stage already: Set Active makes a completed stage active again.")
	if got := f.instance(inst); got.ActiveStage != "close" || got.Version != in.Version {
		t.Errorf("after the refusal: at %s, version %d (was %d)", got.ActiveStage, got.Version, in.Version)
	}

	abandoned, err := f.eng.As("admin").Abandon(context.Background(), inst, engine.MoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p = b.get(stagePage("opportunity", opp, inst, "develop")).must(t, http.StatusOK, "Stage: Develop", "(completed, read-only)")
	p.lacks(t, `value="setactive"`)
	post("develop", abandoned.Version).must(t, http.StatusOK, "the instance is aborted (reactivate it first)")
	if got := f.instance(inst); got.ActiveStage != "close" || got.Version != abandoned.Version {
		t.Errorf("a Set Active of an abandoned instance moved it to %s (version %d, was %d)", got.ActiveStage, got.Version, abandoned.Version)
	}
}

// TestSetActiveReadOnly: a user who may read the process but not change
// it sees its stages but no Set Active, and a forged one is refused.
func TestSetActiveReadOnly(t *testing.T) {
	f := newFixture(t, "viewer.hcl", `
role "lead_viewer" {
  grant "lead_to_opportunity" {
    privileges = ["read"]
    depth      = "organization"
  }
}
`)
	lead, inst := f.createLead("lead_to_opportunity", nil)
	in := f.moveOn(inst, 1) // at develop: qualify is the previous stage
	vic := f.browser()
	vic.signInWith(f.addUser("vic", "lead_viewer"))
	p := vic.get(stagePage("lead", lead, inst, "qualify")).must(t, http.StatusOK, "Stage: Qualify", "(completed, read-only)")
	p.lacks(t, `value="setactive"`, "Set Active")

	form := url.Values{"csrf": {p.csrf(t)}, "op": {opSetActive}, "instance": {inst}, "version": {strconv.FormatInt(in.Version, 10)},
		"target": {"qualify"}}
	vic.follow(vic.post(recordHref("lead", lead)+"/process", form)).must(t, http.StatusOK,
		"may not change instances of flow lead_to_opportunity")
	if got := f.instance(inst); got.ActiveStage != "develop" || got.Version != in.Version {
		t.Errorf("a forged Set Active moved the instance to %s (version %d)", got.ActiveStage, got.Version)
	}
}

// TestSetActiveStale: a Set Active from a page left open while someone
// else moved the instance (back and on again: the same stage, another
// version) is refused and moves nothing.
func TestSetActiveStale(t *testing.T) {
	f := newFixture(t)
	_, inst := f.createLead("lead_to_opportunity", nil)
	in := f.moveOn(inst, 2) // at propose
	opp := in.Records["opportunity"]
	b := f.browser()
	b.signIn()
	open := b.get(stagePage("opportunity", opp, inst, "develop")).must(t, http.StatusOK, "Stage: Develop")

	if _, err := f.eng.As("admin").Prev(context.Background(), inst, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	moved := f.moveOn(inst, 1)
	p := b.follow(b.setActive(open)).must(t, http.StatusOK,
		"This process was changed after the page was loaded (by someone else, or on another page of yours), so nothing was changed.")
	if activeStage(p) != "Propose" {
		t.Errorf("active stage on the page: %q", activeStage(p))
	}
	if got := f.instance(inst); got.ActiveStage != "propose" || got.Version != moved.Version {
		t.Errorf("a stale Set Active moved the instance to %s (version %d, was %d)", got.ActiveStage, got.Version, moved.Version)
	}
}
