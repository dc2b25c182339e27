package webui

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// stageForm is the stage form of a record page, ready to post as a
// browser posts it: its hidden fields, the form token, each step as the
// page shows it (in the input and, unchanged, in its hidden twin), and
// values typed over them.
func stageForm(t *testing.T, p *page, op string, values ...string) url.Values {
	t.Helper()
	form := url.Values{"csrf": {p.csrf(t)}, "op": {op}}
	for _, name := range []string{"instance", "version", "stage", "rversion"} {
		form.Set(name, p.hidden(t, name))
	}
	for _, m := range shownRe.FindAllStringSubmatch(p.body, -1) {
		form.Set(origPrefix+m[1], html.UnescapeString(m[2]))
	}
	for col, v := range inputValues(p) {
		form.Set(fieldPrefix+col, v)
	}
	for i := 0; i+1 < len(values); i += 2 {
		form.Set(fieldPrefix+values[i], values[i+1])
	}
	return form
}

// The inputs of a form, by column: an input's value, a text area's text,
// a list's selected option.
var (
	inputRe    = regexp.MustCompile(`<input id="[^"]*" name="f_([a-z0-9_]+)" type="[^"]*" value="([^"]*)"`)
	textareaRe = regexp.MustCompile(`(?s)<textarea id="[^"]*" name="f_([a-z0-9_]+)"[^>]*>(.*?)</textarea>`)
	selectRe   = regexp.MustCompile(`(?s)<select id="[^"]*" name="f_([a-z0-9_]+)"[^>]*>(.*?)</select>`)
	selectedRe = regexp.MustCompile(`<option value="([^"]*)" selected>`)
)

// inputValues are the values the inputs of page p post, by column.
func inputValues(p *page) map[string]string {
	out := map[string]string{}
	for _, re := range []*regexp.Regexp{inputRe, textareaRe} {
		for _, m := range re.FindAllStringSubmatch(p.body, -1) {
			out[m[1]] = html.UnescapeString(m[2])
		}
	}
	for _, m := range selectRe.FindAllStringSubmatch(p.body, -1) {
		out[m[1]] = ""
		if o := selectedRe.FindStringSubmatch(m[2]); o != nil {
			out[m[1]] = html.UnescapeString(o[1])
		}
	}
	return out
}

// shownRe finds the value each step of a stage form shows.
var shownRe = regexp.MustCompile(`<input type="hidden" name="o_([a-z0-9_]+)" value="([^"]*)">`)

var processAction = regexp.MustCompile(`<form method="post" action="([^"]+/process)"`)

// postStage posts the stage form of page p and follows the redirect; a
// post refused before what was typed was saved answers with the page
// itself (409, 422), which is returned as it is.
func (b *browser) postStage(p *page, op string, values ...string) *page {
	b.t.Helper()
	m := processAction.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no stage form: %s", p.body)
	}
	r := b.post(m[1], stageForm(b.t.(*testing.T), p, op, values...))
	if r.status != http.StatusSeeOther {
		return r
	}
	return b.follow(r)
}

// activeStage is the name of the stage the bar shows active.
var activeStageRe = regexp.MustCompile(`(?s)<li class="stage active[^"]*" aria-current="step">.*?<span class="name">([^<]+)</span>`)

func activeStage(p *page) string {
	m := activeStageRe.FindStringSubmatch(p.body)
	if m == nil {
		return ""
	}
	return m[1]
}

// barStages are the stage names of the bar, in order.
var barStageRe = regexp.MustCompile(`(?s)<li class="stage ([a-z]+)[^"]*"[^>]*>.*?<span class="name">([^<]+)</span>`)

func barStages(p *page) []string {
	var out []string
	for _, m := range barStageRe.FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[2]+":"+m[1])
	}
	return out
}

