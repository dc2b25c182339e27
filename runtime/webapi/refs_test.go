package webapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestSingleValuedRef: Dataverse's association through a single-valued
// navigation property, PUT …/<nav>/$ref {"@odata.id"} and DELETE
// …/<nav>/$ref, sets and clears the lookup as a PATCH binding it does
// (a customer lookup by its halves, If-Match honoured), creates no row,
// and refuses a row of the wrong table, a bad body and a path that is no
// lookup.
func TestSingleValuedRef(t *testing.T) {
	f := serve(t, fixtureOptions{})
	acct := f.create("accounts", map[string]any{"name": "Fabrikam"})
	lead := f.create("leads", map[string]any{"subject": "Printers", "lastname": "Smith"}, "BPFC-Flow", "none")
	contact := f.create("contacts", map[string]any{"lastname": "Lee"})
	lookup := func(set, id, prop string) any {
		return f.do("GET", set+"("+id+")?$select="+prop, f.admin, nil).must(t, http.StatusOK).body[prop]
	}

	// The whole URL, as Microsoft's samples send it, or the set and key.
	r := f.do("PUT", "leads("+lead+")/parentaccountid/$ref", f.admin, map[string]any{"@odata.id": f.url + Prefix + "accounts(" + acct + ")"}).must(t, http.StatusNoContent)
	if lookup("leads", lead, "_parentaccountid_value") != acct || r.header.Get("ETag") != `W/"2"` {
		t.Errorf("PUT $ref: the lead's account %v, ETag %q", lookup("leads", lead, "_parentaccountid_value"), r.header.Get("ETag"))
	}
	f.do("PUT", "contacts("+contact+")/parentcustomerid_account/$ref", f.admin, map[string]any{"@odata.id": "/accounts(" + acct + ")"}).must(t, http.StatusNoContent)
	if lookup("contacts", contact, "_parentcustomerid_value") != acct {
		t.Errorf("a customer lookup by its half: %v", lookup("contacts", contact, "_parentcustomerid_value"))
	}

	// DELETE clears it; a stale If-Match changes nothing.
	f.do("DELETE", "leads("+lead+")/parentaccountid/$ref", f.admin, nil, "If-Match", `W/"1"`).must(t, http.StatusPreconditionFailed)
	f.do("DELETE", "leads("+lead+")/parentaccountid/$ref", f.admin, nil, "If-Match", `W/"2"`).must(t, http.StatusNoContent)
	if got := lookup("leads", lead, "_parentaccountid_value"); got != nil {
		t.Errorf("DELETE $ref left %v", got)
	}

	// A row that does not exist is not created.
	const missing = "00000000-0000-0000-0000-00000000beef"
	f.do("DELETE", "leads("+missing+")/parentaccountid/$ref", f.admin, nil).must(t, http.StatusNotFound)
	f.do("PUT", "leads("+missing+")/parentaccountid/$ref", f.admin, map[string]any{"@odata.id": "/accounts(" + acct + ")"}).must(t, http.StatusNotFound)
	f.do("GET", "leads("+missing+")", f.admin, nil).must(t, http.StatusNotFound)

	for _, c := range []struct {
		method, path string
		body         any
		status       int
		want         string
	}{
		{"PUT", "leads(" + lead + ")/parentaccountid/$ref", map[string]any{"@odata.id": "/contacts(" + contact + ")"}, http.StatusBadRequest, "parentaccountid looks up account"},
		{"PUT", "leads(" + lead + ")/parentaccountid/$ref", map[string]any{"id": acct}, http.StatusBadRequest, `takes one JSON object, {"@odata.id"`},
		{"PUT", "leads(" + lead + ")/parentaccountid/$ref", `[]`, http.StatusBadRequest, `takes one JSON object`},
		{"PUT", "leads(" + lead + ")/subject/$ref", map[string]any{"@odata.id": "/accounts(" + acct + ")"}, http.StatusNotImplemented, "paths below an entity set or row are not supported"},
		{"DELETE", "nosuchset(" + acct + ")/parentaccountid/$ref", nil, http.StatusNotFound, "nosuchset"},
		{"POST", "accounts(" + acct + ")/lead_parent_account/$ref", map[string]any{"@odata.id": "/leads(" + lead + ")"}, http.StatusNotImplemented, "paths below an entity set or row are not supported"},
	} {
		r := f.do(c.method, c.path, f.admin, c.body).must(t, c.status)
		if msg, _ := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, c.want) {
			t.Errorf("%s %s: %s, want %q", c.method, c.path, r.raw, c.want)
		}
	}
	if got := lookup("leads", lead, "_parentaccountid_value"); got != nil {
		t.Errorf("a refused association set the lookup: %v", got)
	}
}

