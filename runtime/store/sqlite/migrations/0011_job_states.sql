-- A list of one state's jobs, newest first (bpfc job list --state S
-- --limit N, the Web API's bpfc_RetrieveJobs): read in this index's order,
-- the first N, where workflowjob_due (state, next_run_at) gave every job
-- of the state to sort, the whole history for succeeded.
CREATE INDEX workflowjob_by_state ON workflowjob (state, job_id);
