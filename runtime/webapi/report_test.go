package webapi

import (
	"net/http"
	"testing"
)

// A report the user may not see is 403 Forbidden, as the entity sets
// answer, not a 500.
func TestReportForbidden(t *testing.T) {
	f := serve(t, fixtureOptions{})
	nobody := f.user("nobody")
	r := f.do("GET", "bpfc_Report", nobody, nil).must(t, http.StatusForbidden)
	if r.errCode() != "Forbidden" {
		t.Errorf("a user without a role: %s", r.raw)
	}
	carol := f.user("carol", "customer_service_representative")
	f.do("GET", "bpfc_Report(FlowName='strategic_deal')", carol, nil).must(t, http.StatusForbidden)
}
