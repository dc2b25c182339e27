package webapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// stageIDs reads an instance's active path: stage name -> process stage id.
func (f *fixture) stageIDs(inst string) (map[string]string, []string) {
	f.t.Helper()
	r := f.do("GET", "RetrieveActivePath(ProcessInstanceId="+inst+")", f.admin, nil).must(f.t, 200)
	ids := map[string]string{}
	var order []string
	for _, s := range r.body["ProcessStages"].([]any) {
		m := s.(map[string]any)
		ids[m["uniquename"].(string)] = m["processstageid"].(string)
		order = append(order, m["uniquename"].(string))
	}
	return ids, order
}

// leadInstance creates a lead with the values given (its default flow,
// lead to opportunity, starts) and returns its instance and the stage
// ids of that flow by name.
func (f *fixture) leadInstance(vals map[string]any) (string, map[string]string) {
	f.t.Helper()
	lead := f.create("leads", vals)
	r := f.do("GET", "cts_leadtoopportunities?$filter=_bpf_leadid_value%20eq%20'"+lead+"'", f.admin, nil).must(f.t, 200)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	ids, _ := f.stageIDs(inst)
	return inst, ids
}

func moveTo(stageID string) map[string]any {
	return map[string]any{"activestageid@odata.bind": "/processstages(" + stageID + ")"}
}

// TestProcessFunctions: RetrieveProcessInstances and RetrieveActivePath in
// Dataverse's shapes.
func TestProcessFunctions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"})
	r := f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+lead+")", f.admin, nil).must(t, 200)
	procs, _ := r.body["Processes"].([]any)
	if len(procs) != 1 || !strings.HasSuffix(r.str("@odata.context"), "RetrieveProcessInstancesResponse") {
		t.Fatalf("processes: %s", r.raw)
	}
	p := procs[0].(map[string]any)
	inst := p["businessprocessflowinstanceid"].(string)
	if p["name"] != "Lead to Opportunity Sales Process" || p["statecode"] != 0.0 || p["@odata.etag"] != `W/"1"` {
		t.Errorf("process: %v", p)
	}
	// name is the process's, as Dataverse answers it (Microsoft's sample
	// prints it as the process), not the instance's bpf_name.
	f.do("PATCH", "cts_leadtoopportunities("+inst+")", f.admin, map[string]any{"bpf_name": "Smith printers"}).must(t, http.StatusNoContent)
	r = f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+lead+")", f.admin, nil).must(t, 200)
	if p = r.body["Processes"].([]any)[0].(map[string]any); p["name"] != "Lead to Opportunity Sales Process" {
		t.Errorf("a renamed instance's process name: %v", p["name"])
	}
	ids, order := f.stageIDs(inst)
	if strings.Join(order, ",") != "qualify,develop,propose,close" || p["_processstageid_value"] != ids["qualify"] {
		t.Errorf("active path %v %v; process at %v", order, ids, p["_processstageid_value"])
	}
	r = f.do("GET", "RetrieveActivePath(ProcessInstanceId="+inst+")", f.admin, nil).must(t, 200)
	first := r.body["ProcessStages"].([]any)[0].(map[string]any)
	if first["stagename"] != "Qualify" || first["primaryentitytypecode"] != "lead" || first["isactive"] != true ||
		first["_processid_value"] != p["_processid_value"] {
		t.Errorf("first stage: %v", first)
	}
	// Quoted ids, a second flow on the record, unknown ids and missing parameters.
	f.do("POST", "cts_strategicdeals", f.admin, map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")"}).must(t, 204)
	r = f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId='"+lead+"')", f.admin, nil).must(t, 200)
	if len(r.body["Processes"].([]any)) != 2 {
		t.Errorf("two flows: %s", r.raw)
	}
	const unknown = "7e1c0a52-0000-4000-8000-000000000000"
	f.do("GET", "RetrieveActivePath(ProcessInstanceId="+unknown+")", f.admin, nil).must(t, 404)
	f.do("GET", "RetrieveActivePath(ProcessInstanceId=nope)", f.admin, nil).must(t, 400) // not a GUID
	f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId=zzz)", f.admin, nil).must(t, 400)
	f.do("GET", "RetrieveActivePath(Id=1)", f.admin, nil).must(t, 400)
	f.do("GET", "RetrieveProcessInstances(EntityLogicalName='nosuch',EntityId="+unknown+")", f.admin, nil).must(t, 404)
}

