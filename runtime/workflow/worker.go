package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// Run runs the queue until ctx ends: every Options.Poll it runs the jobs
// that are due. Errors of a pass are logged and the next pass tries again.
func (r *Runner) Run(ctx context.Context) error { return r.RunUntil(ctx, ctx.Done()) }

// RunUntil is Run that takes no more jobs once stop is closed: the job it
// is running goes on to its end, unless ctx ends first (webapi.Worker).
func (r *Runner) RunUntil(ctx context.Context, stop <-chan struct{}) error {
	for {
		if _, err := r.RunDueUntil(ctx, stop); err != nil && ctx.Err() == nil {
			r.o.Log.Error("workflow queue", "error", err)
		}
		select {
		case <-stop:
			return nil
		case <-ctx.Done():
			return nil
		case <-time.After(r.o.Poll):
		}
	}
}

// RunDue runs every job that is due now, one at a time, and returns each
// as it stands after its run. It first wakes the waiting jobs whose record
// changed since they last checked their condition.
func (r *Runner) RunDue(ctx context.Context) ([]store.Job, error) {
	return r.RunDueUntil(ctx, ctx.Done())
}

// RunDueUntil is RunDue that takes no more jobs once stop is closed: the
// job it is running goes on to its end (its webhook is answered, not
// posted again by the next run), unless ctx ends first.
func (r *Runner) RunDueUntil(ctx context.Context, stop <-chan struct{}) ([]store.Job, error) {
	// claimMu before the write, as claim takes them: one order only.
	r.claimMu.Lock()
	err := r.s.WriteShared(ctx, func(tx store.Tx) error {
		jt, err := jobTx(tx)
		if err != nil {
			return err
		}
		if _, err = jt.WakeChangedJobs(r.o.Now()); err != nil {
			return err
		}
		return r.releaseUnheld(jt)
	})
	r.claimMu.Unlock()
	if err != nil {
		return nil, err
	}
	var done []store.Job
	for ctx.Err() == nil {
		select {
		case <-stop:
			return done, ctx.Err() // RunDue's stop is ctx's end: its error
		default:
		}
		j, ok, err := r.claim(ctx)
		if err != nil || !ok {
			return done, err
		}
		done = append(done, r.execute(ctx, j))
		r.claimMu.Lock()
		delete(r.holding, j.ID)
		r.claimMu.Unlock()
	}
	return done, ctx.Err()
}

// releaseUnheld queues again the jobs leased to this runner that none of
// its workers runs: a claim whose commit reached the database while its
// answer was lost (the connection went), or a job whose failure could not
// be recorded. Left alone, they would wait for their lease to end. Which
// of the two it was cannot be told, so the claim's attempt counts and the
// retry waits its backoff, as after a failure (a failure that can never be
// recorded then still ends at MaxAttempts). The caller holds claimMu.
func (r *Runner) releaseUnheld(jt store.JobTx) error {
	running, err := jt.Jobs(store.JobFilter{State: store.JobRunning})
	if err != nil {
		return err
	}
	for _, j := range running {
		if j.LeaseOwner != r.o.Owner || r.holding[j.ID] {
			continue
		}
		j.Result = "released: its worker lost it"
		if r.retryOrFail(&j, r.o.Now().UTC(), false) {
			// Its last attempt: failed for good, as a recorded failure would be.
			j.NextRunAt = time.Time{}
			j.Result = "failed after " + compiler.Plural(j.Attempts, "attempt") + " (the last one's end could not be recorded)"
		}
		if err := jt.SaveJob(j, r.o.Owner); err != nil {
			return err
		}
		r.o.Log.Warn("workflow job released", "job", j.ID, "reason", "leased to this worker, which was not running it")
	}
	return nil
}

