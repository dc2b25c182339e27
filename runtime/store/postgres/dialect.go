package postgres

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// dialect is PostgreSQL for sqlstore: a sqlstore.SharedDialect.
type dialect struct {
	busy time.Duration
	// foldICU: the database's lower() folds A to Z only (its collation
	// is C or POSIX) and ICU's root collation is there to fold the rest.
	foldICU bool
}

var _ sqlstore.SharedDialect = (*dialect)(nil)

func (d *dialect) Name() string { return "postgres" }

// Lower is PostgreSQL's lower(), which folds every letter under the
// database's collation but A to Z only under C or POSIX; there, ICU's root
// collation folds the rest when the server has it (lower()'s result then
// compares and sorts under the database's collation again, as SQLite's
// store does: by code point).
func (d *dialect) Lower(x string) string {
	if d.foldICU {
		return `(LOWER((` + x + `)::text COLLATE "und-x-icu") COLLATE "default")`
	}
	return "LOWER(" + x + ")"
}

// foldsByICU tells whether db's lower() needs ICU to fold letters beyond A
// to Z (dialect.foldICU): it does not fold them itself, and the collation
// is there. A database that cannot say (a PostgreSQL-compatible one
// without pg_collation) keeps its own lower().
func foldsByICU(ctx context.Context, db *sql.DB) bool {
	var folds, icu bool
	err := db.QueryRowContext(ctx, `SELECT lower('ÄΣЖ') = 'äσж', EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu')`).Scan(&folds, &icu)
	return err == nil && !folds && icu
}

func (d *dialect) Migrations() fs.FS { return Migrations() }

func (d *dialect) Millis(from, to string) string {
	return `round(extract(epoch FROM ` + timestamp(to) + ` - ` + timestamp(from) + `) * 1000)::bigint`
}

// timestamp reads a stored time (RFC 3339 text in UTC) as a timestamp,
// as the migrations' generated durations do.
func timestamp(t string) string {
	return `make_timestamp(substr(` + t + `, 1, 4)::int, substr(` + t + `, 6, 2)::int, substr(` + t + `, 9, 2)::int,
	substr(` + t + `, 12, 2)::int, substr(` + t + `, 15, 2)::int, rtrim(substr(` + t + `, 18, 6), 'Z')::double precision)`
}

// ColumnType keeps SQLite's storage classes, so that values read back have
// the same Go types on both backends: 64-bit integers for integers, choices
// and flags (0/1), doubles for decimal and money, text for the rest.
func (d *dialect) ColumnType(colType string) string {
	switch colType {
	case "integer", "choice", "state", "status", "boolean", store.TypeRowVersion:
		return "BIGINT"
	case "decimal", "money":
		return "DOUBLE PRECISION"
	}
	return "TEXT" // string memo email lookup customer uniqueidentifier datetime
}

// The environment's write locks are one-row tables of its schema (see
// prepare): environmentlock, which every write transaction locks, exclusive
// ones by rewriting its row, shared ones FOR SHARE; environmentgate, a
// turnstile that an exclusive writer holds FOR UPDATE while it waits for the
// shared transactions in flight, so that a steady stream of new ones cannot
// starve it: a shared writer passes the gate (locks it FOR SHARE in a
// savepoint and rolls that back, which releases the lock); and
// environmentlease, where an exclusive writer says, before it takes the
// gate, until when it may be waiting. Passing the gate costs a savepoint
// and a lock; a shared writer does it only while the lease runs, or when
// the lock row is held (NOWAIT): otherwise no exclusive writer waits or
// holds the environment.

// BeginWrite takes the gate, first without waiting; when another exclusive
// writer holds it, it tells onWait and waits for it. Then it rewrites the
// lock row, which waits for the shared transactions that hold it and makes
// every shared transaction whose snapshot is older than this one's commit
// fail to lock it (a serialization failure: it starts again and sees what
// this one did). Its waits together last the busy timeout at most (wait).
func (d *dialect) BeginWrite(ctx context.Context, db *sql.DB, onWait func()) (*sqlstore.Txn, error) {
	deadline := time.Now().Add(d.busy)
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// The lease covers the waits below, committed before them so that the
	// shared writers that start from now on pass the gate; it ends with
	// the transaction.
	lease, err := takeLease(ctx, conn, d.busy+time.Second)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// The first try waits for the lock row only (up to the connection's
	// lock_timeout, the busy timeout), not for the gate: a wait there
	// is told and takes what is left of the busy timeout.
	tx, err := d.lock(ctx, conn, sql.LevelReadCommitted, exclusiveLocks(" NOWAIT", 0))
	if left := time.Until(deadline); err != nil && d.IsBusy(err) && left >= time.Millisecond {
		onWait()
		tx, err = d.lock(ctx, conn, sql.LevelReadCommitted, exclusiveLocks("", left))
	}
	if err != nil {
		endLease(ctx, conn, lease)
		conn.Close()
		return nil, err
	}
	return &sqlstore.Txn{Conn: conn, Tx: &leasedTx{Tx: tx, ctx: ctx, conn: conn, lease: lease}}, nil
}

