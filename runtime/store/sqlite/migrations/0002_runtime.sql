-- The run time. Records and process instances live in the real tables of
-- their tables (deploy creates them); this adds the stage log: one row per
-- stay of an instance in a stage, written when the stage is entered and
-- completed when it is left, so that reports can measure time per stage.
-- Times are RFC 3339 text in UTC; '' = not yet.

CREATE TABLE stagevisit (
	stagevisit_id INTEGER PRIMARY KEY,
	instance_id TEXT NOT NULL,
	instance_table TEXT NOT NULL,
	workflow_id TEXT NOT NULL,
	stage_id TEXT NOT NULL,
	stage_name TEXT NOT NULL,
	entered_on TEXT NOT NULL,
	entered_by TEXT NOT NULL,
	entered_how TEXT NOT NULL,
	left_on TEXT NOT NULL DEFAULT '',
	left_by TEXT NOT NULL DEFAULT '',
	left_how TEXT NOT NULL DEFAULT ''
);
-- One index serves both a transition (an instance's latest visit is its
-- open one) and an instance's log; a transition only appends to it.
CREATE INDEX stagevisit_by_instance ON stagevisit (instance_id, stagevisit_id);
