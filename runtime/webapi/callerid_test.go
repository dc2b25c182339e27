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
}
