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
// that a PostgreSQL backend will share. runtime/store/storetest is the
// conformance suite every backend must pass.
//
// Entry points: Store.Read and Store.Write run a function in a transaction;
// Write is exclusive per environment (a second writer waits up to the
// backend's busy timeout, then fails with ErrBusy).
package store
