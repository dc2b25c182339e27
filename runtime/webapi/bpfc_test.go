package webapi

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestEntityDefinitionDisplayName: a table's definition has its display
// name as a Label, as its columns have theirs; $select may name it alone
// or with others, and without it the answer has none.
func TestEntityDefinitionDisplayName(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("GET", "EntityDefinitions(LogicalName='lead')", f.admin, nil).must(t, 200)
	if got := labelText(map[string]any{"Label": r.body["DisplayName"]}); got != "Lead" {
		t.Errorf("lead's DisplayName %q: %s", got, r.raw)
	}
	r = f.do("GET", "EntityDefinitions(LogicalName='cts_leadtoopportunity')?$select=DisplayName", f.admin, nil).must(t, 200)
	if got := labelText(map[string]any{"Label": r.body["DisplayName"]}); got != "Lead to Opportunity Sales Process" || len(r.body) != 4 ||
		!strings.HasSuffix(r.str("@odata.context"), "#EntityDefinitions(DisplayName)/$entity") {
		t.Errorf("an instance table's DisplayName %q: %s", got, r.raw)
	}
	r = f.do("GET", "EntityDefinitions?$select=EntitySetName,DisplayName&$filter="+url.QueryEscape("IsBPFEntity eq false"), f.admin, nil).must(t, 200)
	for _, d := range r.rows() {
		if len(d) != 4 || labelText(map[string]any{"Label": d["DisplayName"]}) == "" {
			t.Errorf("$select=EntitySetName,DisplayName: %v", d)
		}
	}
	r = f.do("GET", "EntityDefinitions?$select=LogicalName", f.admin, nil).must(t, 200)
	if rows := r.rows(); len(rows) == 0 || rows[0]["DisplayName"] != nil {
		t.Errorf("$select=LogicalName: %s", r.raw)
	}
	f.do("GET", "EntityDefinitions?$filter="+url.QueryEscape("DisplayName eq 'Lead'"), f.admin, nil).must(t, 400)
}

