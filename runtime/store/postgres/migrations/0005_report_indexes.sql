-- As runtime/store/sqlite/migrations/0005_report_indexes.sql: the stage
-- log's report indexes are written once per stay, never updated: every
-- stay by how it began and its stage, and the completed stays' times (a
-- partial index, written when a stay ends).
DROP INDEX stagevisit_duration;
DROP INDEX stagevisit_by_how;
CREATE INDEX stagevisit_entries ON stagevisit (workflow_id, entered_how, stage_name);
CREATE INDEX stagevisit_done ON stagevisit (workflow_id, stage_name, duration_ms) WHERE left_on <> '';
