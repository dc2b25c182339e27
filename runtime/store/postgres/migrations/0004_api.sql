-- As runtime/store/sqlite/migrations/0004_api.sql: the Web API's bearer
-- tokens, kept as their SHA-256 only.

CREATE TABLE apitoken (
	token_id TEXT PRIMARY KEY,
	user_name TEXT NOT NULL,
	token_sha256 TEXT NOT NULL UNIQUE,
	label TEXT NOT NULL DEFAULT '',
	created_on TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	revoked_on TEXT NOT NULL DEFAULT ''
);
CREATE INDEX apitoken_by_user ON apitoken (user_name);