// claim takes the next due job. Workers claim in shared write
// transactions, beside transitions and other workers: the claim skips the
// jobs another transaction has locked (store.JobTx.ClaimJobs).
func (r *Runner) claim(ctx context.Context) (store.Job, bool, error) {
	var jobs []store.Job
	r.claimMu.Lock()
	defer r.claimMu.Unlock()
	err := r.s.WriteShared(ctx, func(tx store.Tx) error {
		jt, err := jobTx(tx)
		if err != nil {
			return err
		}
		now := r.o.Now()
		jobs, err = jt.ClaimJobs(r.o.Owner, now, now.Add(r.o.Lease), 1)
		return err
	})
	if err != nil || len(jobs) == 0 {
		return store.Job{}, false, err
	}
	if r.holding == nil {
		r.holding = map[int64]bool{}
	}
	r.holding[jobs[0].ID] = true
	return jobs[0], true, nil
}

// execute runs a claimed job as far as it goes and returns it as it ends
// (succeeded, failed, canceled, queued for a retry, or waiting).
func (r *Runner) execute(ctx context.Context, j store.Job) store.Job {
	if j.Step >= 0 && j.Attempts > j.MaxAttempts {
		return r.fail(ctx, j, permanent(fmt.Errorf("gave up after %d attempts (its worker stopped while running it)", j.MaxAttempts)))
	}
	// What this execution ran, for the result: a run that resumes (a
	// retry, a webhook's continuation) counts only its own steps.
	prog := &progress{from: j.Step}
	for {
		next, call, err := r.advance(ctx, j, prog)
		switch {
		case errors.Is(err, store.ErrContended):
			// Still this worker's job: an attempt that failed, retried
			// after the backoff rather than when the lease ends.
			return r.fail(ctx, next, err)
		case errors.Is(err, store.ErrConflict):
			r.o.Log.Warn("workflow job taken over", "job", j.ID, "error", err)
			return next
		case err != nil:
			return r.fail(ctx, next, err)
		case call == nil:
			r.o.Log.Info("workflow job", "job", next.ID, "workflow", next.Workflow, "state", next.State, "result", next.Result)
			return next
		}
		j = next
		if _, err := r.post(ctx, call); err != nil {
			return r.fail(ctx, j, &StepError{Workflow: j.Workflow, Step: stepName(r, j), Kind: compiler.StepWebhook, Err: err})
		}
		j.Step++ // posted: the next transaction records it
	}
}

// advance runs a job's steps from j.Step in one write transaction, up to
// its end or its next webhook (returned, to post outside the transaction),
// and records where it got in the same transaction.
func (r *Runner) advance(ctx context.Context, j store.Job, prog *progress) (store.Job, *webhookCall, error) {
	var call *webhookCall
	next := j
	before := *prog
	err := r.s.WriteShared(ctx, func(tx store.Tx) error {
		*prog = before // a retried transaction counts afresh
		jt, err := jobTx(tx)
		if err != nil {
			return err
		}
		next, call = j, nil // a retried transaction starts afresh
		p, err := r.model(tx, j.BuildDigest)
		if err != nil {
			return err
		}
		wf := p.Workflow(j.Workflow)
		if wf == nil {
			return permanent(fmt.Errorf("workflow %s is not in build %s", j.Workflow, j.BuildDigest))
		}
		// An import that removed the workflow since the job was queued takes
		// its queued runs with it: the removed definition does not run.
		if _, err := tx.Workflow(p.WorkflowID(wf)); errors.Is(err, store.ErrNotFound) {
			return permanent(fmt.Errorf("workflow %s was removed from the environment by an import after this job was queued; nothing more of it runs", j.Workflow))
		} else if err != nil {
			return err
		}
		now := r.o.Now().UTC()
		x, err := r.newExecution(ctx, tx, p, j.RunAs, now, source{instanceID: j.InstanceID, flow: j.Flow, trigger: j.Trigger, jobID: j.ID,
			depth: j.Depth})
		if err != nil {
			return err
		}
		t, err := x.table(wf.Table)
		if err != nil {
			return err
		}
		if next.Step < 0 {
			row, err := x.record(t, j.RecordID)
			if err != nil {
				return err
			}
			over, deadline, err := x.waitOver(wf, row, j)
			if err != nil {
				return err
			}
			prog.timedOut = over && !deadline.IsZero()
			if !over {
				next.State, next.NextRunAt, next.WaitVersion = store.JobWaiting, deadline, versionOf(row)
				next.LeaseOwner, next.LeaseUntil = "", time.Time{}
				return jt.SaveJob(next, r.o.Owner)
			}
			next.Step, next.Attempts = 0, next.Attempts+1
		}
		out := &Outcome{}
		end, at, err := x.steps(wf, t, j.RecordID, next.Step, false, j.Depth, out)
		if err != nil {
			return err
		}
		for _, so := range out.Steps {
			if so.Ran {
				prog.ran++
			} else {
				prog.skipped++
			}
		}
		switch end {
		case endWebhook:
			call = x.pending
			next.Step, next.LeaseUntil = at, now.Add(r.o.Lease)
		default:
			next.State, next.FinishedOn, next.LeaseOwner, next.LeaseUntil = store.JobSucceeded, now, "", time.Time{}
			next.LastError = ""
			next.Result = prog.result(wf)
			if end != endDone {
				next.Result = fmt.Sprintf("stopped at step %s", wf.Steps[at].Name)
				// Where it ended: a retry of a canceled job decides the
				// stop again, and does not run the steps before it twice.
				next.Step = at
			}
			if end == endCanceled {
				next.State = store.JobCanceled
			}
		}
		return jt.SaveJob(next, r.o.Owner)
	})
	if err != nil {
		// Nothing of the transaction stays, but a wait that was over
		// stays over: the failed attempt counts, and a retry starts at
		// the first step.
		j.Step, j.Attempts = next.Step, next.Attempts
		return j, nil, err
	}
	return next, call, nil
}

