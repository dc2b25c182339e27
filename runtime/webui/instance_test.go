package webui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
)

// instanceForm is the form of an instance's own page for op, ready to post.
func instanceForm(t *testing.T, p *page, op string) url.Values {
	t.Helper()
	return url.Values{"csrf": {p.csrf(t)}, "op": {op}, "instance": {p.hidden(t, "instance")}, "version": {p.hidden(t, "version")}}
}

// TestDetachedInstance: an instance whose record was deleted is listed on
// its flow's page and has its own page: the bar, the stages read-only, the
// deleted record said so, and only what works without a record — Abandon,
// Reactivate, Delete. An instance still on a record (here the opportunity
// it moved to) is not listed.
func TestDetachedInstance(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.eng.As("admin")
	gone, inst := f.createLead("lead_to_opportunity", engine.Values{"budgetamount": "90000"})
	kept, keptInst := f.createLead("lead_to_opportunity", nil)
	moved, movedInst := f.createLead("lead_to_opportunity", nil)
	f.moveOn(movedInst, 1)
	for _, id := range []string{gone, moved} {
		if err := admin.DeleteRecord(ctx, "lead", id); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser()
	b.signIn()
	href := instanceHref("lead_to_opportunity", inst)
	// The flow page links the list, which it does not read itself.
	b.get("/flows/lead_to_opportunity").must(t, http.StatusOK, `<h2 id="detached-h">Processes without a record</h2>`,
		`<a href="/flows/lead_to_opportunity/instances">`).lacks(t, href)
	p := b.get("/flows/lead_to_opportunity/instances").must(t, http.StatusOK, `<h1>Processes without a record`,
		`<a href="`+href+`">Lead to Opportunity Sales Process</a>`, "Lead "+gone+" (deleted)", "Qualify")
	p.lacks(t, keptInst, movedInst, kept)

	p = b.get(href).must(t, http.StatusOK, "<h1>Lead to Opportunity Sales Process <span class=\"kind\">Process</span></h1>",
		"<dt>Lead</dt><dd>"+gone+" (deleted)</dd>", "Active stage: Qualify",
		"This stage's lead record was deleted: its steps cannot be filled.",
		"Without this stage's record the process cannot move on or back. It may still be abandoned, or deleted with its stage history.",
		`<button type="submit" name="op" value="abandon"`, `<button type="submit" name="op" value="delete"`,
		`<form method="post" action="`+href+`" class="panel" id="stage-form">`)
	p.lacks(t, `value="next"`, `value="save"`, `value="prev"`, `value="action:`)
	if activeStage(p) != "Qualify" {
		t.Errorf("the bar's active stage: %q", activeStage(p))
	}
	// Each stage of the bar shows on this page, read-only.
	b.get(stageHref(href, inst, "develop")).must(t, http.StatusOK, "Stage: Develop", "(to come, read-only)")

	stale := p
	r := b.post(href, instanceForm(t, p, opAbandon))
	if r.status != http.StatusSeeOther || r.location != href {
		t.Fatalf("abandon: %d %q %s", r.status, r.location, r.body)
	}
	p = b.follow(r).must(t, http.StatusOK, "Abandoned.", `<span class="state aborted">Aborted</span>`,
		`<button type="submit" name="op" value="reactivate"`, "It may still be reactivated")
	// A page left open is refused, as on a record's page.
	b.follow(b.post(href, instanceForm(t, stale, opAbandon))).must(t, http.StatusOK,
		"This process was changed after the page was loaded (by someone else, or on another page of yours), so nothing was changed.")
	p = b.follow(b.post(href, instanceForm(t, p, opReactivate))).must(t, http.StatusOK, "Reactivated.", `value="abandon"`)
	if got := f.instance(inst); got.State != engine.StateActive {
		t.Errorf("after reactivate: %s", got.State)
	}
	// A move this page does not offer is refused.
	b.post(href, instanceForm(t, p, opNext)).must(t, http.StatusBadRequest)

	r = b.post(href, instanceForm(t, p, opDelete))
	if r.status != http.StatusSeeOther || r.location != "/flows/lead_to_opportunity/instances" {
		t.Fatalf("delete: %d %q %s", r.status, r.location, r.body)
	}
	b.follow(r).must(t, http.StatusOK, "Deleted Lead to Opportunity Sales Process (created 2026-05-04) and its stage history.",
		"None: every process of this flow you may see is on a record").lacks(t, href)
	if _, err := admin.Instance(ctx, inst); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("the deleted instance: %v", err)
	}
	// An instance of another flow, or none, is not found under this one.
	b.get(instanceHref("strategic_deal", keptInst)).must(t, http.StatusNotFound)
	b.get(href).must(t, http.StatusNotFound)
}

