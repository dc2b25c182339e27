package webapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestRecordLifecycle: create (201 with the row, 204 with OData-EntityId),
// read, update and delete a record, with ETags: a stale If-Match is 412 and
// changes nothing.
func TestRecordLifecycle(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("POST", "leads", f.admin, map[string]any{"lastname": "Smith", "firstname": "Ann", "subject": "Printers",
		"budgetamount": 2500.5, "numberofemployees": 40}, "Prefer", "return=representation").must(t, http.StatusCreated)
	id := r.str("leadid")
	if r.str("@odata.etag") != `W/"1"` || r.str("fullname") != "Ann Smith" || r.body["budgetamount"] != 2500.5 ||
		r.header.Get("OData-EntityId") != f.url+Prefix+"leads("+id+")" || r.header.Get("BPFC-Instance") == "" {
		t.Fatalf("created: %s %v", r.raw, r.header)
	}
	if _, ok := r.body["_parentaccountid_value"]; !ok {
		t.Errorf("lookups are not _x_value: %s", r.raw)
	}
	// No flow when told so.
	r = f.do("POST", "leads", f.admin, map[string]any{"lastname": "Jones", "subject": "Paper"}, "BPFC-Flow", "none").must(t, 204)
	if r.header.Get("BPFC-Instance") != "" || r.header.Get("OData-EntityId") == "" {
		t.Errorf("no flow: %v", r.header)
	}

	acct := f.create("accounts", map[string]any{"name": "Fabrikam"})
	r = f.do("GET", "leads("+id+")", f.admin, nil).must(t, 200)
	if r.header.Get("ETag") != `W/"1"` {
		t.Errorf("ETag %q", r.header.Get("ETag"))
	}
	f.do("GET", "leads("+id+")", f.admin, nil, "If-None-Match", `W/"1"`).must(t, http.StatusNotModified)

	// Update with the current version, binding a lookup.
	r = f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"companyname": "Fabrikam", "parentaccountid@odata.bind": "/accounts(" + acct + ")"},
		"If-Match", `W/"1"`).must(t, 204)
	if r.header.Get("ETag") != `W/"2"` {
		t.Errorf("ETag after update %q", r.header.Get("ETag"))
	}
	// A stale version is refused and changes nothing.
	r = f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"companyname": "Contoso"}, "If-Match", `W/"1"`).must(t, 412)
	if r.errCode() != "PreconditionFailed" {
		t.Errorf("stale: %s", r.raw)
	}
	r = f.do("GET", "leads("+id+")?$select=companyname,_parentaccountid_value", f.admin, nil).must(t, 200)
	if r.str("companyname") != "Fabrikam" || r.str("_parentaccountid_value") != acct || r.str("@odata.etag") != `W/"2"` ||
		r.str("leadid") != id || len(r.body) != 5 {
		t.Errorf("after a stale update: %s", r.raw)
	}
	// Return the row on update.
	r = f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"companyname": "Contoso"}, "Prefer", "return=representation").must(t, 200)
	if r.str("companyname") != "Contoso" || r.str("@odata.etag") != `W/"3"` {
		t.Errorf("update: %s", r.raw)
	}
	// Bad values and names are 400 with a reason.
	for body, want := range map[string]string{
		`{"companyname": 5}`:                                "Cannot convert the literal '5' to the expected type 'Edm.String'",
		`{"compnyname": "x"}`:                               "did you mean companyname",
		`{"numberofemployees": 1.5}`:                        "whole number",
		`{"parentaccountid@odata.bind": "/accounts(nope)"}`: "a row's key is its id, a GUID",
		`{"leadid": "x"}`:                                   "the body's leadid x is not the row of the URL",
		`[1]`:                                               "JSON object",
		`{"a": {"b": 1}}`:                                   "objects and arrays",
	} {
		r := f.do("PATCH", "leads("+id+")", f.admin, body).must(t, 400)
		if !strings.Contains(r.str("error")+string(r.raw), want) {
			t.Errorf("%s: %s, want %q", body, r.raw, want)
		}
	}
	// Several bad values: one error per request, as Dataverse answers, the
	// first column's (the CLI lists them all).
	r = f.do("PATCH", "leads("+id+")", f.admin, `{"companyname": "`+strings.Repeat("x", 101)+`", "numberofemployees": 1.5}`).must(t, 400)
	if !strings.Contains(string(r.raw), `"message":"lead.companyname is a string column: \"xxx`) || strings.Contains(string(r.raw), "numberofemployees") {
		t.Errorf("two bad values: %s", r.raw)
	}
	// Delete: stale If-Match is 412; then 204; then 404.
	f.do("DELETE", "leads("+id+")", f.admin, nil, "If-Match", `W/"2"`).must(t, 412)
	f.do("DELETE", "leads("+id+")", f.admin, nil, "If-Match", `W/"3"`).must(t, 204)
	if r := f.do("GET", "leads("+id+")", f.admin, nil).must(t, 404); r.errCode() != "NotFound" {
		t.Errorf("deleted: %s", r.raw)
	}
	// Update only (If-Match: *): not there, 404 (without it, an upsert).
	f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"companyname": "x"}, "If-Match", "*").must(t, 404)
	f.do("DELETE", "leads("+id+")", f.admin, nil).must(t, 404)
}

