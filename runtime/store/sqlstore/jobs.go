package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Background workflow jobs and the outbox (migration 0003_workflows).
//
// A claim is one statement, UPDATE … WHERE job_id IN (the due jobs) …
// RETURNING, in a write transaction (runtime/workflow claims in shared
// ones, store.Store.WriteShared): on SQLite that transaction is the only
// writer, so no two workers can take the same job; on PostgreSQL the due
// jobs are selected FOR UPDATE SKIP LOCKED, so a claim never waits for, nor
// takes, a job another transaction holds, and a job that another claim took
// since this transaction's snapshot fails it with a serialization failure
// (WriteShared runs it again on a new snapshot): a job is claimed once.

var _ store.JobTx = (*tx)(nil)

// jobTimeLayout is fixed-width, so that the queue's times order as text.
const jobTimeLayout = "2006-01-02T15:04:05.000000000Z"

func jobTime(tm time.Time) string {
	if tm.IsZero() {
		return ""
	}
	return tm.UTC().Format(jobTimeLayout)
}

const jobCols = `job_id, workflow, build_digest, table_name, record_id, instance_id, flow, trigger_name, parent_id, depth, run_as,
	state, step, attempts, max_attempts, next_run_at, wait_version, lease_owner, lease_until, last_error, result,
	created_on, started_on, finished_on, modified_on`

func scanJob(sc interface{ Scan(...any) error }) (store.Job, error) {
	var j store.Job
	var next, lease, created, started, finished, modified string
	err := sc.Scan(&j.ID, &j.Workflow, &j.BuildDigest, &j.Table, &j.RecordID, &j.InstanceID, &j.Flow, &j.Trigger, &j.ParentID,
		&j.Depth, &j.RunAs, &j.State, &j.Step, &j.Attempts, &j.MaxAttempts, &next, &j.WaitVersion, &j.LeaseOwner, &lease,
		&j.LastError, &j.Result, &created, &started, &finished, &modified)
	j.NextRunAt, j.LeaseUntil = parseTime(next), parseTime(lease)
	j.CreatedOn, j.StartedOn, j.FinishedOn, j.ModifiedOn = parseTime(created), parseTime(started), parseTime(finished), parseTime(modified)
	return j, err
}

