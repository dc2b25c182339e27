package webapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestProcessSets: workflows and processstages as Dataverse's clients read
// them (Microsoft's samples list a process's stages by processid/workflowid
// and move an instance by binding one), read-only, for every user with a
// role.
func TestProcessSets(t *testing.T) {
	f := serve(t, fixtureOptions{})
	inst, ids := f.leadInstance(map[string]any{"lastname": "Jones", "subject": "Scanners", "companyname": "Contoso"})
	r := f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+f.create("leads", map[string]any{"lastname": "Ng"})+")",
		f.admin, nil).must(t, http.StatusOK)
	pid := r.body["Processes"].([]any)[0].(map[string]any)["_processid_value"].(string)

	// The flow among the processes, by category; a classic workflow too.
	q := func(s string) string { return url.QueryEscape(s) }
	r = f.do("GET", "workflows?$select=name,uniquename,primaryentity,statecode&$filter="+q("category eq 4")+"&$orderby=name", f.admin, nil).
		must(t, http.StatusOK)
	var flow map[string]any
	for _, row := range r.rows() {
		if row["workflowid"] == pid {
			flow = row
		}
		if row["category"] != nil {
			t.Errorf("$select left category in: %v", row)
		}
	}
	if flow == nil || flow["name"] != "Lead to Opportunity Sales Process" || flow["primaryentity"] != "lead" || flow["statecode"] != 1.0 {
		t.Fatalf("the flow %s among the processes: %s", pid, r.raw)
	}
	if n := len(f.do("GET", "workflows?$filter="+q("category eq 0"), f.admin, nil).must(t, http.StatusOK).rows()); n == 0 {
		t.Errorf("no classic workflow among the processes")
	}

	// Its stages, by Microsoft's path and by the lookup's value; they are
	// the ids RetrieveActivePath gives and a PATCH binds.
	r = f.do("GET", "processstages?$select=stagename,uniquename&$filter="+q("processid/workflowid eq "+strings.ToUpper(pid)), f.admin, nil).
		must(t, http.StatusOK)
	byName := map[string]string{}
	for _, row := range r.rows() {
		byName[row["uniquename"].(string)] = row["processstageid"].(string)
	}
	for name, id := range ids {
		if byName[name] != id {
			t.Errorf("stage %s: %q in processstages, %q on the active path", name, byName[name], id)
		}
	}
	r = f.do("GET", "processstages?$select=stagename&$filter="+q("_processid_value eq "+pid+" and primaryentitytypecode eq 'OPPORTUNITY'")+
		"&$orderby="+q("stagename desc")+"&$count=true", f.admin, nil).must(t, http.StatusOK)
	var names []string
	for _, row := range r.rows() {
		names = append(names, row["stagename"].(string))
	}
	if len(names) < 2 || !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) ||
		r.body["@odata.count"] != float64(len(names)) {
		t.Errorf("the opportunity's stages by name, descending: %v (count %v)", names, r.body["@odata.count"])
	}
	f.do("PATCH", "cts_leadtoopportunities("+inst+")", f.admin, moveTo(byName["develop"])).must(t, http.StatusNoContent)

	// Pages, one row by id, its ETag.
	var paged []string
	next := "processstages?$select=stagename&$filter=" + q("_processid_value eq "+pid)
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		r = f.do("GET", next, f.admin, nil, "Prefer", "odata.maxpagesize=2").must(t, http.StatusOK)
		for _, row := range r.rows() {
			paged = append(paged, row["processstageid"].(string))
		}
		next = strings.TrimPrefix(r.str("@odata.nextLink"), f.url+Prefix)
	}
	slices.Sort(paged)
	if len(paged) != len(byName) || len(slices.Compact(paged)) != len(byName) {
		t.Errorf("pages of 2 gave %d stages, %d distinct; the flow has %d", len(paged), len(slices.Compact(paged)), len(byName))
	}
	r = f.do("GET", "processstages("+byName["qualify"]+")", f.admin, nil).must(t, http.StatusOK)
	if r.str("stagename") != "Qualify" || r.str("_processid_value") != pid || r.header.Get("ETag") == "" {
		t.Errorf("one stage: %s (ETag %q)", r.raw, r.header.Get("ETag"))
	}
	f.do("GET", "workflows("+pid+")?$select=uniquename", f.admin, nil).must(t, http.StatusOK)
	f.do("GET", "processstages(00000000-0000-0000-0000-000000000001)", f.admin, nil).must(t, http.StatusNotFound)
	f.do("GET", "processstages(qualify)", f.admin, nil).must(t, http.StatusBadRequest)

	// Read-only; no $expand; a path through another lookup is refused with
	// what to write instead.
	f.do("POST", "workflows", f.admin, map[string]any{"name": "x"}).must(t, http.StatusMethodNotAllowed)
	f.do("PATCH", "processstages("+byName["qualify"]+")", f.admin, map[string]any{"stagename": "x"}).must(t, http.StatusMethodNotAllowed)
	f.do("DELETE", "workflows("+pid+")", f.admin, nil).must(t, http.StatusMethodNotAllowed)
	// Their lookups expand, and an instance's process and active stage too.
	r = f.do("GET", "processstages("+byName["qualify"]+")?$select=stagename&$expand=processid($select=name)", f.admin, nil).must(t, http.StatusOK)
	if pr, _ := r.body["processid"].(map[string]any); pr == nil || pr["name"] != "Lead to Opportunity Sales Process" {
		t.Errorf("processstages $expand=processid: %s", r.raw)
	}
	r = f.do("GET", "cts_leadtoopportunities("+inst+")?$expand=activestageid($select=stagename),processid($select=uniquename)", f.admin, nil).
		must(t, http.StatusOK)
	if st, _ := r.body["activestageid"].(map[string]any); st == nil || st["stagename"] != "Develop" {
		t.Errorf("an instance's $expand=activestageid: %s", r.raw)
	}
	if pr, _ := r.body["processid"].(map[string]any); pr == nil || pr["uniquename"] != "cts_leadtoopportunity" {
		t.Errorf("an instance's $expand=processid: %s", r.raw)
	}
	r = f.do("GET", "leads?$filter="+q("parentaccountid/name eq 'Contoso'"), f.admin, nil).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "_parentaccountid_value") {
		t.Errorf("a path through a lookup: %s", r.raw)
	}
	f.do("GET", "processstages?$filter="+q("stagenme eq 'Qualify'"), f.admin, nil).must(t, http.StatusBadRequest)

	// Any user with a role reads them; a user without one may not.
	sam := f.user("sam", "salesperson")
	if n := len(f.do("GET", "processstages?$filter="+q("_processid_value eq "+pid), sam, nil).must(t, http.StatusOK).rows()); n != len(byName) {
		t.Errorf("a salesperson reads %d of the flow's %d stages", n, len(byName))
	}
	f.do("GET", "workflows", f.user("nobody"), nil).must(t, http.StatusForbidden)

	// The service document and $metadata name both sets.
	doc := f.do("GET", "", f.admin, nil).must(t, http.StatusOK)
	if !strings.Contains(string(doc.raw), `"processstages"`) || !strings.Contains(string(doc.raw), `"workflows"`) {
		t.Errorf("service document: %s", doc.raw)
	}
	if _, raw := f.metadata(); !strings.Contains(string(raw), `<EntitySet Name="processstages" EntityType="mscrm.processstage"`) {
		t.Errorf("$metadata has no processstages set")
	}
}

