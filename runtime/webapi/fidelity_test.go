package webapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Input the API would change before storing it is refused instead: what a
// client writes is kept as written or answered with a 400 naming why.

// TestLookupValueReadOnly: a lookup's _x_value is read-only, as in
// Dataverse: a POST or PATCH writing it is 400 pointing at @odata.bind
// (it was written as the lookup), and nothing changes.
func TestLookupValueReadOnly(t *testing.T) {
	f := serve(t, fixtureOptions{})
	acct := f.create("accounts", map[string]any{"name": "Alpha"})
	lead := f.create("leads", map[string]any{"lastname": "Value"}, "BPFC-Flow", "none")
	for _, tc := range []struct{ method, path, body, want string }{
		{"PATCH", "leads(" + lead + ")", `{"_parentaccountid_value": "` + acct + `"}`,
			`_parentaccountid_value is the read-only value of lookup parentaccountid: set the lookup by its navigation property, parentaccountid@odata.bind: "/<entityset>(<id>)"`},
		{"POST", "leads", `{"lastname": "New", "_parentaccountid_value": "` + acct + `"}`, "parentaccountid@odata.bind"},
		{"POST", "contacts", `{"lastname": "New", "_parentcustomerid_value": "` + acct + `"}`,
			"parentcustomerid_account@odata.bind or parentcustomerid_contact@odata.bind"},
		{"PATCH", "leads(" + lead + ")", `{"_subject_value": "x"}`, "leads has no property _subject_value to write"},
	} {
		r := f.do(tc.method, tc.path, f.admin, tc.body, "BPFC-Flow", "none").must(t, http.StatusBadRequest)
		if r.errCode() != "BadRequest" || !strings.Contains(r.message(), tc.want) {
			t.Errorf("%s %s %s: %s, want %q", tc.method, tc.path, tc.body, r.raw, tc.want)
		}
	}
	r := f.do("GET", "leads("+lead+")?$select=_parentaccountid_value", f.admin, nil).must(t, http.StatusOK)
	if r.body["_parentaccountid_value"] != nil || r.str("@odata.etag") != `W/"1"` {
		t.Errorf("after refused writes: %s", r.raw)
	}
	if rows := f.do("GET", "leads?$filter="+url.QueryEscape("lastname eq 'New'"), f.admin, nil).must(t, http.StatusOK).rows(); len(rows) != 0 {
		t.Errorf("a refused create made %d rows", len(rows))
	}
}

// TestUnknownProperty: a property the table has no column for is 400 in
// Dataverse's words, with the column most likely meant (it was the
// engine's "table lead has no column"), the first in the order written;
// a record's processid is Dataverse's and is read, not refused.
func TestUnknownProperty(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Known"}, "BPFC-Flow", "none")
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "leads", `{"lastname": "New", "firstnme": "Jo", "nosuch": 1}`,
			`The property 'firstnme' does not exist on type 'Microsoft.Dynamics.CRM.lead' (did you mean firstname?)`},
		{"PATCH", "leads(" + lead + ")", `{"nosuch": 1}`, `The property 'nosuch' does not exist on type 'Microsoft.Dynamics.CRM.lead'`},
		{"POST", "leads", `{"lastname": "New", "parentacountid@odata.bind": "/accounts(` + lead + `)"}`,
			`The property 'parentacountid@odata.bind' does not exist on type 'Microsoft.Dynamics.CRM.lead' (did you mean parentaccountid@odata.bind?)`},
		// A customer lookup is bound by one navigation property per table.
		{"POST", "leads", `{"lastname": "New", "customerd@odata.bind": "/accounts(` + lead + `)"}`,
			`The property 'customerd@odata.bind' does not exist on type 'Microsoft.Dynamics.CRM.lead' (did you mean customerid_account@odata.bind or customerid_contact@odata.bind?)`},
	} {
		r := f.do(tc.method, tc.path, f.admin, tc.body, "BPFC-Flow", "none").must(t, http.StatusBadRequest)
		if r.errCode() != "BadRequest" || r.message() != tc.want {
			t.Errorf("%s %s %s: %s, want %q", tc.method, tc.path, tc.body, r.raw, tc.want)
		}
	}
	if rows := f.do("GET", "leads?$filter="+url.QueryEscape("lastname eq 'New'"), f.admin, nil).must(t, http.StatusOK).rows(); len(rows) != 0 {
		t.Errorf("a refused create made %d rows", len(rows))
	}
}