// TestDetachedInstanceReadOnly: a user who may read the flow but neither
// change nor delete its instances sees the page with no moves, and a
// forged post is refused.
func TestDetachedInstanceReadOnly(t *testing.T) {
	f := newFixture(t, "viewer.hcl", `
role "lead_viewer" {
  grant "lead_to_opportunity" {
    privileges = ["read"]
    depth      = "organization"
  }
  grant "lead" {
    privileges = ["read"]
    depth      = "organization"
  }
}
`)
	lead, inst := f.createLead("lead_to_opportunity", nil)
	if err := f.eng.As("admin").DeleteRecord(context.Background(), "lead", lead); err != nil {
		t.Fatal(err)
	}
	vic := f.browser()
	vic.signInWith(f.addUser("vic", "lead_viewer"))
	href := instanceHref("lead_to_opportunity", inst)
	vic.get("/flows/lead_to_opportunity/instances").must(t, http.StatusOK, `<a href="`+href+`">`)
	p := vic.get(href).must(t, http.StatusOK, "You may read this process but not change it.", "Active stage: Qualify")
	p.lacks(t, `name="op"`, "It may still be")
	form := url.Values{"csrf": {p.csrf(t)}, "op": {opAbandon}, "instance": {inst}, "version": {strconv.FormatInt(f.instance(inst).Version, 10)}}
	vic.follow(vic.post(href, form)).must(t, http.StatusOK, "may not change instances of flow lead_to_opportunity")
	form.Set("op", opDelete)
	vic.follow(vic.post(href, form)).must(t, http.StatusOK, "may not delete instances of flow lead_to_opportunity")
	if got := f.instance(inst); got.State != engine.StateActive {
		t.Errorf("a forged abandon: %s", got.State)
	}
}

// TestInstancePageHasNothingToType: an instance's own page never shows a
// stage form the user may type in, even with the stage's record still
// there and a user who may change it: its steps are read-only (they are
// filled on the record's page, which it links), so its links, top bar and
// Sign out stay plain where the record page of the same instance makes
// them buttons of the stage form (leave.go). A post with typed steps to
// it saves nothing: the record page's ways out are refused, and Abandon
// leaves the record as it was.
func TestInstancePageHasNothingToType(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	lead, inst := f.createLead("lead_to_opportunity", nil)
	b := f.browser()
	b.signIn()
	// The record page of the same instance is typed in: its ways out are
	// buttons there.
	b.get(recordHref("lead", lead)+"?instance="+inst).must(t, http.StatusOK,
		`<button type="submit" form="stage-form" name="op" value="leave:/" formnovalidate class="link brand">`)

	href := instanceHref("lead_to_opportunity", inst)
	p := b.get(href).must(t, http.StatusOK, `<fieldset disabled>`,
		`These steps fill <a href="`+recordHref("lead", lead)+`?instance=`+inst+`">Bloggs</a> (Lead): open it to fill them.`,
		`<a class="brand" href="/">`, `<a href="/">Tables and flows</a> › <a href="/flows/lead_to_opportunity">`,
		`<h2 id="proc-h"><a href="/flows/lead_to_opportunity">`, `<form class="signout" method="post" action="/signout">`,
		`<a href="`+recordHref("lead", lead)+`?instance=`+inst+`">Bloggs</a></dd>`)
	p.lacks(t, `form="stage-form"`, `value="leave:`, `value="show:`, `value="save"`, `value="signout"`)
	for _, stage := range []string{"qualify", "develop"} {
		b.get(stageHref(href, inst, stage)).must(t, http.StatusOK).lacks(t, `form="stage-form"`, `value="leave:`)
	}

	before := f.instance(inst).Version
	budget := func() any {
		t.Helper()
		rec, err := f.eng.As("admin").RecordValues(ctx, "lead", lead)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Values["budgetamount"]
	}
	for _, op := range []string{"leave:/", "leave:/flows/lead_to_opportunity", opSave, opSignOut, opStart, "show:develop"} {
		form := stageForm(t, p, op, "budgetamount", "120000")
		form.Set("flow", "lead_to_opportunity")
		b.post(href, form).must(t, http.StatusBadRequest, "This page cannot")
		if got := budget(); got != nil {
			t.Fatalf("%s on the instance's page saved %v", op, got)
		}
	}
	if got := f.instance(inst).Version; got != before {
		t.Errorf("the refused posts changed the instance: version %d, was %d", got, before)
	}
	b.get("/").must(t, http.StatusOK) // still signed in

	b.follow(b.post(href, stageForm(t, p, opAbandon, "budgetamount", "120000"))).must(t, http.StatusOK, "Abandoned.")
	if got := budget(); got != nil {
		t.Errorf("Abandon on the instance's page saved %v", got)
	}
}