// TestRequestErrors: unknown sets, methods and options, malformed ETags and
// oversized bodies are JSON errors.
func TestRequestErrors(t *testing.T) {
	f := serve(t, fixtureOptions{limits: Limits{MaxBody: 1 << 10}})
	for _, c := range []struct {
		method, path string
		body         any
		headers      []string
		status       int
		code         string
	}{
		{"GET", "nosuchset", nil, nil, 404, "NotFound"},
		{"GET", "accounts(nope)", nil, nil, 400, "BadRequest"}, // as Dataverse: a key is a GUID
		{"GET", "accounts(00000000-0000-0000-0000-00000000dead)", nil, nil, 404, "NotFound"},
		{"GET", "nosuchset(nope)", nil, nil, 404, "NotFound"},
		{"PATCH", "accounts(nope)", map[string]any{"name": "x"}, nil, 400, "BadRequest"},
		{"DELETE", "accounts(nope)", nil, nil, 400, "BadRequest"},
		{"PUT", "accounts", nil, nil, 405, "MethodNotAllowed"},
		{"GET", "accounts?$expand=primarycontactid($expand=ownerid)", nil, nil, 400, "BadRequest"},
		{"GET", "accounts?$top=-1", nil, nil, 400, "BadRequest"},
		{"GET", "accounts?$skiptoken=garbage", nil, nil, 400, "BadRequest"},
		{"GET", "accounts?$orderby=name%20sideways", nil, nil, 400, "BadRequest"},
		{"PATCH", "accounts(x)", map[string]any{"name": "x"}, []string{"If-Match", "12"}, 400, "BadRequest"},
		{"POST", "accounts", map[string]any{"name": strings.Repeat("x", 2000)}, nil, 413, "TooLarge"},
		{"POST", "accounts", "name=x", []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaType"},
		// JSON's type only, not one it begins (curl -d without -H sends
		// a form's), on every body the API reads.
		{"POST", "accounts", map[string]any{"name": "x"}, []string{"Content-Type", "application/jsonx"}, 415, "UnsupportedMediaType"},
		{"PATCH", "accounts(00000000-0000-0000-0000-00000000dead)", map[string]any{"name": "x"}, []string{"Content-Type", "application/json-patch+json"}, 415, "UnsupportedMediaType"},
		{"POST", "accounts", map[string]any{"name": "x"}, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "UnsupportedMediaType"},
		{"POST", "bpfc_StartInstance", map[string]any{"FlowName": "x"}, []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaType"},
		{"POST", "ImportSolution", map[string]any{"CustomizationFile": ""}, []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaType"},
		{"POST", "bpfc_ExportSolution", map[string]any{"SolutionName": "x"}, []string{"Content-Type", "text/plain"}, 415, "UnsupportedMediaType"},
		// Text of another charset, or bytes that are no UTF-8, would be
		// stored as U+FFFD: refused.
		{"POST", "accounts", "{\"name\": \"latin \xe9\"}", []string{"Content-Type", "application/json; charset=iso-8859-1"}, 415, "UnsupportedMediaType"},
		{"POST", "accounts", "{\"name\": \"bad \xff\xfe\"}", nil, 400, "BadRequest"},
		{"POST", "bpfc_StartInstance", "{\"FlowName\": \"caf\xe9\"}", []string{"Content-Type", "application/json; charset=iso-8859-1"}, 415, "UnsupportedMediaType"},
		{"POST", "bpfc_StartInstance", "{\"FlowName\": \"caf\xe9\"}", nil, 400, "BadRequest"},
		{"GET", "elsewhere", nil, nil, 404, "NotFound"},
	} {
		r := f.do(c.method, c.path, f.admin, c.body, c.headers...)
		if r.status != c.status || r.errCode() != c.code {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, r.status, r.raw, c.status, c.code)
		}
	}
	r := f.do("GET", f.url+"/nowhere", "", nil).must(t, 404)
	if r.errCode() != "NotFound" {
		t.Errorf("%s", r.raw)
	}
}

// TestJSONContentTypes: a body is JSON under application/json with any
// parameters but another charset, in any case, or with no Content-Type.
func TestJSONContentTypes(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "application/json;odata.metadata=minimal",
		"application/json; IEEE754Compatible=true", "Application/JSON", ""} {
		f.do("POST", "accounts", f.admin, map[string]any{"name": "x"}, "Content-Type", ct).must(t, http.StatusNoContent)
		f.do("POST", "bpfc_ExportSolution", f.admin, map[string]any{"SolutionName": "nosuch"}, "Content-Type", ct).must(t, http.StatusNotFound)
	}
}

// TestNoContentHeaders: a 204 says its protocol as Dataverse's do, and a
// create or an update names the row (OData-EntityId).
func TestNoContentHeaders(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"subject": "Paper"}, "BPFC-Flow", "none")
	want := f.url + Prefix + "leads(" + lead + ")"
	r := f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "More paper"}).must(t, 204)
	if r.header.Get("OData-Version") != "4.0" || r.header.Get("OData-EntityId") != want {
		t.Errorf("PATCH: OData-Version %q, OData-EntityId %q; want 4.0, %s", r.header.Get("OData-Version"), r.header.Get("OData-EntityId"), want)
	}
	r = f.do("DELETE", "leads("+lead+")", f.admin, nil).must(t, 204)
	if r.header.Get("OData-Version") != "4.0" {
		t.Errorf("DELETE: OData-Version %q", r.header.Get("OData-Version"))
	}
}

