package webapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestAnnotations: Prefer: odata.include-annotations adds Dataverse's
// formatted values and lookup annotations that it names ("*", a name, a
// Namespace.* prefix, a quoted list), says so in Preference-Applied, and
// nothing without it.
func TestAnnotations(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	const path = "accounts?$select=name,numberofemployees,revenue,creditonhold,statecode,_parentaccountid_value,createdon&$filter=name%20eq%20'O''Brien'"
	plain := f.do("GET", path, f.admin, nil).must(t, http.StatusOK)
	if row := plain.rows()[0]; len(row) != 9 || plain.header.Get("Preference-Applied") != "" {
		t.Errorf("without the preference: %v, Preference-Applied %q", row, plain.header.Get("Preference-Applied"))
	}

	// The context URL names the properties selected, as OData's does.
	if got := plain.str("@odata.context"); !strings.HasSuffix(got, "$metadata#accounts(name,numberofemployees,revenue,creditonhold,statecode,_parentaccountid_value,createdon)") {
		t.Errorf("@odata.context %q", got)
	}
	if got := f.do("GET", "accounts("+ids["Beta"]+")?$select=name", f.admin, nil).must(t, http.StatusOK).str("@odata.context"); !strings.HasSuffix(got, "$metadata#accounts(name)/$entity") {
		t.Errorf("one row's @odata.context %q", got)
	}

	r := f.do("GET", path, f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
	if got := r.header.Get("Preference-Applied"); got != `odata.include-annotations="*"` {
		t.Errorf("Preference-Applied %q", got)
	}
	row := r.rows()[0]
	for prop, want := range map[string]any{
		"revenue@OData.Community.Display.V1.FormattedValue":                              "500.00",
		"creditonhold@OData.Community.Display.V1.FormattedValue":                         "Yes",
		"statecode@OData.Community.Display.V1.FormattedValue":                            "Active",
		"createdon@OData.Community.Display.V1.FormattedValue":                            "2/10/2026 12:00 AM",
		"_parentaccountid_value@OData.Community.Display.V1.FormattedValue":               "Alpha",
		"_parentaccountid_value@Microsoft.Dynamics.CRM.lookuplogicalname":                "account",
		"_parentaccountid_value@Microsoft.Dynamics.CRM.associatednavigationproperty":     "parentaccountid",
		"_parentaccountid_value":                                                         ids["Alpha"],
		"numberofemployees@OData.Community.Display.V1.FormattedValue":                    nil,
		"name@OData.Community.Display.V1.FormattedValue":                                 nil,
		"_parentaccountid_value@OData.Community.Display.V1.FormattedValue@somethingelse": nil,
	} {
		if got := row[prop]; got != want {
			t.Errorf("%s = %#v, want %#v", prop, got, want)
		}
	}

	// Only what is named; a quoted list; a prefix.
	r = f.do("GET", path, f.admin, nil, "Prefer", `odata.maxpagesize=2,odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname,Microsoft.Dynamics.CRM.associatednavigationproperty"`).must(t, http.StatusOK)
	row = r.rows()[0]
	if row["_parentaccountid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] != "account" || row["revenue@OData.Community.Display.V1.FormattedValue"] != nil ||
		row["_parentaccountid_value@Microsoft.Dynamics.CRM.associatednavigationproperty"] != "parentaccountid" {
		t.Errorf("a named list: %v", row)
	}
	if got := r.header.Get("Preference-Applied"); got != `odata.maxpagesize=2,odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname,Microsoft.Dynamics.CRM.associatednavigationproperty"` {
		t.Errorf("Preference-Applied %q", got)
	}
	r = f.do("GET", "accounts("+ids["Beta"]+")?$select=numberofemployees,revenue", f.admin, nil, "Prefer", `odata.include-annotations="OData.Community.Display.V1.*"`).must(t, http.StatusOK)
	if r.body["revenue@OData.Community.Display.V1.FormattedValue"] != "2,000.00" || r.body["numberofemployees@OData.Community.Display.V1.FormattedValue"] != "20" {
		t.Errorf("one row, a prefix: %v", r.body)
	}

	// An instance's process and active stage by their names.
	other := f.create("leads", map[string]any{"subject": "Flow", "lastname": "Ames"})
	r = f.do("GET", "cts_leadtoopportunities?$select=_processid_value,_activestageid_value&$filter=_bpf_leadid_value%20eq%20"+other, f.admin, nil,
		"Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
	if row := r.rows()[0]; row["_activestageid_value@OData.Community.Display.V1.FormattedValue"] != "Qualify" ||
		row["_processid_value@OData.Community.Display.V1.FormattedValue"] != "Lead to Opportunity Sales Process" ||
		row["_activestageid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] != "processstage" {
		t.Errorf("an instance's lookups: %v", row)
	}

	// A lookup to a row the user may not read: its table, no name.
	sam := f.user("sam", "salesperson")
	samID := f.do("GET", "systemusers?$filter=domainname%20eq%20'sam'", f.admin, nil).must(t, http.StatusOK).rows()[0]["systemuserid"].(string)
	f.create("leads", map[string]any{"subject": "Mine", "lastname": "Ames", "parentaccountid@odata.bind": "/accounts(" + ids["Alpha"] + ")",
		"ownerid@odata.bind": "/systemusers(" + samID + ")"}, "BPFC-Flow", "none")
	r = f.do("GET", "leads?$select=_parentaccountid_value", sam, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
	rows := r.rows()
	if len(rows) != 1 || rows[0]["_parentaccountid_value"] != ids["Alpha"] ||
		rows[0]["_parentaccountid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] != "account" ||
		rows[0]["_parentaccountid_value@OData.Community.Display.V1.FormattedValue"] != nil {
		t.Errorf("sam's lead on an account he may not read: %v", rows)
	}
}