// TestRunAgreesWithTheStore: store.Query.Run, which serves the process
// sets from memory, selects and orders rows as the store's SQL does, for
// the queries the $filter and $orderby tests make of accounts, with pages.
func TestRunAgreesWithTheStore(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	f.create("accounts", map[string]any{"name": "alpha", "numberofemployees": 10}) // text equal but for case
	ctx := context.Background()
	sess := f.srv.Engine().As("admin")
	for _, opts := range []string{
		"$filter=name eq 'ALPHA'", "$filter=name ne 'Alpha'", "$filter=numberofemployees gt 15.5", "$filter=numberofemployees ne 10.5",
		"$filter=numberofemployees eq null", "$filter=null eq revenue", "$filter=revenue le 1000.5", "$filter=creditonhold ne true",
		"$filter=not (numberofemployees gt 15)", "$filter=createdon ge 2026-02-01", "$filter=createdon eq 2026-01-10T08:00:00.25Z",
		"$filter=_parentaccountid_value eq ALPHA", "$filter=_parentaccountid_value ne null", "$filter=contains(name,'%')",
		"$filter=contains(name,'[%]')", "$filter=contains(name,'a%c')", "$filter=startswith(name,'_eta')", "$filter=endswith(name,'0[%]')",
		"$filter=startswith(name,'g')", "$filter=endswith(name, 'CO')",
		"$filter=numberofemployees lt 15 or numberofemployees gt 40 and creditonhold eq false",
		"$filter=numberofemployees eq numberofemployees", "$filter=numberofemployees ne numberofemployees", "$filter=numberofemployees lt revenue",
		"$orderby=name", "$orderby=name desc", "$orderby=numberofemployees desc,name", "$orderby=revenue,createdon desc",
		"$orderby=creditonhold desc,numberofemployees&$top=4", "$filter=revenue gt 0&$orderby=revenue desc&$top=2",
	} {
		opts = strings.Replace(opts, "ALPHA", ids["Alpha"], 1)
		vals, err := url.ParseQuery(strings.ReplaceAll(strings.ReplaceAll(opts, "%", "%25"), "+", "%2B"))
		if err != nil {
			t.Fatal(err)
		}
		for _, pageSize := range []int{2, 100} {
			lo, err := parseList(vals, pageSize)
			if err != nil {
				t.Fatalf("%s: %v", opts, err)
			}
			tb, err := sess.TableOf(ctx, "accounts")
			if err != nil {
				t.Fatal(err)
			}
			_, all, err := sess.QueryRows(ctx, "accounts", func(store.Table) (store.Query, error) { return store.Query{}, nil })
			if err != nil {
				t.Fatal(err)
			}
			// Page through both ways; compare the ids of each page.
			var inSQL, inMemory []string
			for {
				q, _, err := lo.query(tb)
				if err != nil {
					t.Fatalf("%s: %v", opts, err)
				}
				_, rows, err := sess.QueryRows(ctx, "accounts", func(store.Table) (store.Query, error) { return q, nil })
				if err != nil {
					t.Fatalf("%s in SQL: %v", opts, err)
				}
				q.Table = tb
				mem, err := q.Run(all)
				if err != nil {
					t.Fatalf("%s in memory: %v", opts, err)
				}
				for _, r := range rows {
					inSQL = append(inSQL, r["name"].(string))
				}
				for _, r := range mem {
					inMemory = append(inMemory, r["name"].(string))
				}
				if len(rows) <= lo.limit() || (lo.top > 0 && lo.top <= lo.limit()) {
					break
				}
				lo.after = q.SortKey(rows[lo.limit()-1])
				inSQL, inMemory = inSQL[:len(inSQL)-1], inMemory[:len(inMemory)-1] // the look-ahead row
			}
			if d := cmp.Diff(inSQL, inMemory); d != "" {
				t.Errorf("%s, pages of %d (-SQL +memory):\n%s", opts, pageSize, d)
			}
		}
	}
}

