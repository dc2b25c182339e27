package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
)

// TestConflictKeepsTyped: a save from a page left open while someone else
// changed the record is refused, and the answer is the page with what the
// user typed in the form, each value marked "Not saved" beside the one
// stored now; a step the user did not touch shows the other change. The
// values travel in no cookie, and saving again from that page overwrites
// the new version deliberately.
func TestConflictKeepsTyped(t *testing.T) {
	f := newFixture(t)
	lead, _ := f.createLead("lead_to_opportunity", engine.Values{"budgetamount": "90000", "qualificationcomments": "Twelve trucks"})
	b := f.browser()
	b.signIn()
	stale := b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	ctx := context.Background()
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "lead", lead, engine.Values{"budgetamount": "95000", "purchasetimeframe": "1"}, 0); err != nil {
		t.Fatal(err)
	}

	p := b.postStage(stale, opSave, "qualificationcomments", "Fifteen trucks", "budgetamount", "120000")
	p.must(t, http.StatusConflict, `class="flash conflict" role="alert"`,
		"This record was changed after the page was loaded (by someone else, or on another page of yours), so what you typed was not saved.",
		`value="120000"`, `aria-describedby="step-estimated_budget-unsaved"`,
		`<p class="unsaved" id="step-estimated_budget-unsaved">Not saved. Stored now: 95,000.00</p>`,
		`>Fifteen trucks</textarea>`, `<p class="unsaved" id="step-capture_summary-unsaved">Not saved. Stored now: Twelve trucks</p>`,
		// Not typed: the other change shows, unmarked.
		`<option value="1" selected>This Quarter</option>`)
	p.lacks(t, "step-purchase_timeframe-unsaved")
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == flashCookie && c.Value != "" {
			t.Errorf("the typed values went into a cookie: %q", c.Value)
		}
	}
	rec, err := f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Values["budgetamount"] != 95000.0 || rec.Values["qualificationcomments"] != "Twelve trucks" {
		t.Errorf("a conflicting save wrote %v, %v", rec.Values["budgetamount"], rec.Values["qualificationcomments"])
	}
	if got := p.hidden(t, "rversion"); got != strconv.FormatInt(rec.Version, 10) {
		t.Errorf("the page's record version is %s, want the current %d", got, rec.Version)
	}
	// The page opened again is the record as stored: nothing typed stays.
	b.get(recordHref("lead", lead)).must(t, http.StatusOK, "Twelve trucks").lacks(t, "Fifteen trucks", "Not saved")

	// Saved again from the answer, against the new version.
	p = b.postStage(p, opSave)
	p.must(t, http.StatusOK, "Saved.", `value="120000"`).lacks(t, "Not saved")
	rec, err = f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil || rec.Values["budgetamount"] != 120000.0 || rec.Values["qualificationcomments"] != "Fifteen trucks" ||
		rec.Values["purchasetimeframe"] != int64(1) {
		t.Errorf("after saving again: %v %v %v %v", rec.Values["budgetamount"], rec.Values["qualificationcomments"],
			rec.Values["purchasetimeframe"], err)
	}
}

// TestRefusedValueKeepsTyped: a value that does not fit is refused before
// anything is saved; what was typed stays in the form, the refused value
// with its reason, each marked "Not saved" beside what is stored.
func TestRefusedValueKeepsTyped(t *testing.T) {
	f := newFixture(t)
	lead, _ := f.createLead("lead_to_opportunity", engine.Values{"budgetamount": "90000"})
	b := f.browser()
	b.signIn()
	p := b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	p = b.postStage(p, opNext, "budgetamount", "lots", "qualificationcomments", "Fifteen trucks")
	p.must(t, http.StatusUnprocessableEntity, `value="lots"`, `<p class="error" id="step-estimated_budget-err">&#34;lots&#34; is not a number</p>`,
		`aria-describedby="step-estimated_budget-err step-estimated_budget-unsaved"`, `Not saved. Stored now: 90,000.00`,
		`>Fifteen trucks</textarea>`, `<p class="unsaved" id="step-capture_summary-unsaved">Not saved. Stored now: (empty)</p>`)
	if in := f.instance(p.hidden(t, "instance")); in.ActiveStage != "qualify" {
		t.Errorf("a refused value moved the instance to %s", in.ActiveStage)
	}
}