// TestPathsBelowARow: a path below an entity set or row ($count, a single
// property, $ref but a lookup's PUT and DELETE: TestSingleValuedRef) is
// answered in JSON, never with the web pages' HTML.
func TestPathsBelowARow(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"subject": "Paper"}, "BPFC-Flow", "none")
	for _, c := range []struct{ method, path string }{
		{"GET", "leads/$count"}, {"GET", "leads(" + lead + ")/subject"}, {"PUT", "leads(" + lead + ")/subject"},
		{"GET", "leads(" + lead + ")/parentaccountid/$ref"}, {"DELETE", "leads(" + lead + ")/subject/$ref"}, {"POST", "$batch"},
	} {
		r := f.do(c.method, c.path, f.admin, nil).must(t, http.StatusNotImplemented)
		if r.errCode() != "NotImplemented" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %s %s", c.method, c.path, r.header.Get("Content-Type"), r.raw)
		}
	}
	// The API's earlier versions' paths serve the same API.
	for _, v := range []string{"v9.0", "v9.1"} {
		r := f.do("GET", f.url+"/api/data/"+v+"/leads("+lead+")?$select=subject", f.admin, nil).must(t, http.StatusOK)
		if r.str("subject") != "Paper" {
			t.Errorf("%s: %s", v, r.raw)
		}
	}
}

// TestPatchIfNoneMatch: If-None-Match: * on PATCH asks to create only, as
// in Dataverse: the row exists, so 412 and nothing changes; a missing row
// is created. A tag (or a list of them, RFC 9110) the row is at is 412
// too; one it is not at, or none of the API's (null), lets the PATCH on.
func TestPatchIfNoneMatch(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"subject": "Paper"}, "BPFC-Flow", "none")
	for _, inm := range []string{"*", `W/"1"`, `"1"`, `W/"9", W/"1"`} {
		f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "x"}, "If-None-Match", inm).must(t, http.StatusPreconditionFailed)
	}
	if got := f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil).must(t, 200).str("subject"); got != "Paper" {
		t.Errorf("subject after refused PATCHes: %q", got)
	}
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "Pens"}, "If-None-Match", `W/"9", W/"0"`).must(t, http.StatusNoContent)
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "Ink"}, "If-None-Match", "null").must(t, http.StatusNoContent)
	if got := f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil).must(t, 200).str("subject"); got != "Ink" {
		t.Errorf("subject after PATCHes If-None-Match let on: %q", got)
	}
	f.do("PATCH", "leads(00000000-0000-0000-0000-000000000009)", f.admin, map[string]any{"subject": "x"}, "If-None-Match", "*", "BPFC-Flow", "none").must(t, http.StatusNoContent)
	if got := f.do("GET", "leads(00000000-0000-0000-0000-000000000009)?$select=subject", f.admin, nil).must(t, 200).str("subject"); got != "x" {
		t.Errorf("subject of the row a create-only PATCH made: %q", got)
	}
}