// TestStartWithProcessAndStage: a POST that starts a flow may bind its
// process and first stage and name the instance, as Dataverse's clients
// write it; another process or stage is refused and starts nothing.
func TestStartWithProcessAndStage(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Ng", "subject": "Desks"}, "BPFC-Flow", "none")
	r := f.do("GET", "workflows?$select=uniquename&$filter="+url.QueryEscape("category eq 4"), f.admin, nil).must(t, http.StatusOK)
	procs := map[string]string{}
	for _, row := range r.rows() {
		procs[row["uniquename"].(string)] = row["workflowid"].(string)
	}
	var deal, other string
	for name, id := range procs {
		if strings.Contains(name, "strategicdeal") {
			deal = id
		} else {
			other = id
		}
	}
	if deal == "" || other == "" {
		t.Fatalf("processes: %v", procs)
	}
	stages := map[string]string{}
	r = f.do("GET", "processstages?$orderby=stagename&$filter="+url.QueryEscape("_processid_value eq "+deal), f.admin, nil).must(t, http.StatusOK)
	for _, row := range r.rows() {
		stages[row["uniquename"].(string)] = row["processstageid"].(string)
	}
	count := func() int {
		return len(f.do("GET", "cts_strategicdeals?$filter="+url.QueryEscape("_bpf_leadid_value eq "+lead), f.admin, nil).must(t, http.StatusOK).rows())
	}
	body := func(kv ...string) map[string]any {
		b := map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")"}
		for i := 0; i < len(kv); i += 2 {
			b[kv[i]] = kv[i+1]
		}
		return b
	}
	var first, later string
	for name, id := range stages {
		if name == "qualify" {
			first = id
		} else {
			later = id
		}
	}
	for _, bad := range []map[string]any{
		body("processid@odata.bind", "/workflows("+other+")"),
		body("processid@odata.bind", "/accounts("+deal+")"),
		body("activestageid@odata.bind", "/processstages("+later+")"),
		body("bpf_name", strings.Repeat("x", 101)),
		body("description", "x"),
	} {
		f.do("POST", "cts_strategicdeals", f.admin, bad).must(t, http.StatusBadRequest)
	}
	if n := count(); n != 0 {
		t.Fatalf("refused starts left %d instances", n)
	}
	r = f.do("POST", "cts_strategicdeals", f.admin, body("processid@odata.bind", "/workflows("+strings.ToUpper(deal)+")",
		"activestageid@odata.bind", "/processstages("+first+")", "bpf_name", "Ng desks"), "Prefer", "return=representation").must(t, http.StatusCreated)
	if r.str("bpf_name") != "Ng desks" || r.str("_activestageid_value") != first || r.str("_processid_value") != deal {
		t.Errorf("started: %s", r.raw)
	}
}