// TestMovedKeepsTyped: a Next posted while someone else moved the instance
// on is refused; the step values typed, no longer steps of the form (the
// active stage is now on the opportunity), are listed as not saved.
func TestMovedKeepsTyped(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("lead_to_opportunity", engine.Values{"budgetamount": "90000"})
	b := f.browser()
	b.signIn()
	stale := b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	f.moveOn(inst, 1)
	p := b.postStage(stale, opNext, "qualificationcomments", "Fifteen trucks")
	p.must(t, http.StatusConflict, "This process was changed after the page was loaded (by someone else, or on another page of yours), so what you typed was not saved.",
		"Not saved, and not steps of this form now:", "<li>Capture Summary: Fifteen trucks</li>", "Active stage: Develop")
	if got := f.instance(inst); got.ActiveStage != "develop" {
		t.Errorf("the stale Next moved the instance to %s", got.ActiveStage)
	}
	// Nothing typed: the page reloads as before, saying so.
	stale = b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	f.moveOn(inst, 1)
	b.postStage(stale, opNext).must(t, http.StatusOK, "This process was changed after the page was loaded").lacks(t, "Not saved")
}

// TestLineBreaksAsABrowserPosts: a browser posts every line break of a
// form as CR LF, a text area's and the hidden value beside it alike. A
// text stored with LF (by the CLI, the Web API or a workflow) posted back
// as it was shown is no change: Save saves nothing and the record keeps
// its text, version and modifier. A text typed up to the column's length
// with line breaks, which the text area's maxlength counts as one
// character each, fits, and is stored with LF.
func TestLineBreaksAsABrowserPosts(t *testing.T) {
	f := newFixture(t)
	const stored = "Twelve trucks\nTwo vans"
	lead, _ := f.createLead("lead_to_opportunity", engine.Values{"qualificationcomments": stored})
	b := f.browser()
	b.signIn()
	ctx := context.Background()
	before, err := f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil {
		t.Fatal(err)
	}
	postCRLF := func(p *page, op string, values ...string) *page {
		t.Helper()
		form := stageForm(t, p, op, values...)
		for k, vs := range form {
			for i, v := range vs {
				vs[i] = strings.ReplaceAll(v, "\n", "\r\n")
			}
			form[k] = vs
		}
		r := b.post(processAction.FindStringSubmatch(p.body)[1], form)
		if r.status != http.StatusSeeOther {
			return r
		}
		return b.follow(r)
	}

	p := b.get(recordHref("lead", lead)).must(t, http.StatusOK, `maxlength="2000">Twelve trucks`)
	p = postCRLF(p, opSave).must(t, http.StatusOK, "Nothing to save: no step changed.")
	after, err := f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil {
		t.Fatal(err)
	}
	if after.Version != before.Version || after.Values["qualificationcomments"] != stored {
		t.Errorf("an unchanged text saved: version %d → %d, %q", before.Version, after.Version, after.Values["qualificationcomments"])
	}

	typed := strings.Repeat("a", 999) + "\n" + strings.Repeat("b", 1000)
	postCRLF(p, opSave, "qualificationcomments", typed).must(t, http.StatusOK, "Saved.")
	after, err = f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil {
		t.Fatal(err)
	}
	if after.Values["qualificationcomments"] != typed {
		t.Errorf("the text typed was stored as %q…", fmt.Sprint(after.Values["qualificationcomments"])[:20])
	}
}

// TestPreviousSavesTyped: Previous stage carries the step values typed in
// the stage form, as Next does, rather than dropping them and saying only
// that it moved: they are saved on the stage's record before the move,
// and a Previous refused for a stale page keeps them.
func TestPreviousSavesTyped(t *testing.T) {
	f := newFixture(t)
	_, inst := f.createLead("lead_to_opportunity", nil)
	opp := f.moveOn(inst, 1).Records["opportunity"]
	b := f.browser()
	b.signIn()
	p := b.get(recordHref("opportunity", opp)).must(t, http.StatusOK, "Active stage: Develop")
	b.postStage(p, opPrev, "customerneed", "Forty trucks").must(t, http.StatusOK, "Moved to Qualify.")
	rec, err := f.eng.As("admin").Record(context.Background(), "opportunity", opp)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Values["customerneed"]; got != "Forty trucks" {
		t.Errorf("Previous dropped the step typed: customerneed is %v", got)
	}

	f.moveOn(inst, 1)
	stale := b.get(recordHref("opportunity", opp)).must(t, http.StatusOK, "Active stage: Develop")
	f.moveOn(inst, 1)
	b.postStage(stale, opPrev, "customerneed", "Fifty trucks").must(t, http.StatusConflict,
		"This process was changed after the page was loaded (by someone else, or on another page of yours), so what you typed was not saved.",
		"<li>Customer Need: Fifty trucks</li>", "Active stage: Propose")
}

