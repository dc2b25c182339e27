-- The table a value of a lookup to several tables points at (a customer
-- lookup's account or contact), as Dataverse keeps it beside the id
-- (parentcustomerid's parentcustomeridtype): an account and a contact may
-- share an id, and the id alone named whichever table came first. A row
-- per lookup written since this migration, for the value it was written
-- with (value_id): a value written before, or by a path that names no
-- table, has none, or one for another value, and is read as before (the
-- first of the lookup's tables holding the id).
CREATE TABLE lookuptarget (
	table_name TEXT NOT NULL,
	row_id TEXT NOT NULL,
	column_name TEXT NOT NULL,
	value_id TEXT NOT NULL,
	target TEXT NOT NULL,
	PRIMARY KEY (table_name, row_id, column_name)
);
