package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// Options configure a Runner. Zero values take the defaults.
type Options struct {
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Keyring opens secret variables; without one a secret is empty.
	Keyring *secret.Keyring
	// Client posts webhooks. The default follows redirects only to the
	// same host, over http or https, and gives up after WebhookTimeout.
	Client *http.Client
	// WebhookTimeout bounds a webhook call (default 10s).
	WebhookTimeout time.Duration
	// MaxAttempts is how often a background job is tried before it fails
	// (default 5).
	MaxAttempts int
	// Backoff is the delay before the first retry; it doubles with every
	// attempt (default 30s), up to MaxBackoff (default 1h).
	Backoff, MaxBackoff time.Duration
	// Lease is how long a worker holds a job before another may take it
	// over (default 5m); every step renews it.
	Lease time.Duration
	// Poll is how often Run looks for due jobs (default 1s).
	Poll time.Duration
	// Owner names this worker in leases (default host:pid:random).
	Owner string
	// Log receives a line per job run (nothing by default).
	Log *slog.Logger
}

// MaxDepth is how many workflows a chain of start_workflow steps may run,
// the first (started by a transition, an action or a job) counted, as
// Dataverse counts depth from 1 and refuses depth 9: a run's depth (the
// start_workflow nesting, 0 for the first) stays below MaxDepth.
const MaxDepth = 8

// Runner runs the workflows of one environment. It is safe for concurrent
// use.
type Runner struct {
	s store.Store
	o Options

	mu      sync.Mutex
	env     string
	digests map[*compiler.Project]string
	models  map[string]*compiler.Project

	// holding are the jobs this runner's workers are running; claimMu
	// orders a claim and its entry here against the release of the jobs
	// leased to this owner that no worker runs (releaseUnheld).
	claimMu sync.Mutex
	holding map[int64]bool
}

var (
	_ engine.Hooks       = (*Runner)(nil)
	_ engine.ActionHooks = (*Runner)(nil)
	_ engine.RecordHooks = (*Runner)(nil)
)

// New returns the workflow runner of the environment s.
func New(s store.Store, o Options) *Runner {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WebhookTimeout <= 0 {
		o.WebhookTimeout = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.WebhookTimeout, CheckRedirect: sameHostRedirects}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.Backoff <= 0 {
		o.Backoff = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Runner{s: s, o: o, digests: map[*compiler.Project]string{}, models: map[string]*compiler.Project{}}
}

// Owner is the name this runner's worker holds leases under.
func (r *Runner) Owner() string { return r.o.Owner }

// Outcome says what one workflow run did. JSON shape: workflow, mode
// (realtime | background), table, record, state (ran | stopped | queued |
// waiting), steps ([{name, kind, ran, detail}], realtime runs), job (the
// queued job's id), children (the workflows its start_workflow steps
// started).
type Outcome struct {
	Workflow string        `json:"workflow"`
	Mode     string        `json:"mode"`
	Table    string        `json:"table"`
	Record   string        `json:"record"`
	State    string        `json:"state"`
	Steps    []StepOutcome `json:"steps,omitempty"`
	Job      int64         `json:"job,omitempty"`
	Children []*Outcome    `json:"children,omitempty"`
}

// StepOutcome is one step of a run: Ran is false when its when did not
// hold.
type StepOutcome struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Ran    bool   `json:"ran"`
	Detail string `json:"detail,omitempty"`
}

// Outcome states.
const (
	Ran     = "ran"
	Stopped = "stopped"
	Queued  = "queued"
	Skipped = "skipped" // an instance's end whose workflow has no record of its table (never reached, or deleted)
)

// Transition runs the realtime workflows a stage transition fires and
// queues its background ones, inside the transition's transaction.
func (r *Runner) Transition(ctx context.Context, tx store.Tx, t *engine.Transition) error {
	names := t.Triggers()
	if len(names) == 0 {
		return nil
	}
	trigger := string(t.Kind)
	switch {
	case t.From != nil && t.To != nil:
		trigger += " " + t.From.Name + ">" + t.To.Name
	case t.To != nil:
		trigger += " " + t.To.Name
	}
	x, err := r.newExecution(ctx, tx, t.Model, t.User.ID, t.Now, source{instanceID: t.Instance.ID, flow: t.Flow.Name, trigger: trigger, op: t.Op})
	if err != nil {
		return err
	}
	x.may = t.May
	for _, name := range names {
		if wf := t.Model.Workflow(name); wf != nil && (t.Kind == engine.KindFinish || t.Kind == engine.KindAbandon) {
			// A flow's on_finish/on_abandon workflow on a table the
			// instance never reached, or whose record was deleted, has no
			// record to run on: the end goes ahead without it, as in
			// Dataverse.
			gone, err := recordGone(tx, wf.Table, t.Instance.Records[wf.Table])
			if err != nil {
				return err
			}
			if gone {
				t.Runs = append(t.Runs, engine.WorkflowRun{Workflow: wf.Name, Mode: wf.Mode, State: Skipped})
				continue
			}
		}
		out, err := x.startOn(name, t.Instance.Records)
		if err != nil {
			return err
		}
		t.Runs = appendRuns(t.Runs, out)
	}
	return nil
}

