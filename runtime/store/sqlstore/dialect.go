package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
)

// Dialect is what differs between the databases a Store runs on.
type Dialect interface {
	// Name is the backend name reported in store.Meta ("sqlite").
	Name() string
	// Migrations holds the schema migrations, files named NNNN_name.sql,
	// applied in order of NNNN.
	Migrations() fs.FS
	// ColumnType is the SQL type of a column of the given bpfc column type
	// (store.Column.Type).
	ColumnType(colType string) string
	// BeginWrite starts the environment's exclusive write transaction on a
	// connection of its own. When another writer holds the environment it
	// calls onWait once (at the latest when the wait becomes noticeable, and
	// before it returns), waits up to its busy timeout, then returns an
	// error for which IsBusy holds.
	BeginWrite(ctx context.Context, db *sql.DB, onWait func()) (*sql.Conn, *sql.Tx, error)
	// IsBusy reports whether err says another writer holds the database.
	IsBusy(err error) bool
	// IsUniqueViolation reports whether err says a statement would have
	// made two rows with the same key (a primary key or a unique index).
	IsUniqueViolation(err error) bool
}

// SharedDialect is a Dialect whose database runs run-time write
// transactions beside each other (store.Store.WriteShared). Without it,
// WriteShared is BeginWrite's exclusive transaction, queued in the process.
type SharedDialect interface {
	Dialect
	// BeginShared starts a run-time write transaction on a connection of
	// its own: it excludes BeginWrite's transactions but not other
	// BeginShared ones, and reads one snapshot taken after every exclusive
	// transaction that committed before it. It waits for an exclusive
	// writer as BeginWrite does (onWait, the busy timeout, IsBusy).
	BeginShared(ctx context.Context, db *sql.DB, onWait func()) (*sql.Conn, *sql.Tx, error)
	// IsRetryable reports whether err says the transaction lost a race
	// with a concurrent one (a serialization failure, a deadlock) and
	// nothing of it remains: run it again.
	IsRetryable(err error) bool
}