// TestAbandonKeepsTyped: Abandon, as in Dataverse, does not save the
// record, and the steps typed before it are not lost: the answer is the
// page with them in the inputs, marked "Not saved", and Save, even one
// that does not fit (it does not hold the abandon back). Reactivate keeps
// them the same way, and Save then stores them.
func TestAbandonKeepsTyped(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("lead_to_opportunity", engine.Values{"budgetamount": "90000"})
	b := f.browser()
	b.signIn()
	ctx := context.Background()
	before, err := f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil {
		t.Fatal(err)
	}
	p := b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	p = b.postStage(p, opAbandon, "budgetamount", "lots", "qualificationcomments", "Fifteen trucks")
	p.must(t, http.StatusOK, `class="flash ok" role="status"`, "Abandoned. What you typed in the steps was not saved (abandoning a process does not save the record)",
		`value="lots"`, `Not saved. Stored now: 90,000.00`, `>Fifteen trucks</textarea>`,
		`<p class="unsaved" id="step-capture_summary-unsaved">Not saved. Stored now: (empty)</p>`,
		`<button type="submit" name="op" value="save" class="primary">Save</button>`, `value="reactivate"`)
	p.lacks(t, "<fieldset disabled>")
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == flashCookie && c.Value != "" {
			t.Errorf("the typed values went into a cookie: %q", c.Value)
		}
	}
	if got := f.instance(inst).State; got != engine.StateAborted {
		t.Errorf("after Abandon the instance is %s", got)
	}
	after, err := f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil || after.Version != before.Version {
		t.Errorf("Abandon saved the record: version %d → %d (%v)", before.Version, after.Version, err)
	}

	p = b.postStage(p, opReactivate).must(t, http.StatusOK, "Reactivated. What you typed in the steps was not saved",
		`value="lots"`, `>Fifteen trucks</textarea>`, "Active stage: Qualify")
	if got := f.instance(inst).State; got != engine.StateActive {
		t.Errorf("after Reactivate the instance is %s", got)
	}
	p = b.postStage(p, opSave, "budgetamount", "120000").must(t, http.StatusOK, "Saved.").lacks(t, "Not saved")
	after, err = f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil || after.Values["budgetamount"] != 120000.0 || after.Values["qualificationcomments"] != "Fifteen trucks" {
		t.Errorf("after Save: %v %v %v", after.Values["budgetamount"], after.Values["qualificationcomments"], err)
	}

	// Nothing typed: Abandon redirects and says only that, the steps
	// read-only.
	p = b.postStage(p, opAbandon).must(t, http.StatusOK, "Abandoned.", "<fieldset disabled>").lacks(t, "not saved", `value="save"`)

	// An Abandon from a page left open while the process moved is
	// refused, the typed values kept as for any refused post.
	if _, err := f.eng.As("admin").Reactivate(ctx, inst, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	stale := b.get(recordHref("lead", lead)).must(t, http.StatusOK, "Active stage: Qualify")
	f.moveOn(inst, 1)
	b.postStage(stale, opAbandon, "qualificationcomments", "Twenty trucks").must(t, http.StatusConflict,
		"This process was changed after the page was loaded", "<li>Capture Summary: Twenty trucks</li>")
	if got := f.instance(inst).State; got != engine.StateActive {
		t.Errorf("the stale Abandon left the instance %s", got)
	}
}

