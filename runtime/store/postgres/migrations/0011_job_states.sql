-- As runtime/store/sqlite/migrations/0011_job_states.sql: one state's
-- jobs, newest first, read in index order.
CREATE INDEX workflowjob_by_state ON workflowjob (state, job_id);