// TestProcessThroughThePages takes a lead through the Strategic Deal
// Process with the pages' forms only: create, a refused Next with the
// missing steps marked, an action step, Next across tables to the
// opportunity, a branch changing the path, Previous, Finish, Reactivate
// and Abandon.
func TestProcessThroughThePages(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	list := b.get("/records/lead").must(t, http.StatusOK, "No records you may see.", `<label for="new-lastname">Last Name`,
		`<label for="new-subject">Topic`, `<option value="" selected>The default flow (Lead to Opportunity Sales Process)</option>`)
	created := b.post("/records/lead", url.Values{"csrf": {list.csrf(t)}, "f_firstname": {"Joe"}, "f_lastname": {"Bloggs"},
		"f_subject": {"Fleet renewal"}, "flow": {"strategic_deal"}})
	if created.status != http.StatusSeeOther || !strings.Contains(created.location, "?instance=") {
		t.Fatalf("create: %d %q %s", created.status, created.location, created.body)
	}
	p := b.follow(created).must(t, http.StatusOK, "Created; Strategic Deal Process started.", "<h1>Joe Bloggs")
	if got := strings.Join(barStages(p), " "); got != "Qualify:active Develop:next Propose:next Close:next" {
		t.Errorf("bar: %s", got)
	}
	// Each step's input fits its column; required ones are marked.
	p.must(t, http.StatusOK,
		`<label for="step-budget">Estimated Budget <span class="req" aria-hidden="true">*</span><span class="sr"> (required)</span></label>`,
		`<input id="step-budget" name="f_budgetamount" type="number" value="" step="any" aria-required="true">`,
		`<select id="step-timeframe" name="f_purchasetimeframe" aria-required="true">`, `<option value="1">This Quarter</option>`,
		`<select id="step-decision_maker" name="f_decisionmaker" aria-required="true">`, `<option value="true">Yes</option>`,
		`<textarea id="step-summary" name="f_qualificationcomments" rows="3" maxlength="2000">`,
		`<button type="submit" name="op" value="action:verify">Verify Lead</button>`,
		"After Develop: Approval when self.estimatedvalue &gt; var.approval_threshold; Propose otherwise. Now: Propose.",
		"Not on the path now: Approval.")
	p.lacks(t, `value="prev"`, `value="finish"`)
	list = b.get("/records/lead").must(t, http.StatusOK, "Joe Bloggs", "Strategic Deal Process", "Qualify")

	// Next without the required steps: refused, the steps marked.
	p = b.postStage(p, "next", "qualificationcomments", "Twelve trucks")
	// Said in the page's words: the steps by their labels, not the
	// engine's step and column names.
	p.must(t, http.StatusOK, `Fill in the required steps before moving to the next stage: Estimated Budget, Purchase Timeframe and Decision Maker Identified (must be Yes). Your changes to the steps were saved.`,
		`<input id="step-budget" name="f_budgetamount" type="number" value="" step="any" aria-required="true" aria-invalid="true" aria-describedby="step-budget-err">`,
		`<p class="error" id="step-budget-err">Required to move on</p>`,
		`<p class="error" id="step-decision_maker-err">Must be Yes to move on</p>`,
		"Twelve trucks")
	if activeStage(p) != "Qualify" {
		t.Errorf("after a refused next: %s", activeStage(p))
	}
	// A value that does not fit: beside its field, what was typed kept.
	p = b.postStage(p, "save", "budgetamount", "lots")
	p.must(t, http.StatusUnprocessableEntity, `<p class="error" id="step-budget-err">&#34;lots&#34; is not a number</p>`,
		`Check the marked fields. Estimated Budget: &#34;lots&#34; is not a number.`, `value="lots"`)
	// Two: each beside its field.
	p = b.postStage(p, "save", "budgetamount", "lots", "purchasetimeframe", "99")
	p.must(t, http.StatusUnprocessableEntity, `<p class="error" id="step-budget-err">&#34;lots&#34; is not a number</p>`,
		`<p class="error" id="step-timeframe-err">&#34;99&#34; `, `value="lots"`)

	// The action step runs its workflow.
	p = b.postStage(b.get(strings.SplitN(created.location, "#", 2)[0]), "action:verify")
	p.must(t, http.StatusOK, "Verify Lead: workflow verify_lead ran (1 of 1 steps).", "<dt>Confirm Interest</dt><dd>Yes</dd>")

	// Next with the steps filled moves to the opportunity's stage.
	p = b.postStage(p, "next", "budgetamount", "250000", "purchasetimeframe", "1", "decisionmaker", "true")
	p.must(t, http.StatusOK, "Moved to Develop.", "<h1>Fleet renewal <span class=\"kind\">Opportunity</span>",
		`<label for="step-value">Estimated Revenue`, "Originating Lead", "</span> required to move on</p>")
	if got := strings.Join(barStages(p), " "); got != "Qualify:done Develop:active Propose:next Close:next" {
		t.Errorf("bar after next: %s", got)
	}
	// A branch: a large deal takes the Approval stage, a small one not.
	p = b.postStage(p, "save", "estimatedvalue", "10000", "customerneed", "Trucks")
	p.must(t, http.StatusOK, "Saved.", "Now: Propose.", "Not on the path now: Approval.")
	p = b.postStage(p, "save", "estimatedvalue", "50000")
	p.must(t, http.StatusOK, "Saved.", "Now: Approval.").lacks(t, "Not on the path now")
	if got := strings.Join(barStages(p), " "); got != "Qualify:done Develop:active Approval:next Propose:next Close:next" {
		t.Errorf("bar after the branch: %s", got)
	}
	p = b.postStage(p, "next")
	p.must(t, http.StatusOK, "Moved to Approval.", `<select id="step-approver" name="f_cts_approverid" aria-required="true">`)
	admin := regexp.MustCompile(`<option value="([0-9a-f-]{36})">System Administrator</option>`).FindStringSubmatch(p.body)
	if admin == nil {
		t.Fatalf("no user to choose as approver: %s", p.body)
	}
	p = b.postStage(p, "prev")
	if activeStage(p) != "Develop" {
		t.Fatalf("after prev: %s", activeStage(p))
	}
	p = b.postStage(b.postStage(p, "next"), "next", "cts_approverid", admin[1], "cts_dealapproved", "true")
	p = b.postStage(p, "next", "developproposal", "true")
	p.must(t, http.StatusOK, "Moved to Close.", `<button type="submit" name="op" value="finish" class="primary">Finish</button>`,
		`<input id="step-decision_date" name="f_finaldecisiondate" type="date" value=""`, "</span> required to finish</p>").
		lacks(t, `value="next"`, "required to move on")
	p = b.postStage(p, "finish")
	p.must(t, http.StatusOK, `Fill in the required step before finishing the process: Confirm Decision Date.`,
		`<p class="error" id="step-decision_date-err">Required to finish</p>`)
	p = b.postStage(p, "finish", "finaldecisiondate", "2026-06-30")
	p.must(t, http.StatusOK, "Finished.", `<span class="state finished">Finished</span>`, `value="reactivate"`, "30 Jun 2026")
	if got := strings.Join(barStages(p), " "); got != "Qualify:done Develop:done Approval:done Propose:done Close:done" {
		t.Errorf("bar when finished: %s", got)
	}
	p = b.postStage(p, "reactivate")
	p.must(t, http.StatusOK, "Reactivated.", `value="finish"`)
	p = b.postStage(p, "abandon")
	p.must(t, http.StatusOK, "Abandoned.", `<span class="state aborted">Aborted</span>`, `<li class="stage stopped"`)
	// The stage history lists every stay.
	p.must(t, http.StatusOK, "Stage history", "(start, admin)", "(prev, admin)", "(reactivate, admin)")
}

