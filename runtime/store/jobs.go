package store

import "time"

// Background workflow runs (jobs) and the outbox of emails that workflows
// send. Backends that run workflows implement JobTx; callers reach it by a
// type assertion on Tx (runtime/workflow does).

// Job states.
const (
	JobWaiting   = "waiting"   // its wait_until does not hold yet: re-checked when its record changes or its timeout ends
	JobQueued    = "queued"    // due at NextRunAt (a retry waits out its backoff there)
	JobRunning   = "running"   // claimed by a worker until LeaseUntil
	JobSucceeded = "succeeded" // every step ran (or a stop step ended it)
	JobFailed    = "failed"    // the last attempt failed; LastError says why
	JobCanceled  = "canceled"  // a stop step with status canceled ended it
)

// Never is the NextRunAt of a job that waits without a timeout.
var Never = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Job is one run of a background workflow on one record.
type Job struct {
	ID          int64
	Workflow    string // the workflow's name
	BuildDigest string // the deployed build whose definition of the workflow runs
	Table       string // the record the workflow runs on
	RecordID    string
	InstanceID  string // the process instance whose transition queued it ("" for none)
	Flow        string
	Trigger     string // what queued it, e.g. "next qualify>develop", "action verify", "start_workflow notify"
	ParentID    int64  // the job that started it (start_workflow), 0 for none
	Depth       int    // how many start_workflow steps led to it
	RunAs       string // systemuserid of the user whose change queued it
	State       string // JobWaiting ... JobCanceled
	// Step is the next step to run; -1 while the job waits for its
	// workflow's wait_until. A retry resumes at the step that failed.
	Step        int
	Attempts    int // attempts so far (claims that ran steps)
	MaxAttempts int
	NextRunAt   time.Time // queued: when it is due; waiting: when its timeout ends (Never: no timeout)
	WaitVersion int64     // waiting: the record's row version when the condition was last checked
	LeaseOwner  string    // running: the worker that holds it
	LeaseUntil  time.Time // running: when another worker may take it over
	LastError   string
	Result      string // what the run did, in a few words
	CreatedOn   time.Time
	StartedOn   time.Time // first claimed; zero until then
	FinishedOn  time.Time // succeeded, failed or canceled; zero until then
	ModifiedOn  time.Time
}

// Done reports whether the job has ended.
func (j Job) Done() bool {
	return j.State == JobSucceeded || j.State == JobFailed || j.State == JobCanceled
}

// JobFilter selects jobs.
type JobFilter struct {
	State    string // "" = every state
	Workflow string // "" = every workflow
	RecordID string // "" = every record
	Limit    int    // 0 = all
}

// Email is a message a send_email step wrote to the outbox.
type Email struct {
	ID         int64
	JobID      int64 // the job whose step wrote it; 0 for a realtime workflow
	Workflow   string
	Step       string
	Table      string
	RecordID   string
	To         string
	Cc         string
	Subject    string
	Body       string
	CreatedOn  time.Time
	InstanceID string
}

// EmailFilter selects emails.
type EmailFilter struct {
	JobID int64 // 0 = all
	Limit int   // 0 = all
}

// JobTx is a transaction that can queue and run background workflows.
type JobTx interface {
	// EnqueueJob adds a job (queued or waiting) and returns its id.
	EnqueueJob(Job) (int64, error)
	// ClaimJobs takes up to limit jobs that are due at now — queued or
	// waiting with NextRunAt <= now, or running with a lease that ended
	// before now (its worker died) — oldest due first, for owner until
	// leaseUntil. They become running; Attempts counts the claim when the
	// job runs steps (Step >= 0). A job is never claimed by two workers at
	// once.
	ClaimJobs(owner string, now, leaseUntil time.Time, limit int) ([]Job, error)
	// SaveJob writes the state of a job that owner holds (running, leased
	// to owner); ErrConflict when owner no longer holds it.
	SaveJob(j Job, owner string) error
	// SetJob writes j over its job if the job is still in the state and at
	// the attempts of was (as read); ErrConflict otherwise. It is how an
	// operator's retry or cancel changes a job no worker holds for them: a
	// worker running a job canceled this way loses it (SaveJob conflicts).
	SetJob(j, was Job) error
	Job(id int64) (Job, error)
	// Jobs lists jobs, newest first.
	Jobs(JobFilter) ([]Job, error)
	// WakeJobs makes the waiting jobs of a record due at now.
	WakeJobs(table, recordID string, now time.Time) (int, error)
	// WakeChangedJobs makes due at now every waiting job whose record
	// changed (its row version is no longer WaitVersion) or was deleted.
	WakeChangedJobs(now time.Time) (int, error)

	// AddEmail writes an email to the outbox.
	AddEmail(Email) (int64, error)
	// Emails lists the outbox, newest first.
	Emails(EmailFilter) ([]Email, error)
}
