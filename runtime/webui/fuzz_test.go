package webui

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/internal/testclock"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/runtime/workflow"
)

// FuzzPages drives the pages, signed in as the administrator, through the
// handler bpfc serve runs (the Web API's, with the pages set), over the
// sales example deployed to a SQLite dev: a GET or a form POST (the
// session's form token added) to whatever path. In the path and the form,
// {lead} is a lead, {instance} its instance, {version} the instance's
// version and {stage} its active stage as they are when the request is
// sent. Whatever the request, the answer is never a 500 and comes within
// the request timeout.
func FuzzPages(f *testing.F) {
	for _, s := range []struct {
		post       bool
		path, form string
	}{
		{false, "/", ""},
		{false, "/records/lead?q=a&sort=subject", ""},
		{false, "/records/lead/{lead}?instance={instance}", ""},
		{false, "/flows/strategic_deal", ""},
		{false, "/flows/strategic_deal/graph.svg", ""},
		{false, "/flows/lead_to_opportunity/report?since=2026-01-01", ""},
		{false, "/signin?next=%2Frecords%2Flead", ""},
		{true, "/records/lead", "f_subject=Fleet&f_lastname=Lee&f_budgetamount=30000.5&f_decisionmaker=yes&f_estimatedclosedate=2026-12-31"},
		{true, "/records/lead", "f_subject=X&flow=none"},
		{true, "/records/lead", "f_subject=X&f_budgetamount=lots&f_purchasetimeframe=99"},
		{true, "/records/lead/{lead}/process", "op=save&instance={instance}&version={version}&stage={stage}&f_budgetamount=12"},
		{true, "/records/lead/{lead}/process", "op=next&instance={instance}&version={version}&stage={stage}"},
		{true, "/records/lead/{lead}/process", "op=prev&instance={instance}&version={version}&stage={stage}"},
		{true, "/records/lead/{lead}/process", "op=finish&instance={instance}&version={version}&stage={stage}&rversion=1"},
		{true, "/records/lead/{lead}/process", "op=abandon&instance={instance}&version={version}"},
		{true, "/records/lead/{lead}/process", "op=reactivate&instance={instance}&version={version}"},
		{true, "/records/lead/{lead}/process", "op=action:x&instance={instance}&version={version}&stage={stage}"},
		{true, "/records/lead/{lead}/start", "flow=strategic_deal"},
		{true, "/signin", "token=bpfc_wrong&next=//evil.example/"},
	} {
		f.Add(s.post, s.path, s.form)
	}

	p := testenv.Load(f, testenv.Example(f, "sales"))
	testenv.Deploy(f, p, "dev", testenv.FakeBuild(f, p))
	ctx := context.Background()
	s, _, err := environ.Open(ctx, p, "dev", environ.Options{MustExist: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	c := testclock.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	logs := &testenv.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	const timeout = 5 * time.Second
	api := webapi.New(webapi.Config{Store: s, Project: p, Env: "dev", Getenv: testenv.NoEnv, Logger: log, AuthCacheTTL: -1,
		EngineOptions: engine.Options{Now: c.Now, Hooks: workflow.New(s, workflow.Options{Now: c.Now})}})
	ui, err := New(Config{Engine: api.Engine(), Store: s, Now: c.Now, Logger: log, RequestTimeout: timeout})
	if err != nil {
		f.Fatal(err)
	}
	api.SetPages(ui)
	h := api.Handler()
	admin := api.Engine().As("admin")
	tok, _, err := admin.IssueToken(ctx, "admin", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	// Signing in with the token sets the session cookie.
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader("token="+tok))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var session *http.Cookie
	for _, ck := range w.Result().Cookies() {
		if ck.Name == cookieName {
			session = ck
		}
	}
	if session == nil {
		f.Fatalf("sign in: %d %s", w.Code, w.Body)
	}
	created, err := admin.CreateRecord(ctx, "lead", engine.Values{"subject": "Seed", "lastname": "S"}, engine.StartOptions{})
	if err != nil || created.Instance == nil {
		f.Fatalf("create: %v", err)
	}
	lead, instance := created.ID, created.Instance.ID

	f.Fuzz(func(t *testing.T, post bool, path, form string) {
		in, err := admin.Instance(ctx, instance)
		if err != nil {
			t.Fatal(err)
		}
		fill := strings.NewReplacer("{lead}", lead, "{instance}", instance, "{version}", strconv.FormatInt(in.Version, 10), "{stage}", in.ActiveStage)
		path, form = fill.Replace(path), fill.Replace(form)
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, webapi.Prefix) {
			return // the pages' paths; FuzzHandler has the API's
		}
		method := http.MethodGet
		if post {
			method = http.MethodPost
			form += "&csrf=" + csrfToken(session.Value)
		}
		req, err := http.NewRequest(method, "http://bpfc.test"+path, strings.NewReader(form))
		if err != nil {
			return // not a request a browser could send
		}
		if post {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(session)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		if d := time.Since(start); d > timeout+time.Second {
			t.Fatalf("%s %s took %v", method, path, d)
		}
		if w.Code == http.StatusInternalServerError {
			t.Fatalf("%s %s %q: 500 %.300s\n%s", method, path, form, w.Body, logs.Take())
		}
		logs.Take()
	})
}