// TestDeleteIfNoneMatch: a DELETE whose If-None-Match matches the row
// (*, or a tag it is at, RFC 9110) is 412 and deletes nothing, for records
// and instances; a tag the row is not at lets it on; * on a missing row
// is the 404 of the DELETE.
func TestDeleteIfNoneMatch(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"subject": "Paper"}, "BPFC-Flow", "none")
	for _, inm := range []string{"*", `W/"1"`, `"1"`, `W/"9", W/"1"`} {
		r := f.do("DELETE", "leads("+lead+")", f.admin, nil, "If-None-Match", inm).must(t, http.StatusPreconditionFailed)
		if !strings.Contains(r.message(), "nothing was deleted") {
			t.Errorf("If-None-Match %s: %s", inm, r.message())
		}
	}
	f.do("GET", "leads("+lead+")", f.admin, nil).must(t, http.StatusOK)
	f.do("DELETE", "leads("+lead+")", f.admin, nil, "If-None-Match", `W/"9"`).must(t, http.StatusNoContent)
	f.do("DELETE", "leads("+lead+")", f.admin, nil, "If-None-Match", "*").must(t, http.StatusNotFound)

	inst, _ := f.leadInstance(map[string]any{"subject": "Flow", "lastname": "Ames"})
	path := "cts_leadtoopportunities(" + inst + ")"
	f.do("DELETE", path, f.admin, nil, "If-None-Match", "*").must(t, http.StatusPreconditionFailed)
	f.do("DELETE", path, f.admin, nil, "If-None-Match", `W/"1"`).must(t, http.StatusPreconditionFailed)
	f.do("GET", path, f.admin, nil).must(t, http.StatusOK)
	f.do("DELETE", path, f.admin, nil, "If-None-Match", `W/"9"`).must(t, http.StatusNoContent)
	f.do("GET", path, f.admin, nil).must(t, http.StatusNotFound)
}

// TestPatchUpsert: a PATCH of a missing record creates it with the URL's
// id, as Dataverse's upsert; If-Match asks to update only (404, nothing
// made); the user needs the create privilege; an instance is never
// upserted.
func TestPatchUpsert(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const id = "2b7c1c0e-5a7e-4d2a-9a61-6a0e1d3f0001"
	r := f.do("PATCH", "leads("+strings.ToUpper(id)+")", f.admin, map[string]any{"subject": "Upserted"}, "BPFC-Flow", "none").must(t, http.StatusNoContent)
	if got := r.header.Get("OData-EntityId"); !strings.HasSuffix(got, "leads("+id+")") {
		t.Errorf("OData-EntityId of the upserted row: %q", got)
	}
	if got := r.header.Get("ETag"); got != `W/"1"` {
		t.Errorf("ETag of the upserted row: %q", got)
	}
	if got := f.do("GET", "leads("+id+")?$select=subject", f.admin, nil).must(t, 200).str("subject"); got != "Upserted" {
		t.Errorf("subject of the upserted row: %q", got)
	}
	// The second PATCH of the same id updates it.
	r = f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"subject": "Again"}, "Prefer", "return=representation").must(t, http.StatusOK)
	if r.str("subject") != "Again" || r.header.Get("ETag") != `W/"2"` {
		t.Errorf("second PATCH: subject %q, ETag %q", r.str("subject"), r.header.Get("ETag"))
	}
	// With return=representation a create is 201 with the row.
	const other = "2b7c1c0e-5a7e-4d2a-9a61-6a0e1d3f0002"
	r = f.do("PATCH", "leads("+other+")", f.admin, map[string]any{"subject": "Shown"}, "Prefer", "return=representation", "BPFC-Flow", "none").must(t, http.StatusCreated)
	if r.str("leadid") != other || r.str("subject") != "Shown" {
		t.Errorf("created row: %s", r.raw)
	}

	const missing = "2b7c1c0e-5a7e-4d2a-9a61-6a0e1d3f0003"
	f.do("PATCH", "leads("+missing+")", f.admin, map[string]any{"subject": "x"}, "If-Match", "*").must(t, http.StatusNotFound)
	f.do("PATCH", "leads("+missing+")", f.admin, map[string]any{"subject": "x", "leadid": other}).must(t, http.StatusBadRequest)
	// A body that names the URL's row, as an upsert's may, creates it and
	// then updates it (the second was 400: leadid set by the system);
	// another row's id is still 400, and so is null.
	const named = "2b7c1c0e-5a7e-4d2a-9a61-6a0e1d3f0004"
	for i, want := range []int{http.StatusNoContent, http.StatusNoContent} {
		f.do("PATCH", "leads("+named+")", f.admin, map[string]any{"subject": "Named " + strconv.Itoa(i), "leadid": strings.ToUpper(named)}, "BPFC-Flow", "none").must(t, want)
	}
	if got := f.do("GET", "leads("+named+")?$select=subject", f.admin, nil).must(t, 200).str("subject"); got != "Named 1" {
		t.Errorf("subject after a PATCH naming its own id: %q", got)
	}
	f.do("PATCH", "leads("+named+")", f.admin, map[string]any{"subject": "x", "leadid": other}).must(t, http.StatusBadRequest)
	if r := f.do("PATCH", "leads("+named+")", f.admin, map[string]any{"leadid": nil}).must(t, http.StatusBadRequest); !strings.Contains(r.message(), "leadid null is not the row of the URL") {
		t.Errorf("leadid null: %s", r.raw)
	}
	f.do("PATCH", "leads("+missing+")", f.user("nobody"), map[string]any{"subject": "x"}).must(t, http.StatusForbidden)
	f.do("GET", "leads("+missing+")", f.admin, nil).must(t, http.StatusNotFound)

	f.do("PATCH", "cts_leadtoopportunities("+missing+")", f.admin, map[string]any{"statecode": 1, "statuscode": 3}).must(t, http.StatusNotFound)
}

