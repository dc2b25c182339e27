// Package workflow runs the workflows that stages trigger (on_enter,
// on_exit, on_finish, on_abandon) and that action steps run.
//
// A Runner is the engine's Hooks (engine.Options.Hooks): inside each stage
// transition's transaction it runs the realtime workflows the transition
// fires — a failing step returns an error, so the engine refuses the
// transition and nothing changes — and queues the background ones as jobs
// in the same transaction, so that none is lost and none runs for a
// transition that rolled back. It also runs action steps (engine.ActionHooks)
// and wakes the jobs waiting on a record when the record changes
// (engine.RecordHooks).
//
// Steps: update, create, assign, change_status (the state paired with the
// status reason, as Dataverse pairs them), send_email (a row of the
// environment's outbox), webhook (an HTTP POST of the record as JSON, with a
// timeout, only to http and https, never redirected to another host),
// start_workflow (a child workflow, run inline when realtime, queued when
// background) and stop (status canceled cancels: a realtime workflow then
// refuses the change). Any step may carry when; values and conditions are
// evaluated by runtime/process on the record as it is when the step runs,
// with the environment's variable values. Workflow steps act with the
// rights of the workflow, not of the user (as Dataverse runs workflows).
//
// The worker (Runner.Run, Runner.RunDue) claims due jobs one at a time in
// shared write transactions (store.Store.WriteShared), beside transitions
// and other workers; a claim never takes a job another worker holds
// (store.JobTx.ClaimJobs), so that no two workers — in one process or
// several — ever run the same job; a claim is a lease, and a job whose
// worker died (its lease ended) is claimed again. A job's steps run in
// shared write transactions that also record how far it got (a transaction
// that loses a race runs again from the start), so a retry resumes at the
// step that failed and no step's writes happen twice; a webhook is
// posted between transactions (at least once: it carries an Idempotency-Key
// that stays the same across retries). A realtime webhook is posted inside
// the transition's transaction, again if the store runs it again after a
// lost race, with the same key (from engine.Transition.Op). A failed attempt is retried with
// exponential backoff up to Options.MaxAttempts, then the job is failed
// with the error. A background workflow with wait_until waits (state
// waiting) until its condition holds on its record, re-checked whenever the
// record's row version changes, or until its timeout ends; then its steps
// run.
//
// Entry points: New(store, Options); the Runner is engine.Hooks; Run and
// RunDue run the queue; Jobs and Emails read it.
package workflow
