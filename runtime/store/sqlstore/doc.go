// Package sqlstore implements store.Store over database/sql with portable
// SQL: $N placeholders, INSERT … ON CONFLICT … DO UPDATE, RETURNING, quoted
// identifiers, text timestamps (RFC 3339, UTC) and 0/1 integers for flags.
// What differs between databases — the SQL type of a column type, the
// migrations, how the exclusive write transaction is taken and how a busy
// database reports itself — is a Dialect (runtime/store/sqlite,
// runtime/store/postgres through pgx/v5/stdlib). A SharedDialect also
// starts shared write transactions (store.Store.WriteShared) that run
// beside each other and says which errors mean a lost race; DB.WriteShared
// runs those again, with a short jittered pause, up to
// store.MaxSharedAttempts times. Without it WriteShared is the exclusive
// transaction, queued in the process.
//
// The statements of hot paths (rows, a user's access, the stage log) are
// prepared once per database and reused by every transaction. A shared
// write whose dialect reports the access stamp (access.go) reads a user's
// access once per stamp; one whose transaction is a Pipeline holds the
// stage log's writes for its next round trip.
//
// Entry point: Open(ctx, db, dialect, options) migrates the schema (embedded,
// versioned, applied in one transaction and recorded in schema_migrations)
// and creates a new environment's standard tables, built-in roles and
// administrator.
package sqlstore