// exclusiveLocks takes the gate (NOWAIT: or fails at once) and rewrites the
// lock row; left, unless 0, is how long the two may wait together (wait).
// The last statement returns the lock row: lock checks that it is there.
func exclusiveLocks(wait string, left time.Duration) string {
	return waitAtMost(left, `SELECT id FROM environmentgate WHERE id = 1 FOR UPDATE`+wait,
		`UPDATE environmentlock SET n = n + 1 WHERE id = 1`) + `;
SELECT id FROM environmentlock WHERE id = 1`
}

// waitAtMost runs the statements (each of which may wait for a lock) one
// after the other in one message, so that their waits together last at
// most left: PostgreSQL's lock_timeout bounds each wait for a lock on its
// own, so before each statement it is set to what is left of left since
// the message came (statement_timestamp() is when it came, for every
// statement of it), and afterwards it is the session's again. left 0: the
// statements alone, each wait bounded by the session's lock_timeout.
func waitAtMost(left time.Duration, stmts ...string) string {
	if left <= 0 {
		return strings.Join(stmts, ";\n")
	}
	var b strings.Builder
	for _, st := range stmts {
		fmt.Fprintf(&b, `SELECT set_config('lock_timeout', GREATEST(1, %d - floor(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000))::bigint::text, true);
%s;
`, left.Milliseconds(), st)
	}
	b.WriteString(`SELECT set_config('lock_timeout', reset_val, true) FROM pg_settings WHERE name = 'lock_timeout'`)
	return b.String()
}

var _ sqlstore.OneShotDialect = (*dialect)(nil)

// OneShotFence locks the lock row FOR SHARE NOWAIT, as a shared
// transaction does, for the one statement of a one-shot write. The
// statement reads a READ COMMITTED snapshot, but a row it locks is the
// row's newest version: when an exclusive writer committed after the
// snapshot, the counter it locked is not the one its snapshot has, and the
// write does nothing. While an exclusive writer holds the row, NOWAIT
// fails; while its lease runs (it waits for the row), the write does
// nothing and the caller passes the gate in a shared transaction.
func (d *dialect) OneShotFence(stamp, generation string) (with, cond string) {
	return `l AS (SELECT n FROM environmentlock WHERE id = 1 FOR SHARE NOWAIT),`,
		`(SELECT n FROM l) = (SELECT n FROM environmentlock WHERE id = 1)
 AND NOT EXISTS (SELECT 1 FROM environmentlease WHERE id = 1 AND closed_until > now())
 AND (SELECT n FROM accessstamp WHERE id = 1) = ` + stamp + `
 AND (SELECT COALESCE(MAX(importjob_id), 0) FROM importjob) = ` + generation
}

var _ sqlstore.OneShotBatchDialect = (*dialect)(nil)

func init() {
	store.RegisterStorageFull(DiskFull)
	store.RegisterConnectionLost(ConnectionLost)
	store.RegisterUnreachable(func(err error) bool {
		var ce *pgconn.ConnectError
		return errors.As(err, &ce) && !ConnectRefused(err)
	})
	store.RegisterRefused(ConnectRefused)
	store.RegisterSchemaMismatch(func(err error) bool {
		var pe *pgconn.PgError // undefined_column, undefined_table
		return errors.As(err, &pe) && (pe.Code == "42703" || pe.Code == "42P01")
	})
}

// ConnectRefused: a connection that could not be made because the server
// refused what the store URL asks for, which trying again does not change:
// a sign-in refused (class 28: no such role, a wrong password, no
// pg_hba.conf entry that lets it in), no such database (3D000), a role
// without CONNECT on it (42501), a URL parameter sent as a setting the
// server does not know (42704) or with a value it does not take (22023),
// or TLS that failed for its settings (a certificate not trusted or not
// for the host, a server without TLS for an sslmode that requires it).
// Every address and mode tried must have failed so: when one was
// unreachable (down, too many connections, starting up), a later try may
// reach it, and the error stays unreachable; only an address of a host
// name that could not be dialled while another of its addresses refused
// does not count (allRefused).
func ConnectRefused(err error) bool {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) {
		return false
	}
	return allRefused(ce.Unwrap())
}

