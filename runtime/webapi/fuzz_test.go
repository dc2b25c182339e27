package webapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/internal/testclock"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// fuzzMethods are the methods FuzzHandler's first argument picks from.
var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodPut}

// FuzzHandler drives the server's real handler, over a deployed SQLite
// environment of the sales example, with whatever a client may send: a
// method, a path and query (entity sets, keys, functions, $select,
// $expand, $orderby, $top, $filter, …), a body, If-Match and Prefer. In
// the target and body, {lead}, {account} and {instance} (the lead's
// instance) stand for rows that exist. Whatever
// the request, the answer is never a 500 (a panic or an unforeseen
// error), always comes within the request timeout, and an error is
// {"error": {"code", "message"}}.
func FuzzHandler(f *testing.F) {
	seeds := []struct {
		method       uint8
		target, body string
		ifMatch      string
		prefer       string
	}{
		{0, "leads?$select=subject,lastname&$filter=contains(subject,'a')&$orderby=subject desc&$top=2", "", "", "odata.maxpagesize=1"},
		{0, "leads?$expand=parentaccountid($select=name)&$filter=_parentaccountid_value eq {account}", "", "", `odata.include-annotations="*"`},
		{0, "leads({lead})?$select=subject&$expand=parentaccountid", "", "", ""},
		{0, "leads(leadid={lead})", "", "", ""},
		{0, "accounts?$filter=name eq 'Contoso' and not (revenue gt 5)&$orderby=name,revenue desc", "", "", ""},
		{0, "cts_leadtoopportunities?$filter=_bpf_leadid_value eq {lead}&$select=_activestageid_value", "", "", ""},
		{0, "RetrieveProcessInstances(EntityLogicalName='lead',EntityId={lead})", "", "", ""},
		{0, "RetrieveActivePath(ProcessInstanceId=@p1)?@p1={lead}", "", "", ""},
		{0, "bpfc_Report(FlowName=@f)?@f='strategic_deal'", "", "", ""},
		{0, "bpfc_RetrieveJobs(State='failed',Limit=5)", "", "", ""},
		{0, "bpfc_RetrieveInstances(EntityLogicalName='lead',EntityId={lead})", "", "", ""},
		{0, "EntityDefinitions(LogicalName='lead')?$expand=Attributes", "", "", ""},
		{0, "$metadata", "", "", ""},
		{1, "leads", `{"subject":"Fuzz","lastname":"F","parentaccountid@odata.bind":"/accounts({account})"}`, "", "return=representation"},
		{1, "accounts", `{"name":"Fuzzed","revenue":12.5}`, "", ""},
		{2, "leads({lead})", `{"subject":"Changed"}`, `W/"1"`, "return=representation"},
		{2, "accounts({account})", `{"name":null}`, "*", ""},
		{3, "leads(00000000-0000-0000-0000-000000000001)", "", `W/"7"`, ""},
		{1, "bpfc_StartInstance", `{"EntityLogicalName":"lead","EntityId":"{lead}","FlowName":"lead_to_opportunity"}`, "", ""},
		{1, "bpfc_NextStage", `{"ProcessInstanceId":"{instance}"}`, "", ""},
		{1, "bpfc_PreviousStage", `{"ProcessInstanceId":"{instance}"}`, "", ""},
		{0, "RetrieveActivePath(ProcessInstanceId={instance})", "", "", ""},
		{0, "bpfc_RetrieveInstance(ProcessInstanceId={instance})", "", "", ""},
		{2, "cts_leadtoopportunities({instance})", `{"activestageid@odata.bind":"/processstages(00000000-0000-0000-0000-000000000001)"}`, "", ""},
		{2, "cts_leadtoopportunities({instance})", `{"statecode":1,"statuscode":2}`, "", ""},
		{1, "bpfc_RunAction", `{"Name":"x","EntityId":"{lead}"}`, "", ""},
		{1, "$batch", "--batch\r\n", "", ""},
		{4, "leads({lead})", `{}`, "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, []byte(s.body), s.ifMatch, s.prefer)
	}
	// Pages after a row: skip tokens as the server gives them out, and
	// ones it never would.
	for _, tok := range []string{
		encodeSkipToken([]any{"Seed", "{lead}"}, 1),
		encodeSkipToken([]any{nil, "{lead}"}, -5),
		encodeSkipToken([]any{1.5, true}, 1<<30),
		encodeSkipToken([]any{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), int64(-1), "{lead}"}, 2),
	} {
		f.Add(uint8(0), "leads?$orderby=subject&$skiptoken="+tok, []byte{}, "", "odata.maxpagesize=1")
	}

	p := project(f, "sales")
	testenv.Deploy(f, p, "dev", build(f, p))
	ctx := context.Background()
	st, _, err := environ.Open(ctx, p, "dev", environ.Options{MustExist: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	logs := &testenv.LogBuffer{}
	const timeout = 5 * time.Second
	c := testclock.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	srv := New(Config{Store: st, Project: p, Env: "dev", Getenv: testenv.NoEnv, AuthCacheTTL: -1,
		Limits:        Limits{RequestTimeout: timeout, ImportTimeout: timeout},
		EngineOptions: engine.Options{Now: c.Now}, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	tok, _, err := srv.Engine().As("admin").IssueToken(ctx, "admin", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	send := func(method, target string, body []byte, headers ...string) *httptest.ResponseRecorder {
		req, err := http.NewRequest(method, "http://bpfc.test"+Prefix+target, bytes.NewReader(body))
		if err != nil {
			return nil
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if len(body) > 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(headers); i += 2 {
			if headers[i+1] != "" {
				req.Header.Set(headers[i], headers[i+1])
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	created := func(set, body string) string {
		w := send(http.MethodPost, set, []byte(body))
		if w == nil || w.Code != http.StatusNoContent {
			f.Fatalf("create in %s: %v", set, w)
		}
		_, id, ok := splitKey(strings.TrimPrefix(w.Header().Get("OData-EntityId"), "http://bpfc.test"+Prefix))
		if !ok {
			f.Fatalf("OData-EntityId %q", w.Header().Get("OData-EntityId"))
		}
		return id
	}
	account := created("accounts", `{"name":"Contoso"}`)
	lead := created("leads", `{"subject":"Seed","lastname":"S","parentaccountid@odata.bind":"/accounts(`+account+`)"}`)
	var insts struct{ Value []struct{ ID string } }
	if w := send(http.MethodGet, "bpfc_RetrieveInstances(EntityLogicalName='lead',EntityId="+lead+")", nil); w == nil || json.Unmarshal(w.Body.Bytes(), &insts) != nil || len(insts.Value) == 0 {
		f.Fatal("the seeded lead has no instance")
	}
	fill := strings.NewReplacer("{lead}", lead, "{account}", account, "{instance}", insts.Value[0].ID)

	f.Fuzz(func(t *testing.T, method uint8, target string, body []byte, ifMatch, prefer string) {
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		target = fill.Replace(target)
		body = []byte(fill.Replace(string(body)))
		start := time.Now()
		w := send(m, target, body, "If-Match", ifMatch, "Prefer", prefer)
		if w == nil {
			return // not a request a client could send
		}
		if d := time.Since(start); d > timeout+time.Second {
			t.Fatalf("%s %s took %v", m, target, d)
		}
		if w.Code == http.StatusInternalServerError {
			t.Fatalf("%s %s %q: 500 %s\n%s", m, target, body, w.Body, logs.Take())
		}
		logs.Take()
		raw := bytes.TrimSpace(w.Body.Bytes())
		if len(raw) == 0 || !strings.Contains(w.Header().Get("Content-Type"), "json") {
			return
		}
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", m, target, err, raw)
		}
		if w.Code >= 400 {
			e, _ := out["error"].(map[string]any)
			code, _ := e["code"].(string)
			msg, _ := e["message"].(string)
			if code == "" || msg == "" {
				t.Fatalf("%s %s: %d without an error code and message: %s", m, target, w.Code, raw)
			}
		}
	})
}