// TestDataverseClientForms: what Microsoft's samples send, accepted as
// Dataverse accepts it.
func TestDataverseClientForms(t *testing.T) {
	f := serve(t, fixtureOptions{})
	q := url.QueryEscape

	// processid on a new record: the empty GUID starts no flow, a flow's
	// process id that flow; another id is refused.
	procs := map[string]string{}
	for _, row := range f.do("GET", "workflows?$filter="+q("category eq 4"), f.admin, nil).must(t, http.StatusOK).rows() {
		procs[row["uniquename"].(string)] = row["workflowid"].(string)
	}
	none := f.do("POST", "leads", f.admin, map[string]any{"lastname": "None", "processid": "00000000-0000-0000-0000-000000000000"}).
		must(t, http.StatusNoContent)
	if none.header.Get("BPFC-Instance") != "" {
		t.Errorf("processid empty started %s", none.header.Get("BPFC-Instance"))
	}
	deal := f.do("POST", "leads", f.admin, map[string]any{"lastname": "Deal", "processid": procs["cts_strategicdeal"]}).must(t, http.StatusNoContent)
	inst := deal.header.Get("BPFC-Instance")
	if inst == "" || len(f.do("GET", "cts_strategicdeals("+inst+")", f.admin, nil).must(t, http.StatusOK).body) == 0 {
		t.Errorf("processid of strategic deal started %q", inst)
	}
	f.do("POST", "leads", f.admin, map[string]any{"lastname": "X", "processid": procs["cts_phonetocase"]}).must(t, http.StatusBadRequest)
	// BPFC-Flow beside processid says the same, or the request is refused
	// (one of them lost silently).
	for _, h := range []string{"lead_to_opportunity", "none"} {
		r := f.do("POST", "leads", f.admin, map[string]any{"lastname": "Two", "processid": procs["cts_strategicdeal"]}, "BPFC-Flow", h).
			must(t, http.StatusBadRequest)
		if !strings.Contains(string(r.raw), "the BPFC-Flow header says "+h+" and processid says strategic_deal") {
			t.Errorf("BPFC-Flow %s: %s", h, r.raw)
		}
	}
	f.do("POST", "leads", f.admin, map[string]any{"lastname": "One", "processid": procs["cts_strategicdeal"]}, "BPFC-Flow", "strategic_deal").
		must(t, http.StatusNoContent)
	f.do("POST", "leads", f.admin, map[string]any{"lastname": "One", "processid": procs["cts_strategicdeal"]}, "BPFC-Flow", "strategicdeal").
		must(t, http.StatusNoContent)

	// A second start of the flow the record runs answers with its instance.
	lead := strings.TrimSuffix(strings.TrimPrefix(deal.header.Get("OData-EntityId"), f.url+Prefix+"leads("), ")")
	again := f.do("POST", "cts_strategicdeals", f.admin, map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")"}).must(t, http.StatusNoContent)
	if !strings.HasSuffix(again.header.Get("OData-EntityId"), "("+inst+")") {
		t.Errorf("a second start: %s, want the instance %s", again.header.Get("OData-EntityId"), inst)
	}

	// statecode/statuscode as text, as Microsoft's samples write them.
	f.do("PATCH", "cts_strategicdeals("+inst+")", f.admin, map[string]any{"statecode": "1", "statuscode": "3"}).must(t, http.StatusNoContent)
	if r := f.do("GET", "cts_strategicdeals("+inst+")?$select=statuscode", f.admin, nil).must(t, http.StatusOK); r.body["statuscode"] != 3.0 {
		t.Errorf("aborted with text codes: %s", r.raw)
	}
	f.do("PATCH", "cts_strategicdeals("+inst+")", f.admin, map[string]any{"statecode": "one"}).must(t, http.StatusBadRequest)

	// RetrieveProcessInstances names the active stage processstageid too.
	r := f.do("GET", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+lead+")", f.admin, nil).must(t, http.StatusOK)
	p := r.body["Processes"].([]any)[0].(map[string]any)
	if p["processstageid"] == nil || p["processstageid"] != p["_activestageid_value"] {
		t.Errorf("processstageid: %v", p)
	}
	// A function called with POST is told to use GET.
	r = f.do("POST", "RetrieveProcessInstances(EntityLogicalName='lead',EntityId="+lead+")", f.admin, map[string]any{})
	if r.status != http.StatusMethodNotAllowed || !strings.Contains(r.message(), "call it with GET") {
		t.Errorf("POST of a function: %d %s", r.status, r.raw)
	}

	// An older version's links keep its version.
	r = f.do("GET", "../v9.1/leads?$select=lastname", f.admin, nil, "Prefer", "odata.maxpagesize=1").must(t, http.StatusOK)
	if next := r.str("@odata.nextLink"); !strings.Contains(next, "/api/data/v9.1/leads?") {
		t.Errorf("nextLink of a v9.1 request: %s", next)
	}

	// A body shorter than it says is the client's error.
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %sleads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"lastname\":", Prefix, f.admin)
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a cut-off body: %d", resp.StatusCode)
	}
}

