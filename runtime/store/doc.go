// Package store defines the environment store: what an environment holds
// (publishers, solutions and their components, workflow records and process
// stages, environment variables, tables and columns with their real SQL
// tables and their rows, roles and privileges, users, imported archives,
// deployed model snapshots, the import history and the run time's stage
// log) and the one interface every backend implements.
//
// Rows are read and written with the caller's table metadata (GetRow,
// FindRows, UpdateRow, DeleteRow) and carry a row version (versionnumber)
// that UpdateRow checks when asked: optimistic concurrency, ErrConflict.
//
// Backends: runtime/store/sqlite (the embedded default, one file per
// environment) over runtime/store/sqlstore, the database/sql implementation
// that the PostgreSQL backend (runtime/store/postgres) shares. runtime/store/storetest is the
// conformance suite every backend must pass.
//
// Entry points: Store.Read, Store.Write and Store.WriteShared run a
// function in a transaction. Write is exclusive per environment (a second
// writer waits up to the backend's busy timeout, then fails with ErrBusy):
// imports, migrations, anything that changes definitions. WriteShared is
// for the run time's changes of rows (transitions, records, workflow jobs):
// it excludes Write but not other shared writes, which a backend may run
// beside each other (PostgreSQL, from several processes); two that change
// the same row cannot both commit — the loser is run again, up to
// MaxSharedAttempts times, then fails with ErrConflict.
package store
