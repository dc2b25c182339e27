package webapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestCustomerLookupNamesItsTable: an account and a contact share an id;
// a customer lookup bound to each (x@odata.bind: "/contacts(ID)", or the
// navigation property x_account) is read back with its own table's
// lookuplogicalname, navigation property and name, on one row and in a
// list, where the id alone named the account, the first of its tables.
func TestCustomerLookupNamesItsTable(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const shared = "5f3e0a1b-0000-4000-8000-000000000002"
	f.create("accounts", map[string]any{"accountid": shared, "name": "Contoso"})
	f.create("contacts", map[string]any{"contactid": shared, "firstname": "Ann", "lastname": "Lee"})
	toContact := f.create("leads", map[string]any{"subject": "C", "lastname": "C", "customerid@odata.bind": "/contacts(" + shared + ")"})
	toAccount := f.create("leads", map[string]any{"subject": "A", "lastname": "A", "customerid_account@odata.bind": "/accounts(" + shared + ")"})
	const all = `odata.include-annotations="*"`
	names := func(row map[string]any, table, nav, name string) {
		t.Helper()
		for prop, want := range map[string]any{
			"_customerid_value": shared,
			"_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname":            table,
			"_customerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty": nav,
			"_customerid_value@OData.Community.Display.V1.FormattedValue":           name,
		} {
			if got := row[prop]; got != want {
				t.Errorf("lead %v: %s = %#v, want %#v", row["leadid"], prop, got, want)
			}
		}
	}
	one := func(id string) map[string]any {
		return f.do("GET", "leads("+id+")?$select=_customerid_value", f.admin, nil, "Prefer", all).must(t, http.StatusOK).body
	}
	names(one(toContact), "contact", "customerid_contact", "Ann Lee")
	names(one(toAccount), "account", "customerid_account", "Contoso")
	rows := f.do("GET", "leads?$select=_customerid_value&$filter=_customerid_value%20eq%20"+shared+"&$orderby=subject", f.admin, nil,
		"Prefer", all).must(t, http.StatusOK).rows()
	if len(rows) != 2 {
		t.Fatalf("leads of customer %s: %v", shared, rows)
	}
	names(rows[0], "account", "customerid_account", "Contoso")
	names(rows[1], "contact", "customerid_contact", "Ann Lee")
	// Bound again, to the other table.
	f.do("PATCH", "leads("+toContact+")", f.admin, map[string]any{"customerid_account@odata.bind": "/accounts(" + shared + ")"}).must(t, http.StatusNoContent)
	names(one(toContact), "account", "customerid_account", "Contoso")
}

// TestClientRecordNamesCustomerTable: bpfc's client (record show of a
// remote environment) reads a customer lookup's table from the answer's
// lookuplogicalname, where an account and a contact share an id: the
// contact's lookup names the contact, and a user who may read the account
// but not the contact is told the contact is not readable, not given the
// account's id as a readable row with no name.
func TestClientRecordNamesCustomerTable(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	admin := &Client{URL: f.url, Token: f.admin, Env: "remote"}
	aliceToken := f.user("alice", "salesperson")
	alice := &Client{URL: f.url, Token: aliceToken, Env: "remote"}
	const shared = "5f3e0a1b-0000-4000-8000-000000000004"
	f.create("contacts", map[string]any{"contactid": shared, "firstname": "Ann", "lastname": "Lee"})
	// Alice's account, which she may read; the administrator's contact,
	// which she may not.
	f.do("POST", "accounts", aliceToken, map[string]any{"accountid": shared, "name": "Contoso"}).must(t, http.StatusNoContent)
	lead, err := alice.CreateRecord(ctx, "lead", engine.Values{"subject": "C", "lastname": "C"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.UpdateRecord(ctx, "lead", lead.ID, engine.Values{"customerid": "contact:" + shared}, 0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		who         string
		cl          *Client
		table, name string
	}{{"admin", admin, "contact", "Ann Lee"}, {"alice", alice, "contact", engine.NotReadableLabel}} {
		r, err := c.cl.Record(ctx, "lead", lead.ID)
		if err != nil {
			t.Fatalf("%s: %v", c.who, err)
		}
		if r.Values["customerid"] != shared || r.Tables["customerid"] != c.table || r.Labels["customerid"] != c.name {
			t.Errorf("%s: customerid %v, table %q, name %q; want %s, %q, %q", c.who, r.Values["customerid"], r.Tables["customerid"],
				r.Labels["customerid"], shared, c.table, c.name)
		}
	}
}

// TestExpandCustomerLookupHalf: an account and a contact share an id; a
// customer lookup's navigation properties expand only the half of the
// table its value points at (the other is null), on a list and on one
// row, where both halves gave a row with that id. A value written with
// no table kept (the id alone) is the account's, the first of its tables.
func TestExpandCustomerLookupHalf(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const shared = "5f3e0a1b-0000-4000-8000-000000000007"
	f.create("accounts", map[string]any{"accountid": shared, "name": "Contoso"})
	f.create("contacts", map[string]any{"contactid": shared, "firstname": "Ann", "lastname": "Lee"})
	toContact := f.create("leads", map[string]any{"subject": "C", "lastname": "C", "customerid_contact@odata.bind": "/contacts(" + shared + ")"},
		"BPFC-Flow", "none")
	toAccount := f.create("leads", map[string]any{"subject": "A", "lastname": "A", "customerid@odata.bind": "/accounts(" + shared + ")"},
		"BPFC-Flow", "none")
	const expand = "$expand=customerid_account($select=name),customerid_contact($select=fullname)"
	halves := func(row map[string]any, account, contact any) {
		t.Helper()
		name := func(half, prop string) any {
			n, ok := row[half].(map[string]any)
			if !ok {
				return row[half] // null, or not an object
			}
			return n[prop]
		}
		if got := name("customerid_account", "name"); got != account {
			t.Errorf("lead %v: customerid_account %v, want %v", row["subject"], got, account)
		}
		if got := name("customerid_contact", "fullname"); got != contact {
			t.Errorf("lead %v: customerid_contact %v, want %v", row["subject"], got, contact)
		}
	}
	rows := f.do("GET", "leads?$select=subject&$orderby=subject&"+expand, f.admin, nil).must(t, http.StatusOK).rows()
	if len(rows) != 2 {
		t.Fatalf("leads: %v", rows)
	}
	halves(rows[0], "Contoso", nil)
	halves(rows[1], nil, "Ann Lee")
	halves(f.do("GET", "leads("+toContact+")?"+expand, f.admin, nil).must(t, http.StatusOK).body, nil, "Ann Lee")
	halves(f.do("GET", "leads("+toAccount+")?$select=subject&"+expand, f.admin, nil).must(t, http.StatusOK).body, "Contoso", nil)
	// The id alone, as written before the store kept tables: the account.
	f.do("PATCH", "leads("+toContact+")", f.admin, map[string]any{"customerid": nil}).must(t, http.StatusNoContent)
	testenv.WriteBare(t, f.s, "lead", toContact, map[string]any{"customerid": shared})
	halves(f.do("GET", "leads("+toContact+")?"+expand, f.admin, nil).must(t, http.StatusOK).body, "Contoso", nil)
}