// TestRenameInstance: bpf_name is written as any text column is, with the
// write privilege on the flow and If-Match.
func TestRenameInstance(t *testing.T) {
	f := serve(t, fixtureOptions{})
	inst, ids := f.leadInstance(map[string]any{"lastname": "Jones", "subject": "Scanners", "companyname": "Contoso"})
	r := f.do("PATCH", "cts_leadtoopportunities("+inst+")", f.admin, map[string]any{"bpf_name": "Jones scanners"}, "If-Match", `W/"1"`).
		must(t, http.StatusNoContent)
	if r.header.Get("ETag") != `W/"2"` {
		t.Errorf("renamed: ETag %s", r.header.Get("ETag"))
	}
	if got := f.do("GET", "cts_leadtoopportunities("+inst+")?$select=bpf_name", f.admin, nil).must(t, http.StatusOK).str("bpf_name"); got != "Jones scanners" {
		t.Errorf("bpf_name %q", got)
	}
	f.do("PATCH", "cts_leadtoopportunities("+inst+")", f.admin, map[string]any{"bpf_name": "Again"}, "If-Match", `W/"1"`).must(t, http.StatusPreconditionFailed)
	f.do("PATCH", "cts_leadtoopportunities("+inst+")", f.admin, map[string]any{"bpf_name": strings.Repeat("x", 101)}).must(t, http.StatusBadRequest)
	// With a move in the same body: both.
	f.do("PATCH", "cts_leadtoopportunities("+inst+")", f.admin, map[string]any{"bpf_name": "Moved", "activestageid@odata.bind": "/processstages(" + ids["develop"] + ")"}).
		must(t, http.StatusNoContent)
	r = f.do("GET", "cts_leadtoopportunities("+inst+")?$select=bpf_name,_activestageid_value", f.admin, nil).must(t, http.StatusOK)
	if r.str("bpf_name") != "Moved" || r.str("_activestageid_value") != ids["develop"] {
		t.Errorf("rename and move: %s", r.raw)
	}
	// A user who may only read the flow's instances may not rename them.
	carol := f.user("carol", "customer_service_representative")
	f.do("PATCH", "cts_leadtoopportunities("+inst+")", carol, map[string]any{"bpf_name": "x"}).must(t, http.StatusForbidden)
}

