package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/testclock"
	"github.com/bpfc/bpfc/runtime/internal/testenv"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// clock is a test clock that moves only when told.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)) }

// env is an environment of an example project, released along its
// pipeline, with an engine on one of its stores.
type env struct {
	t     testing.TB
	p     *compiler.Project
	path  string // the environment's file
	s     store.Store
	e     *Engine
	clock *clock
	hooks *recorder
	ctx   context.Context
}

// release copies an example to a temporary directory, adds the extra files
// (name, content, ...), and releases it to every environment of its
// pipeline (dev, test, prod).
func release(t testing.TB, example string, extra ...string) *compiler.Project {
	t.Helper()
	return deployAll(t, testenv.Example(t, example, extra...))
}

// deployAll loads the project in dir and releases it along its pipeline.
func deployAll(t testing.TB, dir string) *compiler.Project {
	t.Helper()
	p := testenv.Load(t, dir)
	pl := &deploy.Pipeline{Project: p, Getenv: testenv.NoEnv}
	rel, err := pl.Release(context.Background(), testenv.FakeBuild(t, p), testenv.Options(nil), nil)
	if err != nil || !rel.OK {
		t.Fatalf("release: %v %+v", err, rel)
	}
	return p
}

// open opens environment name of p with an engine on it.
func open(t testing.TB, p *compiler.Project, name string) *env {
	t.Helper()
	ctx := context.Background()
	s, loc, err := environ.Open(ctx, p, name, environ.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := newClock()
	h := &recorder{}
	return &env{t: t, p: p, path: loc.Path, s: s, e: New(s, Options{Now: c.Now, Hooks: h}), clock: c, hooks: h, ctx: ctx}
}

func (v *env) as(user string) *Session { return v.e.As(user) }

// with is the environment reporting to t (a subtest).
func (v *env) with(t testing.TB) *env {
	c := *v
	c.t = t
	return &c
}

// admin is the administrator's session.
func (v *env) admin() *Session { return v.e.As("admin") }

// dump is the environment file's content, for "nothing changed".
func (v *env) dump() string {
	v.t.Helper()
	d, err := sqlite.Dump(v.ctx, v.path)
	if err != nil {
		v.t.Fatal(err)
	}
	return d
}

// unchanged runs fn, which must fail, and checks that the environment is
// byte for byte what it was.
func (v *env) unchanged(what string, fn func() error) error {
	v.t.Helper()
	before := v.dump()
	err := fn()
	if err == nil {
		v.t.Fatalf("%s: succeeded, want an error", what)
	}
	if after := v.dump(); after != before {
		v.t.Errorf("%s changed the environment", what)
	}
	return err
}

// create creates a record and fails the test on error.
func (v *env) create(s *Session, table string, vals Values, so StartOptions) *Created {
	v.t.Helper()
	c, err := s.CreateRecord(v.ctx, table, vals, so)
	if err != nil {
		v.t.Fatalf("create %s: %v", table, err)
	}
	return c
}

func (v *env) update(table, id string, vals Values) {
	v.t.Helper()
	if _, err := v.admin().UpdateRecord(v.ctx, table, id, vals, 0); err != nil {
		v.t.Fatalf("update %s %s: %v", table, id, err)
	}
}

func (v *env) show(id string) *Instance {
	v.t.Helper()
	in, err := v.admin().Instance(v.ctx, id)
	if err != nil {
		v.t.Fatalf("show %s: %v", id, err)
	}
	return in
}

type moveFn func(context.Context, string, MoveOptions) (*Instance, error)

func (v *env) must(in *Instance, err error) *Instance {
	v.t.Helper()
	if err != nil {
		v.t.Fatal(err)
	}
	return in
}

// refused checks err is a refusal of rule whose message contains msg.
func refused(t *testing.T, err error, rule, msg string) *ErrRefused {
	t.Helper()
	var r *ErrRefused
	if !errors.As(err, &r) {
		t.Fatalf("want a refusal (%s), got %v", rule, err)
	}
	if r.Rule != rule || !strings.Contains(r.Error(), msg) {
		t.Errorf("refusal %q (rule %q), want rule %q and %q", r.Error(), r.Rule, rule, msg)
	}
	return r
}

// recorder is Hooks that records every transition and can fail.
type recorder struct {
	mu   sync.Mutex
	seen []string
	fail error
}

func (r *recorder) Transition(ctx context.Context, tx store.Tx, t *Transition) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	from, to := "-", "-"
	if t.From != nil {
		from = t.From.Name
	}
	if t.To != nil {
		to = t.To.Name
	}
	r.seen = append(r.seen, string(t.Kind)+" "+from+">"+to+" "+strings.Join(t.Triggers(), ","))
	// A run per transition, as a workflow on it would be reported.
	t.Runs = append(t.Runs, WorkflowRun{Workflow: string(t.Kind) + " " + to, Mode: "realtime", State: "succeeded"})
	return nil
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.seen
	r.seen = nil
	return out
}

// flow is a deployed flow of the environment.
func (v *env) flow(name string) *flow {
	v.t.Helper()
	var f *flow
	if err := v.s.Read(v.ctx, func(tx store.Tx) error {
		dep, err := v.e.deployment(v.ctx, tx)
		if err == nil {
			f, err = dep.flow(name)
		}
		return err
	}); err != nil {
		v.t.Fatal(err)
	}
	return f
}

// instanceRow is an instance's row as the store has it.
func (v *env) instanceRow(in *Instance) store.Row {
	v.t.Helper()
	var row store.Row
	if err := v.s.Read(v.ctx, func(tx store.Tx) error {
		t, err := tx.Table(in.Table)
		if err == nil {
			row, err = tx.GetRow(t, in.ID)
		}
		return err
	}); err != nil {
		v.t.Fatal(err)
	}
	return row
}

// writeInstance writes columns of an instance behind the engine's back.
func (v *env) writeInstance(id string, values map[string]any) {
	v.t.Helper()
	in := v.show(id)
	if err := v.s.Write(v.ctx, func(tx store.Tx) error {
		t, err := tx.Table(in.Table)
		if err == nil {
			_, err = tx.UpdateRow(t, id, values, 0)
		}
		return err
	}); err != nil {
		v.t.Fatal(err)
	}
}
