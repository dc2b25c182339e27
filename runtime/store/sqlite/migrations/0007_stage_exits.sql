-- The stage log becomes append-only: a stay's end is a row of its own,
-- stageexit, written once, instead of an update of the stay's row. Ending
-- a stay in place rewrote the row and, as the completed stays' index
-- (stagevisit_done) is partial on left_on, the row's entries in every
-- index of the log: the costliest write of a transition. An exit copies
-- what reports group and filter by (flow, stage, when the stay began), so
-- that they read the exits alone.
--
-- stagevisit_id is indexed, not unique: a unique index makes an insert
-- wait for a concurrent one of the same key, and a move that updated the
-- instance first would then wait for one that wrote the exit first while
-- that one waits for the instance (a deadlock). Every exit goes with a
-- change of its instance's row, so of two that end one stay only one
-- commits.
CREATE TABLE stageexit (
	stagevisit_id INTEGER NOT NULL,
	workflow_id TEXT NOT NULL,
	stage_name TEXT NOT NULL,
	entered_on TEXT NOT NULL,
	left_on TEXT NOT NULL,
	left_by TEXT NOT NULL,
	left_how TEXT NOT NULL,
	duration_ms INTEGER GENERATED ALWAYS AS (
		CAST(ROUND((julianday(substr(left_on, 1, 23)) - julianday(substr(entered_on, 1, 23))) * 86400000.0) AS INTEGER)
	) VIRTUAL
);
INSERT INTO stageexit (stagevisit_id, workflow_id, stage_name, entered_on, left_on, left_by, left_how)
SELECT stagevisit_id, workflow_id, stage_name, entered_on, left_on, left_by, left_how FROM stagevisit WHERE left_on <> '';
CREATE INDEX stageexit_by_visit ON stageexit (stagevisit_id);
CREATE INDEX stageexit_done ON stageexit (workflow_id, stage_name, duration_ms);
DROP INDEX stagevisit_done;
ALTER TABLE stagevisit DROP COLUMN duration_ms;
ALTER TABLE stagevisit DROP COLUMN left_on;
ALTER TABLE stagevisit DROP COLUMN left_by;
ALTER TABLE stagevisit DROP COLUMN left_how;