// TestStageCategoryNone: a stage without a category reads null on the
// active path, as in processstages (RetrieveActivePath gave -1).
func TestStageCategoryNone(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("POST", "phonecalls", f.admin, map[string]any{"subject": "Urgent", "phonenumber": "555"}).must(t, http.StatusNoContent)
	inst := r.header.Get("BPFC-Instance")
	if inst == "" {
		t.Fatalf("no instance started: %v", r.header)
	}
	activePath := func() map[string]any {
		var path struct {
			ProcessStages []map[string]any
		}
		if err := json.Unmarshal([]byte(f.do("GET", "RetrieveActivePath(ProcessInstanceId="+inst+")", f.admin, nil).must(t, http.StatusOK).raw), &path); err != nil {
			t.Fatal(err)
		}
		categories := map[string]any{}
		ids := map[string]string{}
		for _, st := range path.ProcessStages {
			categories[st["uniquename"].(string)] = st["stagecategory"]
			ids[st["uniquename"].(string)] = st["processstageid"].(string)
		}
		categories["ids"] = ids
		return categories
	}
	// To research (a case is made), then a high priority puts escalate,
	// the stage without a category, on the path.
	ids := activePath()["ids"].(map[string]string)
	f.do("PATCH", "cts_phonecalltriages("+inst+")", f.admin, moveTo(ids["research"])).must(t, http.StatusNoContent)
	row := f.do("GET", "cts_phonecalltriages("+inst+")?$select=_bpf_incidentid_value", f.admin, nil).must(t, http.StatusOK)
	f.do("PATCH", "incidents("+row.str("_bpf_incidentid_value")+")", f.admin, map[string]any{"prioritycode": 1}).must(t, http.StatusNoContent)
	categories := activePath()
	if _, ok := categories["escalate"]; !ok {
		t.Fatalf("escalate is not on the active path: %v", categories)
	}
	if c, ok := categories["identify"]; !ok || c != 4.0 { // Identify is 4 in Dataverse
		t.Errorf("identify's category: %v (%v)", c, categories)
	}
	if c := categories["escalate"]; c != nil {
		t.Errorf("escalate's category: %v, want null", c)
	}
}

// TestActivePathRowsHaveETags: the stages RetrieveActivePath answers are
// rows like any other (the spec: every row has an @odata.etag), with the
// etag and versionnumber the processstages set gives the same stage, as
// Dataverse's answer has them.
func TestActivePathRowsHaveETags(t *testing.T) {
	f := serve(t, fixtureOptions{})
	inst := f.do("POST", "leads", f.admin, map[string]any{"lastname": "Etag", "subject": "Path"}).must(t, http.StatusNoContent).header.Get("BPFC-Instance")
	var path struct {
		ProcessStages []map[string]any
	}
	if err := json.Unmarshal(f.do("GET", "RetrieveActivePath(ProcessInstanceId="+inst+")", f.admin, nil).must(t, http.StatusOK).raw, &path); err != nil {
		t.Fatal(err)
	}
	if len(path.ProcessStages) == 0 {
		t.Fatal("no stages on the active path")
	}
	for _, st := range path.ProcessStages {
		id, _ := st["processstageid"].(string)
		tag, _ := st["@odata.etag"].(string)
		row := f.do("GET", "processstages("+id+")", f.admin, nil).must(t, http.StatusOK)
		if tag == "" || tag != row.str("@odata.etag") || st["versionnumber"] != row.body["versionnumber"] {
			t.Errorf("stage %v: etag %q, versionnumber %v; processstages has %q, %v", st["uniquename"], tag, st["versionnumber"],
				row.str("@odata.etag"), row.body["versionnumber"])
		}
	}
}

