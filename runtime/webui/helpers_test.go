package webui

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/internal/testclock"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/runtime/workflow"
)

// fixture is the sales example deployed to dev, served with the pages by
// the Web API server (as bpfc serve does) on an httptest server.
type fixture struct {
	t     testing.TB
	p     *compiler.Project
	s     store.Store
	eng   *engine.Engine
	ui    *Handler
	srv   *httptest.Server
	clock *testclock.Clock
	// hook, when set, sees each request before the server answers it: a
	// test holds a post back with it, or counts them.
	hook atomic.Pointer[func(*http.Request)]
}

// With BPFC_TEST_STORE=postgres the environment is a PostgreSQL store on
// BPFC_TEST_POSTGRES (each test's in a database of its own); without that
// server the tests are skipped.
var testStore = os.Getenv("BPFC_TEST_STORE")

// newFixture copies examples/sales, adds the extra files (name, content,
// ...), deploys it to dev and serves dev.
func newFixture(t testing.TB, extra ...string) *fixture {
	t.Helper()
	p := testenv.Load(t, testenv.Example(t, "sales", extra...))
	if testStore == "postgres" {
		u := pgtest.URL(t)
		for _, e := range p.Environments {
			e.Store = u
		}
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	ctx := context.Background()
	s, _, err := environ.Open(ctx, p, "dev", environ.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := testclock.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	log := testenv.Logger(t)
	runner := workflow.New(s, workflow.Options{Now: c.Now})
	api := webapi.New(webapi.Config{Store: s, Project: p, Env: "dev", Getenv: testenv.NoEnv, Logger: log, AuthCacheTTL: -1,
		EngineOptions: engine.Options{Now: c.Now, Hooks: runner}})
	ui, err := New(Config{Engine: api.Engine(), Store: s, Now: c.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	api.SetPages(ui)
	f := &fixture{t: t, p: p, s: s, eng: api.Engine(), ui: ui, clock: c}
	served := api.Handler()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := f.hook.Load(); h != nil {
			(*h)(r)
		}
		served.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// addUser adds a user with roles and returns a bearer token of theirs.
func (f *fixture) addUser(name string, roles ...string) string {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.eng.As("admin").AddUser(ctx, engine.NewUser{Name: name, Roles: roles}); err != nil {
		f.t.Fatal(err)
	}
	tok, _, err := f.eng.As("admin").IssueToken(ctx, name, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// browser is an HTTP client with its own cookies that does not follow
// redirects by itself.
type browser struct {
	t   testing.TB
	f   *fixture
	c   *http.Client
	jar *cookiejar.Jar
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, f: f, jar: jar, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		b.t.Fatal(err)
	}
	return &page{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.f.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post posts a form with header pairs.
func (b *browser) post(path string, form url.Values, headers ...string) *page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// follow gets the page a redirect points at.
func (b *browser) follow(p *page) *page {
	b.t.Helper()
	if p.status != http.StatusSeeOther || p.location == "" {
		b.t.Fatalf("want a redirect, got %d: %s", p.status, p.body)
	}
	return b.get(p.location)
}

// signIn signs the browser in with the administrator's one-time link: it
// opens the link and presses the page's button.
func (b *browser) signIn() {
	b.t.Helper()
	p := b.signInOnce(b.get(b.f.ui.SignInPath()).must(b.t, http.StatusOK))
	if p.status != http.StatusSeeOther || p.location != "/" {
		b.t.Fatalf("one-time link: %d %q %s", p.status, p.location, p.body)
	}
}

// signInOnce presses the "Sign in as" button of a one-time link's page:
// it posts the form's fields as the browser would from the page.
func (b *browser) signInOnce(linkPage *page) *page {
	b.t.Helper()
	form := url.Values{"once": {linkPage.hidden(b.t, "once")}, "next": {linkPage.hidden(b.t, "next")}}
	return b.post("/signin", form, "Sec-Fetch-Site", "same-origin", "Origin", b.f.srv.URL)
}

// sessionCookie is the session cookie an answer sets, or nil.
func (p *page) sessionCookie() *http.Cookie {
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

// signInWith signs the browser in with a bearer token.
func (b *browser) signInWith(token string) {
	b.t.Helper()
	p := b.post("/signin", url.Values{"token": {token}})
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in: %d %s", p.status, p.body)
	}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf is the form token of a page.
func (p *page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form token in the page: %s", p.body)
	}
	return m[1]
}

// hidden is the value of a hidden input of a page.
func (p *page) hidden(t testing.TB, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no hidden %s in the page: %s", name, p.body)
	}
	return m[1]
}

// must fails unless the page has the status and contains every text.
func (p *page) must(t testing.TB, status int, texts ...string) *page {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d: %s", p.status, status, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Fatalf("the page lacks %q:\n%s", s, p.body)
		}
	}
	return p
}

// lacks fails if the page contains any of the texts.
func (p *page) lacks(t testing.TB, texts ...string) *page {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.body, s) {
			t.Fatalf("the page has %q:\n%s", s, p.body)
		}
	}
	return p
}

// createLead creates a lead through the engine with a flow and returns
// its id and the instance's.
func (f *fixture) createLead(flow string, vals engine.Values) (string, string) {
	f.t.Helper()
	if vals == nil {
		vals = engine.Values{}
	}
	if vals["subject"] == nil {
		vals["subject"] = "Fleet renewal"
	}
	if vals["lastname"] == nil {
		vals["lastname"] = "Bloggs"
	}
	c, err := f.eng.As("admin").CreateRecord(context.Background(), "lead", vals, engine.StartOptions{Flow: flow})
	if err != nil {
		f.t.Fatal(err)
	}
	if c.Instance == nil {
		f.t.Fatal("no instance started")
	}
	return c.ID, c.Instance.ID
}

// instance reads an instance.
func (f *fixture) instance(id string) *engine.Instance {
	f.t.Helper()
	in, err := f.eng.As("admin").Instance(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return in
}