// TestInstanceMoves: PATCH of activestageid moves an instance by the rules
// of bpfc instance next|prev; statecode/statuscode finish it; every move is
// in the stage log.
func TestInstanceMoves(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers", "companyname": "Fabrikam"})
	r := f.do("GET", "cts_leadtoopportunities?$filter=_bpf_leadid_value%20eq%20'"+lead+"'", f.admin, nil).must(t, 200)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	ids, _ := f.stageIDs(inst)
	path := "cts_leadtoopportunities(" + inst + ")"

	// Forward to develop: a stage on the opportunity, created and linked.
	r = f.do("PATCH", path, f.admin, moveTo(ids["develop"]), "If-Match", `W/"1"`, "Prefer", "return=representation").must(t, 200)
	opp, _ := r.body["_bpf_opportunityid_value"].(string)
	if r.str("_activestageid_value") != ids["develop"] || opp == "" || r.str("@odata.etag") != `W/"2"` ||
		r.str("traversedpath") != ids["qualify"]+","+ids["develop"] {
		t.Fatalf("after next: %s", r.raw)
	}
	if o := f.do("GET", "opportunities("+opp+")", f.admin, nil).must(t, 200); o.str("_originatingleadid_value") != lead {
		t.Errorf("opportunity: %s", o.raw)
	}
	// A stale ETag is 412 and moves nothing.
	r = f.do("PATCH", path, f.admin, moveTo(ids["propose"]), "If-Match", `W/"1"`).must(t, 412)
	// Skipping a stage is refused with the rule.
	r = f.do("PATCH", path, f.admin, moveTo(ids["close"])).must(t, 400)
	if r.errCode() != "Refused" || !strings.Contains(string(r.raw), `"rule":"target stage"`) {
		t.Errorf("skip: %s", r.raw)
	}
	// Back to qualify: the opportunity lookup is cleared.
	r = f.do("PATCH", path, f.admin, map[string]any{"activestageid": ids["qualify"]}, "Prefer", "return=representation").must(t, 200)
	if r.str("_activestageid_value") != ids["qualify"] || r.body["_bpf_opportunityid_value"] != nil {
		t.Errorf("after prev: %s", r.raw)
	}
	// A move to the stage the instance is at does nothing.
	f.do("PATCH", path, f.admin, moveTo(ids["qualify"]), "If-Match", `W/"3"`).must(t, 204)
	// A link bound with another table's lookup is refused naming the one
	// to bind (the lead's id was looked up as an opportunity's).
	r = f.do("PATCH", path, f.admin, map[string]any{"activestageid@odata.bind": "/processstages(" + ids["develop"] + ")",
		"bpf_leadid@odata.bind": "/leads(" + lead + ")"}).must(t, 400)
	if !strings.Contains(string(r.raw), `bpf_leadid binds a record of another table; stage \"develop\" is on opportunity: bind bpf_opportunityid`) {
		t.Errorf("a link with the lead's lookup: %s", r.raw)
	}
	// Forward again, linking the existing opportunity, then to close, and finish.
	r = f.do("PATCH", path, f.admin, map[string]any{"activestageid@odata.bind": "/processstages(" + ids["develop"] + ")",
		"bpf_opportunityid@odata.bind": "/opportunities(" + opp + ")"}, "Prefer", "return=representation").must(t, 200)
	if r.str("_bpf_opportunityid_value") != opp {
		t.Errorf("link: %s", r.raw)
	}
	f.do("PATCH", path, f.admin, moveTo(ids["propose"])).must(t, 204)
	// A move back links nothing: a binding with it is refused, not dropped.
	r = f.do("PATCH", path, f.admin, map[string]any{"activestageid@odata.bind": "/processstages(" + ids["develop"] + ")",
		"bpf_opportunityid@odata.bind": "/opportunities(" + opp + ")"}).must(t, 400)
	if !strings.Contains(string(r.raw), "a move back to stage") {
		t.Errorf("a link on a move back: %s", r.raw)
	}
	f.do("PATCH", path, f.admin, moveTo(ids["close"])).must(t, 204)
	r = f.do("PATCH", path, f.admin, map[string]any{"statecode": 1, "statuscode": 2}, "Prefer", "return=representation").must(t, 200)
	if r.body["statecode"] != 1.0 || r.body["statuscode"] != 2.0 || r.body["completedon"] == nil {
		t.Errorf("finished: %s", r.raw)
	}
	r = f.do("PATCH", path, f.admin, moveTo(ids["propose"])).must(t, 400)
	if !strings.Contains(string(r.raw), "not active") {
		t.Errorf("move of a finished instance: %s", r.raw)
	}
	f.do("PATCH", path, f.admin, map[string]any{"statecode": 0, "statuscode": 1}).must(t, 204)
	// Only stage, link, state and name columns are written.
	r = f.do("PATCH", path, f.admin, map[string]any{"traversedpath": "x"}).must(t, 400)
	f.do("PATCH", path, f.admin, map[string]any{"completedon": "2026-01-01"}).must(t, 400)
	f.do("PATCH", path, f.admin, map[string]any{"statecode": 1, "statuscode": 7}).must(t, 400)
	f.do("PATCH", path, f.admin, moveTo("no-such-stage")).must(t, 400)
	// A stage named as the flow has none says the stages it has.
	r = f.do("PATCH", path, f.admin, map[string]any{"activestageid": "porpose"}).must(t, 400)
	if e, _ := r.body["error"].(map[string]any); e["message"] != `flow lead_to_opportunity has no stage "porpose"; its stages are qualify, develop, propose, close; did you mean propose?` {
		t.Errorf("a stage the flow has not: %s", r.raw)
	}

	// The stage log has every entry: start, next, prev, next, next, next, reactivate.
	var hows []string
	err := f.s.Read(context.Background(), func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: inst})
		for _, v := range vs {
			hows = append(hows, v.Stage+":"+v.EnteredHow)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(hows, " "); got != "qualify:start develop:next qualify:prev develop:next propose:next close:next close:reactivate" {
		t.Errorf("stage log: %s", got)
	}

	// Required steps refuse a move, naming them.
	f.do("POST", "cts_strategicdeals", f.admin, map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")"}).must(t, 204)
	r = f.do("GET", "cts_strategicdeals", f.admin, nil).must(t, 200)
	sd := r.rows()[0]["businessprocessflowinstanceid"].(string)
	sids, _ := f.stageIDs(sd)
	r = f.do("PATCH", "cts_strategicdeals("+sd+")", f.admin, moveTo(sids["develop"])).must(t, 400)
	if !strings.Contains(string(r.raw), `"rule":"required step"`) || !strings.Contains(string(r.raw), `"steps":[`) {
		t.Errorf("required steps: %s", r.raw)
	}
	// ... and the record and columns that fill them.
	if want := `"table":"lead","record":"` + lead + `","missing":[{"step":"budget","column":"budgetamount"},`; !strings.Contains(string(r.raw), want) ||
		!strings.Contains(string(r.raw), `{"step":"decision_maker","column":"decisionmaker","yes_no":true}`) {
		t.Errorf("required steps' record and columns: %s, want %s…", r.raw, want)
	}
	// Deleting an instance keeps the record.
	f.do("DELETE", "cts_strategicdeals("+sd+")", f.admin, nil, "If-Match", `W/"9"`).must(t, 412)
	f.do("DELETE", "cts_strategicdeals("+sd+")", f.admin, nil).must(t, 204)
	f.do("GET", "leads("+lead+")", f.admin, nil).must(t, 200)
	// Starting a flow takes exactly the record.
	f.do("POST", "cts_strategicdeals", f.admin, map[string]any{"bpf_name": "x"}).must(t, 400)
	f.do("POST", "cts_strategicdeals", f.admin, map[string]any{"bpf_opportunityid@odata.bind": "/opportunities(" + opp + ")"}).must(t, 400)
}