func scanJobs(rows *sql.Rows) ([]store.Job, error) {
	defer rows.Close()
	var out []store.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

func (t *tx) EnqueueJob(j store.Job) (int64, error) {
	now := t.now()
	if j.CreatedOn.IsZero() {
		j.CreatedOn = now
	}
	if j.NextRunAt.IsZero() {
		j.NextRunAt = j.CreatedOn
	}
	switch j.State {
	case "":
		j.State = store.JobQueued
	case store.JobQueued, store.JobWaiting:
	default:
		return 0, fmt.Errorf("a job is queued or waiting when it is enqueued, not %s", j.State)
	}
	var id int64
	err := t.write1C(`INSERT INTO workflowjob (workflow, build_digest, table_name, record_id, instance_id, flow, trigger_name, parent_id,
	depth, run_as, state, step, attempts, max_attempts, next_run_at, wait_version, created_on, modified_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, $14, $15, $16, $16) RETURNING job_id`,
		[]any{j.Workflow, j.BuildDigest, j.Table, j.RecordID, j.InstanceID, j.Flow, j.Trigger, j.ParentID, j.Depth, j.RunAs, j.State,
			j.Step, j.MaxAttempts, jobTime(j.NextRunAt), j.WaitVersion, jobTime(j.CreatedOn)}, &id)
	return id, err
}

func (t *tx) ClaimJobs(owner string, now, leaseUntil time.Time, limit int) ([]store.Job, error) {
	if !t.write {
		return nil, errReadOnly
	}
	if limit <= 0 {
		limit = 1
	}
	lock := ""
	if t.d.Name() == "postgres" {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	n := jobTime(now)
	rows, err := t.query(`UPDATE workflowjob SET state = 'running', lease_owner = $1, lease_until = $2, modified_on = $3,
	attempts = attempts + CASE WHEN step >= 0 THEN 1 ELSE 0 END,
	started_on = CASE WHEN started_on = '' THEN $3 ELSE started_on END
WHERE job_id IN (SELECT job_id FROM workflowjob
	WHERE (state IN ('queued', 'waiting') AND next_run_at <= $3) OR (state = 'running' AND lease_until < $3)
	ORDER BY next_run_at, job_id LIMIT $4`+lock+`)
RETURNING `+jobCols, owner, jobTime(leaseUntil), n, limit)
	if err != nil {
		return nil, err
	}
	return scanJobs(rows)
}

func (t *tx) SaveJob(j store.Job, owner string) error {
	ok, err := t.writeJob(j, "lease_owner = $2 AND state = 'running'", owner)
	if err == nil && !ok {
		err = fmt.Errorf("job %d is no longer held by %s: %w", j.ID, owner, store.ErrConflict)
	}
	return err
}

func (t *tx) SetJob(j, was store.Job) error {
	ok, err := t.writeJob(j, "state = $2 AND attempts = $3", was.State, was.Attempts)
	if err == nil && !ok {
		err = fmt.Errorf("job %d changed since it was read: %w", j.ID, store.ErrConflict)
	}
	return err
}

// jobRunColumns are the columns of a job's run state, in writeJob's order.
var jobRunColumns = []string{"state", "step", "attempts", "next_run_at", "wait_version", "lease_owner", "lease_until", "last_error",
	"result", "started_on", "finished_on", "modified_on"}

// writeJob writes j's run state over its row if cond holds (its
// parameters from $2: condArgs; $1 is the job's id), and reports whether
// it did.
func (t *tx) writeJob(j store.Job, cond string, condArgs ...any) (bool, error) {
	j.ModifiedOn = t.now()
	vals := []any{j.State, j.Step, j.Attempts, jobTime(j.NextRunAt), j.WaitVersion, j.LeaseOwner, jobTime(j.LeaseUntil), j.LastError,
		j.Result, jobTime(j.StartedOn), jobTime(j.FinishedOn), jobTime(j.ModifiedOn)}
	args := append(append([]any{j.ID}, condArgs...), vals...)
	var set []string
	for i, col := range jobRunColumns {
		set = append(set, col+" = $"+strconv.Itoa(2+len(condArgs)+i))
	}
	res, err := t.exec(`UPDATE workflowjob SET `+strings.Join(set, ", ")+` WHERE job_id = $1 AND `+cond, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (t *tx) Job(id int64) (store.Job, error) {
	j, err := scanJob(t.queryRow(`SELECT `+jobCols+` FROM workflowjob WHERE job_id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, notFound("job", strconv.FormatInt(id, 10))
	}
	return j, err
}

func (t *tx) Jobs(f store.JobFilter) ([]store.Job, error) {
	var conds []string
	var args []any
	for _, c := range []struct{ col, val string }{{"state", f.State}, {"workflow", f.Workflow}, {"record_id", f.RecordID}} {
		if c.val != "" {
			args = append(args, c.val)
			conds = append(conds, c.col+" = $"+strconv.Itoa(len(args)))
		}
	}
	q := `SELECT ` + jobCols + ` FROM workflowjob`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY job_id DESC"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, err
	}
	return scanJobs(rows)
}

func (t *tx) WakeJobs(table, recordID string, now time.Time) (int, error) {
	res, err := t.execC(`UPDATE workflowjob SET next_run_at = $3, modified_on = $3
WHERE record_id = $2 AND state = 'waiting' AND table_name = $1 AND next_run_at > $3`, table, recordID, jobTime(now))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (t *tx) WakeChangedJobs(now time.Time) (int, error) {
	rows, err := t.query(`SELECT DISTINCT table_name FROM workflowjob WHERE state = 'waiting' AND next_run_at > $1 ORDER BY table_name`, jobTime(now))
	if err != nil {
		return 0, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	woken := 0
	for _, name := range tables {
		var pk string
		err := t.queryRow(`SELECT primary_key FROM entity WHERE name = $1`, name).Scan(&pk)
		if errors.Is(err, sql.ErrNoRows) {
			pk = "" // the table is gone: its records with it
		} else if err != nil {
			return woken, err
		}
		version := "-1"
		if pk != "" {
			qt, err := quote(name)
			if err != nil {
				return woken, err
			}
			qk, err := quote(pk)
			if err != nil {
				return woken, err
			}
			version = `COALESCE((SELECT ` + store.RowVersionColumn + ` FROM ` + qt + ` WHERE ` + qk + ` = workflowjob.record_id), -1)`
		}
		res, err := t.exec(`UPDATE workflowjob SET next_run_at = $1, modified_on = $1
WHERE state = 'waiting' AND table_name = $2 AND next_run_at > $1 AND wait_version <> `+version, jobTime(now), name)
		if err != nil {
			return woken, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return woken, err
		}
		woken += int(n)
	}
	return woken, nil
}

// The outbox.

func (t *tx) AddEmail(e store.Email) (int64, error) {
	if e.CreatedOn.IsZero() {
		e.CreatedOn = t.now()
	}
	var id int64
	err := t.write1C(`INSERT INTO outbox (job_id, workflow, step, table_name, record_id, instance_id, to_address, cc_address, subject, body,
	created_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING email_id`,
		[]any{e.JobID, e.Workflow, e.Step, e.Table, e.RecordID, e.InstanceID, e.To, e.Cc, e.Subject, e.Body, formatTime(e.CreatedOn)}, &id)
	return id, err
}

func (t *tx) Emails(f store.EmailFilter) ([]store.Email, error) {
	q := `SELECT email_id, job_id, workflow, step, table_name, record_id, instance_id, to_address, cc_address, subject, body, created_on
FROM outbox`
	var args []any
	if f.JobID != 0 {
		args = append(args, f.JobID)
		q += ` WHERE job_id = $1`
	}
	q += ` ORDER BY email_id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Email
	for rows.Next() {
		var e store.Email
		var created string
		if err := rows.Scan(&e.ID, &e.JobID, &e.Workflow, &e.Step, &e.Table, &e.RecordID, &e.InstanceID, &e.To, &e.Cc, &e.Subject, &e.Body,
			&created); err != nil {
			return nil, err
		}
		e.CreatedOn = parseTime(created)
		out = append(out, e)
	}
	return out, rows.Err()
}