// allRefused: err, and each of the errors it joins (one per attempt), says
// a refusal (refusedAttempt) somewhere in its chain. An attempt that could
// not dial one address of a host name (and port) whose other address
// refused counts as refused: it is the same server, reached there
// (localhost as ::1, where the server listens on 127.0.0.1 only).
func allRefused(err error) bool {
	for err != nil {
		if refusedAttempt(err) {
			return true
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs := j.Unwrap()
			answered := map[string]bool{} // host (port) of a refused attempt
			var undialed []error
			for _, e := range errs {
				if allRefused(e) {
					if host, _, ok := attemptOf(e); ok {
						answered[host] = true
					}
					continue
				}
				undialed = append(undialed, e)
			}
			for _, e := range undialed {
				if host, dial, ok := attemptOf(e); !ok || !dial || !answered[host] {
					return false
				}
			}
			return len(errs) > 0
		}
		err = errors.Unwrap(err)
	}
	return false
}

// attemptOf reads one connection attempt's error as pgx says it
// ("ADDRESS (HOST NAME): dial error: …"; its type is not exported): the
// host name with the address's port, and whether the address could not be
// dialled.
func attemptOf(err error) (host string, dial, ok bool) {
	address, rest, ok := strings.Cut(err.Error(), " (")
	if !ok || strings.ContainsRune(address, ' ') {
		return "", false, false
	}
	name, detail, ok := strings.Cut(rest, "): ")
	if !ok {
		return "", false, false
	}
	port := address
	if _, p, err := net.SplitHostPort(address); err == nil {
		port = p
	}
	return name + " " + port, strings.HasPrefix(detail, "dial error: "), true
}

// refusedAttempt: err itself (not what it wraps) is one of ConnectRefused's
// refusals.
func refusedAttempt(err error) bool {
	switch e := err.(type) {
	case *pgconn.PgError:
		switch e.Code {
		case "3D000", "42501", "42704", "22023":
			return true
		}
		return strings.HasPrefix(e.Code, "28")
	case x509.UnknownAuthorityError, x509.HostnameError, x509.CertificateInvalidError, *tls.CertificateVerificationError:
		return true
	}
	// pgx's own words, for sslmode=require (or verify-*) against a
	// server with ssl off: no type says it.
	return err.Error() == "server refused TLS connection"
}

// InsufficientPrivilege: the database user may not do what the statement
// does (SQLSTATE 42501), e.g. a read-only user's write. Not a connection
// refused with 42501 (no CONNECT on the database, a URL parameter it may
// not set): that is ConnectRefused, and withHint says what to do.
func InsufficientPrivilege(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501" && !errors.As(err, new(*pgconn.ConnectError))
}

// ConnectionLost: a connection to the server went while in use — ended
// by the server (admin_shutdown, crash_shutdown, cannot_connect_now: SQLSTATE
// 57P01–57P03), a connection exception (class 08), or the socket closed or
// broken under the driver as it read or wrote. Not a connection that was
// never made (a dial or a sign-in that failed: nothing was sent), nor a
// context that ended.
func ConnectionLost(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Op == "read" || oe.Op == "write"
	}
	return errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}

// DiskFull: err is PostgreSQL's disk_full (SQLSTATE 53100): the statement
// failed and its transaction rolled back.
func DiskFull(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "53100"
}

// IsStatementError: an error the server reported for the statement (a
// constraint, a type, a value); it rolled the statement back.
func (d *dialect) IsStatementError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe)
}

// Unnest: PostgreSQL's unnest of several arrays, one row per index.
func (d *dialect) Unnest(params, types []string, alias string, cols []string) string {
	args := make([]string, len(params))
	for i, p := range params {
		args[i] = p + "::" + types[i] + "[]"
	}
	return "unnest(" + strings.Join(args, ", ") + ") AS " + alias + "(" + strings.Join(cols, ", ") + ")"
}