// progress counts the steps one execution of a job ran and skipped (its
// when did not hold), from step from on.
type progress struct {
	from         int
	ran, skipped int
	timedOut     bool // its wait_until ended at its timeout, not holding
}

// result says what an execution that reached the end of wf did: "ran 3
// steps", "ran 2 steps, skipped 1", "ran 1 step from step h2" (a resumed
// run: the steps before ran in an earlier attempt).
func (p progress) result(wf *compiler.Workflow) string {
	s := "ran " + compiler.Plural(p.ran, "step")
	if p.timedOut {
		s = "waited " + wf.Timeout + " (its timeout) without wait_until holding, then " + s
	}
	if p.skipped > 0 {
		s += fmt.Sprintf(", skipped %d (their when did not hold)", p.skipped)
	}
	if p.from > 0 && p.from < len(wf.Steps) {
		s += " from step " + wf.Steps[p.from].Name
	}
	return s
}

// waitOver checks a waiting job's wait_until on its record: over when it
// holds (deadline zero) or its timeout (counted from when the job was
// queued) has ended (deadline the timeout's end); otherwise the job waits
// until deadline (store.Never without a timeout).
func (x *execution) waitOver(wf *compiler.Workflow, row store.Row, j store.Job) (bool, time.Time, error) {
	ok, err := process.Eval(wf.WaitUntil, process.Row(row), x.vars)
	if err != nil || ok {
		return ok, time.Time{}, err
	}
	if wf.Timeout == "" {
		return false, store.Never, nil
	}
	d, err := parseTimeout(wf.Timeout)
	if err != nil {
		return false, time.Time{}, permanent(err)
	}
	deadline := j.CreatedOn.Add(d)
	return !x.now.Before(deadline), deadline, nil
}

func versionOf(row store.Row) int64 {
	v, _ := row[store.RowVersionColumn].(int64)
	return v
}

// stepName names a job's current step for messages.
func stepName(r *Runner, j store.Job) string {
	r.mu.Lock()
	p := r.models[j.BuildDigest]
	r.mu.Unlock()
	if p != nil {
		if wf := p.Workflow(j.Workflow); wf != nil && j.Step >= 0 && j.Step < len(wf.Steps) {
			return wf.Steps[j.Step].Name
		}
	}
	return fmt.Sprintf("#%d", j.Step+1)
}