// TestStartAtLaterStage: a POST may start an instance at a later stage with
// the traversedpath that leads there, as Microsoft's "Work with business
// process flows using code" creates one: the instance moves along the path
// by a move's rules, and a path that skips a stage, does not end at the
// bound stage or is left out is refused and starts nothing, as is a path a
// move along it refuses (a required step empty).
func TestStartAtLaterStage(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := stageIDs(t, f, "cts_strategicdeal")
	lead := f.create("leads", map[string]any{"lastname": "Ng", "subject": "Desks"}, "BPFC-Flow", "none")
	count := func() int {
		return len(f.do("GET", "cts_strategicdeals?$filter="+url.QueryEscape("_bpf_leadid_value eq "+lead), f.admin, nil).must(t, http.StatusOK).rows())
	}
	body := func(stage string, path ...string) map[string]any {
		b := map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")", "activestageid@odata.bind": "/processstages(" + ids[stage] + ")"}
		if path != nil {
			var p []string
			for _, s := range path {
				p = append(p, ids[s])
			}
			b["traversedpath"] = strings.Join(p, ",")
		}
		return b
	}
	for _, bad := range []map[string]any{
		body("develop"),
		body("propose", "qualify", "propose"),
		body("develop", "qualify", "develop", "propose"),
		body("develop", "qualify", "develop"), // qualify's required steps are empty
	} {
		f.do("POST", "cts_strategicdeals", f.admin, bad).must(t, http.StatusBadRequest)
	}
	// A path without the stage it ends at: told to bind that stage.
	noStage := body("develop", "qualify", "develop")
	delete(noStage, "activestageid@odata.bind")
	if msg := f.do("POST", "cts_strategicdeals", f.admin, noStage).must(t, http.StatusBadRequest).message(); !strings.Contains(msg,
		"traversedpath ends at stage develop: bind that stage too, as activestageid@odata.bind") {
		t.Errorf("a path without activestageid: %s", msg)
	}
	if n := count(); n != 0 {
		t.Fatalf("refused starts left %d instances", n)
	}
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"budgetamount": 5000, "purchasetimeframe": 1, "decisionmaker": true}).must(t, http.StatusNoContent)
	r := f.do("POST", "cts_strategicdeals", f.admin, body("develop", "qualify", "develop"), "Prefer", "return=representation").must(t, http.StatusCreated)
	if r.str("_activestageid_value") != ids["develop"] || r.str("traversedpath") != ids["qualify"]+","+ids["develop"] || r.str("_bpf_opportunityid_value") == "" {
		t.Errorf("started at develop: %s", r.raw)
	}
}

// TestStartAtLaterStageOfARunningFlow: a POST that starts a flow the record
// already runs answers with that instance, but not when the body asks for a
// later stage the instance is not at: that start is refused (a 200 with the
// instance at another stage said it was made), the instance left as it
// was; at that stage already, the instance is the answer.
func TestStartAtLaterStageOfARunningFlow(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := stageIDs(t, f, "cts_strategicdeal")
	lead := f.create("leads", map[string]any{"lastname": "Ng", "subject": "Desks", "budgetamount": 5000, "purchasetimeframe": 1, "decisionmaker": true},
		"BPFC-Flow", "none")
	first := f.do("POST", "cts_strategicdeals", f.admin, map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")"}, "Prefer", "return=representation").
		must(t, http.StatusCreated)
	atDevelop := map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")", "activestageid@odata.bind": "/processstages(" + ids["develop"] + ")",
		"traversedpath": ids["qualify"] + "," + ids["develop"], "bpf_name": "Desks deal"}
	f.do("POST", "cts_strategicdeals", f.admin, atDevelop).must(t, http.StatusBadRequest)
	rows := f.do("GET", "cts_strategicdeals?$filter="+url.QueryEscape("_bpf_leadid_value eq "+lead), f.admin, nil).must(t, http.StatusOK).rows()
	if len(rows) != 1 || rows[0]["_activestageid_value"] != ids["qualify"] || rows[0]["bpf_name"] != first.str("bpf_name") {
		t.Fatalf("a refused start changed the record's instances: %v", rows)
	}
	id := first.str("businessprocessflowinstanceid")
	f.do("PATCH", "cts_strategicdeals("+id+")", f.admin, map[string]any{"activestageid@odata.bind": "/processstages(" + ids["develop"] + ")"}).
		must(t, http.StatusNoContent)
	r := f.do("POST", "cts_strategicdeals", f.admin, atDevelop, "Prefer", "return=representation").must(t, http.StatusOK)
	if r.str("businessprocessflowinstanceid") != id || r.str("_activestageid_value") != ids["develop"] {
		t.Errorf("a start at the stage the running instance is at: %s", r.raw)
	}
}

