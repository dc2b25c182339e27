-- Report indexes that a transition writes once per stay and never updates.
-- Migration 0003 indexed the stage log by (workflow_id, stage_name,
-- duration_ms) for every stay: each stay entered that index when it began
-- (its duration empty) and moved in it when it ended, three index writes
-- per stay on the transitions' path; and by (workflow_id, entered_how,
-- stage_name, instance_id), whose instance ids made it the largest index a
-- report scans. They are replaced by:
--   stagevisit_entries: every stay by how it began and its stage, columns
--     written when the stay begins; reports count the stays of each stage
--     and find the entries by prev and reactivate on it;
--   stagevisit_done: the completed stays only (a partial index), each
--     written once, when the stay ends; reports read the count, total and
--     ordered-offset percentiles of the time in each stage on it.
DROP INDEX stagevisit_duration;
DROP INDEX stagevisit_by_how;
CREATE INDEX stagevisit_entries ON stagevisit (workflow_id, entered_how, stage_name);
CREATE INDEX stagevisit_done ON stagevisit (workflow_id, stage_name, duration_ms) WHERE left_on <> '';
