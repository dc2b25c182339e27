package webapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestCallerID: a system administrator's request with MSCRMCallerID acts
// on behalf of that user (by systemuserid, any case, or by name), with that
// user's roles; another user's token may not, and an unknown user is a bad
// request.
func TestCallerID(t *testing.T) {
	f := serve(t, fixtureOptions{})
	sam := f.user("sam", "salesperson")
	rows := f.do("GET", "systemusers?$filter=fullname%20eq%20'sam'&$select=fullname", f.admin, nil).must(t, 200).rows()
	if len(rows) != 1 {
		t.Fatalf("sam: %v", rows)
	}
	samID := rows[0]["systemuserid"].(string)
	theirs := f.create("leads", map[string]any{"subject": "Printers"}, "BPFC-Flow", "none")

	// A lead created on sam's behalf is sam's: he reads it with his own token.
	r := f.do("POST", "leads", f.admin, map[string]any{"subject": "Paper"}, "BPFC-Flow", "none", CallerIDHeader, strings.ToUpper(samID)).must(t, 204)
	_, lead, _ := splitKey(strings.TrimPrefix(r.header.Get("OData-EntityId"), f.url+Prefix))
	if got := f.do("GET", "leads("+lead+")?$select=subject,_ownerid_value", sam, nil).must(t, 200).str("_ownerid_value"); got != samID {
		t.Errorf("the lead created for sam is owned by %q, want %s", got, samID)
	}
	// On sam's behalf, the admin reads only what sam may.
	f.do("GET", "leads("+theirs+")?$select=subject", f.admin, nil, CallerIDHeader, "sam").must(t, http.StatusForbidden)
	f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil, CallerIDHeader, "sam").must(t, 200)

	r = f.do("GET", "leads?$select=subject", sam, nil, CallerIDHeader, "admin").must(t, http.StatusForbidden)
	if msg := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "may not act on behalf of another user") {
		t.Errorf("sam acting as admin: %s", r.raw)
	}
	f.do("GET", "leads?$select=subject", f.admin, nil, CallerIDHeader, "00000000-0000-0000-0000-000000000001").must(t, http.StatusBadRequest)
	// Braces, as some clients send a Guid; WhoAmI says who acts.
	r = f.do("GET", "WhoAmI", f.admin, nil, CallerIDHeader, "{"+samID+"}").must(t, 200)
	if r.str("UserId") != samID || r.str("BusinessUnitId") == "" || r.str("OrganizationId") == "" {
		t.Errorf("WhoAmI on sam's behalf: %s", r.raw)
	}
	// Entra's CallerObjectId is refused, never ignored (the admin would act).
	r = f.do("GET", "leads?$select=subject", f.admin, nil, "CallerObjectId", "5f0e9b34-0000-0000-0000-000000000000").must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), "CallerObjectId") {
		t.Errorf("CallerObjectId: %s", r.raw)
	}
}

// TestWhoAmI: Dataverse's WhoAmI, with or without (): the token's user's
// systemuserid and the ids of the environment's business unit and
// organization, the same on every call.
func TestWhoAmI(t *testing.T) {
	f := serve(t, fixtureOptions{})
	sam := f.user("sam", "salesperson")
	a := f.do("GET", "WhoAmI", f.admin, nil).must(t, 200)
	b := f.do("GET", "WhoAmI()", sam, nil).must(t, 200)
	rows := f.do("GET", "systemusers?$filter=fullname%20eq%20'sam'&$select=fullname", f.admin, nil).must(t, 200).rows()
	if b.str("UserId") != rows[0]["systemuserid"] || a.str("UserId") == b.str("UserId") {
		t.Errorf("WhoAmI: admin %s, sam %s", a.raw, b.raw)
	}
	if a.str("OrganizationId") == "" || a.str("OrganizationId") != b.str("OrganizationId") || a.str("BusinessUnitId") != b.str("BusinessUnitId") ||
		!strings.HasSuffix(a.str("@odata.context"), "$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse") {
		t.Errorf("WhoAmI: %s / %s", a.raw, b.raw)
	}
}