// TestRefDeleteOtherHalf: an account and a contact share an id; DELETE
// …/customerid_account/$ref on a lead whose customer is the contact has no
// reference to remove through that half: 204, the lookup and the row's
// version left alone (a stale If-Match still 412), where it emptied the
// customer. Through the half its value points at, it clears it. A value
// written before the store kept tables (the id alone) is the account's.
func TestRefDeleteOtherHalf(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const shared = "5f3e0a1b-0000-4000-8000-000000000010"
	f.create("accounts", map[string]any{"accountid": shared, "name": "Contoso"})
	f.create("contacts", map[string]any{"contactid": shared, "firstname": "Ann", "lastname": "Lee"})
	toContact := f.create("leads", map[string]any{"subject": "C", "lastname": "C", "customerid_contact@odata.bind": "/contacts(" + shared + ")"},
		"BPFC-Flow", "none")
	toAccount := f.create("leads", map[string]any{"subject": "A", "lastname": "A", "customerid_account@odata.bind": "/accounts(" + shared + ")"},
		"BPFC-Flow", "none")
	old := f.create("leads", map[string]any{"subject": "O", "lastname": "O"}, "BPFC-Flow", "none")
	testenv.WriteBare(t, f.s, "lead", old, map[string]any{"customerid": shared})
	const table = "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"
	customer := func(id string) (any, any, string) {
		t.Helper()
		r := f.do("GET", "leads("+id+")?$select=_customerid_value", f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
		return r.body["_customerid_value"], r.body[table], r.header.Get("ETag")
	}
	del := func(id, nav string, headers ...string) *response {
		return f.do("DELETE", "leads("+id+")/"+nav+"/$ref", f.admin, nil, headers...)
	}
	for _, c := range []struct{ id, other, half, table string }{
		{toContact, "customerid_account", "customerid_contact", "contact"},
		{toAccount, "customerid_contact", "customerid_account", "account"},
		{old, "customerid_contact", "customerid_account", "account"},
	} {
		_, _, tag := customer(c.id)
		del(c.id, c.other, "If-Match", `W/"1000"`).must(t, http.StatusPreconditionFailed)
		del(c.id, c.other).must(t, http.StatusNoContent)
		if v, tg, after := customer(c.id); v != shared || tg != c.table || after != tag {
			t.Errorf("lead %s after DELETE %s/$ref: customer %v of %v, ETag %s; want %s of %s, ETag %s", c.id, c.other, v, tg, after, shared, c.table, tag)
		}
		del(c.id, c.half).must(t, http.StatusNoContent)
		if v, _, _ := customer(c.id); v != nil {
			t.Errorf("lead %s after DELETE %s/$ref: customer %v, want none", c.id, c.half, v)
		}
	}
}

// TestRefDeleteChangedInBetween: a DELETE …/$ref through a customer
// lookup's half decides on the row as read; another request that changes
// the lookup before its update makes it a conflict (409), not the clearing
// of the new value or a 204 that left it in place.
func TestRefDeleteChangedInBetween(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const shared = "5f3e0a1b-0000-4000-8000-000000000011"
	f.create("accounts", map[string]any{"accountid": shared, "name": "Contoso"})
	f.create("contacts", map[string]any{"contactid": shared, "firstname": "Ann", "lastname": "Lee"})
	const table = "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"
	for _, c := range []struct{ from, to, half string }{
		{"account", "contact", "customerid_account"}, // read: the account's, to clear; then the contact's
		{"contact", "account", "customerid_account"}, // read: the contact's, to leave; then the account's
	} {
		lead := f.create("leads", map[string]any{"subject": "L", "lastname": "L", "customerid_" + c.from + "@odata.bind": "/" + c.from + "s(" + shared + ")"},
			"BPFC-Flow", "none")
		refReadHook = func() {
			f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"customerid_" + c.to + "@odata.bind": "/" + c.to + "s(" + shared + ")"}).
				must(t, http.StatusNoContent)
		}
		f.do("DELETE", "leads("+lead+")/"+c.half+"/$ref", f.admin, nil).must(t, http.StatusConflict)
		refReadHook = nil
		r := f.do("GET", "leads("+lead+")?$select=_customerid_value", f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
		if r.body["_customerid_value"] != shared || r.body[table] != c.to {
			t.Errorf("customer of %s changed to the %s during DELETE %s/$ref: %v of %v, want the %s's kept", c.from, c.to, c.half, r.body["_customerid_value"], r.body[table], c.to)
		}
	}
}

