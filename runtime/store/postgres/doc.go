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
// Writes come in two kinds (store.Store.Write and WriteShared). An
// exclusive one (an import, a migration) first writes a lease in
// environmentlease (until when it may be waiting), then, READ COMMITTED,
// takes the schema's environmentgate row FOR UPDATE — first with NOWAIT and
// then, after telling the caller it waits, for up to the busy timeout; a
// writer that still cannot have it fails with store.ErrBusy — and rewrites
// the one row of environmentlock, which waits for the shared transactions
// in flight; it ends its lease when it ends. A shared one (the run time:
// transitions, records, workflow jobs, from any number of processes) is
// REPEATABLE READ, begun by hand (BEGIN with its locks in one round trip):
// it locks the environmentlock row FOR SHARE NOWAIT until it ends, and while
// a lease runs or that lock fails it passes the gate instead (locks it FOR
// SHARE in a savepoint and rolls that back, so it never holds it; while an
// exclusive writer holds the gate, new shared writers wait there and cannot
// starve it) and then waits for the lock row. It holds the stage log's
// writes and sends them with its next statement or COMMIT as one pgx
// batch (pipeTx). Shared transactions thus run beside each other but never
// beside an exclusive one, and a shared transaction whose snapshot predates
// an exclusive commit fails to lock the rewritten row (serialization
// failure) and starts again, seeing the new definitions. Between shared
// transactions, row locks and REPEATABLE READ's first-updater-wins decide:
// of two that change the same row, the later fails with a serialization
// failure (or, crossing, a deadlock) and sqlstore runs it again on a new
// snapshot; optimistic checks on row versions (store.Tx.UpdateRow) turn a
// stale decision into store.ErrConflict. Job claims select FOR UPDATE SKIP
// LOCKED. The busy timeout is every connection's lock_timeout, so no
// statement of the store waits longer than that for another transaction
// (a row held longer fails a shared write with store.ErrBusy). Reads are
// REPEATABLE READ, READ ONLY: one consistent snapshot.
//
// A one-shot write (store.OneShotWriter: a move decided on rows the engine
// read before) is one statement in a transaction of its own, READ
// COMMITTED: it locks the lock row FOR SHARE NOWAIT (so an exclusive
// writer waits for it, and it does not wait for one), does nothing when
// the counter an exclusive writer adds to that row is not the one its
// snapshot has (one committed since the snapshot), a lease runs, the
// access stamp or import generation moved, or a row it was decided on is
// at another version; else it updates the row at its version and writes
// the stage log (data-modifying WITH). Moves that arrive while a
// process's one-shot statement is in flight queue, and the next statement
// applies all of one shape together, each on its own conditions (the
// writes bound as arrays and read back with unnest; sqlstore's
// OneShotBatchDialect). No advisory locks,
// no LISTEN/NOTIFY, no table locks: nothing outside plain SQL (row locks,
// savepoints) that PostgreSQL-compatible distributed databases also accept.
//
// Entry point: Open(ctx, url, Options).
package postgres