// TestStaleReactivate: a Reactivate from a page loaded while the process
// was abandoned, sent after someone else reactivated it and moved it on, is
// a conflict that says the process changed since the page was loaded and
// shows it as it is now, as other stale posts do, where it said "This
// process is already active." as if the post had been this page's own
// again. So is an Abandon of a process someone else moved on and
// abandoned meanwhile. Nothing changes.
func TestStaleReactivate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lead, inst := f.createLead("lead_to_opportunity", nil)
	admin := f.eng.As("admin")
	b := f.browser()
	b.signIn()
	if _, err := admin.Abandon(ctx, inst, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	stale := b.get(recordHref("lead", lead)).must(t, http.StatusOK, `value="reactivate"`)
	if _, err := admin.Reactivate(ctx, inst, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	want := f.moveOn(inst, 1)
	b.postStage(stale, opReactivate).must(t, http.StatusOK, `class="flash conflict" role="alert"`,
		"This process was changed after the page was loaded (by someone else, or on another page of yours), so nothing was changed.").
		lacks(t, "already active")
	if in := f.instance(inst); in.State != engine.StateActive || in.Version != want.Version || in.ActiveStage != want.ActiveStage {
		t.Errorf("the stale Reactivate left the instance %s at %s, version %d (was %s, %d)", in.State, in.ActiveStage, in.Version, want.ActiveStage, want.Version)
	}

	lead, inst = f.createLead("lead_to_opportunity", nil)
	stale = b.get(recordHref("lead", lead)).must(t, http.StatusOK, `value="abandon"`)
	f.moveOn(inst, 1)
	want, err := admin.Abandon(ctx, inst, engine.MoveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.postStage(stale, opAbandon, "qualificationcomments", "Thirty trucks").must(t, http.StatusConflict,
		"This process was changed after the page was loaded", "<li>Capture Summary: Thirty trucks</li>").lacks(t, "already abandoned")
	if in := f.instance(inst); in.State != engine.StateAborted || in.Version != want.Version {
		t.Errorf("the stale Abandon left the instance %s at version %d (was %d)", in.State, in.Version, want.Version)
	}
}

// TestAbandonPostedAgain: reloading the answer of an Abandon or a
// Reactivate with typed steps (the page itself, a POST) posts it again:
// the instance is already where it asks, and the page says so, keeping
// what was typed, where it was a 409 saying the process was changed after
// the page was loaded, which the user had done. Nothing changes.
func TestAbandonPostedAgain(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("lead_to_opportunity", nil)
	b := f.browser()
	b.signIn()
	repost := func(p *page, op string, values ...string) (first, again *page) {
		t.Helper()
		m := processAction.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no stage form: %s", p.body)
		}
		form := stageForm(t, p, op, values...)
		return b.post(m[1], form), b.post(m[1], form)
	}
	p := b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	first, again := repost(p, opAbandon, "qualificationcomments", "Fifteen trucks")
	first.must(t, http.StatusOK, "Abandoned.")
	v := f.instance(inst).Version
	again.must(t, http.StatusOK, `class="flash ok" role="status"`, "This process is already abandoned. What you typed in the steps was not saved",
		`>Fifteen trucks</textarea>`, `value="reactivate"`).lacks(t, "was changed after the page was loaded")
	if in := f.instance(inst); in.State != engine.StateAborted || in.Version != v {
		t.Errorf("the Abandon posted again left the instance %s at version %d (was %d)", in.State, in.Version, v)
	}
	first, again = repost(first, opReactivate, "qualificationcomments", "Sixteen trucks")
	first.must(t, http.StatusOK, "Reactivated.")
	again.must(t, http.StatusOK, "This process is already active.", `>Sixteen trucks</textarea>`).lacks(t, "was changed after the page was loaded")
	if got := f.instance(inst).State; got != engine.StateActive {
		t.Errorf("after Reactivate posted again the instance is %s", got)
	}
	// Nothing typed: a redirect to the page, which says so.
	p = b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	first, again = repost(p, opAbandon)
	if first.status != http.StatusSeeOther || again.status != http.StatusSeeOther {
		t.Fatalf("Abandon without typed steps: %d, then %d", first.status, again.status)
	}
	b.follow(again).must(t, http.StatusOK, "This process is already abandoned.")
	if rec, err := f.eng.As("admin").Record(context.Background(), "lead", lead); err != nil || rec.Values["qualificationcomments"] != nil {
		t.Errorf("the posts saved the record: %v (%v)", rec.Values["qualificationcomments"], err)
	}
}

// TestBarKeepsTyped: without script, a stage of the bar pressed beside the
// stage form takes the steps typed with it, as Previous and Next do: they
// are saved, then the stage shows, saying so; where the bar's links left the
// page and dropped them without a word. Nothing typed, it only shows the
// stage; a record changed since the page was loaded keeps what was typed,
// not saved, as a stale Save does. Where nothing may be typed, the bar's
// stages stay links.
func TestBarKeepsTyped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lead, inst := f.createLead("lead_to_opportunity", nil)
	b := f.browser()
	b.signIn()
	stored := func() *engine.Record {
		t.Helper()
		rec, err := f.eng.As("admin").Record(ctx, "lead", lead)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	press := func(p *page, stage string, values ...string) *page {
		t.Helper()
		p.must(t, http.StatusOK, `<button type="submit" form="stage-form" name="op" value="show:`+stage+`" formnovalidate>`,
			`<form method="post" action="`+recordHref("lead", lead)+`/process" class="panel" id="stage-form">`)
		return b.post(processAction.FindStringSubmatch(p.body)[1], stageForm(t, p, "show:"+stage, values...))
	}
	view := strings.ReplaceAll(stagePage("lead", lead, inst, "develop"), "&", "&amp;")

	p := b.get(recordHref("lead", lead)).must(t, http.StatusOK, "Active stage: Qualify").lacks(t, `<a href="`+view)
	before := stored().Version
	r := press(p, "develop")
	if r.status != http.StatusSeeOther || r.location != stagePage("lead", lead, inst, "develop")+"#stage-h" {
		t.Fatalf("the bar with nothing typed: %d %q", r.status, r.location)
	}
	b.follow(r).must(t, http.StatusOK, "Stage: Develop").lacks(t, "Saved")
	if v := stored().Version; v != before {
		t.Errorf("showing a stage with nothing typed wrote the record (version %d, was %d)", v, before)
	}

	p = b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	b.follow(press(p, "develop", "qualificationcomments", "Eighteen trucks")).must(t, http.StatusOK, "Stage: Develop",
		"Saved what you typed in the steps of Qualify.")
	if got := stored().Values["qualificationcomments"]; got != "Eighteen trucks" {
		t.Errorf("after the bar, the step holds %v", got)
	}

	// A forged stage name is refused before anything typed is saved.
	p = b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	b.post(processAction.FindStringSubmatch(p.body)[1], stageForm(t, p, "show:nosuch", "qualificationcomments", "Forged trucks")).
		must(t, http.StatusBadRequest, "which flow lead_to_opportunity does not have")
	if got := stored().Values["qualificationcomments"]; got != "Eighteen trucks" {
		t.Errorf("a bar press naming no stage saved %v", got)
	}

	stale := b.get(recordHref("lead", lead)).must(t, http.StatusOK)
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "lead", lead, engine.Values{"budgetamount": "95000"}, 0); err != nil {
		t.Fatal(err)
	}
	press(stale, "develop", "qualificationcomments", "Nineteen trucks").must(t, http.StatusConflict,
		"This record was changed after the page was loaded", `>Nineteen trucks</textarea>`, "Not saved. Stored now: Eighteen trucks")
	if got := stored().Values["qualificationcomments"]; got != "Eighteen trucks" {
		t.Errorf("the stale bar press saved %v", got)
	}

	// Abandoned with a step typed, the form still takes it (Save), and so
	// does the bar; abandoned with nothing typed, nothing may be typed.
	p = b.postStage(b.get(recordHref("lead", lead)), opAbandon, "qualificationcomments", "Twenty trucks").must(t, http.StatusOK, "Abandoned.")
	b.follow(press(p, "qualify", "qualificationcomments", "Twenty trucks")).must(t, http.StatusOK, "Saved what you typed in the steps of Qualify.")
	if got := stored().Values["qualificationcomments"]; got != "Twenty trucks" {
		t.Errorf("after the bar on an abandoned process, the step holds %v", got)
	}
	b.get(recordHref("lead", lead)).must(t, http.StatusOK, `<a href="`+view+`#stage-h">`, "<fieldset disabled>").lacks(t, `value="show:`)
}

