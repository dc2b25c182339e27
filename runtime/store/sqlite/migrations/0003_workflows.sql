-- Workflows and reports. Background workflow runs (jobs) queued by stage
-- transitions and action steps, and the outbox their send_email steps write.
-- Times are text in UTC; the job queue's are fixed-width
-- (2006-01-02T15:04:05.000000000Z) so that they order as text; '' = not yet.

CREATE TABLE workflowjob (
	job_id INTEGER PRIMARY KEY,
	workflow TEXT NOT NULL,
	build_digest TEXT NOT NULL,
	table_name TEXT NOT NULL,
	record_id TEXT NOT NULL,
	instance_id TEXT NOT NULL DEFAULT '',
	flow TEXT NOT NULL DEFAULT '',
	trigger_name TEXT NOT NULL DEFAULT '',
	parent_id INTEGER NOT NULL DEFAULT 0,
	depth INTEGER NOT NULL DEFAULT 0,
	run_as TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('waiting', 'queued', 'running', 'succeeded', 'failed', 'canceled')),
	step INTEGER NOT NULL DEFAULT 0,
	attempts INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL,
	next_run_at TEXT NOT NULL,
	wait_version INTEGER NOT NULL DEFAULT 0,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	result TEXT NOT NULL DEFAULT '',
	created_on TEXT NOT NULL,
	started_on TEXT NOT NULL DEFAULT '',
	finished_on TEXT NOT NULL DEFAULT '',
	modified_on TEXT NOT NULL
);
-- A worker's claim: the due jobs of a state, oldest first.
CREATE INDEX workflowjob_due ON workflowjob (state, next_run_at);
-- A record's change wakes its waiting jobs.
CREATE INDEX workflowjob_by_record ON workflowjob (record_id, state);

CREATE TABLE outbox (
	email_id INTEGER PRIMARY KEY,
	job_id INTEGER NOT NULL DEFAULT 0,
	workflow TEXT NOT NULL,
	step TEXT NOT NULL,
	table_name TEXT NOT NULL,
	record_id TEXT NOT NULL,
	instance_id TEXT NOT NULL DEFAULT '',
	to_address TEXT NOT NULL,
	cc_address TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL,
	body TEXT NOT NULL DEFAULT '',
	created_on TEXT NOT NULL
);

-- Reports: the time of each completed stay in the stage log, in whole
-- milliseconds, derived from its entry and exit times (NULL while the stay
-- is open), and the indexes that let a report aggregate a flow's stage log
-- in index order: per stage, count, total and ordered-offset percentiles of
-- the time in it; and the entries by how they happened.
ALTER TABLE stagevisit ADD COLUMN duration_ms INTEGER GENERATED ALWAYS AS (
	CASE WHEN left_on = '' THEN NULL
	ELSE CAST(ROUND((julianday(substr(left_on, 1, 23)) - julianday(substr(entered_on, 1, 23))) * 86400000.0) AS INTEGER) END
) VIRTUAL;
CREATE INDEX stagevisit_duration ON stagevisit (workflow_id, stage_name, duration_ms);
CREATE INDEX stagevisit_by_how ON stagevisit (workflow_id, entered_how, stage_name, instance_id);