// TestConcurrentMoves: 32 writers moving one instance back and forth with
// If-Match never interleave: every move acknowledged (204) is exactly one
// entry in the stage log, every other one is 412 or 409 and wrote nothing.
func TestConcurrentMoves(t *testing.T) {
	f := serve(t, fixtureOptions{})
	acct := f.create("accounts", map[string]any{"name": "Fabrikam"})
	f.create("incidents", map[string]any{"title": "Printer on fire", "customerid@odata.bind": "/accounts(" + acct + ")"})
	r := f.do("GET", "cts_phonetocases", f.admin, nil).must(t, 200)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	ids, _ := f.stageIDs(inst)
	path := "cts_phonetocases(" + inst + ")"
	f.do("PATCH", path, f.admin, moveTo(ids["research"])).must(t, 204)

	const writers, each = 32, 6
	var acked, lost, other atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				r := f.do("GET", path+"?$select=_activestageid_value", f.admin, nil)
				if r.status != 200 {
					other.Add(1)
					continue
				}
				to := ids["resolve"]
				if r.str("_activestageid_value") == ids["resolve"] {
					to = ids["research"]
				}
				r = f.do("PATCH", path, f.admin, moveTo(to), "If-Match", r.header.Get("ETag"))
				switch r.status {
				case http.StatusNoContent:
					acked.Add(1)
				case http.StatusPreconditionFailed, http.StatusConflict:
					lost.Add(1)
				default:
					other.Add(1)
					t.Errorf("PATCH: %d %s", r.status, r.raw)
				}
			}
		})
	}
	wg.Wait()
	var visits int64
	err := f.s.Read(context.Background(), func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: inst})
		visits = int64(len(vs))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The log: start, the move to research, then one entry per acknowledged move.
	if visits != acked.Load()+2 || acked.Load() == 0 || other.Load() != 0 {
		t.Errorf("acknowledged %d, refused %d, other %d; stage log %d entries (want acknowledged + 2)", acked.Load(), lost.Load(),
			other.Load(), visits)
	}
	t.Logf("%d writers: %d moves acknowledged, %d refused as stale; %d stage log entries", writers, acked.Load(), lost.Load(), visits)
	r = f.do("GET", path, f.admin, nil).must(t, 200)
	if r.str("@odata.etag") != `W/"`+itoa(acked.Load()+2)+`"` {
		t.Errorf("version %s after %d moves", r.str("@odata.etag"), acked.Load())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestProcessFunctionsTakeNoOptions: Dataverse's process functions answer
// as they are: a query option or a parameter they do not take is refused,
// not answered as if applied.
func TestProcessFunctionsTakeNoOptions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Jones", "subject": "Scanners"})
	call := "RetrieveProcessInstances(EntityLogicalName='lead',EntityId=" + lead + ")"
	f.do("GET", call, f.admin, nil).must(t, 200)
	for _, path := range []string{
		call + "?$filter=statecode%20eq%201",
		call + "?$top=0",
		"RetrieveProcessInstances(EntityLogicalName='lead',EntityId=" + lead + ",Bogus=1)",
		"WhoAmI()?$select=UserId",
	} {
		if r := f.do("GET", path, f.admin, nil).must(t, 400); !strings.Contains(string(r.raw), "does not apply") && !strings.Contains(string(r.raw), "takes the parameters EntityLogicalName, EntityId, not Bogus") {
			t.Errorf("%s: %s", path, r.raw)
		}
	}
}

