-- As runtime/store/sqlite/migrations/0008_folded_exits.sql: a stay carries
-- the end of the stay its move ended, so that a move writes one row of the
-- stage log; stageexit keeps the ends no stay follows and the older ones.
ALTER TABLE stagevisit ADD COLUMN prev_id BIGINT;
ALTER TABLE stagevisit ADD COLUMN prev_stage TEXT;
ALTER TABLE stagevisit ADD COLUMN prev_entered_on TEXT;
ALTER TABLE stagevisit ADD COLUMN prev_duration_ms BIGINT;
CREATE INDEX stagevisit_left ON stagevisit (workflow_id, prev_stage, prev_duration_ms) WHERE prev_id IS NOT NULL;
