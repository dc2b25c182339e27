-- As runtime/store/sqlite/migrations/0007_stage_exits.sql: the stage log
-- becomes append-only, a stay's end a row of stageexit (indexed by the
-- stay, not unique: see there), with the time of the stay generated as in
-- migration 0003.
CREATE TABLE stageexit (
	stagevisit_id BIGINT NOT NULL,
	workflow_id TEXT NOT NULL,
	stage_name TEXT NOT NULL,
	entered_on TEXT NOT NULL,
	left_on TEXT NOT NULL,
	left_by TEXT NOT NULL,
	left_how TEXT NOT NULL,
	duration_ms BIGINT GENERATED ALWAYS AS (
		round(extract(epoch FROM
			make_timestamp(substr(left_on, 1, 4)::int, substr(left_on, 6, 2)::int, substr(left_on, 9, 2)::int,
				substr(left_on, 12, 2)::int, substr(left_on, 15, 2)::int, rtrim(substr(left_on, 18, 6), 'Z')::double precision)
			- make_timestamp(substr(entered_on, 1, 4)::int, substr(entered_on, 6, 2)::int, substr(entered_on, 9, 2)::int,
				substr(entered_on, 12, 2)::int, substr(entered_on, 15, 2)::int, rtrim(substr(entered_on, 18, 6), 'Z')::double precision)
		) * 1000)::bigint
	) STORED
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