// BeginShared starts a REPEATABLE READ transaction that passes the gate and
// locks the lock row FOR SHARE: shared transactions run beside each other,
// never beside an exclusive one. When an exclusive writer holds the gate it
// tells onWait and waits for it (until the busy timeout after since) in a
// transaction whose snapshot is then stale: its lock of the rewritten lock
// row fails with a serialization failure (IsRetryable), and
// store.WriteShared starts again on a new snapshot. BEGIN, the locks and the read of the access
// stamp go in one round trip, and the transaction holds the stage log's
// writes for the next one (pipeTx).
func (d *dialect) BeginShared(ctx context.Context, db *sql.DB, onWait func(), since time.Time) (*sqlstore.Txn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	deadline := since.Add(d.busy)
	st, err := beginShared(ctx, conn, fastLocks)
	if err != nil && d.IsBusy(err) && !d.IsRetryable(err) || err == nil && st.gated {
		// An exclusive writer holds the lock row, or may be waiting for it.
		st, err = beginShared(ctx, conn, sharedLocks(" NOWAIT", 0))
		if left := time.Until(deadline); err != nil && d.IsBusy(err) && !d.IsRetryable(err) && left >= time.Millisecond {
			onWait()
			st, err = beginShared(ctx, conn, sharedLocks("", left))
		}
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return st.Txn, nil
}

// fastLocks begins a shared transaction without the gate: it locks the
// lock row unless an exclusive writer holds it (NOWAIT) and says whether
// the lease runs (then the transaction passes the gate instead).
const fastLocks = `BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT a.n, (SELECT COALESCE(MAX(importjob_id), 0) FROM importjob), CASE WHEN g.closed_until > now() THEN 1 ELSE 0 END
FROM environmentlock l, accessstamp a, environmentlease g WHERE l.id = 1 AND a.id = 1 AND g.id = 1 FOR SHARE OF l NOWAIT`

// sharedLocks passes the gate and locks the lock row, both NOWAIT (or
// failing at once) or waiting at most left together (waitAtMost).
func sharedLocks(wait string, left time.Duration) string {
	return "BEGIN ISOLATION LEVEL REPEATABLE READ;\n" + waitAtMost(left, `SAVEPOINT bpfc_gate;
SELECT id FROM environmentgate WHERE id = 1 FOR SHARE`+wait+`;
ROLLBACK TO SAVEPOINT bpfc_gate;
RELEASE SAVEPOINT bpfc_gate`, `SELECT a.n, (SELECT COALESCE(MAX(importjob_id), 0) FROM importjob), 0 FROM environmentlock l, accessstamp a
WHERE l.id = 1 AND a.id = 1 FOR SHARE OF l`+wait)
}

// lock begins a transaction and runs the locking statements: one round
// trip (without arguments pgx sends them in one simple query). The last
// statement must touch the lock row.
func (d *dialect) lock(ctx context.Context, conn *sql.Conn, iso sql.IsolationLevel, stmts string) (*sql.Tx, error) {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: iso})
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, stmts)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n != 1 {
			err = errors.New("the environment's lock row is missing")
		}
	}
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}

// IsBusy: lock_not_available (NOWAIT, lock_timeout), serialization_failure
// and deadlock_detected — another transaction holds what this one needs.
func (d *dialect) IsBusy(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "55P03", "40001", "40P01":
			return true
		}
	}
	return false
}

// IsNoTable: undefined_table (also for a table of a schema that does not
// exist).
func (d *dialect) IsNoTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}

// IsRetryable: serialization_failure (a row this REPEATABLE READ
// transaction changes or locks changed since its snapshot) and
// deadlock_detected. PostgreSQL rolled the transaction back.
func (d *dialect) IsRetryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01":
			return true
		}
	}
	return false
}

// IsUniqueViolation: unique_violation. Two shared transactions that insert
// the same key do not both commit: the later one waits for the earlier and
// then fails with it (not with a serialization failure), even when the
// earlier one's row is not in its snapshot.
func (d *dialect) IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// wrapBool lets a Go bool be written to an integer column, as 1 or 0 (as
// SQLite stores it): store.Tx.InsertRow takes bools for boolean columns.
func wrapBool(v any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	b, ok := v.(bool)
	if !ok {
		return nil, nil, false
	}
	return &boolPlan{}, boolInt(b), true
}

type boolPlan struct{ next pgtype.EncodePlan }

func (p *boolPlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *boolPlan) Encode(v any, buf []byte) ([]byte, error) {
	return p.next.Encode(boolInt(v.(bool)), buf)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

var _ sqlstore.UncertainCommitDialect = (*dialect)(nil)

// CommitUncertain: a COMMIT that got no answer from the server, which may
// have committed: the context ended in flight (pgx closes the connection
// and asks the server to cancel, which may come too late), or the
// connection was lost (an administrator's pg_terminate_backend, a server
// shutting down, the socket reset). Not so when pgx had not sent it
// (SafeToRetry), when database/sql had given the transaction up
// (ErrTxDone), or when the server answered with an error other than the
// connection's end, or with ROLLBACK. pgx says a cancellation in flight
// with the bare context.Canceled, as database/sql says one before: the
// caller checks the context before Commit.
func (d *dialect) CommitUncertain(err error, ended bool) bool {
	if errors.Is(err, sql.ErrTxDone) || errors.Is(err, pgx.ErrTxCommitRollback) || pgconn.SafeToRetry(err) {
		return false
	}
	if ConnectionLost(err) {
		return true
	}
	var pe *pgconn.PgError
	return ended && !errors.As(err, &pe)
}