// TestNoOpUpdates: as Dataverse answers them, an empty PATCH and a state
// an instance has already change nothing (204, the same ETag); a body
// after a UTF-8 byte order mark is read.
func TestNoOpUpdates(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"subject": "Same", "lastname": "Ames"}, "BPFC-Flow", "none")
	r := f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{}).must(t, http.StatusNoContent)
	if r.header.Get("ETag") != `W/"1"` {
		t.Errorf("an empty PATCH: ETag %s", r.header.Get("ETag"))
	}
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{}, "If-Match", `W/"7"`).must(t, http.StatusPreconditionFailed)
	f.do("PATCH", "leads("+lead+")", f.admin, "\xef\xbb\xbf{\"subject\": \"BOM\"}").must(t, http.StatusNoContent)
	f.do("POST", "leads", f.admin, "\xef\xbb\xbf{\"subject\": \"BOM\", \"lastname\": \"B\"}", "BPFC-Flow", "none").must(t, http.StatusNoContent)

	other := f.create("leads", map[string]any{"subject": "Flow", "lastname": "Ames"})
	r = f.do("GET", "cts_leadtoopportunities?$filter=_bpf_leadid_value%20eq%20"+other, f.admin, nil).must(t, http.StatusOK)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	path := "cts_leadtoopportunities(" + inst + ")"
	f.do("PATCH", path, f.admin, map[string]any{"statecode": 1, "statuscode": 3}).must(t, http.StatusNoContent)
	r = f.do("PATCH", path, f.admin, map[string]any{"statecode": 1, "statuscode": 3}).must(t, http.StatusNoContent)
	if r.header.Get("ETag") != `W/"2"` {
		t.Errorf("abandoning an aborted instance again: ETag %s, want the same W/\"2\"", r.header.Get("ETag"))
	}
	f.do("PATCH", path, f.admin, map[string]any{}).must(t, http.StatusNoContent)
	// Finishing an aborted one is still refused.
	f.do("PATCH", path, f.admin, map[string]any{"statecode": 1, "statuscode": 2}).must(t, http.StatusBadRequest)
}

// TestBindings: a binding names an entity set of the lookup's table (or
// one of them); a multi-table lookup is bound by its navigation property
// (customerid_account), as Dataverse's clients bind it.
func TestBindings(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	alpha := ids["Alpha"]
	contact := f.create("contacts", map[string]any{"lastname": "Doe", "parentcustomerid_account@odata.bind": "/accounts(" + alpha + ")"})
	r := f.do("GET", "contacts("+contact+")?$select=_parentcustomerid_value", f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
	if r.str("_parentcustomerid_value") != alpha || r.str("_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname") != "account" {
		t.Errorf("bound by customerid_account: %s", r.raw)
	}
	f.create("incidents", map[string]any{"title": "Broken", "customerid_contact@odata.bind": "/contacts(" + contact + ")"}, "BPFC-Flow", "none")
	for body, want := range map[string]string{
		`{"subject": "s", "lastname": "w", "parentaccountid@odata.bind": "/nosuch(` + alpha + `)"}`:   "bind it to /accounts(<id>), not /nosuch(…)",
		`{"subject": "s", "lastname": "w", "parentaccountid@odata.bind": "/contacts(` + alpha + `)"}`: "parentaccountid looks up account",
		`{"subject": "s", "lastname": "w", "customerid_lead@odata.bind": "/leads(` + alpha + `)"}`:    "customerid_lead",
		// A column that is no lookup is not bound: the row's id was
		// written to it as text, and null cleared it.
		`{"subject": "s", "lastname": "w", "description@odata.bind": "/accounts(` + alpha + `)"}`: "description is a memo column, not a lookup",
		`{"subject": "s", "lastname": "w", "companyname@odata.bind": null}`:                       "companyname is a string column, not a lookup",
	} {
		r := f.do("POST", "leads", f.admin, body).must(t, http.StatusBadRequest)
		if !strings.Contains(r.message(), want) {
			t.Errorf("%s: %s, want %q", body, r.raw, want)
		}
	}
	// A navigation property names its table: a contact's id under
	// parentcustomerid_account is refused (it was stored as a contact).
	r = f.do("PATCH", "contacts("+contact+")", f.admin, `{"parentcustomerid_account@odata.bind": "/contacts(`+contact+`)"}`).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "parentcustomerid_account (parentcustomerid to a row of account) looks up account; bind it to /accounts(<id>), not /contacts(…)") {
		t.Errorf("a contact bound as an account: %s", r.raw)
	}
	// A path through it says which id to compare instead: the lookup's.
	r = f.do("GET", "contacts?$filter="+url.QueryEscape("parentcustomerid_account/accountid eq "+alpha), f.admin, nil).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "compare the lookup's id, _parentcustomerid_value, or use $expand=parentcustomerid_account") {
		t.Errorf("a path through a navigation property: %s", r.raw)
	}
	// Two navigation properties of one lookup set it twice: refused (the
	// last one won).
	r = f.do("PATCH", "contacts("+contact+")", f.admin, `{"parentcustomerid_account@odata.bind": "/accounts(`+alpha+`)", "parentcustomerid_contact@odata.bind": null}`).
		must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "parentcustomerid_account@odata.bind and parentcustomerid_contact@odata.bind both set parentcustomerid") {
		t.Errorf("one lookup set twice: %s", r.raw)
	}
	// null on the navigation property clears the lookup, as Dataverse's
	// documents show it (it was 400: no column parentcustomerid_account).
	f.do("PATCH", "contacts("+contact+")", f.admin, `{"parentcustomerid_account@odata.bind": null}`).must(t, http.StatusNoContent)
	if r := f.do("GET", "contacts("+contact+")?$select=_parentcustomerid_value", f.admin, nil).must(t, http.StatusOK); r.body["_parentcustomerid_value"] != nil {
		t.Errorf("cleared by parentcustomerid_account@odata.bind null: %s", r.raw)
	}
}

