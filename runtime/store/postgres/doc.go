// Package postgres is the shared environment store: an environment on a
// PostgreSQL server (through jackc/pgx/v5's database/sql driver), served by
// the same runtime/store/sqlstore code as SQLite and passing the same
// conformance suite.
//
// Isolation: one schema per environment. The connection URL names a
// database; the environment lives in the schema SchemaFor(name) ("bpfc_dev"
// for dev), which Open creates, so several environments can share one
// database and one login while never seeing each other's tables. Every
// connection's search_path is that schema alone.
//
// Writes: every write transaction (an import, a migration) starts by locking
// the one row of the schema's environmentlock table with SELECT … FOR UPDATE,
// first with NOWAIT and then, after telling the caller it waits, for up to
// the busy timeout; a writer that still cannot have it fails with
// store.ErrBusy. The busy timeout is every connection's lock_timeout, so no
// statement of the store waits longer than that for another transaction.
// Write transactions are READ COMMITTED, so each statement after the lock
// sees everything the previous writer committed; reads are REPEATABLE READ,
// READ ONLY: one consistent snapshot. No advisory locks, no LISTEN/NOTIFY,
// nothing outside plain SQL that PostgreSQL-compatible distributed
// databases also accept.
//
// Entry point: Open(ctx, url, Options).
package postgres
