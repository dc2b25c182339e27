package webapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFilterUnquotedGUID: ids in $filter are written unquoted, as
// Dataverse writes them, on keys and lookups (any case); quoted ids keep
// working; an unquoted GUID against a column that holds no ids is refused,
// and so is a lookup named by its navigation property (parentaccountid),
// as Dataverse refuses it: its id is _parentaccountid_value.
func TestFilterUnquotedGUID(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	alpha := ids["Alpha"]
	for filter, want := range map[string][]string{
		"accountid eq " + alpha:                                            {"Alpha"},
		"accountid eq " + strings.ToUpper(alpha):                           {"Alpha"},
		"accountid eq '" + alpha + "'":                                     {"Alpha"},
		"accountid ne " + alpha + " and creditonhold eq true":              {"O'Brien"},
		"_parentaccountid_value eq " + alpha:                               {"O'Brien"},
		alpha + " eq _parentaccountid_value":                               {"O'Brien"},
		"_parentaccountid_value eq " + ids["Beta"]:                         {},
		"(accountid eq " + alpha + " or accountid eq " + ids["Beta"] + ")": {"Alpha", "Beta"},
	} {
		f.wantAccounts(t, filter, want)
	}
	for filter, msg := range map[string]string{
		"name eq " + alpha:                   "name is a string column, not an id: compare it with text in quotes, not the GUID " + alpha,
		"numberofemployees eq " + alpha:      "compare it with a number",
		"contains(accountid, " + alpha + ")": "text value",
		"parentaccountid eq " + alpha:        "the lookup's id is the property _parentaccountid_value",
	} {
		r := f.do("GET", "accounts?$filter="+url.QueryEscape(filter), f.admin, nil)
		if r.status != 400 || r.errCode() != "BadRequest" || !strings.Contains(string(r.raw), msg) {
			t.Errorf("%s: %d %s, want 400 with %q", filter, r.status, r.raw, msg)
		}
	}
}

// TestGUIDForms: a GUID in upper case or braces names the same row as
// Dataverse reads it, in keys, bindings, function parameters (and their
// @aliases) and action bodies; a PATCH of an upper-case key updates the
// row rather than trying to create it again.
func TestGUIDForms(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	alpha := ids["Alpha"]
	up := strings.ToUpper(alpha)
	f.do("GET", "accounts("+up+")?$select=name", f.admin, nil).must(t, http.StatusOK)
	f.do("GET", "accounts({"+up+"})?$select=name", f.admin, nil).must(t, http.StatusOK)
	f.do("PATCH", "accounts("+up+")", f.admin, map[string]any{"description": "upper"}).must(t, http.StatusNoContent)
	if got := f.do("GET", "accounts("+alpha+")?$select=description", f.admin, nil).must(t, http.StatusOK).str("description"); got != "upper" {
		t.Errorf("description after a PATCH by the upper-case key: %q", got)
	}
	lead := f.create("leads", map[string]any{"subject": "Case", "lastname": "Upper", "parentaccountid@odata.bind": "/accounts(" + up + ")"})
	if got := f.do("GET", "leads("+lead+")?$select=_parentaccountid_value", f.admin, nil).must(t, http.StatusOK).str("_parentaccountid_value"); got != alpha {
		t.Errorf("bound by an upper-case id: %q", got)
	}
	r := f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+strings.ToUpper(lead)+")", f.admin, nil).must(t, http.StatusOK)
	procs, _ := r.body["Processes"].([]any)
	if len(procs) != 1 {
		t.Fatalf("instances of the lead named in upper case: %s", r.raw)
	}
	inst := procs[0].(map[string]any)["businessprocessflowinstanceid"].(string)
	f.do("GET", "RetrieveActivePath(ProcessInstanceId=@p1)?@p1="+strings.ToUpper(inst), f.admin, nil).must(t, http.StatusOK)
	f.do("GET", "RetrieveActivePath(ProcessInstanceId=@p1)", f.admin, nil).must(t, http.StatusBadRequest)
	f.do("POST", "bpfc_AbandonInstance", f.admin, map[string]any{"ProcessInstanceId": "{" + strings.ToUpper(inst) + "}"}).must(t, http.StatusOK)

	// A quoted id in any case; a quoted text that is no GUID is refused.
	r = f.do("GET", "leads?$select=subject&$filter="+url.QueryEscape("_parentaccountid_value eq '"+up+"'"), f.admin, nil).must(t, http.StatusOK)
	if len(r.rows()) != 1 {
		t.Errorf("a quoted upper-case id: %s", r.raw)
	}
	f.do("GET", "leads?$filter="+url.QueryEscape("_parentaccountid_value eq 'abc'"), f.admin, nil).must(t, http.StatusBadRequest)

	// A bad escape in the query is refused, not dropped with its $filter.
	r = f.do("GET", "accounts?$filter=name%20eq%20'50%off'", f.admin, nil).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "escape % as %25") {
		t.Errorf("a bad escape: %s", r.raw)
	}
}