// TestStartAtInstanceLimit: on a record that holds the most instances a
// record can, the Start list stays, as Dataverse's switcher does: a flow
// the record has still opens its instance, and a flow it has not is not
// offered, the page saying why it cannot start.
func TestStartAtInstanceLimit(t *testing.T) {
	f := newFixture(t)
	lead, _ := f.createLead("strategic_deal", nil)
	admin := f.eng.As("admin")
	for i := 1; i < engine.MaxInstancesPerRecord; i++ {
		if _, err := admin.Start(context.Background(), "strategic_deal", "lead", lead); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.signIn()
	p := b.get("/records/lead/"+lead).must(t, http.StatusOK, `<label for="start-flow">Start a process</label>`,
		`<option value="strategic_deal">Strategic Deal Process (open: `,
		`Cannot start Lead to Opportunity Sales Process: this record holds 10 process instances, the most a record can hold`)
	p.lacks(t, `<option value="lead_to_opportunity"`)
	// The flow the record has opens; the other is refused by the engine,
	// as a forged form would be, and nothing starts.
	q := b.follow(b.post("/records/lead/"+lead+"/start", url.Values{"csrf": {p.csrf(t)}, "flow": {"strategic_deal"}}))
	q.must(t, http.StatusOK, "This record already has the Strategic Deal Process; switched to it")
	b.follow(b.post("/records/lead/"+lead+"/start", url.Values{"csrf": {p.csrf(t)}, "flow": {"lead_to_opportunity"}})).
		must(t, http.StatusOK, "the most a record can hold")
	if ins, err := admin.ProcessInstances(context.Background(), "lead", lead); err != nil || len(ins) != engine.MaxInstancesPerRecord {
		t.Errorf("the lead holds %d instances (%v), want %d", len(ins), err, engine.MaxInstancesPerRecord)
	}

	// Below the limit no flow is said to be unable to start.
	other, _ := f.createLead("strategic_deal", nil)
	b.get("/records/lead/"+other).must(t, http.StatusOK, `<option value="lead_to_opportunity">`).lacks(t, "Cannot start")
}

// TestStartAtInstanceLimitUnseen: the limit counts the instances a user
// may not read, as the engine's Start does; a user who reads none of the
// lead's ten Strategic Deal instances is told that Lead to Opportunity
// cannot start, not offered a Start the engine refuses.
func TestStartAtInstanceLimitUnseen(t *testing.T) {
	f := newFixture(t, "qualifier.hcl", `
role "qualifier" {
  grant "lead_to_opportunity" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "organization"
  }
}
`)
	lead, _ := f.createLead("strategic_deal", nil)
	for i := 1; i < engine.MaxInstancesPerRecord; i++ {
		if _, err := f.eng.As("admin").Start(context.Background(), "strategic_deal", "lead", lead); err != nil {
			t.Fatal(err)
		}
	}
	q := f.browser()
	q.signInWith(f.addUser("quinn", "qualifier"))
	p := q.get("/records/lead/"+lead).must(t, http.StatusOK,
		`Cannot start Lead to Opportunity Sales Process: this record holds 10 process instances, the most a record can hold`)
	p.lacks(t, "Strategic Deal Process", `<option value="lead_to_opportunity"`, "Start a process")
}

// TestConcurrentInstances: a record's instances are listed and switched
// between; a flow started from the page becomes one of them.
func TestConcurrentInstances(t *testing.T) {
	f := newFixture(t)
	lead, first := f.createLead("strategic_deal", nil)
	b := f.browser()
	b.signIn()
	p := b.get("/records/lead/"+lead).must(t, http.StatusOK, `<label for="start-flow">Start a process</label>`)
	p = b.follow(b.post("/records/lead/"+lead+"/start", url.Values{"csrf": {p.csrf(t)}, "flow": {"lead_to_opportunity"}}))
	p.must(t, http.StatusOK, "Started.", `aria-label="Processes of this record"`, "Lead to Opportunity Sales Process", "Strategic Deal Process")
	second := p.hidden(t, "instance")
	if second == first {
		t.Fatal("the started instance is not the one shown")
	}
	p = b.get("/records/lead/"+lead+"?instance="+first).must(t, http.StatusOK)
	// The switcher beside a stage form that may be typed in: buttons of
	// the form (leave.go).
	if p.hidden(t, "instance") != first || !strings.Contains(p.body, `value="leave:/records/lead/`+lead+`?instance=`+first+`" formnovalidate aria-current="page"`) {
		t.Errorf("switching to the first instance: %s", p.body)
	}
	// Abandoned, the most recently changed instance is still the one the
	// page shows (with Reactivate), as Dataverse's form and
	// RetrieveProcessInstances have it; it gave way to the older active one.
	p = b.get("/records/lead/"+lead+"?instance="+second).must(t, http.StatusOK)
	p = b.postStage(p, opAbandon)
	p = b.get("/records/lead/"+lead).must(t, http.StatusOK)
	if p.hidden(t, "instance") != second || !strings.Contains(p.body, `?instance=`+second+`" aria-current="page"`) {
		t.Errorf("after abandoning the most recent instance the page shows %s, want it (%s)", p.hidden(t, "instance"), second)
	}
	// An instance of another record is not shown here.
	other, _ := f.createLead("strategic_deal", nil)
	p = b.get("/records/lead/"+other+"?instance="+first).must(t, http.StatusOK)
	if p.hidden(t, "instance") == first {
		t.Error("another record's instance was shown")
	}
	b.get("/records/lead").must(t, http.StatusOK, "(+1)")

	// Starting a flow the record already has switches to its instance,
	// as Dataverse's Switch Process does, rather than start it twice.
	p = b.follow(b.post("/records/lead/"+lead+"/start", url.Values{"csrf": {p.csrf(t)}, "flow": {"lead_to_opportunity"}}))
	p.must(t, http.StatusOK, "This record already has the Lead to Opportunity Sales Process; switched to it, at Qualify (Aborted).",
		`value="reactivate"`)
	if p.hidden(t, "instance") != second {
		t.Errorf("switching to the flow the record has shows %s, want %s", p.hidden(t, "instance"), second)
	}
	if n := strings.Count(p.body, `<span class="flowname">`); n != 2 {
		t.Errorf("the record has %d instances, want 2: %s", n, p.body)
	}
}

// TestConflicts: a form posted after someone else moved the instance, or
// changed the record, says so and changes nothing.
func TestConflicts(t *testing.T) {
	f := newFixture(t)
	lead, inst := f.createLead("strategic_deal", engine.Values{"budgetamount": "90000", "purchasetimeframe": "Immediate", "decisionmaker": "yes"})
	b := f.browser()
	b.signIn()
	stale := b.get("/records/lead/"+lead).must(t, http.StatusOK)
	ctx := context.Background()
	if _, err := f.eng.As("admin").Next(ctx, inst, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	p := b.postStage(stale, "next")
	p.must(t, http.StatusOK, `class="flash conflict" role="alert"`, "This process was changed after the page was loaded (by someone else, or on another page of yours), so nothing was changed.")
	if in := f.instance(inst); in.ActiveStage != "develop" {
		t.Errorf("the stale form moved the instance on to %s", in.ActiveStage)
	}
	if activeStage(p) != "Develop" {
		t.Errorf("the page after a conflict shows %s", activeStage(p))
	}

	// The record changed under the form: the step value is not written.
	p = b.get("/records/lead/" + lead + "?instance=" + inst)
	p = b.postStage(p, "prev")
	stale = p
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "lead", lead, engine.Values{"budgetamount": "95000"}, 0); err != nil {
		t.Fatal(err)
	}
	p = b.postStage(stale, "save", "budgetamount", "1")
	p.must(t, http.StatusConflict, "This record was changed after the page was loaded (by someone else, or on another page of yours)")
	rec, err := f.eng.As("admin").Record(ctx, "lead", lead)
	if err != nil || rec.Values["budgetamount"] != 95000.0 {
		t.Errorf("budget after a conflicting save: %v %v", rec.Values["budgetamount"], err)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/records/lead": "/records/lead", "//evil.example": "", "/\\evil": "", "https://x": "",
		"": "", "/signin?token=x": "", "/a\r\nb": "", "records": "",
		// Browsers drop tabs and newlines in a URL: "/\t/evil.example" is
		// "//evil.example" to them. Control characters and backslashes go.
		"/\t/evil.example/x": "", "/\n/evil.example": "", "/records/\\evil": "", "/a\x00b": "", "/a\x7fb": "",
		"/records/lead?x=1#top": "/records/lead?x=1#top"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFlowPage: the graph with its size and a text alternative, the
// stages as text with their branches, and the report in a frame.
func TestFlowPage(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	p := b.get("/flows/strategic_deal").must(t, http.StatusOK, "<h1>Strategic Deal Process</h1>",
		`alt="The stages of Strategic Deal Process: Qualify (Lead), Develop (Opportunity), Approval (Opportunity), Propose (Opportunity), Close (Opportunity)."`,
		"Branch: when self.estimatedvalue &gt; var.approval_threshold → Approval", "Estimated Budget *", "Verify Lead (action)",
		`<iframe class="report" src="/flows/strategic_deal/report" title="Report of Strategic Deal Process"`)
	if !regexp.MustCompile(`src="/flows/strategic_deal/graph.svg" alt="[^"]+" width="\d+" height="\d+">`).MatchString(p.body) {
		t.Errorf("the graph has no size: %s", p.body)
	}
	b.get("/").must(t, http.StatusOK, `<a href="/flows/strategic_deal">Strategic Deal Process</a>`, `<a href="/records/lead">Lead</a>`)
	if p := b.get("/static/"); p.status != http.StatusNotFound {
		t.Errorf("the static folder is listed: %d", p.status)
	}
}

// TestCreateRequiresColumns: as a Dataverse form, the create form cannot
// be sent without a business-required column (required on the input, and
// checked by the server for a client that ignores it); what was typed is
// kept and nothing is created.
func TestCreateRequiresColumns(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	list := b.get("/records/lead").must(t, http.StatusOK, `<input id="new-lastname" name="f_lastname" type="text" value="" maxlength="50" required>`)
	r := b.post("/records/lead", url.Values{"csrf": {list.csrf(t)}, "f_firstname": {"Joe"}, "f_lastname": {""},
		"f_subject": {"Fleet renewal"}, "flow": {"-"}})
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, "/records/lead#create") {
		t.Fatalf("create without a last name: %d %q", r.status, r.location)
	}
	b.follow(r).must(t, http.StatusOK, "Fill in the required fields: Last Name.", `value="Fleet renewal"`, `value="Joe"`,
		`aria-invalid="true" aria-describedby="new-lastname-err"`, "No records you may see.")
	// A value that does not fit: said by the field's label, above the form
	// and beside the field, not by the column's name.
	r = b.post("/records/lead", url.Values{"csrf": {list.csrf(t)}, "f_lastname": {strings.Repeat("x", 51)},
		"f_subject": {"Fleet renewal"}, "flow": {"-"}})
	b.follow(r).must(t, http.StatusOK, "Check the marked fields. Last Name: &#34;"+strings.Repeat("x", 51)+"&#34; is",
		`<p class="error" id="new-lastname-err">&#34;xxx`).lacks(t, "lead.lastname")
}

// TestHistoryNamesARemovedStage: an instance's stay at a stage that an
// upgrade removed stays in its stage history, named (its row had no name).
func TestHistoryNamesARemovedStage(t *testing.T) {
	flow := func(stages string) string {
		return "flow \"trial\" {\n  primary_table = \"lead\"\n  order = 900\n" + stages + "}\n"
	}
	f := newFixture(t, "trial.hcl", flow("  stage \"a\" {}\n  stage \"b\" { display_name = \"Bee\" }\n  stage \"c\" {}\n"))
	ctx := context.Background()
	admin := f.eng.As("admin")
	rec, err := admin.CreateRecord(ctx, "lead", engine.Values{"lastname": "Ames", "subject": "Trial"}, engine.StartOptions{Flow: "trial"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Next(ctx, rec.Instance.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Write(t, f.p.Dir, "trial.hcl", flow("  stage \"a\" {}\n  stage \"c\" {}\n"))
	p := testenv.Load(t, f.p.Dir)
	testenv.Import(t, p, f.s, testenv.FakeBuild(t, p), nil)
	b := f.browser()
	b.signIn()
	b.get("/records/lead/"+rec.ID+"?instance="+rec.Instance.ID).must(t, http.StatusOK,
		`<tr><th scope="row">b (removed)</th>`, `(upgrade, admin)`)
}

// TestMoveOnADeletedRecord: a page left open while its record is deleted
// (an instance outlives its records). A move that needs the record answers
// with the table's list saying so, not a "Not found" page in answer to the
// post; a move that does not (Abandon) is made and the list says so too.
func TestMoveOnADeletedRecord(t *testing.T) {
	f := newFixture(t)
	lead, _ := f.createLead("strategic_deal", nil)
	b := f.browser()
	b.signIn()
	open := b.get("/records/lead/"+lead).must(t, http.StatusOK)
	if err := f.eng.As("admin").DeleteRecord(context.Background(), "lead", lead); err != nil {
		t.Fatal(err)
	}
	m := processAction.FindStringSubmatch(open.body)
	if m == nil {
		t.Fatalf("no stage form: %s", open.body)
	}
	r := b.post(m[1], stageForm(t, open, opNext, "budgetamount", "5"))
	if r.status != http.StatusSeeOther || r.location != "/records/lead" {
		t.Fatalf("next on a deleted lead: %d %q %s", r.status, r.location, r.body)
	}
	b.follow(r).must(t, http.StatusOK, "This lead was deleted while you had its page open: nothing was changed.")
	// With a step typed too: there is no record left to keep it on.
	r = b.post(m[1], stageForm(t, open, opAbandon, "budgetamount", "5"))
	if r.status != http.StatusSeeOther || r.location != "/records/lead" {
		t.Fatalf("abandon on a deleted lead: %d %q %s", r.status, r.location, r.body)
	}
	b.follow(r).must(t, http.StatusOK, "Abandoned.")
}

// TestLookupOfADisabledUser: a lookup step holding a user disabled since
// shows that user by name, said disabled, in its list (not an id), and
// offers no other disabled user.
func TestLookupOfADisabledUser(t *testing.T) {
	f := newFixture(t)
	f.addUser("mia", "sales_manager")
	f.addUser("noah", "sales_manager")
	ctx := context.Background()
	_, inst := f.createLead("strategic_deal", engine.Values{"budgetamount": "90000", "purchasetimeframe": "1", "decisionmaker": "true"})
	opp := f.moveOn(inst, 1).Records["opportunity"]
	var mia string
	users, err := f.eng.As("admin").Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Name == "mia" {
			mia = u.ID
		}
	}
	vals := engine.Values{"estimatedvalue": "900000", "customerneed": "Trucks", "cts_approverid": mia}
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "opportunity", opp, vals, 0); err != nil {
		t.Fatal(err)
	}
	f.moveOn(inst, 1)
	disabled := true
	for _, name := range []string{"mia", "noah"} {
		if _, err := f.eng.As("admin").SetUser(ctx, name, engine.UserChange{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.signIn()
	b.get(recordHref("opportunity", opp)).must(t, http.StatusOK, "Active stage: Approval",
		`<option value="`+mia+`" selected>mia (disabled)</option>`).lacks(t, ">noah")
}

// TestRecordListCount: the list's caption counts its records as a
// sentence does: "1 record", "2 records".
func TestRecordListCount(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	f.createLead("lead_to_opportunity", nil)
	b.get("/records/lead").must(t, http.StatusOK, "<caption>1 record, newest first</caption>")
	f.createLead("lead_to_opportunity", nil)
	b.get("/records/lead").must(t, http.StatusOK, "<caption>2 records, newest first</caption>")
}

// TestUnknownTableHint: an address that names a table by its display name
// or plural display name (/records/case, /records/Cases), its Web API
// entity set (/records/incidents) or a misspelling (/records/leed) is a
// 404 that says which table that is and links to its page, the record's
// when the address names one; a name near no table gets no link, and an
// instance table's is not offered.
func TestUnknownTableHint(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	const id = "5f3e0a1b-0000-4000-8000-000000000001"
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/records/case", []string{`&#34;Case&#34; is the display name of table incident; a page&#39;s address names a table by its logical name.`,
			`Did you mean <a href="/records/incident">Case (/records/incident)</a>?`}},
		{"/records/Cases", []string{`&#34;Cases&#34; is the plural display name of table incident`, `<a href="/records/incident">`}},
		{"/records/Phone%20Call", []string{`&#34;Phone Call&#34; is the display name of table phonecall`, `<a href="/records/phonecall">`}},
		{"/records/incidents", []string{`incidents is the Web API&#39;s name for table incident`, `<a href="/records/incident">`}},
		{"/records/case/" + id, []string{`<a href="/records/incident/` + id + `">Case (/records/incident/` + id + `)</a>`}},
		{"/records/leed", []string{`There is no table &#34;leed&#34; here.`, `Did you mean <a href="/records/lead">Lead (/records/lead)</a>?`}},
	} {
		b.get(c.path).must(t, http.StatusNotFound, c.want...)
	}
	b.get("/records/nosuchtable").must(t, http.StatusNotFound, `There is no table &#34;nosuchtable&#34; here.`).lacks(t, "Did you mean")
	// A flow's instance table has no records page.
	b.get("/records/Strategic%20Deal%20Process").must(t, http.StatusNotFound).lacks(t, "Did you mean", "cts_strategicdeal")
}
