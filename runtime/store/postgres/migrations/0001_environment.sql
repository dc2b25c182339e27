-- The environment, as runtime/store/sqlite/migrations/0001_environment.sql
-- has it, in PostgreSQL's types: the same tables, columns, keys and indexes,
-- so that sqlstore's SQL runs unchanged. Times stay RFC 3339 text in UTC and
-- flags 0/1 integers (as sqlstore writes them); BLOB is BYTEA; the import
-- history's id is an identity column. Every table lives in the environment's
-- own schema (the connection's search_path).

CREATE TABLE organization (
	name TEXT PRIMARY KEY,
	created_on TEXT NOT NULL,
	catalog_digest TEXT NOT NULL DEFAULT ''
);

CREATE TABLE publisher (
	name TEXT PRIMARY KEY,
	display_name TEXT NOT NULL DEFAULT '',
	prefix TEXT NOT NULL,
	option_value_prefix INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE solution (
	name TEXT PRIMARY KEY,
	display_name TEXT NOT NULL DEFAULT '',
	version TEXT NOT NULL,
	managed INTEGER NOT NULL,
	publisher TEXT NOT NULL REFERENCES publisher (name),
	state TEXT NOT NULL CHECK (state IN ('installed', 'holding')),
	upgrade_of TEXT NOT NULL DEFAULT '',
	build_digest TEXT NOT NULL DEFAULT '',
	archive_sha256 TEXT NOT NULL DEFAULT '',
	installed_on TEXT NOT NULL,
	modified_on TEXT NOT NULL
);

CREATE TABLE solutioncomponent (
	solution TEXT NOT NULL REFERENCES solution (name) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	object_id TEXT NOT NULL,
	PRIMARY KEY (solution, kind, name)
);

CREATE TABLE workflow (
	workflow_id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	unique_name TEXT NOT NULL,
	solution TEXT NOT NULL DEFAULT '',
	category INTEGER NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	primary_table TEXT NOT NULL DEFAULT '',
	flow_type TEXT NOT NULL DEFAULT '',
	mode TEXT NOT NULL DEFAULT '',
	process_order INTEGER NOT NULL DEFAULT 0,
	statecode INTEGER NOT NULL DEFAULT 0,
	instance_table TEXT NOT NULL DEFAULT '',
	xaml TEXT NOT NULL DEFAULT '',
	definition BYTEA,
	created_on TEXT NOT NULL,
	modified_on TEXT NOT NULL
);
CREATE INDEX workflow_by_table ON workflow (category, primary_table);

CREATE TABLE processstage (
	processstage_id TEXT PRIMARY KEY,
	workflow_id TEXT NOT NULL REFERENCES workflow (workflow_id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	name TEXT NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	category INTEGER NOT NULL DEFAULT -1,
	table_name TEXT NOT NULL,
	relationship TEXT NOT NULL DEFAULT '',
	next_stage TEXT NOT NULL DEFAULT '',
	-- The stage's steps and branches, in order, as JSON arrays (as Dataverse
	-- keeps them in the process's client data rather than in rows).
	steps TEXT NOT NULL DEFAULT '[]',
	branches TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX processstage_by_workflow ON processstage (workflow_id, position);

CREATE TABLE environmentvariabledefinition (
	schema_name TEXT PRIMARY KEY,
	definition_id TEXT NOT NULL,
	name TEXT NOT NULL,
	solution TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL,
	default_value TEXT,
	display_name TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT ''
);

-- A secret's value is stored only sealed (AES-GCM); value is then ''.
CREATE TABLE environmentvariablevalue (
	schema_name TEXT PRIMARY KEY REFERENCES environmentvariabledefinition (schema_name) ON DELETE CASCADE,
	value TEXT NOT NULL DEFAULT '',
	sealed BYTEA,
	source TEXT NOT NULL,
	modified_on TEXT NOT NULL
);

-- Table metadata; every entity row has a real SQL table of the same name.
CREATE TABLE entity (
	name TEXT PRIMARY KEY,
	display_name TEXT NOT NULL DEFAULT '',
	entity_set_name TEXT NOT NULL DEFAULT '',
	primary_key TEXT NOT NULL,
	primary_column TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('standard', 'custom', 'instance')),
	solution TEXT NOT NULL DEFAULT ''
);

CREATE TABLE attribute (
	entity TEXT NOT NULL REFERENCES entity (name) ON DELETE CASCADE,
	name TEXT NOT NULL,
	position INTEGER NOT NULL,
	display_name TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL,
	max_length INTEGER NOT NULL DEFAULT 0,
	targets TEXT NOT NULL DEFAULT '',
	options TEXT NOT NULL DEFAULT '[]',
	required INTEGER NOT NULL DEFAULT 0,
	is_system INTEGER NOT NULL DEFAULT 0,
	solution TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (entity, name)
);

CREATE TABLE role (
	name TEXT PRIMARY KEY,
	role_id TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL DEFAULT '',
	solution TEXT NOT NULL DEFAULT '',
	builtin INTEGER NOT NULL DEFAULT 0,
	full_access INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE roleprivilege (
	role TEXT NOT NULL REFERENCES role (name) ON DELETE CASCADE,
	table_name TEXT NOT NULL,
	privilege TEXT NOT NULL,
	depth TEXT NOT NULL,
	PRIMARY KEY (role, table_name, privilege)
);

CREATE TABLE systemuserroles (
	systemuserid TEXT NOT NULL,
	role TEXT NOT NULL REFERENCES role (name) ON DELETE CASCADE,
	PRIMARY KEY (systemuserid, role)
);

CREATE TABLE importarchive (
	sha256 TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	managed INTEGER NOT NULL,
	data BYTEA NOT NULL,
	imported_on TEXT NOT NULL
);

CREATE TABLE modelsnapshot (
	digest TEXT PRIMARY KEY,
	solution TEXT NOT NULL,
	version TEXT NOT NULL,
	model BYTEA NOT NULL,
	unmanaged_sha256 TEXT NOT NULL DEFAULT '',
	managed_sha256 TEXT NOT NULL DEFAULT '',
	created_on TEXT NOT NULL
);

CREATE TABLE importjob (
	importjob_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	operation TEXT NOT NULL,
	solution TEXT NOT NULL,
	version TEXT NOT NULL DEFAULT '',
	managed INTEGER NOT NULL DEFAULT 0,
	mode TEXT NOT NULL DEFAULT '',
	who TEXT NOT NULL DEFAULT '',
	started_on TEXT NOT NULL,
	duration_ms BIGINT NOT NULL DEFAULT 0,
	archive_sha256 TEXT NOT NULL DEFAULT '',
	build_digest TEXT NOT NULL DEFAULT '',
	result TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT ''
);