// TestEntityDefinitions: the tables with their entity sets, keys, primary
// names and attribute types, in Dataverse's EntityDefinitions shape.
func TestEntityDefinitions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("GET", "EntityDefinitions", f.admin, nil).must(t, 200)
	byName := map[string]map[string]any{}
	for _, d := range r.rows() {
		byName[d["LogicalName"].(string)] = d
	}
	lead, inst := byName["lead"], byName["cts_leadtoopportunity"]
	if lead == nil || inst == nil || lead["EntitySetName"] != "leads" || lead["PrimaryIdAttribute"] != "leadid" ||
		lead["IsBPFEntity"] != false || inst["IsBPFEntity"] != true || inst["EntitySetName"] != "cts_leadtoopportunities" {
		t.Fatalf("definitions: lead %v, instance table %v", lead, inst)
	}
	types := map[string]string{}
	for _, a := range lead["Attributes"].([]any) {
		m := a.(map[string]any)
		types[m["LogicalName"].(string)] = m["AttributeType"].(string)
	}
	for col, want := range map[string]string{"leadid": "Uniqueidentifier", "subject": "String", "budgetamount": "Money",
		"createdon": "DateTime", "decisionmaker": "Boolean", "versionnumber": "BigInt", "parentaccountid": "Lookup", "statecode": "State"} {
		if types[col] != want {
			t.Errorf("lead.%s: %q, want %q", col, types[col], want)
		}
	}
	r = f.do("GET", "EntityDefinitions(LogicalName='opportunity')", f.admin, nil).must(t, 200)
	if r.str("EntitySetName") != "opportunities" || r.str("PrimaryNameAttribute") != "name" {
		t.Errorf("one definition: %s", r.raw)
	}
	// As Microsoft's docs list the BPF tables: $filter and $select apply.
	r = f.do("GET", "EntityDefinitions?$select=LogicalName&$filter="+url.QueryEscape("IsBPFEntity eq true")+"&$orderby="+url.QueryEscape("LogicalName desc"),
		f.admin, nil).must(t, 200)
	var bpfs []string
	for _, d := range r.rows() {
		if len(d) != 2 || d["MetadataId"] == nil { // the key comes with every $select, as in Dataverse
			t.Errorf("$select=LogicalName gave %v", d)
		}
		bpfs = append(bpfs, d["LogicalName"].(string))
	}
	if len(bpfs) != 5 || bpfs[0] != "cts_strategicdeal" || !slices.IsSortedFunc(bpfs, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("the BPF tables, by name descending: %v", bpfs)
	}
	r = f.do("GET", "EntityDefinitions?$select=LogicalName&$expand=Attributes&$filter="+url.QueryEscape("LogicalName eq 'lead'"), f.admin, nil).must(t, 200)
	if rows := r.rows(); len(rows) != 1 || rows[0]["Attributes"] == nil {
		t.Errorf("$expand=Attributes: %s", r.raw)
	}
	// One definition takes $select as the list does: only the properties
	// named (Dataverse's docs read EntityDefinitions(LogicalName='account')
	// ?$select=…), and Attributes($select=…) keeps some of theirs.
	r = f.do("GET", "EntityDefinitions(LogicalName='lead')?$select=EntitySetName,PrimaryIdAttribute", f.admin, nil).must(t, 200)
	if len(r.body) != 5 || r.str("MetadataId") == "" || r.str("EntitySetName") != "leads" || r.str("PrimaryIdAttribute") != "leadid" || r.str("LogicalName") != "lead" ||
		!strings.HasSuffix(r.str("@odata.context"), "$metadata#EntityDefinitions(EntitySetName,PrimaryIdAttribute)/$entity") {
		t.Errorf("one definition's $select: %s", r.raw)
	}
	for _, path := range []string{"EntityDefinitions(LogicalName='lead')", "EntityDefinitions"} {
		r = f.do("GET", path+"?$select=LogicalName&$expand="+url.QueryEscape("Attributes($select=LogicalName,AttributeType)")+
			"&$filter="+url.QueryEscape("LogicalName eq 'lead'"), f.admin, nil).must(t, 200)
		def := r.body
		if rows := r.rows(); rows != nil {
			def = rows[0]
		}
		attrs, _ := def["Attributes"].([]any)
		if len(attrs) == 0 || len(attrs[0].(map[string]any)) != 3 || attrs[0].(map[string]any)["AttributeType"] == nil ||
			attrs[0].(map[string]any)["MetadataId"] == nil {
			t.Errorf("%s: Attributes($select=LogicalName,AttributeType): %s", path, r.raw)
		}
	}
	f.do("GET", "EntityDefinitions(LogicalName='lead')?$select=Nosuch", f.admin, nil).must(t, 400)
	f.do("GET", "EntityDefinitions(LogicalName='lead')?$expand="+url.QueryEscape("Attributes($select=Nosuch)"), f.admin, nil).must(t, 400)
	f.do("GET", "EntityDefinitions?$expand="+url.QueryEscape("Attributes($filter=IsPrimaryId eq true)"), f.admin, nil).must(t, 400)
	f.do("GET", "EntityDefinitions?$filter="+url.QueryEscape("IsBPFEntty eq true"), f.admin, nil).must(t, 400)
	f.do("GET", "EntityDefinitions(LogicalName='nosuch')", f.admin, nil).must(t, 404)
	f.do("GET", "EntityDefinitions(Name='lead')", f.admin, nil).must(t, 400)
	f.do("GET", "EntityDefinitions", "", nil).must(t, 401)
}