// TestSetProcess: Dataverse's SetProcess is not bpfc's; a client calling
// it is told what to use (501), not that no entity set has its name.
func TestSetProcess(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("POST", "SetProcess", f.admin, map[string]any{"Target": map[string]any{"leadid": "x"}}).must(t, 501)
	if r.errCode() != "NotImplemented" || !strings.Contains(string(r.raw), "bind") {
		t.Errorf("SetProcess: %s", r.raw)
	}
}

// TestStartRunningFlow: a POST that starts a flow the record already runs
// answers with that instance and says nothing was created (200 with the
// row, not 201), and the name it asks for is the instance's, not dropped.
func TestStartRunningFlow(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Jones", "subject": "Scanners"})
	r := f.do("GET", "cts_leadtoopportunities?$filter=_bpf_leadid_value%20eq%20'"+lead+"'", f.admin, nil).must(t, 200)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	r = f.do("POST", "cts_leadtoopportunities", f.admin, map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")", "bpf_name": "Mine"},
		"Prefer", "return=representation").must(t, 200)
	if r.str("businessprocessflowinstanceid") != inst || r.str("bpf_name") != "Mine" {
		t.Errorf("the start of a running flow: %s; want instance %s named Mine", r.raw, inst)
	}
	if n := len(f.do("GET", "cts_leadtoopportunities?$filter=_bpf_leadid_value%20eq%20'"+lead+"'", f.admin, nil).must(t, 200).rows()); n != 1 {
		t.Errorf("%d instances on the lead, want 1", n)
	}
}

