package report

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/testclock"
	"github.com/bpfc/bpfc/runtime/internal/testenv"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// clock is a test clock that moves only when told.
type clock = testclock.Clock

// With BPFC_TEST_STORE=postgres the environment is a PostgreSQL store, in
// a database of its own on BPFC_TEST_POSTGRES; without that server the
// tests are skipped.
var testStore = os.Getenv("BPFC_TEST_STORE")

// env is a project deployed to a fresh SQLite environment "dev", with an
// engine on a test clock.
type env struct {
	t     testing.TB
	ctx   context.Context
	s     store.Store
	e     *engine.Engine
	clock *clock
}

// deployed writes sources (file name → HCL) to a new project directory, or
// copies an example there when sources is nil, and deploys it to dev.
func deployed(t testing.TB, example string, sources map[string]string) *env {
	t.Helper()
	var files []string
	for name, src := range sources {
		files = append(files, name, src)
	}
	dir := testenv.Example(t, example, files...)
	p := testenv.Load(t, dir)
	ctx := context.Background()
	c := testclock.New(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	var s store.Store
	var err error
	if testStore == "postgres" {
		s, err = postgres.Open(ctx, pgtest.URL(t), postgres.Options{Name: "dev", Now: c.Now})
	} else {
		s, err = sqlite.Open(ctx, filepath.Join(dir, "dev.db"), sqlite.Options{Name: "dev", Now: c.Now})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	testenv.Import(t, p, s, testenv.FakeBuild(t, p), c.Now)
	return &env{t: t, ctx: ctx, s: s, e: engine.New(s, engine.Options{Now: c.Now}), clock: c}
}

func (v *env) admin() *engine.Session { return v.e.As("admin") }

// start creates a lead, starting flow on it.
func (v *env) start(flow string, vals engine.Values) *engine.Instance {
	v.t.Helper()
	all := engine.Values{"lastname": "Lead", "subject": "Deal"}
	for k, x := range vals {
		all[k] = x
	}
	c, err := v.admin().CreateRecord(v.ctx, "lead", all, engine.StartOptions{Flow: flow})
	if err != nil || c.Instance == nil {
		v.t.Fatalf("create lead: %v", err)
	}
	return c.Instance
}

// after advances the clock by d, then makes the move.
func (v *env) after(d time.Duration, move func(context.Context, string, engine.MoveOptions) (*engine.Instance, error), id string) {
	v.t.Helper()
	v.clock.Advance(d)
	if _, err := move(v.ctx, id, engine.MoveOptions{}); err != nil {
		v.t.Fatal(err)
	}
}