// TestBPFCActions: instances started, moved and ended through bpfc's
// actions answer with the instance as bpfc instance show prints it; a
// refusal is 400 Refused with its rule and changes nothing; If-Match is a
// 412 when stale; parameters are checked.
func TestBPFCActions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"}, "BPFC-Flow", "none")
	r := f.do("POST", "bpfc_StartInstance", f.admin, map[string]any{"FlowName": "strategic_deal", "EntityLogicalName": "lead", "EntityId": lead}).must(t, 200)
	inst := r.str("id")
	if inst == "" || r.str("active_stage") != "qualify" || r.header.Get("ETag") != `W/"1"` || len(r.body["active_path"].([]any)) < 3 {
		t.Fatalf("start: %s", r.raw)
	}
	// Refused: required steps empty; nothing changed.
	r = f.do("POST", "bpfc_NextStage", f.admin, map[string]any{"ProcessInstanceId": inst}).must(t, 400)
	e := r.body["error"].(map[string]any)
	if e["code"] != "Refused" || e["rule"] != engine.RuleRequiredStep || e["stage"] != "qualify" ||
		!strings.HasPrefix(e["message"].(string), `cannot move to the next stage: required step "budget" (lead.budgetamount) is empty`) {
		t.Errorf("refused move: %s", r.raw)
	}
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"budgetamount": 30000, "purchasetimeframe": 0, "decisionmaker": true}).must(t, 204)
	// A stale If-Match: 412, nothing moves.
	r = f.do("POST", "bpfc_NextStage", f.admin, map[string]any{"ProcessInstanceId": inst}, "If-Match", `W/"7"`).must(t, 412)
	if r.errCode() != "PreconditionFailed" || !strings.Contains(string(r.raw), "is at version 1, not 7: read it again and retry") {
		t.Errorf("stale If-Match: %s", r.raw)
	}
	r = f.do("POST", "bpfc_NextStage", f.admin, map[string]any{"ProcessInstanceId": inst}, "If-Match", `W/"1"`).must(t, 200)
	if r.str("active_stage") != "develop" || r.body["records"].(map[string]any)["opportunity"] == nil || r.body["visits"] == nil {
		t.Fatalf("next: %s", r.raw)
	}
	r = f.do("POST", "bpfc_PreviousStage", f.admin, map[string]any{"ProcessInstanceId": inst}).must(t, 200)
	if r.str("active_stage") != "qualify" {
		t.Errorf("prev: %s", r.raw)
	}
	r = f.do("POST", "bpfc_FinishInstance", f.admin, map[string]any{"ProcessInstanceId": inst}).must(t, 400)
	if r.body["error"].(map[string]any)["rule"] != engine.RuleNotLastStage {
		t.Errorf("finish before the end: %s", r.raw)
	}
	if r = f.do("POST", "bpfc_AbandonInstance", f.admin, map[string]any{"ProcessInstanceId": inst}).must(t, 200); r.str("state") != "aborted" {
		t.Errorf("abandon: %s", r.raw)
	}
	if r = f.do("POST", "bpfc_ReactivateInstance", f.admin, map[string]any{"ProcessInstanceId": inst}).must(t, 200); r.str("state") != "active" {
		t.Errorf("reactivate: %s", r.raw)
	}
	// The instance as read: the same document.
	r = f.do("GET", "bpfc_RetrieveInstance(ProcessInstanceId="+inst+")", f.admin, nil).must(t, 200)
	if r.str("state") != "active" || r.str("flow") != "strategic_deal" || len(r.body["visits"].([]any)) != 4 {
		t.Errorf("retrieve: %s", r.raw)
	}
	r = f.do("GET", "bpfc_RetrieveInstances(EntityLogicalName='lead',EntityId="+lead+")", f.admin, nil).must(t, 200)
	if len(r.rows()) != 1 || r.rows()[0]["id"] != inst {
		t.Errorf("retrieve instances: %s", r.raw)
	}
	r = f.do("GET", "bpfc_RetrieveInstances()", f.admin, nil).must(t, 200)
	if len(r.rows()) != 1 {
		t.Errorf("every instance: %s", r.raw)
	}
	// Bad requests: a missing or foreign parameter, an unknown or miscased member, If-Match where no move is.
	for _, c := range []struct {
		action string
		body   any
		header []string
		status int
		msg    string
	}{
		{"bpfc_NextStage", map[string]any{}, nil, 400, "bpfc_NextStage needs the parameter ProcessInstanceId"},
		{"bpfc_PreviousStage", map[string]any{"ProcessInstanceId": inst, "LinkId": lead}, nil, 400, "bpfc_PreviousStage takes no parameter LinkId"},
		{"bpfc_NextStage", map[string]any{"ProcessInstanceId": inst, "Stage": "x"}, nil, 400, `The property 'Stage' does not exist on type 'Microsoft.Dynamics.CRM.bpfc_NextStage'`},
		// Member names are case-sensitive, as in Dataverse: not taken for ProcessInstanceId.
		{"bpfc_AbandonInstance", map[string]any{"processinstanceid": inst}, nil, 400, `member \"processinstanceid\" is spelt \"ProcessInstanceId\"`},
		{"bpfc_RunAction", map[string]any{"ProcessInstanceId": inst}, nil, 400, "needs the parameter ActionName"},
		{"bpfc_StartInstance", map[string]any{"FlowName": "strategic_deal", "EntityLogicalName": "lead", "EntityId": lead}, []string{"If-Match", `W/"1"`}, 400, "If-Match applies to the moves"},
		{"bpfc_NextStage", "not json", nil, 400, "JSON object"},
		{"bpfc_NextStage", map[string]any{"ProcessInstanceId": "00000000-0000-0000-0000-000000000000"}, nil, 404, "no instance"},
	} {
		r := f.do("POST", c.action, f.admin, c.body, c.header...)
		if r.status != c.status || !strings.Contains(string(r.raw), c.msg) {
			t.Errorf("%s %v: %d %s, want %d with %q", c.action, c.body, r.status, r.raw, c.status, c.msg)
		}
	}
	if r := f.do("GET", "bpfc_NextStage", f.admin, nil).must(t, 405); r.header.Get("Allow") != "POST" {
		t.Errorf("GET of an action: Allow %q", r.header.Get("Allow"))
	}
	f.do("GET", "bpfc_RetrieveInstances(EntityLogicalName='lead')", f.admin, nil).must(t, 400)
	f.do("GET", "bpfc_RetrieveInstance(Id=1)", f.admin, nil).must(t, 400)

	// A user without the flow's privileges: 403, as the engine says.
	carol := f.user("carol", "customer_service_representative")
	r = f.do("POST", "bpfc_AbandonInstance", carol, map[string]any{"ProcessInstanceId": inst}).must(t, 403)
	if !strings.Contains(string(r.raw), `user \"carol\" may not`) {
		t.Errorf("forbidden: %s", r.raw)
	}
	f.do("GET", "bpfc_RetrieveJobs()", carol, nil).must(t, 403)
	f.do("GET", "bpfc_RetrieveJobs(State='done')", f.admin, nil).must(t, 400)
	if r = f.do("GET", "bpfc_RetrieveJobs(State='failed',Limit=5)", f.admin, nil).must(t, 200); len(r.rows()) != 0 {
		t.Errorf("jobs: %s", r.raw)
	}
	f.do("GET", "bpfc_RetrieveEmails(Limit=x)", f.admin, nil).must(t, 400)
}

