-- The variables' values as the environment held them before a staged
-- upgrade changed them, by holding solution: cancelling the upgrade
-- (uninstalling the holding solution) gives them back, as Dataverse's
-- cancel returns to the installed version's state. had = 0: it held none.
CREATE TABLE stagedvariablevalue (
	holding TEXT NOT NULL,
	schema_name TEXT NOT NULL,
	had INTEGER NOT NULL,
	value TEXT NOT NULL DEFAULT '',
	sealed BYTEA,
	source TEXT NOT NULL DEFAULT '',
	modified_on TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (holding, schema_name)
);
