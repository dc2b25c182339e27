-- A move writes one row of the stage log, not two: the stay it begins
-- carries the end of the stay it ended (prev_id, that stay's id; its stage
-- and when it began, which reports group and filter by; the time of that
-- stay, prev_duration_ms). That stay ended when, by whom and how the new
-- one began. stageexit keeps the ends that no stay follows (finish,
-- abandon, delete) and every end written before this migration: a stay's
-- end is in exactly one of the two places. stagevisit_left indexes the
-- carried ends as stageexit_done does its own.
--
-- prev_duration_ms is written by the statement that begins the stay
-- (Dialect.Millis, the expression of stageexit's generated duration), not
-- generated: PostgreSQL prepares a stored generated column's expression
-- again for every statement that inserts, a cost on every move.
ALTER TABLE stagevisit ADD COLUMN prev_id INTEGER;
ALTER TABLE stagevisit ADD COLUMN prev_stage TEXT;
ALTER TABLE stagevisit ADD COLUMN prev_entered_on TEXT;
ALTER TABLE stagevisit ADD COLUMN prev_duration_ms INTEGER;
CREATE INDEX stagevisit_left ON stagevisit (workflow_id, prev_stage, prev_duration_ms) WHERE prev_id IS NOT NULL;
