package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Jobs lists the environment's jobs, newest first.
func (r *Runner) Jobs(ctx context.Context, f store.JobFilter) ([]store.Job, error) {
	var out []store.Job
	err := r.s.Read(ctx, func(tx store.Tx) error {
		jt, err := jobTx(tx)
		if err != nil {
			return err
		}
		out, err = jt.Jobs(f)
		return err
	})
	return out, err
}

// Emails lists the environment's outbox, newest first.
func (r *Runner) Emails(ctx context.Context, f store.EmailFilter) ([]store.Email, error) {
	var out []store.Email
	err := r.s.Read(ctx, func(tx store.Tx) error {
		jt, err := jobTx(tx)
		if err != nil {
			return err
		}
		out, err = jt.Emails(f)
		return err
	})
	return out, err
}

// jobStateRefusal is a retry or cancel of a job in a state that has none:
// refused by the job's state, as a move is by an instance's.
func jobStateRefusal(verb string, id int64, reason string) error {
	return &engine.ErrRefused{Op: fmt.Sprintf("%s job %d", verb, id), Rule: engine.RuleJobState, Reason: reason}
}

// noJobError is a retry or cancel of a job the environment does not have.
type noJobError struct{ id int64 }

func (e *noJobError) Error() string {
	return fmt.Sprintf("no job %d (bpfc job list shows the jobs)", e.id)
}

func (e *noJobError) Is(target error) bool { return target == store.ErrNotFound }

// RetryJob queues a failed or canceled job again, due now, its attempts
// counted afresh: it resumes where it ended (the step that failed; its
// wait_until when it was canceled waiting), as the workflow is defined in
// the build it was queued with.
func (r *Runner) RetryJob(ctx context.Context, id int64) (store.Job, error) {
	return r.setJob(ctx, id, func(j store.Job) (store.Job, error) {
		if j.State != store.JobFailed && j.State != store.JobCanceled {
			return j, jobStateRefusal("retry", id, fmt.Sprintf("it is %s, and only a failed or canceled job is retried", j.State))
		}
		j.State, j.Attempts, j.NextRunAt, j.FinishedOn = store.JobQueued, 0, r.o.Now().UTC(), time.Time{}
		j.LeaseOwner, j.LeaseUntil = "", time.Time{}
		return j, nil
	})
}

// CancelJob ends a queued, waiting or running job as canceled, saying who
// did. A worker running it loses it: its steps' writes are rolled back
// with the save that would have kept them.
func (r *Runner) CancelJob(ctx context.Context, id int64, by string) (store.Job, error) {
	return r.setJob(ctx, id, func(j store.Job) (store.Job, error) {
		if j.Done() {
			return j, jobStateRefusal("cancel", id, fmt.Sprintf("it has ended (%s), so there is nothing to cancel", j.State))
		}
		j.State, j.FinishedOn, j.Result = store.JobCanceled, r.o.Now().UTC(), "canceled by "+by
		j.LeaseOwner, j.LeaseUntil = "", time.Time{}
		return j, nil
	})
}

// setJob changes job id as change says, in a write transaction, if no one
// changed it since it was read.
func (r *Runner) setJob(ctx context.Context, id int64, change func(store.Job) (store.Job, error)) (store.Job, error) {
	var out store.Job
	err := r.s.Write(ctx, func(tx store.Tx) error {
		jt, err := jobTx(tx)
		if err != nil {
			return err
		}
		was, err := jt.Job(id)
		if errors.Is(err, store.ErrNotFound) {
			return &noJobError{id}
		}
		if err != nil {
			return err
		}
		j, err := change(was)
		if err != nil {
			return err
		}
		if err := jt.SetJob(j, was); err != nil {
			return err
		}
		out, err = jt.Job(id)
		return err
	})
	return out, err
}