// TestUnknownSetHint: a client that names a table by its logical name
// (lead for leads), by its display name or plural display name (cases for
// incidents) or misspells a set is told which set it meant, on reads,
// reads with $expand and writes alike, with Dataverse's NotFound.
func TestUnknownSetHint(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, c := range []struct{ method, path, want string }{
		{"GET", "lead", "lead is a table's logical name; its entity set is leads"},
		{"GET", "lead?$expand=parentaccountid", "its entity set is leads"},
		{"GET", "opportunitys", "did you mean opportunities?"},
		{"POST", "lead", "its entity set is leads"},
		{"PATCH", "opportunitys(5f3e0a1b-0000-4000-8000-000000000001)", "did you mean opportunities?"},
		// A table's display name, or its plural display name, in any case
		// and spacing: the set of that table.
		{"GET", "cases", `did you mean incidents? \"Cases\" is the plural display name of table incident; a path names a table by its entity set`},
		{"GET", "Case", `did you mean incidents? \"Case\" is the display name of table incident`},
		{"GET", "cases?$expand=customerid_account", "did you mean incidents?"},
		{"POST", "cases", "did you mean incidents?"},
		{"GET", "Phone%20Calls", `did you mean phonecalls? \"Phone Calls\" is the plural display name of table phonecall`},
	} {
		var body any
		if c.method != "GET" {
			body = map[string]any{"subject": "x"}
		}
		r := f.do(c.method, c.path, f.admin, body).must(t, 404)
		if r.errCode() != "NotFound" || !strings.Contains(string(r.raw), c.want) {
			t.Errorf("%s %s: %s; want NotFound saying %q", c.method, c.path, r.raw, c.want)
		}
	}
}

// TestInstanceSystemColumns: an instance row has the system columns of
// Dataverse's process tables a client may $select, null as bpfc writes none
// of them; organizationid, which bpfc does not keep, is refused.
func TestInstanceSystemColumns(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"})
	cols := []string{"importsequencenumber", "overriddencreatedon", "timezoneruleversionnumber", "utcconversiontimezonecode",
		"_createdonbehalfby_value", "_modifiedonbehalfby_value"}
	r := f.do("GET", "cts_leadtoopportunities?$select="+strings.Join(cols, ",")+"&$filter="+url.QueryEscape("_bpf_leadid_value eq "+lead), f.admin, nil).
		must(t, http.StatusOK)
	rows := r.rows()
	if len(rows) != 1 {
		t.Fatalf("instances of the lead: %s", r.raw)
	}
	for _, c := range cols {
		if v, ok := rows[0][c]; !ok || v != nil {
			t.Errorf("%s: %v (present %v), want null", c, v, ok)
		}
	}
	f.do("GET", "cts_leadtoopportunities?$select=_organizationid_value", f.admin, nil).must(t, http.StatusBadRequest)
}