// TestPatchNullOtherHalf: an account and a contact share an id; a PATCH of
// "customerid_account@odata.bind": null on a lead whose customer is the
// contact has no reference to remove through that half, as DELETE
// …/customerid_account/$ref has none: the lookup is left alone (the row's
// version too, when nothing else changes; the body's other values are
// written), where it emptied the customer. Through the half its value
// points at, and by the lookup itself (customerid, customerid@odata.bind),
// null clears it. A value written before the store kept tables (the id
// alone) is the account's.
func TestPatchNullOtherHalf(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const shared = "5f3e0a1b-0000-4000-8000-000000000012"
	f.create("accounts", map[string]any{"accountid": shared, "name": "Contoso"})
	f.create("contacts", map[string]any{"contactid": shared, "firstname": "Ann", "lastname": "Lee"})
	lead := func(table string) string {
		return f.create("leads", map[string]any{"subject": "L", "lastname": "L", "customerid_" + table + "@odata.bind": "/" + table + "s(" + shared + ")"},
			"BPFC-Flow", "none")
	}
	old := f.create("leads", map[string]any{"subject": "O", "lastname": "O"}, "BPFC-Flow", "none")
	testenv.WriteBare(t, f.s, "lead", old, map[string]any{"customerid": shared})
	const table = "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"
	customer := func(id string) (any, any, string, any) {
		t.Helper()
		r := f.do("GET", "leads("+id+")?$select=_customerid_value,subject", f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
		return r.body["_customerid_value"], r.body[table], r.header.Get("ETag"), r.body["subject"]
	}
	null := func(prop string) map[string]any { return map[string]any{prop: nil} }
	for _, c := range []struct{ id, other, half, table string }{
		{lead("contact"), "customerid_account", "customerid_contact", "contact"},
		{lead("account"), "customerid_contact", "customerid_account", "account"},
		{old, "customerid_contact", "customerid_account", "account"},
	} {
		_, _, tag, _ := customer(c.id)
		f.do("PATCH", "leads("+c.id+")", f.admin, null(c.other+"@odata.bind"), "If-Match", `W/"1000"`).must(t, http.StatusPreconditionFailed)
		f.do("PATCH", "leads("+c.id+")", f.admin, null(c.other+"@odata.bind")).must(t, http.StatusNoContent)
		if v, tg, after, _ := customer(c.id); v != shared || tg != c.table || after != tag {
			t.Errorf("lead %s after PATCH %s null: customer %v of %v, ETag %s; want %s of %s, ETag %s", c.id, c.other, v, tg, after, shared, c.table, tag)
		}
		f.do("PATCH", "leads("+c.id+")", f.admin, map[string]any{c.other + "@odata.bind": nil, "subject": "S"}, "If-Match", tag).
			must(t, http.StatusNoContent)
		if v, tg, after, subject := customer(c.id); v != shared || tg != c.table || after == tag || subject != "S" {
			t.Errorf("lead %s after PATCH %s null and a subject: customer %v of %v, ETag %s, subject %v; want %s of %s, a new ETag, S",
				c.id, c.other, v, tg, after, subject, shared, c.table)
		}
		f.do("PATCH", "leads("+c.id+")", f.admin, null(c.half+"@odata.bind")).must(t, http.StatusNoContent)
		if v, _, _, _ := customer(c.id); v != nil {
			t.Errorf("lead %s after PATCH %s null: customer %v, want none", c.id, c.half, v)
		}
	}
	// The lookup itself names no half: null clears whatever it points at.
	for _, prop := range []string{"customerid", "customerid@odata.bind"} {
		id := lead("contact")
		f.do("PATCH", "leads("+id+")", f.admin, null(prop)).must(t, http.StatusNoContent)
		if v, _, _, _ := customer(id); v != nil {
			t.Errorf("lead %s after PATCH %s null: customer %v, want none", id, prop, v)
		}
	}
}

// TestPatchNullChangedInBetween: a PATCH of null through a customer
// lookup's half decides on the row as read; another request that changes
// the lookup before its update makes it a conflict (409), not the clearing
// of the new value or a 204 that left it in place.
func TestPatchNullChangedInBetween(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const shared = "5f3e0a1b-0000-4000-8000-000000000013"
	f.create("accounts", map[string]any{"accountid": shared, "name": "Contoso"})
	f.create("contacts", map[string]any{"contactid": shared, "firstname": "Ann", "lastname": "Lee"})
	const table = "_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"
	for _, c := range []struct{ from, to, half string }{
		{"account", "contact", "customerid_account"}, // read: the account's, to clear; then the contact's
		{"contact", "account", "customerid_account"}, // read: the contact's, to leave; then the account's
	} {
		lead := f.create("leads", map[string]any{"subject": "L", "lastname": "L", "customerid_" + c.from + "@odata.bind": "/" + c.from + "s(" + shared + ")"},
			"BPFC-Flow", "none")
		refReadHook = func() {
			refReadHook = nil
			f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"customerid_" + c.to + "@odata.bind": "/" + c.to + "s(" + shared + ")"}).
				must(t, http.StatusNoContent)
		}
		f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{c.half + "@odata.bind": nil}, "If-Match", "*").must(t, http.StatusConflict)
		refReadHook = nil
		r := f.do("GET", "leads("+lead+")?$select=_customerid_value", f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
		if r.body["_customerid_value"] != shared || r.body[table] != c.to {
			t.Errorf("customer of %s changed to the %s during PATCH %s null: %v of %v, want the %s's kept", c.from, c.to, c.half, r.body["_customerid_value"], r.body[table], c.to)
		}
	}
}
