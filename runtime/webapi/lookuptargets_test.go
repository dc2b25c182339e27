package webapi

import (
	"net/http"
	"testing"
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
