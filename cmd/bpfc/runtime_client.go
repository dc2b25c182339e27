package main

import (
	"context"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/report"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/runtime/workflow"
)

// runtimeSession is what the run-time commands do in an environment: the
// engine's session for a local one (localSession), the Web API's client
// for a remote one (*webapi.Client, acting as its token's user). Both
// return the engine's types, so that a command prints the same either way.
type runtimeSession interface {
	CreateRecord(ctx context.Context, table string, values engine.Values, so engine.StartOptions) (*engine.Created, error)
	UpdateRecord(ctx context.Context, table, id string, values engine.Values, ifVersion int64) (*engine.Record, error)
	DeleteRecord(ctx context.Context, table, id string) error
	Record(ctx context.Context, table, id string) (*engine.Record, error)
	Records(ctx context.Context, table string) ([]*engine.Record, error)

	Start(ctx context.Context, flow, table, recordID string) (*engine.Instance, error)
	Instance(ctx context.Context, id string) (*engine.Instance, error)
	Instances(ctx context.Context, f engine.InstanceFilter) ([]*engine.Instance, error)
	Next(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error)
	Prev(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error)
	PrevTo(ctx context.Context, id, stage string, mo engine.MoveOptions) (*engine.Instance, error)
	Finish(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error)
	Abandon(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error)
	Reactivate(ctx context.Context, id string, mo engine.MoveOptions) (*engine.Instance, error)
	DeleteInstance(ctx context.Context, id string, mo engine.MoveOptions) error
	RunAction(ctx context.Context, id, name string) (*webapi.ActionRun, error)

	Report(ctx context.Context, flow string, since time.Time) (*report.Report, error)
	Jobs(ctx context.Context, f store.JobFilter) ([]store.Job, error)
	Emails(ctx context.Context, f store.EmailFilter) ([]store.Email, error)
	Users(ctx context.Context) ([]store.User, error)
}

var (
	_ runtimeSession = localSession{}
	_ runtimeSession = (*webapi.Client)(nil)
)

// localSession is a local environment: the engine acting as a user, with
// the store and the workflow runner for reports, jobs and emails.
type localSession struct {
	*engine.Session
	store  store.Store
	runner *workflow.Runner
}

// RunAction runs an action step and says what it ran.
func (l localSession) RunAction(ctx context.Context, id, name string) (*webapi.ActionRun, error) {
	a, err := l.Session.RunAction(ctx, id, name)
	if err != nil {
		return nil, err
	}
	out, _ := a.Result.(*workflow.Outcome)
	return &webapi.ActionRun{Instance: id, Stage: a.Stage.Name, Action: a.Step.Name, Run: out}, nil
}

// Report measures the flows the user may read.
func (l localSession) Report(ctx context.Context, flow string, since time.Time) (*report.Report, error) {
	return report.Build(ctx, l.store, report.Options{Flow: flow, Since: since, User: l.User()})
}

// Jobs lists the workflow queue; administrators only.
func (l localSession) Jobs(ctx context.Context, f store.JobFilter) ([]store.Job, error) {
	if err := l.RequireAdmin(ctx, "list the workflow queue"); err != nil {
		return nil, err
	}
	return l.runner.Jobs(ctx, f)
}

// Emails lists the outbox; administrators only.
func (l localSession) Emails(ctx context.Context, f store.EmailFilter) ([]store.Email, error) {
	if err := l.RequireAdmin(ctx, "read the outbox"); err != nil {
		return nil, err
	}
	return l.runner.Emails(ctx, f)
}