// TestLoneSurrogates: a JSON string escape that is half of a UTF-16
// surrogate pair names no character; the decoder read it as U+FFFD and the
// row kept that. It is 400 now, in a row's body and an action's; a whole
// pair, and an escaped backslash before "ud800", are text as sent.
func TestLoneSurrogates(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, body := range []string{
		`{"lastname": "Lone", "subject": "a\ud800b"}`,
		`{"lastname": "Lone", "subject": "\udc00"}`,
		`{"lastname": "Lone", "subject": "\ud800\u0041"}`,
		`{"lastname": "Lone", "subject": "\ud800"}`,
		`{"lastname": "Lone", "subject\ud800": "x"}`,
	} {
		r := f.do("POST", "leads", f.admin, body, "BPFC-Flow", "none").must(t, http.StatusBadRequest)
		if r.errCode() != "BadRequest" || !strings.Contains(r.message(), "half of a UTF-16 surrogate pair") {
			t.Errorf("%s: %s", body, r.raw)
		}
	}
	if rows := f.do("GET", "leads?$filter="+url.QueryEscape("lastname eq 'Lone'"), f.admin, nil).must(t, http.StatusOK).rows(); len(rows) != 0 {
		t.Errorf("refused bodies made %d rows", len(rows))
	}
	r := f.do("POST", "bpfc_StartInstance", f.admin, `{"FlowName": "\ud800", "EntityLogicalName": "lead", "EntityId": "x"}`).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "half of a UTF-16 surrogate pair") {
		t.Errorf("an action's body: %s", r.raw)
	}
	for body, want := range map[string]string{
		`{"lastname": "Pair", "subject": "\ud83d\ude00 \uD83D\uDE00"}`:    "\U0001F600 \U0001F600",
		`{"lastname": "Pair", "subject": "\\ud800 \"\\\\\"\ud800\udc00"}`: `\ud800 "\\"` + "\U00010000",
	} {
		r := f.do("POST", "leads", f.admin, body, "BPFC-Flow", "none", "Prefer", "return=representation").must(t, http.StatusCreated)
		if r.str("subject") != want {
			t.Errorf("%s: subject %q, want %q", body, r.str("subject"), want)
		}
	}
}

// TestFractionalSeconds: a time with a fraction of a second was kept with
// it, read back without it (times show whole seconds, as Dataverse's) and
// missed by eq on the time shown; the fraction is dropped now, as
// Dataverse drops it (JavaScript's toISOString sends milliseconds).
func TestFractionalSeconds(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for name, when := range map[string]string{"Frac": "2026-01-02T10:00:00.789Z", "Whole": "2026-01-02T12:00:00.000+02:00"} {
		r := f.do("POST", "opportunities", f.admin, `{"name": "`+name+`", "estimatedclosedate": "`+when+`"}`, "BPFC-Flow", "none",
			"Prefer", "return=representation").must(t, http.StatusCreated)
		if r.str("estimatedclosedate") != "2026-01-02T10:00:00Z" {
			t.Errorf("%s: %s", when, r.raw)
		}
	}
	q := url.QueryEscape("estimatedclosedate eq 2026-01-02T10:00:00Z")
	if rows := f.do("GET", "opportunities?$filter="+q, f.admin, nil).must(t, http.StatusOK).rows(); len(rows) != 2 {
		t.Errorf("eq the time shown: %v", rows)
	}
}
