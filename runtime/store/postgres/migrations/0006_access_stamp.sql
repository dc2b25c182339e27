-- As runtime/store/sqlite/migrations/0006_access_stamp.sql: a count of the
-- changes to users, roles and privileges, read with the locks of every
-- shared write so that a user's access is read once per stamp.

CREATE TABLE accessstamp (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n BIGINT NOT NULL
);
INSERT INTO accessstamp (id, n) VALUES (1, 1);