// fail records a failed attempt: queued again after the backoff, or failed
// for good when it was the last attempt or no retry can mend it. A job
// whose worker is stopping (ctx ended) did not fail: it is released.
func (r *Runner) fail(ctx context.Context, j store.Job, cause error) store.Job {
	if ctx.Err() != nil {
		return r.release(ctx, j)
	}
	next, err := r.rewrite(ctx, j, func(next *store.Job) {
		if j.Step < 0 {
			next.Attempts++ // checking the wait failed: that counts too
		}
		next.LastError = cause.Error()
		if r.retryOrFail(next, r.o.Now().UTC(), isPermanent(cause)) {
			next.Result = "failed after " + compiler.Plural(max(next.Attempts, 1), "attempt")
		} else {
			next.Result = fmt.Sprintf("attempt %d failed; retrying", next.Attempts)
		}
	})
	if err != nil {
		r.o.Log.Error("recording a failed workflow job", "job", j.ID, "error", err, "cause", cause)
		return j
	}
	r.o.Log.Info("workflow job", "job", next.ID, "workflow", next.Workflow, "state", next.State, "error", cause)
	return next
}

// retryOrFail ends a failed attempt of j at now, its lease given up:
// failed for good when final or it was its last attempt, else queued
// again after its backoff (none before a first attempt). It says whether
// j failed for good.
func (r *Runner) retryOrFail(j *store.Job, now time.Time, final bool) bool {
	j.LeaseOwner, j.LeaseUntil = "", time.Time{}
	if final || j.Attempts >= j.MaxAttempts {
		j.State, j.FinishedOn = store.JobFailed, now
		return true
	}
	j.State, j.NextRunAt = store.JobQueued, now
	if j.Attempts > 0 {
		j.NextRunAt = now.Add(r.backoff(j.Attempts))
	}
	return false
}

// release gives back a job its worker stopped running (a graceful stop:
// serve's SIGTERM): queued again at once at the step it reached, the claim
// not counted as an attempt, so that another worker takes it now instead
// of when its lease ends. Its own transaction outlives ctx, briefly.
func (r *Runner) release(ctx context.Context, j store.Job) store.Job {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	next, err := r.rewrite(ctx, j, func(next *store.Job) {
		if j.Step >= 0 && next.Attempts > 0 {
			next.Attempts-- // the claim counted it; it did not run to an end
		}
		next.State, next.NextRunAt, next.LeaseOwner, next.LeaseUntil = store.JobQueued, r.o.Now().UTC(), "", time.Time{}
		next.Result = "released: its worker stopped"
	})
	if errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrContended) {
		// Its last transaction committed as the worker stopped (it ended),
		// or another worker or an operator took it: nothing to give back.
		r.o.Log.Info("workflow job not released: no longer this worker's", "job", j.ID)
		return j
	}
	if err != nil {
		r.o.Log.Error("releasing a workflow job", "job", j.ID, "error", err)
		return j
	}
	r.o.Log.Info("workflow job released", "job", next.ID, "workflow", next.Workflow, "step", next.Step)
	return next
}

// rewrite saves this worker's job j as change leaves it, in a shared write
// of its own (change starts from j again if the write is retried), and
// returns the job as saved.
func (r *Runner) rewrite(ctx context.Context, j store.Job, change func(next *store.Job)) (store.Job, error) {
	next := j
	err := r.s.WriteShared(ctx, func(tx store.Tx) error {
		jt, err := jobTx(tx)
		if err != nil {
			return err
		}
		next = j
		change(&next)
		return jt.SaveJob(next, r.o.Owner)
	})
	return next, err
}

// backoff is the delay after failed attempt n (1-based): Backoff doubled
// n-1 times, at most MaxBackoff.
func (r *Runner) backoff(n int) time.Duration {
	d := r.o.Backoff
	for i := 1; i < n && d < r.o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.o.MaxBackoff)
}
