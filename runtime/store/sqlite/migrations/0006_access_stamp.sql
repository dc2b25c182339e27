-- The access stamp: a count of the changes to users, roles and privileges,
-- raised by every statement of the store that makes one, in the same
-- transaction. A server reads it with its locks and reads a user's access
-- once per stamp (and import generation), not once per stage transition.

CREATE TABLE accessstamp (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n INTEGER NOT NULL
);
INSERT INTO accessstamp (id, n) VALUES (1, 1);
