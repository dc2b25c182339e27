-- The Web API's bearer tokens (bpfc user token). Only each token's SHA-256
-- is kept, never the token. A revoked token keeps its row, with the time it
-- was revoked, so that the list says what was issued and when it ended.
-- Times are RFC 3339 text in UTC; '' = not revoked.

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