// TestNamedKeys: a row's key with its property named, OData's other form
// (accounts(accountid=ID)), addresses the row in reads, writes, deletes,
// bindings and the process tables, as Dataverse takes it; another
// property in its place (an alternate key) is refused, naming the key.
func TestNamedKeys(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	alpha := ids["Alpha"]
	if got := f.do("GET", "accounts(accountid="+alpha+")?$select=name", f.admin, nil).must(t, http.StatusOK).str("name"); got != "Alpha" {
		t.Errorf("GET by the named key: %q", got)
	}
	f.do("PATCH", "accounts(accountid="+strings.ToUpper(alpha)+")", f.admin, map[string]any{"description": "named"}).must(t, http.StatusNoContent)
	if got := f.do("GET", "accounts("+alpha+")?$select=description", f.admin, nil).must(t, http.StatusOK).str("description"); got != "named" {
		t.Errorf("description after a PATCH by the named key: %q", got)
	}
	lead := f.create("leads", map[string]any{"subject": "Named", "lastname": "Key", "parentaccountid@odata.bind": "/accounts(accountid=" + alpha + ")"})
	if got := f.do("GET", "leads(leadid="+lead+")?$select=_parentaccountid_value", f.admin, nil).must(t, http.StatusOK).str("_parentaccountid_value"); got != alpha {
		t.Errorf("bound by the named key: %q", got)
	}
	r := f.do("GET", "workflows?$select=workflowid&$top=1", f.admin, nil).must(t, http.StatusOK)
	if rows := r.rows(); len(rows) == 1 {
		wf := rows[0]["workflowid"].(string)
		f.do("GET", "workflows(workflowid="+wf+")", f.admin, nil).must(t, http.StatusOK)
		f.do("GET", "workflows(name="+wf+")", f.admin, nil).must(t, http.StatusBadRequest)
	} else {
		t.Errorf("no workflow to read: %s", r.raw)
	}

	for method, path := range map[string]string{
		"GET":    "accounts(name='Alpha')",
		"PATCH":  "accounts(accountnumber='A-1')",
		"DELETE": "leads(parentaccountid=" + alpha + ")",
	} {
		var body any
		if method == "PATCH" {
			body = map[string]any{"description": "x"}
		}
		r := f.do(method, path, f.admin, body)
		if r.status != 400 || !strings.Contains(r.message(), "no alternate keys") {
			t.Errorf("%s %s: %d %s, want 400 naming the key", method, path, r.status, r.raw)
		}
	}
	r = f.do("POST", "leads", f.admin, map[string]any{"subject": "Other", "lastname": "Key", "parentaccountid@odata.bind": "/accounts(name='Alpha')"})
	if r.status != 400 || !strings.Contains(r.message(), "parentaccountid@odata.bind: accounts(name=…): a row is keyed by its id, accountid") {
		t.Errorf("binding by another property: %d %s", r.status, r.raw)
	}
	r = f.do("POST", "leads", f.admin, map[string]any{"subject": "Other", "lastname": "Key", "parentaccountid@odata.bind": "/accounts(accountid='abc')"})
	if r.status != 400 || !strings.Contains(r.message(), "a row's key is its id") {
		t.Errorf("binding by the named key, no GUID: %d %s", r.status, r.raw)
	}
	// The lead the refused DELETE named is there.
	f.do("GET", "leads("+lead+")", f.admin, nil).must(t, http.StatusOK)
}