// TestLinksKeepTyped: without script, the links leaving a record page
// whose stage form may be typed in (the crumbs, the switcher, the flow, the
// record's lookups) are buttons of that form (leave.go), as the bar's
// stages are: nothing typed, they go where the link went; steps typed,
// they are saved first and the page gone to says so; a record changed
// since the page was loaded keeps what was typed, not saved (409). A
// forged target is refused, changing nothing; where nothing may be typed
// the links stay links.
func TestLinksKeepTyped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	opp, err := f.eng.As("admin").CreateRecord(ctx, "opportunity", engine.Values{"name": "Forty trucks deal"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	lead, first := f.createLead("lead_to_opportunity", engine.Values{"qualifyingopportunityid": opp.ID})
	second, err := f.eng.As("admin").Start(ctx, "strategic_deal", "lead", lead)
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.signIn()
	stored := func() *engine.Record {
		t.Helper()
		rec, err := f.eng.As("admin").Record(ctx, "lead", lead)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	at := recordHref("lead", lead) + "?instance=" + first
	leave := func(p *page, to string, values ...string) *page {
		t.Helper()
		p.must(t, http.StatusOK, `name="op" value="leave:`+to+`" formnovalidate`)
		return b.post(processAction.FindStringSubmatch(p.body)[1], stageForm(t, p, "leave:"+to, values...))
	}
	oppHref := recordHref("opportunity", opp.ID)
	secondHref := recordHref("lead", lead) + "?instance=" + second.ID

	p := b.get(at).must(t, http.StatusOK, "Active stage: Qualify").
		lacks(t, `<a href="/">Tables and flows</a> ›`, `<a href="/records/lead">`, `<a href="`+secondHref+`"`, `<a href="`+oppHref+`"`,
			`<a href="/flows/lead_to_opportunity"`)
	before := stored().Version
	for _, to := range []string{"/", "/records/lead", secondHref, oppHref, "/flows/lead_to_opportunity"} {
		if r := leave(p, to); r.status != http.StatusSeeOther || r.location != to {
			t.Errorf("leaving for %s with nothing typed: %d %q", to, r.status, r.location)
		}
	}
	if v := stored().Version; v != before {
		t.Errorf("leaving with nothing typed wrote the record (version %d, was %d)", v, before)
	}

	saved := "Saved what you typed in the steps of Qualify on Bloggs."
	for i, to := range []string{"/records/lead", secondHref, oppHref} {
		typed := fmt.Sprintf("%d trucks", 40+i)
		p = b.get(at).must(t, http.StatusOK)
		b.follow(leave(p, to, "qualificationcomments", typed)).must(t, http.StatusOK, saved)
		if got := stored().Values["qualificationcomments"]; got != typed {
			t.Errorf("after leaving for %s, the step holds %v, want %s", to, got, typed)
		}
	}
	// The crumbs to the tables: the home page says it too.
	p = b.get(at).must(t, http.StatusOK)
	b.follow(leave(p, "/", "qualificationcomments", "Fifty trucks")).must(t, http.StatusOK, "Tables and flows", saved)

	stale := b.get(at).must(t, http.StatusOK)
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "lead", lead, engine.Values{"budgetamount": "95000"}, 0); err != nil {
		t.Fatal(err)
	}
	leave(stale, oppHref, "qualificationcomments", "Sixty trucks").must(t, http.StatusConflict,
		"This record was changed after the page was loaded", `>Sixty trucks</textarea>`, "Not saved. Stored now: Fifty trucks")

	// Forged targets: nowhere but the pages the record page links to.
	p = b.get(at).must(t, http.StatusOK)
	form := stageForm(t, p, "", "qualificationcomments", "Seventy trucks")
	for _, to := range []string{"https://example.com/", "//example.com/", "/records/nosuch", "/records/lead/x", "/signout",
		"/records/lead?x=1", oppHref + "?stage=develop", "/flows/nosuch"} {
		form.Set("op", "leave:"+to)
		b.post(processAction.FindStringSubmatch(p.body)[1], form).must(t, http.StatusBadRequest, "no page the record page links to")
	}
	if got := stored().Values["qualificationcomments"]; got != "Fifty trucks" {
		t.Errorf("a forged target saved %v", got)
	}

	// A stage shown read-only: nothing to type, the links stay links.
	b.get(stagePage("lead", lead, first, "develop")).must(t, http.StatusOK, `<a href="/">Tables and flows</a> ›`,
		`<a href="/records/lead">`, `<a href="`+oppHref+`">`, `<a href="`+secondHref+`">`).lacks(t, `value="leave:`)
}

// TestTopBarAndStartKeepTyped: without script, the top bar's links, its
// Sign out and the Start form of a record page whose stage form may be
// typed in are buttons of that form too (leave.go), the hidden Save still
// first so that Enter saves: nothing typed, they do what they did; steps
// typed, they are saved first (Sign out then signs out, saying so on the
// sign-in page; Start then starts, or opens the instance the record has of
// the flow, which the list says); a record changed since the page was
// loaded keeps what was typed, not saved (409), still signed in and
// nothing started. A Start naming no flow of the table changes nothing.
func TestTopBarAndStartKeepTyped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lead, first := f.createLead("lead_to_opportunity", nil)
	b := f.browser()
	b.signIn()
	stored := func() *engine.Record {
		t.Helper()
		rec, err := f.eng.As("admin").Record(ctx, "lead", lead)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	instances := func() int {
		t.Helper()
		ins, err := f.eng.As("admin").ProcessInstances(ctx, "lead", lead)
		if err != nil {
			t.Fatal(err)
		}
		return len(ins)
	}
	at := recordHref("lead", lead) + "?instance=" + first
	press := func(p *page, op string, values ...string) *page {
		t.Helper()
		form := stageForm(t, p, op, values[2:]...)
		form.Set(values[0], values[1])
		return b.post(processAction.FindStringSubmatch(p.body)[1], form)
	}

	p := b.get(at).must(t, http.StatusOK,
		`<button type="submit" form="stage-form" name="op" value="leave:/" formnovalidate class="link brand">bpfc`,
		`<nav aria-label="Main"><button type="submit" form="stage-form" name="op" value="leave:/" formnovalidate class="link">Tables and flows</button></nav>`,
		`<button type="submit" form="stage-form" name="op" value="signout" formnovalidate class="link">Sign out</button>`,
		`<select id="start-flow" name="flow" form="stage-form">`,
		`<button type="submit" form="stage-form" name="op" value="start" formnovalidate>Start</button>`,
		// The flow the record has: Start opens it, as the switcher does.
		`<option value="lead_to_opportunity">Lead to Opportunity Sales Process (open: Qualify · Active)</option>`,
		`<option value="strategic_deal">Strategic Deal Process</option>`).
		lacks(t, `<a class="brand"`, `<a href="/">Tables and flows</a>`, `action="/signout"`, `/start"`)
	// Enter in a step presses the first button of the form in the page.
	if i := strings.Index(p.body, `form="stage-form"`); i < 0 || !strings.HasPrefix(p.body[i:], `form="stage-form" name="op" value="save" hidden>`) {
		t.Errorf("the stage form's first button in the page is not the hidden Save: %.80s", p.body[max(i, 0):])
	}

	// Start, nothing typed: started, the record untouched.
	before := stored().Version
	r := press(p, "start", "flow", "strategic_deal")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, recordHref("lead", lead)+"?instance=") || instances() != 2 {
		t.Fatalf("Start with nothing typed: %d %q, %d instances", r.status, r.location, instances())
	}
	b.follow(r).must(t, http.StatusOK, "Started.").lacks(t, "Saved what you typed")
	if v := stored().Version; v != before {
		t.Errorf("Start with nothing typed wrote the record (version %d, was %d)", v, before)
	}

	// Start of a flow the record has, steps typed: saved, then opened.
	p = b.get(at).must(t, http.StatusOK)
	b.follow(press(p, "start", "flow", "strategic_deal", "qualificationcomments", "Forty trucks")).must(t, http.StatusOK,
		"Saved what you typed in the steps of Qualify on Bloggs. This record already has the Strategic Deal Process; switched to it")
	if got := stored().Values["qualificationcomments"]; got != "Forty trucks" || instances() != 2 {
		t.Errorf("after Start with steps typed: %v, %d instances", got, instances())
	}

	// Stale: kept, not saved, nothing started.
	stale := b.get(at).must(t, http.StatusOK)
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "lead", lead, engine.Values{"budgetamount": "95000"}, 0); err != nil {
		t.Fatal(err)
	}
	press(stale, "start", "flow", "strategic_deal", "qualificationcomments", "Fifty trucks").must(t, http.StatusConflict,
		"This record was changed after the page was loaded", `>Fifty trucks</textarea>`, "Not saved. Stored now: Forty trucks")

	// A flow of no such name, or none: refused before anything is saved.
	p = b.get(at).must(t, http.StatusOK)
	press(p, "start", "flow", "nosuch", "qualificationcomments", "Sixty trucks").must(t, http.StatusBadRequest, `start &#34;nosuch&#34;, which is no flow of this table`)
	press(p, "start", "flow", "", "qualificationcomments", "Sixty trucks").must(t, http.StatusBadRequest, "Choose a flow to start.")
	if got := stored().Values["qualificationcomments"]; got != "Forty trucks" || instances() != 2 {
		t.Errorf("a refused Start: %v, %d instances", got, instances())
	}

	// Sign out, stale: kept, not saved, still signed in.
	stale = b.get(at).must(t, http.StatusOK)
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "lead", lead, engine.Values{"budgetamount": "96000"}, 0); err != nil {
		t.Fatal(err)
	}
	press(stale, "signout", "x", "", "qualificationcomments", "Seventy trucks").must(t, http.StatusConflict,
		`>Seventy trucks</textarea>`, "Not saved. Stored now: Forty trucks")
	b.get(at).must(t, http.StatusOK)

	// Sign out, steps typed: saved, then signed out, said on the sign-in page.
	p = b.get(at).must(t, http.StatusOK)
	press(p, "signout", "x", "", "qualificationcomments", "Eighty trucks").must(t, http.StatusOK,
		`<p class="flash ok" role="status">Saved what you typed in the steps of Qualify on Bloggs. You are signed out.</p>`, `<h1>Sign in</h1>`)
	if got := stored().Values["qualificationcomments"]; got != "Eighty trucks" {
		t.Errorf("Sign out with steps typed saved %v", got)
	}
	if r := b.get(at); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin") {
		t.Errorf("after Sign out the record page answers %d %q", r.status, r.location)
	}

	// Sign out, nothing typed: signed out, as the plain form does.
	tok, _, err := f.eng.As("admin").IssueToken(ctx, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	b.signInWith(tok)
	before = stored().Version
	p = b.get(at).must(t, http.StatusOK)
	if r := press(p, "signout", "x", ""); r.status != http.StatusSeeOther || r.location != "/signin" {
		t.Errorf("Sign out with nothing typed: %d %q", r.status, r.location)
	}
	if r := b.get(at); r.status != http.StatusSeeOther || stored().Version != before {
		t.Errorf("after Sign out with nothing typed: %d, version %d (was %d)", r.status, stored().Version, before)
	}

	// A stage shown read-only: nothing to type, the top bar and Start as
	// they were.
	b.signInWith(tok)
	b.get(stagePage("lead", lead, first, "develop")).must(t, http.StatusOK, `<a class="brand" href="/">`,
		`<a href="/">Tables and flows</a>`, `action="/signout"`, `/start"`).lacks(t, `form="stage-form"`)
}