// recordGone: the record id of table is none, or was deleted.
func recordGone(tx store.Tx, table, id string) (bool, error) {
	if id == "" {
		return true, nil
	}
	t, err := tx.Table(table)
	if err != nil {
		return false, err
	}
	key := t
	key.Columns = nil
	if c, ok := t.Column(t.PrimaryKey); ok {
		key.Columns = []store.Column{c}
	}
	_, err = tx.GetRow(key, id)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	return false, err
}

// appendRuns adds a run and the runs it started to runs.
func appendRuns(runs []engine.WorkflowRun, out *Outcome) []engine.WorkflowRun {
	runs = append(runs, engine.WorkflowRun{Workflow: out.Workflow, Mode: out.Mode, State: out.State, Job: out.Job})
	for _, c := range out.Children {
		runs = appendRuns(runs, c)
	}
	return runs
}

// Action runs the workflow of an action step (realtime: now, in the
// transaction; background: queued) and reports what it did in a.Result.
func (r *Runner) Action(ctx context.Context, tx store.Tx, a *engine.Action) error {
	x, err := r.newExecution(ctx, tx, a.Model, a.User.ID, a.Now, source{instanceID: a.Instance.ID, flow: a.Flow.Name,
		trigger: "action " + a.Step.Name, op: a.Op})
	if err != nil {
		return err
	}
	x.may = a.May
	out, err := x.startOn(a.Step.Workflow, a.Instance.Records)
	if err != nil {
		return err
	}
	a.Result = out
	return nil
}

// RecordChanged wakes the jobs waiting on a record, in the transaction
// that changed it, so the next worker pass re-checks their wait_until.
func (r *Runner) RecordChanged(ctx context.Context, tx store.Tx, table, id string) error {
	jt, err := jobTx(tx)
	if err != nil {
		return err
	}
	_, err = jt.WakeJobs(table, id, r.o.Now())
	return err
}

func jobTx(tx store.Tx) (store.JobTx, error) {
	jt, ok := tx.(store.JobTx)
	if !ok {
		return nil, errors.New("this environment's store cannot queue workflow jobs")
	}
	return jt, nil
}

// envName is the environment's name, for opening its secrets.
func (r *Runner) envName(ctx context.Context) (string, error) {
	r.mu.Lock()
	env := r.env
	r.mu.Unlock()
	if env != "" {
		return env, nil
	}
	m, err := r.s.Meta(ctx)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	r.env = m.Name
	r.mu.Unlock()
	return m.Name, nil
}

// vars reads the environment's variable values in tx.
func (r *Runner) vars(ctx context.Context, tx store.Tx) (process.Vars, error) {
	env, err := r.envName(ctx)
	if err != nil {
		return nil, err
	}
	return engine.Variables(tx, env, r.o.Keyring)
}

// digestOf is the build digest of a deployed model (computed once per
// model); the model is then found again by it.
func (r *Runner) digestOf(p *compiler.Project) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.digests[p]
	if !ok {
		d = p.Digest()
		if len(r.digests) >= 64 {
			clear(r.digests)
		}
		r.digests[p] = d
		r.models[d] = p
	}
	return d
}

// model finds the deployed model of a build digest: one this runner has
// seen, else the environment's snapshot of it.
func (r *Runner) model(tx store.Tx, digest string) (*compiler.Project, error) {
	r.mu.Lock()
	p, ok := r.models[digest]
	r.mu.Unlock()
	if ok {
		return p, nil
	}
	snap, err := tx.Snapshot(digest)
	if err != nil {
		return nil, permanent(fmt.Errorf("the build %s that queued it is no longer in the environment: %w", digest, err))
	}
	p, _, err = deploy.DecodeSnapshot(snap)
	if err != nil {
		return nil, permanent(err)
	}
	r.mu.Lock()
	if len(r.models) >= 64 {
		clear(r.models)
	}
	r.models[digest] = p
	r.mu.Unlock()
	return p, nil
}

// permanentError is a failure no retry can mend: the job fails at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