// TestRepresentationSelect: Prefer: return=representation answers with the
// columns $select names; a bad $select is refused before anything changes.
func TestRepresentationSelect(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("POST", "leads?$select=subject,lastname", f.admin, map[string]any{"subject": "Sel", "lastname": "Ect"},
		"Prefer", "return=representation", "BPFC-Flow", "none").must(t, http.StatusCreated)
	if r.str("subject") != "Sel" || r.body["companyname"] != nil || len(r.body) != 5 || !strings.HasSuffix(r.str("@odata.context"), "#leads(subject,lastname)/$entity") {
		t.Errorf("created with $select: %s", r.raw)
	}
	id := r.str("leadid")
	r = f.do("PATCH", "leads("+id+")?$select=subject", f.admin, map[string]any{"subject": "Two"}, "Prefer", "return=representation").must(t, http.StatusOK)
	if r.str("subject") != "Two" || r.body["lastname"] != nil {
		t.Errorf("updated with $select: %s", r.raw)
	}
	f.do("PATCH", "leads("+id+")?$select=nosuch", f.admin, map[string]any{"subject": "Three"}, "Prefer", "return=representation").must(t, http.StatusBadRequest)
	if got := f.do("GET", "leads("+id+")?$select=subject", f.admin, nil).must(t, http.StatusOK).str("subject"); got != "Two" {
		t.Errorf("a refused $select changed the row: %q", got)
	}
}

// TestMoneyKeptExactly: a JSON number reaches its column as written: money
// is rounded to the cent exactly (1.005 is 1.01), and an amount whose cents
// a float cannot keep is 400 instead of read back changed.
func TestMoneyKeptExactly(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"}, "BPFC-Flow", "none")
	f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"budgetamount": json.Number("1.005")}).must(t, 204)
	if r := f.do("GET", "leads("+id+")", f.admin, nil).must(t, 200); r.body["budgetamount"] != 1.01 {
		t.Errorf("1.005 reads back as %v", r.body["budgetamount"])
	}
	for _, v := range []string{"70368744177664.01", "922337203685476.99"} {
		r := f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"budgetamount": json.Number(v)}).must(t, 400)
		if !strings.Contains(string(r.raw), "keeps exactly") {
			t.Errorf("%s: %s", v, r.raw)
		}
	}
	if r := f.do("GET", "leads("+id+")", f.admin, nil).must(t, 200); r.body["budgetamount"] != 1.01 {
		t.Errorf("a refused amount changed the row: %v", r.body["budgetamount"])
	}
}

