package webapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestCustomTableSets: a custom table's entity set and its flows' instance
// tables' are their plural logical names (the spec's nwi_claims), served
// like the standard ones: a POST creates the record and starts the
// table's default flow, the instance's row names the claim, and every row
// has an @odata.etag.
func TestCustomTableSets(t *testing.T) {
	p := project(t, "claims")
	testenv.Deploy(t, p, "dev", build(t, p))
	f := serveEnv(t, p, "dev", fixtureOptions{})
	r := f.do("POST", "nwi_claims", f.admin, map[string]any{"nwi_name": "CLM-1"}).must(t, http.StatusNoContent)
	loc, inst := r.header.Get("OData-EntityId"), r.header.Get("BPFC-Instance")
	if !strings.HasPrefix(loc, f.url+Prefix+"nwi_claims(") || inst == "" {
		t.Fatalf("POST nwi_claims: OData-EntityId %q, BPFC-Instance %q", loc, inst)
	}
	claim := strings.TrimSuffix(strings.TrimPrefix(loc, f.url+Prefix+"nwi_claims("), ")")
	row := f.do("GET", "nwi_claims("+claim+")?$select=nwi_name", f.admin, nil).must(t, http.StatusOK)
	if row.str("nwi_name") != "CLM-1" || row.str("@odata.etag") != `W/"1"` {
		t.Errorf("the claim: %s", row.raw)
	}
	// claims_intake's instance table, nwi_claimsintake, as its set.
	rows := f.do("GET", "nwi_claimsintakes?$select=_bpf_nwi_claimid_value", f.admin, nil).must(t, http.StatusOK)
	found := false
	for _, in := range rows.rows() {
		if in["businessprocessflowinstanceid"] == inst {
			found = in["_bpf_nwi_claimid_value"] == claim && in["@odata.etag"] != nil
		}
	}
	if !found {
		t.Errorf("instance %s of claim %s in nwi_claimsintakes: %s", inst, claim, rows.raw)
	}
}

// TestInstancesPerRecordLimit: the Web API's starts keep Dataverse's limit
// of 10 instances per record, refused with the rule and nothing started.
func TestInstancesPerRecordLimit(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Limit", "subject": "Ten"})
	for i := 1; i < engine.MaxInstancesPerRecord; i++ {
		f.do("POST", "bpfc_StartInstance", f.admin, map[string]any{"FlowName": "strategic_deal", "EntityLogicalName": "lead", "EntityId": lead}).must(t, http.StatusOK)
	}
	r := f.do("POST", "bpfc_StartInstance", f.admin, map[string]any{"FlowName": "lead_to_opportunity", "EntityLogicalName": "lead", "EntityId": lead}).must(t, http.StatusBadRequest)
	if r.errCode() != "Refused" || !strings.Contains(string(r.raw), `"rule":"`+engine.RuleMaxInstances+`"`) || !strings.Contains(r.message(), "already holds 10 process instances") {
		t.Errorf("an eleventh instance: %s", r.raw)
	}
	procs := f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+lead+")", f.admin, nil).must(t, http.StatusOK)
	if got, _ := procs.body["Processes"].([]any); len(got) != engine.MaxInstancesPerRecord {
		t.Errorf("the lead has %d instances, want %d", len(got), engine.MaxInstancesPerRecord)
	}
}

// TestDeletedRecordKeepsItsInstances: a DELETE of a record answers 204 and
// keeps its flow's instance, whose lookup dangles: the id stays, with no
// name (no FormattedValue), and the instance still reads.
func TestDeletedRecordKeepsItsInstances(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("POST", "leads", f.admin, map[string]any{"lastname": "Gone", "subject": "Soon"}).must(t, http.StatusNoContent)
	inst := r.header.Get("BPFC-Instance")
	row := f.do("GET", "cts_leadtoopportunities("+inst+")?$select=_bpf_leadid_value", f.admin, nil).must(t, http.StatusOK)
	id := row.str("_bpf_leadid_value")
	const name = "_bpf_leadid_value@OData.Community.Display.V1.FormattedValue"
	annotated := func() *response {
		return f.do("GET", "cts_leadtoopportunities("+inst+")?$select=_bpf_leadid_value", f.admin, nil,
			"Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
	}
	if got := annotated().str(name); got != "Gone" {
		t.Errorf("the lead's name on the instance: %q, want Gone", got)
	}
	f.do("DELETE", "leads("+id+")", f.admin, nil).must(t, http.StatusNoContent)
	f.do("GET", "leads("+id+")", f.admin, nil).must(t, http.StatusNotFound)
	after := annotated()
	if after.str("_bpf_leadid_value") != id || after.body[name] != nil {
		t.Errorf("the instance after its lead was deleted: %s", after.raw)
	}
	if in := f.do("GET", "bpfc_RetrieveInstance(ProcessInstanceId="+inst+")", f.admin, nil).must(t, http.StatusOK); in.str("state") != "active" {
		t.Errorf("bpfc_RetrieveInstance after the delete: %s", in.raw)
	}
}