// TestSignOutOfAGoneProcess: Sign out beside a stage form whose process
// was deleted since the page was loaded (its instance alone, or its
// record) still signs out, saying that nothing was saved: there is
// nothing left to save the steps on, and a Sign out that left the user
// signed in would leave a shared browser signed in.
func TestSignOutOfAGoneProcess(t *testing.T) {
	for _, gone := range []string{"instance", "record"} {
		t.Run(gone, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			lead, first := f.createLead("lead_to_opportunity", nil)
			b := f.browser()
			b.signIn()
			at := recordHref("lead", lead) + "?instance=" + first
			p := b.get(at).must(t, http.StatusOK)
			admin := f.eng.As("admin")
			var err error
			if gone == "instance" {
				err = admin.DeleteInstance(ctx, first, engine.MoveOptions{})
			} else {
				err = admin.DeleteRecord(ctx, "lead", lead)
			}
			if err != nil {
				t.Fatal(err)
			}
			form := stageForm(t, p, "signout", "qualificationcomments", "Ninety trucks")
			b.post(processAction.FindStringSubmatch(p.body)[1], form).must(t, http.StatusOK, `<h1>Sign in</h1>`,
				"Nothing was saved: the record or process of that page was deleted, or is no longer one you may read. You are signed out.")
			if r := b.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin") {
				t.Errorf("after Sign out of a deleted %s, / answers %d %q", gone, r.status, r.location)
			}
		})
	}
}

// TestSignOutPostedAgain: reloading the answer of a Sign out (the sign-in
// page, answering the stage form's post) posts it again, without a
// session now; so does Sign out pressed in another tab of the page. The
// answer says the user is signed out, not that their session ended and
// they should sign in and repeat what they did (sign out).
func TestSignOutPostedAgain(t *testing.T) {
	f := newFixture(t)
	lead, first := f.createLead("lead_to_opportunity", nil)
	b := f.browser()
	b.signIn()
	p := b.get(recordHref("lead", lead)+"?instance="+first).must(t, http.StatusOK)
	action := processAction.FindStringSubmatch(p.body)[1]
	form := stageForm(t, p, "signout", "qualificationcomments", "Eighty trucks")
	b.post(action, form).must(t, http.StatusOK, "You are signed out.")
	for _, again := range []*page{b.post(action, form), b.post("/signout", url.Values{"csrf": {p.csrf(t)}})} {
		again.must(t, http.StatusOK, `<h1>Sign in</h1>`, "You are signed out already: nothing was done.").lacks(t, "repeat what you did")
	}
}