// TestWriteOptions: a write applies $select only (to the row it answers
// with); any other query option is refused rather than ignored, and a 405
// names the methods the path takes.
func TestWriteOptions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Jones", "subject": "Scanners"}, "BPFC-Flow", "none")
	for _, c := range []struct{ method, path string }{
		{"POST", "leads?$expand=ownerid($select=fullname)"},
		{"PATCH", "leads(" + lead + ")?$expand=nosuch"},
		{"PATCH", "leads(" + lead + ")?$orderby=subject"},
		{"DELETE", "leads(" + lead + ")?$select=subject"},
	} {
		var body any
		if c.method != "DELETE" {
			body = map[string]any{"subject": "Changed", "lastname": "Jones"}
		}
		r := f.do(c.method, c.path, f.admin, body, "BPFC-Flow", "none").must(t, 400)
		if !strings.Contains(string(r.raw), "does not apply to a "+c.method) {
			t.Errorf("%s %s: %s", c.method, c.path, r.raw)
		}
	}
	if r := f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil).must(t, 200); r.str("subject") != "Scanners" {
		t.Errorf("a refused write changed the row: %s", r.raw)
	}
	f.do("PATCH", "leads("+lead+")?$select=subject", f.admin, map[string]any{"subject": "Kept"}, "Prefer", "return=representation").must(t, 200)
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "leads(" + lead + ")", "GET, PATCH, DELETE"},
		{"PATCH", "leads", "GET, POST"},
		{"PUT", "leads(" + lead + ")", "GET, PATCH, DELETE"},
		{"PUT", "leads", "GET, POST"},
	} {
		if r := f.do(c.method, c.path, f.admin, map[string]any{}).must(t, 405); r.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, r.header.Get("Allow"), c.allow)
		}
	}
}

// TestAllowHeaders: every 405 names the methods its path takes, and an
// operation called with the other method is told which (not "no entity
// set").
func TestAllowHeaders(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := "3b7fbd35-5adc-516c-9dc0-1e40c9927088"
	for _, c := range []struct{ method, path, allow string }{
		{"POST", "workflows", "GET"},
		{"PATCH", "workflows(" + id + ")", "GET"},
		{"DELETE", "processstages(" + id + ")", "GET"},
		{"POST", "RetrieveActivePath(ProcessInstanceId=" + id + ")", "GET"},
		{"POST", "WhoAmI", "GET"},
		{"PUT", "WhoAmI", "GET"},
		{"GET", "bpfc_NextStage", "POST"},
		{"PUT", "bpfc_NextStage", "POST"},
	} {
		r := f.do(c.method, c.path, f.admin, map[string]any{}).must(t, 405)
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q (%s)", c.method, c.path, got, c.allow, r.raw)
		}
	}
}

// TestBatchMethods: $batch is POST's (501 here); another method is a 405
// with Allow, not a 404 for an entity set "$batch".
func TestBatchMethods(t *testing.T) {
	f := serve(t, fixtureOptions{})
	f.do("POST", "$batch", f.admin, map[string]any{}).must(t, http.StatusNotImplemented)
	r := f.do("GET", "$batch", f.admin, nil).must(t, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "POST" || r.errCode() != "MethodNotAllowed" {
		t.Errorf("GET $batch: %v %s", r.header, r.raw)
	}
	// A property spelt in capitals is named in lower case, in $orderby too.
	r = f.do("GET", "accounts?$orderby=NAME", f.admin, nil).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "did you mean name?") {
		t.Errorf("$orderby=NAME: %s", r.raw)
	}
	// The suggestion is the compiler's (and the engine's) rule of a likely
	// typo: a name's start counts, a short name is not "corrected" into
	// an unrelated one (two edits made "ab" name).
	r = f.do("GET", "leads?$select=budget", f.admin, nil).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "did you mean budgetamount?") {
		t.Errorf("$select=budget: %s", r.raw)
	}
	r = f.do("GET", "accounts?$select=ab", f.admin, nil).must(t, http.StatusBadRequest)
	if strings.Contains(r.message(), "did you mean") {
		t.Errorf("$select=ab: %s, want no suggestion", r.raw)
	}
}

