package main

import (
	"strings"
	"testing"
)

// TestRemoteRecordShowCustomerTable: record show of a remote environment
// names a customer lookup's table as it does locally, ID (contact: Ann
// Lee), where an account and a contact share the id.
func TestRemoteRecordShowCustomerTable(t *testing.T) {
	f := newRemoteFixture(t, "")
	const shared = "5f3e0a1b-0000-4000-8000-000000000005"
	f.must("record", "create", "account", "--set", "accountid="+shared, "--set", "name=Contoso", "--no-flow")
	f.must("record", "create", "contact", "--set", "contactid="+shared, "--set", "firstname=Ann", "--set", "lastname=Lee", "--no-flow")
	for table, name := range map[string]string{"contact": "Ann Lee", "account": "Contoso"} {
		out := f.must("record", "create", "lead", "--set", "subject=S", "--set", "lastname=L", "--set", "customerid="+table+":"+shared,
			"--no-flow", "--output", "json")
		lead, _ := jsonField(t, out, "id").(string)
		_, out, _ = f.same(nil, "record", "show", "lead", lead)
		if want := shared + " (" + table + ": " + name + ")\n"; !strings.Contains(out, want) {
			t.Errorf("record show of the lead to the %s: want customerid %s\n%s", table, want, out)
		}
	}
}
