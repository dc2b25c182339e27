package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
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
	BeginWrite(ctx context.Context, db *sql.DB, onWait func()) (*Txn, error)
	// IsBusy reports whether err says another writer holds the database.
	IsBusy(err error) bool
	// IsNoTable reports whether err says a table the statement names does
	// not exist: only then is a store whose schema version cannot be read
	// a new one.
	IsNoTable(err error) bool
	// IsUniqueViolation reports whether err says a statement would have
	// made two rows with the same key (a primary key or a unique index).
	IsUniqueViolation(err error) bool
	// Millis is an SQL expression for the milliseconds (rounded, an
	// integer) from the stored time from to the stored time to (both SQL
	// expressions of formatTime's text), as the stage log's generated
	// durations count them.
	Millis(from, to string) string
	// Lower is an SQL expression for text x in lower case, every letter's
	// (not only A to Z's): what queries compare and sort text columns by,
	// the values they compare them with lowered the same way, so that a
	// value matches itself and pages never lose or repeat a row.
	Lower(x string) string
	// MatchSets is an SQL condition that text x (lowered) matches a LIKE
	// pattern that holds sets of characters ([a-c], [^a]; store.ParseLike),
	// which SQL's LIKE lacks. parts are the whole pattern: anchored at
	// both ends (a contains' leading and trailing % are in it). param
	// binds the dialect's pattern text, lowered as x is.
	MatchSets(x string, parts []store.LikePart, param func(pattern string) string) string
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
	// writer as BeginWrite does (onWait, IsBusy), until the busy timeout
	// after since: when the write began, so that the attempts of one
	// write (store.Store.WriteShared) wait that long in all.
	// It reads the access stamp and import generation in the same round
	// trip, so that a user's access read under them is not read again.
	BeginShared(ctx context.Context, db *sql.DB, onWait func(), since time.Time) (*Txn, error)
	// IsRetryable reports whether err says the transaction lost a race
	// with a concurrent one (a serialization failure, a deadlock) and
	// nothing of it remains: run it again.
	IsRetryable(err error) bool
}

// UncertainCommitDialect is a Dialect whose COMMIT may fail without the
// server's answer, so that the server may have committed: its driver gives
// up on the connection when the context ends in flight (pgx closes it), or
// the connection is lost under it (the backend ended, the socket reset).
// CommitUncertain tells whether err, the failed Commit's error, is such a
// failure (ended: the context ended meanwhile) rather than a COMMIT that
// never left or that the server refused (a deferred constraint, a
// serialization failure: it rolled back).
type UncertainCommitDialect interface {
	CommitUncertain(err error, ended bool) bool
}

// TxConn runs a transaction's statements: a *sql.Tx, or a transaction a
// dialect began by hand on one connection (to send BEGIN with its locks).
type TxConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	Commit() error
	Rollback() error
}

// Pipeline is a TxConn that holds writes whose results nobody reads
// (ExecLater) until the next statement goes to the database, and sends
// them with it, or with COMMIT, in one round trip. Err is the error of a
// held write, if one failed: the transaction's error, whatever the
// statement that carried it reported.
type Pipeline interface {
	ExecLater(query string, args ...any)
	Err() error
}

// Txn is a write transaction as BeginWrite or BeginShared starts it.
type Txn struct {
	Conn *sql.Conn
	Tx   TxConn
	// AccessStamp and ImportGeneration are the environment's access stamp
	// (see access.go) and its latest import job's id as the transaction's
	// snapshot has them; AccessStamp 0 if unknown.
	AccessStamp, ImportGeneration int64
}