// stageIDs reads the stage ids of the flow whose unique name is given, by
// stage name, through the process sets as a client would.
func stageIDs(t *testing.T, f *fixture, flow string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	r := f.do("GET", "workflows?$filter="+url.QueryEscape("uniquename eq '"+flow+"'"), f.admin, nil).must(t, http.StatusOK)
	id := r.rows()[0]["workflowid"].(string)
	r = f.do("GET", "processstages?$filter="+url.QueryEscape("_processid_value eq "+id), f.admin, nil).must(t, http.StatusOK)
	for _, row := range r.rows() {
		ids[row["uniquename"].(string)] = row["processstageid"].(string)
	}
	return ids
}

// TestStartAtLaterStageLinks: a POST that starts an instance at a stage on
// another table may bind that table's existing record too, as Dataverse's
// create sets any lookup of the instance row: the instance links it, where
// it would create one. A record of a table the traversedpath does not
// reach, or bound without a path, is refused and starts nothing.
func TestStartAtLaterStageLinks(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := stageIDs(t, f, "cts_strategicdeal")
	lead := f.create("leads", map[string]any{"lastname": "Ng", "subject": "Desks", "budgetamount": 5000, "purchasetimeframe": 1, "decisionmaker": true},
		"BPFC-Flow", "none")
	opp := f.create("opportunities", map[string]any{"name": "Desks deal"}, "BPFC-Flow", "none")
	body := func(stage string, path ...string) map[string]any {
		b := map[string]any{"bpf_leadid@odata.bind": "/leads(" + lead + ")", "bpf_opportunityid@odata.bind": "/opportunities(" + opp + ")",
			"activestageid@odata.bind": "/processstages(" + ids[stage] + ")"}
		if path != nil {
			var p []string
			for _, s := range path {
				p = append(p, ids[s])
			}
			b["traversedpath"] = strings.Join(p, ",")
		}
		return b
	}
	for want, bad := range map[string]map[string]any{
		"a flow starts on one record, at its first stage":                                   body("qualify"),
		"bpf_opportunityid@odata.bind binds opportunity " + opp + ", but the traversedpath": body("qualify", "qualify"),
	} {
		if msg := f.do("POST", "cts_strategicdeals", f.admin, bad).must(t, http.StatusBadRequest).message(); !strings.Contains(msg, want) {
			t.Errorf("refusal %q, want it to say %q", msg, want)
		}
	}
	if n := len(f.do("GET", "cts_strategicdeals?$filter="+url.QueryEscape("_bpf_leadid_value eq "+lead), f.admin, nil).must(t, http.StatusOK).rows()); n != 0 {
		t.Fatalf("refused starts left %d instances", n)
	}
	r := f.do("POST", "cts_strategicdeals", f.admin, body("develop", "qualify", "develop"), "Prefer", "return=representation").must(t, http.StatusCreated)
	if r.str("_activestageid_value") != ids["develop"] || r.str("_bpf_opportunityid_value") != opp {
		t.Errorf("started at develop linking opportunity %s: %s", opp, r.raw)
	}
	// The same start again answers with that instance; with another
	// opportunity bound it is refused.
	again := f.do("POST", "cts_strategicdeals", f.admin, body("develop", "qualify", "develop"), "Prefer", "return=representation").must(t, http.StatusOK)
	if again.str("businessprocessflowinstanceid") != r.str("businessprocessflowinstanceid") {
		t.Errorf("the same start again: %s", again.raw)
	}
	other := body("develop", "qualify", "develop")
	other["bpf_opportunityid@odata.bind"] = "/opportunities(" + f.create("opportunities", map[string]any{"name": "Other"}, "BPFC-Flow", "none") + ")"
	f.do("POST", "cts_strategicdeals", f.admin, other).must(t, http.StatusBadRequest)
}
