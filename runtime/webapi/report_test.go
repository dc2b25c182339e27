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

// TestNullParameters: a function's parameter given as OData's null is not
// given: an optional one is left out (every flow's report), a required
// one is missing (400). bpfc_Report(FlowName=null) was a flow named null.
func TestNullParameters(t *testing.T) {
	f := serve(t, fixtureOptions{})
	all := f.do("GET", "bpfc_Report()", f.admin, nil).must(t, http.StatusOK)
	r := f.do("GET", "bpfc_Report(FlowName=null)", f.admin, nil).must(t, http.StatusOK)
	if len(r.raw) == 0 || string(r.body["flows"].([]any)[0].(map[string]any)["flow"].(string)) == "" ||
		len(r.body["flows"].([]any)) != len(all.body["flows"].([]any)) {
		t.Errorf("FlowName=null: %s", r.raw)
	}
	f.do("GET", "bpfc_Report(FlowName=@f)?@f=null", f.admin, nil).must(t, http.StatusOK)
	r = f.do("GET", "RetrieveActivePath(ProcessInstanceId=null)", f.admin, nil).must(t, http.StatusBadRequest)
	if msg := r.message(); msg != "RetrieveActivePath needs the parameter ProcessInstanceId" {
		t.Errorf("a required parameter as null: %q", msg)
	}
	f.do("GET", "bpfc_Report(FlowName='null')", f.admin, nil).must(t, http.StatusNotFound)
	f.do("GET", "bpfc_Report(FlowName=@f)?@f='null'", f.admin, nil).must(t, http.StatusNotFound)
}