// TestCreateETagAfterWorkflows: a create whose flow's first stage runs a
// real-time workflow that changes the record answers the row's version
// after it (POST and upsert alike), so that the ETag a client is given
// works for its next PATCH.
func TestCreateETagAfterWorkflows(t *testing.T) {
	p := project(t, "sales", "rated.hcl", `
workflow "rate_on_create" {
  table = "lead"
  mode  = "realtime"
  step "r" {
    update = { description = "rated" }
  }
}

flow "rated" {
  primary_table = "lead"
  stage "a" { on_enter = [workflow.rate_on_create] }
  stage "b" {}
}
`)
	testenv.Deploy(t, p, "dev", build(t, p))
	f := serveEnv(t, p, "dev", fixtureOptions{workflows: true})
	r := f.do("POST", "leads", f.admin, map[string]any{"subject": "Rated"}, "BPFC-Flow", "rated").must(t, http.StatusNoContent)
	id := r.header.Get("OData-EntityId")
	id = id[strings.LastIndex(id, "(")+1 : len(id)-1]
	got := f.do("GET", "leads("+id+")?$select=description", f.admin, nil).must(t, http.StatusOK)
	if got.str("description") != "rated" || r.header.Get("ETag") != got.header.Get("ETag") || r.header.Get("ETag") == `W/"1"` {
		t.Errorf("POST answered ETag %s; the row is at %s (description %q)", r.header.Get("ETag"), got.header.Get("ETag"), got.str("description"))
	}
	f.do("PATCH", "leads("+id+")", f.admin, map[string]any{"subject": "Next"}, "If-Match", r.header.Get("ETag")).must(t, http.StatusNoContent)

	const up = "2b7c1c0e-5a7e-4d2a-9a61-6a0e1d3f00aa"
	r = f.do("PATCH", "leads("+up+")", f.admin, map[string]any{"subject": "Upserted"}, "BPFC-Flow", "rated").must(t, http.StatusNoContent)
	if got := f.do("GET", "leads("+up+")?$select=subject", f.admin, nil).must(t, http.StatusOK); r.header.Get("ETag") != got.header.Get("ETag") {
		t.Errorf("upsert answered ETag %s; the row is at %s", r.header.Get("ETag"), got.header.Get("ETag"))
	}
}

// TestLookupByItsName: a lookup asked for by its logical name in $select,
// $filter or $orderby (where bpfc answered with its value) is 400, as in
// Dataverse, whose name for it there is the navigation property (a row,
// for $expand); the message names the property that holds its id.
func TestLookupByItsName(t *testing.T) {
	f := serve(t, fixtureOptions{})
	acct := f.create("accounts", map[string]any{"name": "Fabrikam"})
	f.create("leads", map[string]any{"lastname": "Smith", "subject": "Paper", "parentaccountid@odata.bind": "/accounts(" + acct + ")"})
	for _, q := range []string{
		"$select=parentaccountid",
		"$select=subject,parentaccountid",
		"$filter=" + url.QueryEscape("parentaccountid eq "+acct),
		"$orderby=parentaccountid",
		"$select=subject&$expand=parentaccountid($select=parentaccountid)",
	} {
		r := f.do("GET", "leads?"+q, f.admin, nil)
		if r.status != http.StatusBadRequest || r.errCode() != "BadRequest" || !strings.Contains(string(r.raw), "_parentaccountid_value") {
			t.Errorf("%s: %d %s, want 400 naming _parentaccountid_value", q, r.status, r.raw)
		}
	}
	// The lookup's value property and its expansion still work.
	r := f.do("GET", "leads?$select=subject,_parentaccountid_value&$filter="+url.QueryEscape("_parentaccountid_value eq "+acct), f.admin, nil).must(t, http.StatusOK)
	if rows := r.rows(); len(rows) != 1 || rows[0]["_parentaccountid_value"] != acct {
		t.Errorf("by _parentaccountid_value: %s", r.raw)
	}
	r = f.do("GET", "leads?$select=subject&$expand=parentaccountid($select=name)", f.admin, nil).must(t, http.StatusOK)
	if !strings.Contains(string(r.raw), "Fabrikam") {
		t.Errorf("$expand=parentaccountid: %s", r.raw)
	}
}

// TestRowBodyNotAnObject: a row's body that is no JSON object says what
// it is instead (empty, an array of rows, another value, not JSON) and
// what to send, on POST and PATCH, and writes nothing.
func TestRowBodyNotAnObject(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "Alpha"})
	for body, want := range map[string]string{
		"":                "the body is empty: send a row as one JSON object of its columns",
		"  \n":            "the body is empty",
		`[{"name": "x"}]`: "the body is a JSON array: a request writes one row",
		`"x"`:             "the body is a string, not a JSON object",
		"5":               "the body is a number, not a JSON object",
		"true":            "the body is true or false, not a JSON object",
		"null":            "the body is null, not a JSON object",
		"<row/>":          "the body is not valid JSON (near byte 1",
	} {
		for _, path := range []string{"accounts", "accounts(" + id + ")"} {
			method := "POST"
			if path != "accounts" {
				method = "PATCH"
			}
			r := f.do(method, path, f.admin, body).must(t, http.StatusBadRequest)
			if !strings.Contains(r.message(), want) {
				t.Errorf("%s %q: %s, want %q", method, body, r.message(), want)
			}
		}
	}
	if rows := f.do("GET", "accounts", f.admin, nil).must(t, http.StatusOK).rows(); len(rows) != 1 || rows[0]["name"] != "Alpha" {
		t.Errorf("rows after refused bodies: %v", rows)
	}
}