// TestClientSession: the Client's engine-shaped operations over a served
// environment give what the engine gives, and the server's errors as
// *APIError that errors.Is reads as the engine's.
func TestClientSession(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	c := &Client{URL: f.url, Token: f.admin, Env: "remote"}
	sess := f.srv.Engine().As("admin")

	created, err := c.CreateRecord(ctx, "lead", engine.Values{"subject": "Fleet", "lastname": "Bloggs", "budgetamount": "1250.5",
		"decisionmaker": "yes"}, engine.StartOptions{Flow: "strategic_deal"})
	if err != nil || created.Instance == nil || created.Instance.Flow != "strategic_deal" || len(created.Instance.ActivePath) == 0 {
		t.Fatalf("create: %+v %v", created, err)
	}
	got, err := c.Record(ctx, "lead", created.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sess.Record(ctx, "lead", created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID || got.PrimaryColumn != want.PrimaryColumn || got.Version != want.Version || len(got.Values) != len(want.Values) {
		t.Errorf("record: %+v, engine %+v", got, want)
	}
	for col, v := range want.Values {
		if tm, ok := v.(time.Time); ok {
			v = tm.UTC().Truncate(time.Second) // the API gives times to the second
		}
		if g := got.Values[col]; g != v {
			t.Errorf("lead.%s: %#v (%T), engine %#v (%T)", col, g, g, v, v)
		}
	}
	recs, err := c.Records(ctx, "lead")
	if err != nil || len(recs) != 1 || recs[0].ID != created.ID {
		t.Errorf("records: %v %v", recs, err)
	}

	// Errors: the engine's messages, typed.
	_, err = c.UpdateRecord(ctx, "lead", created.ID, engine.Values{"subject": "x"}, 9)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 412 || !errors.Is(err, store.ErrConflict) || !ae.UserFacing() ||
		ae.Message != "lead "+created.ID+" is at version 1, not 9: read it again and retry" {
		t.Errorf("stale update: %v", err)
	}
	// bpfc record update changes a record, never makes one (the API's
	// PATCH would upsert).
	const missing = "2b7c1c0e-5a7e-4d2a-9a61-6a0e1d3f0009"
	if _, err := c.UpdateRecord(ctx, "lead", missing, engine.Values{"subject": "x"}, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing record: %v", err)
	}
	if _, err := c.Record(ctx, "lead", missing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after an update of a missing record: %v", err)
	}
	_, err = c.Next(ctx, created.Instance.ID, engine.MoveOptions{})
	if !errors.As(err, &ae) || ae.Code != "Refused" || ae.Rule != engine.RuleRequiredStep || errors.Is(err, engine.ErrInvalid) {
		t.Errorf("refused move: %v", err)
	}
	if _, err := c.Record(ctx, "lead", "00000000-0000-0000-0000-00000000dead"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown record: %v", err)
	}
	if _, err := c.Record(ctx, "lead", "nope"); !errors.As(err, &ae) || ae.Status != 400 || !strings.Contains(ae.Message, "is its id, a GUID") {
		t.Errorf("a key that is no GUID: %v", err)
	}
	if _, err := c.Record(ctx, "cts_strategicdeal", created.Instance.ID); !errors.As(err, &ae) || ae.Status != 400 ||
		!strings.Contains(ae.Message, "is the instance table of a flow") {
		t.Errorf("a record of an instance table: %v", err)
	}
	if err := c.DeleteRecord(ctx, "nosuch", "x"); !errors.As(err, &ae) || ae.Message != `no table "nosuch" in remote` {
		t.Errorf("unknown table: %v", err)
	}
	if _, err := c.Prev(ctx, created.Instance.ID, engine.MoveOptions{Link: "x"}); err == nil {
		t.Error("prev with a link")
	}

	// The report reads back with its durations.
	f.clock.Advance(90 * time.Minute)
	if _, err := c.Abandon(ctx, created.Instance.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Report(ctx, "strategic_deal", time.Time{})
	if err != nil || len(rep.Flows) != 1 || rep.Flows[0].Instances.Aborted != 1 || len(rep.Flows[0].Stages) == 0 ||
		rep.Flows[0].Stages[0].Time.Median != 90*time.Minute {
		t.Fatalf("report: %+v %v", rep, err)
	}
	if rep.Environment != "remote" {
		t.Errorf("the report names the server's environment %q, not the project's", rep.Environment)
	}
	if _, err := c.Report(ctx, "strategic_deal", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("report since: %v", err)
	}
	if _, err := (&Client{URL: f.url, Token: "bpfc_wrong"}).Instances(ctx, engine.InstanceFilter{}); !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.UserFacing() {
		t.Errorf("a wrong token: %v", err)
	}
}

// TestMetadata: $metadata is a CSDL document naming every entity set with
// its entity type, key and typed properties (lookups as _x_value Edm.Guid
// with a navigation property).
func TestMetadata(t *testing.T) {
	f := serve(t, fixtureOptions{})
	req, _ := http.NewRequest("GET", f.url+Prefix+"$metadata", nil)
	req.Header.Set("Authorization", "Bearer "+f.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Schema struct {
			Namespace string `xml:"Namespace,attr"`
			Types     []struct {
				Name string `xml:"Name,attr"`
				Key  struct {
					Ref struct {
						Name string `xml:"Name,attr"`
					} `xml:"PropertyRef"`
				} `xml:"Key"`
				Props []struct {
					Name string `xml:"Name,attr"`
					Type string `xml:"Type,attr"`
				} `xml:"Property"`
				Nav []struct {
					Name string `xml:"Name,attr"`
					Type string `xml:"Type,attr"`
				} `xml:"NavigationProperty"`
			} `xml:"EntityType"`
			Sets []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"EntityType,attr"`
			} `xml:"EntityContainer>EntitySet"`
		} `xml:"DataServices>Schema"`
	}
	if err := xml.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/xml" {
		t.Fatalf("$metadata: %d %v", resp.StatusCode, err)
	}
	sets := map[string]string{}
	for _, s := range doc.Schema.Sets {
		sets[s.Name] = s.Type
	}
	if doc.Schema.Namespace != "Microsoft.Dynamics.CRM" || sets["leads"] != "mscrm.lead" || sets["cts_leadtoopportunities"] != "mscrm.cts_leadtoopportunity" {
		t.Errorf("entity sets: %v", sets)
	}
	for _, et := range doc.Schema.Types {
		if et.Name != "account" {
			continue
		}
		props := map[string]string{}
		for _, p := range et.Props {
			props[p.Name] = p.Type
		}
		if et.Key.Ref.Name != "accountid" || props["accountid"] != "Edm.Guid" || props["name"] != "Edm.String" ||
			props["revenue"] != "Edm.Decimal" || props["createdon"] != "Edm.DateTimeOffset" || props["_parentaccountid_value"] != "Edm.Guid" ||
			props["numberofemployees"] != "Edm.Int32" || props["creditonhold"] != "Edm.Boolean" {
			t.Errorf("account: key %s, properties %v", et.Key.Ref.Name, props)
		}
		found := false
		for _, n := range et.Nav {
			found = found || n.Name == "parentaccountid" && n.Type == "mscrm.account"
		}
		if !found {
			t.Errorf("account navigation: %v", et.Nav)
		}
		return
	}
	t.Error("no account entity type")
}

// TestClientNamesItsEnvironment: the server's messages name its
// environment by the server's name; a client whose project knows it by
// another name says that one (the word "dev" elsewhere is left alone).
func TestClientNamesItsEnvironment(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	_, err := (&Client{URL: f.url, Token: f.admin, Env: "shared"}).Instance(ctx, "c0ffee00-0000-4000-8000-000000000000")
	if err == nil || !strings.Contains(err.Error(), "in shared") || strings.Contains(err.Error(), "in dev") {
		t.Errorf("error of a client that knows dev as shared: %v", err)
	}
	_, err = (&Client{URL: f.url, Token: f.admin, Env: "dev"}).Instance(ctx, "c0ffee00-0000-4000-8000-000000000000")
	if err == nil || !strings.Contains(err.Error(), "in dev") {
		t.Errorf("error of a client that knows dev as dev: %v", err)
	}
	for _, c := range []struct{ msg, want string }{
		{`no instance "x" in dev`, `no instance "x" in shared`},
		{`admin is not a user of environment dev (bpfc user list shows who is)`, `admin is not a user of environment shared (bpfc user list shows who is)`},
		{`stage "dev" is in development`, `stage "dev" is in development`},
		{`no table "x" in devtest`, `no table "x" in devtest`},
		{`import of ContosoSales 1.0.0.0 into dev refused`, `import of ContosoSales 1.0.0.0 into shared refused`},
		// A command the client runs through the server takes the client's
		// name; one that runs only where the server runs keeps the
		// server's, and the message says whose it is.
		{`no instance "x" in dev: x is the id of a lead record; its instances are listed by bpfc instance list --env dev --record lead:x`,
			`no instance "x" in shared: x is the id of a lead record; its instances are listed by bpfc instance list --env shared --record lead:x`},
		{`bpfc record update lead x --set a=b --env dev, then`, `bpfc record update lead x --set a=b --env shared, then`},
		{`bpfc deploy --env dev --archive ZIP`, `bpfc deploy --env shared --archive ZIP`},
		{`pending in dev: complete it with bpfc apply-upgrade S --env dev`,
			`pending in shared: complete it with bpfc apply-upgrade S --env dev` +
				` (--env dev: run that where bpfc serve runs, as the server's environment dev)`},
		{`bpfc instance list --env dev-2`, `bpfc instance list --env dev-2`},
		// An environment whose name starts with the server's is another.
		{`the build is not in dev-2`, `the build is not in dev-2`},
		{`environment dev-staging is not deployed; import into dev-2 refused`, `environment dev-staging is not deployed; import into dev-2 refused`},
		{`no instance "x" in dev, in dev.`, `no instance "x" in shared, in shared.`},
	} {
		if got := renameEnv(c.msg, "dev", "shared"); got != c.want {
			t.Errorf("renameEnv(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}

// startHooks says it queued a job for every flow started.
type startHooks struct{}

func (startHooks) Transition(_ context.Context, _ store.Tx, t *engine.Transition) error {
	if t.Kind == engine.KindStart {
		t.Runs = append(t.Runs, engine.WorkflowRun{Workflow: "welcome", Mode: "background", State: "queued", Job: 7})
	}
	return nil
}

// TestCreateNamesStartedWorkflows: creating a record names what the
// started flow's first stage ran or queued (BPFC-Workflows), and bpfc's
// client reads it into the instance it returns, as a move's answer does.
func TestCreateNamesStartedWorkflows(t *testing.T) {
	f := serve(t, fixtureOptions{hooks: startHooks{}})
	r := f.do("POST", "leads", f.admin, map[string]any{"subject": "Fleet", "lastname": "Bloggs"}).must(t, http.StatusNoContent)
	if got := r.header.Get("BPFC-Workflows"); got != `[{"workflow":"welcome","mode":"background","state":"queued","job":7}]` {
		t.Errorf("BPFC-Workflows: %q", got)
	}
	r = f.do("POST", "leads", f.admin, map[string]any{"subject": "None", "lastname": "Flow"}, "BPFC-Flow", "none").must(t, http.StatusNoContent)
	if got := r.header.Get("BPFC-Workflows"); got != "" {
		t.Errorf("no flow started, BPFC-Workflows: %q", got)
	}
	c := &Client{URL: f.url, Token: f.admin, Env: "remote"}
	created, err := c.CreateRecord(context.Background(), "lead", engine.Values{"subject": "Remote", "lastname": "Bloggs"}, engine.StartOptions{})
	if err != nil || created.Instance == nil {
		t.Fatalf("create: %+v %v", created, err)
	}
	if w := created.Instance.Workflows; len(w) != 1 || w[0].Workflow != "welcome" || w[0].Job != 7 {
		t.Errorf("the client's instance's workflows: %+v", w)
	}
}
