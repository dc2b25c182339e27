package webapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/testclock"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/workflow"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/solution"
)

// clock is a test clock that moves only when told.
type clock = testclock.Clock

// build builds the project in dir for real (both archives).
func build(t testing.TB, p *compiler.Project) *deploy.Build {
	t.Helper()
	out := t.TempDir()
	res, err := solution.Build(p, out)
	if err != nil {
		t.Fatal(err)
	}
	read := func(path string) deploy.Archive {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return deploy.Archive{Name: filepath.Base(path), Data: data}
	}
	b, err := deploy.NewBuild(p, read(res.Unmanaged), read(res.Managed))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// project copies an example to a temporary directory, with extra files
// (name, content, ...), and loads it.
func project(t testing.TB, example string, extra ...string) *compiler.Project {
	t.Helper()
	p := testenv.Load(t, testenv.Example(t, example, extra...))
	if testStore == "postgres" {
		u := pgtest.URL(t)
		for _, e := range p.Environments {
			e.Store = u
		}
	}
	return p
}

// With BPFC_TEST_STORE=postgres the environments are PostgreSQL stores on
// BPFC_TEST_POSTGRES (each test's in a database of its own); without that
// server the tests are skipped.
var testStore = os.Getenv("BPFC_TEST_STORE")

// fixture is a deployed environment served on a loopback port.
type fixture struct {
	t     testing.TB
	p     *compiler.Project
	s     store.Store
	srv   *Server
	url   string // http://127.0.0.1:PORT
	admin string // the administrator's token
	clock *clock
	stop  func() error // shuts the server down; returns Serve's error
}

type fixtureOptions struct {
	hooks engine.Hooks
	// workflows runs the environment's workflows (the hooks bpfc serve
	// gives its engine); hooks then stays unset.
	workflows bool
	limits    Limits
	ttl       time.Duration
	getenv    func(string) string // the server's process environment (none by default)
	logs      io.Writer           // the server's log too, beside the test's
}

// serve deploys the sales example to dev and serves dev.
func serve(t testing.TB, fo fixtureOptions) *fixture {
	t.Helper()
	p := project(t, "sales")
	testenv.Deploy(t, p, "dev", build(t, p))
	return serveEnv(t, p, "dev", fo)
}

func serveEnv(t testing.TB, p *compiler.Project, env string, fo fixtureOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	s, _, err := environ.Open(ctx, p, env, environ.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	c := testclock.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC))
	ttl := fo.ttl
	if ttl == 0 {
		ttl = -1
	}
	getenv := fo.getenv
	if getenv == nil {
		getenv = testenv.NoEnv
	}
	if fo.workflows {
		fo.hooks = workflow.New(s, workflow.Options{Now: c.Now})
	}
	srv := New(Config{Store: s, Project: p, Env: env, Getenv: getenv, Limits: fo.limits, AuthCacheTTL: ttl,
		EngineOptions: engine.Options{Now: c.Now, Hooks: fo.hooks}, Logger: fixtureLogger(t, fo.logs)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			serveErr = <-done
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
		s.Close()
	})
	tok, _, err := srv.Engine().As("admin").IssueToken(ctx, "admin", "tests")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, p: p, s: s, srv: srv, url: "http://" + ln.Addr().String(), admin: tok, clock: c, stop: stop}
}

// user adds a user with roles and returns a token of theirs.
func (f *fixture) user(name string, roles ...string) string {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.srv.Engine().As("admin").AddUser(ctx, engine.NewUser{Name: name, Roles: roles}); err != nil {
		f.t.Fatal(err)
	}
	tok, _, err := f.srv.Engine().As("admin").IssueToken(ctx, name, "")
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// response is an answer of the server.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// errCode is the error code of an error answer.
func (r *response) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r *response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// rows is the value of a list answer.
func (r *response) rows() []map[string]any {
	var out []map[string]any
	vs, _ := r.body["value"].([]any)
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

// do sends a request with the token (none when ""), a JSON body (nil:
// none) and header pairs.
func (f *fixture) do(method, path, token string, body any, headers ...string) *response {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = strings.NewReader(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				f.t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = f.url + Prefix + strings.TrimPrefix(path, "/")
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	out := &response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.body); err != nil {
			f.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, raw)
		}
	}
	return out
}

// must fails the test unless the answer has the status.
func (r *response) must(t testing.TB, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// create creates a row and returns its id (from OData-EntityId).
func (f *fixture) create(set string, body map[string]any, headers ...string) string {
	f.t.Helper()
	r := f.do("POST", set, f.admin, body, headers...).must(f.t, http.StatusNoContent)
	loc := r.header.Get("OData-EntityId")
	_, id, ok := splitKey(strings.TrimPrefix(loc, f.url+Prefix))
	if !ok {
		f.t.Fatalf("OData-EntityId %q", loc)
	}
	return id
}

// fixtureLogger is the test's logger, writing to logs too when given.
func fixtureLogger(t testing.TB, logs io.Writer) *slog.Logger {
	if logs == nil {
		return testenv.Logger(t)
	}
	return slog.New(slog.NewTextHandler(logs, nil))
}
