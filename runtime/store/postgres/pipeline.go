package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// begun is a shared transaction begun by beginShared; gated says that it
// was rolled back because it must pass the gate (fastLocks).
type begun struct {
	*sqlstore.Txn
	gated bool
}

// beginShared begins a shared transaction by hand on conn: BEGIN, the
// locks (fastLocks or sharedLocks) and the access stamp in one simple
// query, one round trip. On an error, or when it must pass the gate, the
// transaction is rolled back.
func beginShared(ctx context.Context, conn *sql.Conn, locks string) (*begun, error) {
	st := &begun{Txn: &sqlstore.Txn{Conn: conn}}
	err := withPgx(conn, func(c *pgx.Conn) error {
		res, err := c.PgConn().Exec(ctx, locks).ReadAll()
		if err == nil {
			st.gated, err = readStamps(res, st.Txn)
		}
		if err != nil || st.gated {
			// The session may be in the aborted transaction: end it.
			rctx, cancel := ending(ctx)
			defer cancel()
			_, _ = c.PgConn().Exec(rctx, "ROLLBACK").ReadAll()
		}
		return err
	})
	if err != nil || st.gated {
		return st, err
	}
	st.Tx = &pipeTx{ctx: ctx, conn: conn}
	return st, nil
}

// readStamps reads the access stamp, the import generation and whether
// the lease runs from the last result of the locks with three columns (a
// setting may follow it): its one row is also the lock row, locked.
func readStamps(res []*pgconn.Result, st *sqlstore.Txn) (gated bool, err error) {
	for len(res) > 0 && len(res[len(res)-1].FieldDescriptions) != 3 {
		res = res[:len(res)-1]
	}
	if len(res) == 0 || len(res[len(res)-1].Rows) != 1 || len(res[len(res)-1].Rows[0]) != 3 {
		return false, errors.New("the environment's lock row is missing")
	}
	last := res[len(res)-1]
	if st.AccessStamp, err = strconv.ParseInt(string(last.Rows[0][0]), 10, 64); err != nil {
		return false, fmt.Errorf("reading the access stamp: %w", err)
	}
	if st.ImportGeneration, err = strconv.ParseInt(string(last.Rows[0][1]), 10, 64); err != nil {
		return false, fmt.Errorf("reading the import generation: %w", err)
	}
	return string(last.Rows[0][2]) == "1", nil
}

// pipeTx is a shared transaction begun by hand on one connection: a
// sqlstore.Pipeline. Writes whose results nobody reads (the stage log's)
// wait in held and go with the next statement, or with COMMIT, as one
// pgx batch: one round trip where there were several. A statement that
// reads first sends what is held.
type pipeTx struct {
	ctx  context.Context
	conn *sql.Conn
	held []heldStmt
	err  error // a held write's failure: the transaction's error
	done bool
}

type heldStmt struct {
	q    string
	args []any
}

var (
	_ sqlstore.TxConn   = (*pipeTx)(nil)
	_ sqlstore.Pipeline = (*pipeTx)(nil)
)

func (p *pipeTx) ExecLater(q string, args ...any) { p.held = append(p.held, heldStmt{q, args}) }

func (p *pipeTx) Err() error { return p.err }

// flush sends what is held.
func (p *pipeTx) flush(ctx context.Context) error {
	if len(p.held) == 0 {
		return p.err
	}
	_, err := p.send(ctx, "", nil)
	return err
}

// send sends the held statements, then q (if any), in one batch, and
// returns q's command tag. A failure of a held statement is kept as the
// transaction's error.
func (p *pipeTx) send(ctx context.Context, q string, args []any) (pgconn.CommandTag, error) {
	if p.err != nil {
		return pgconn.CommandTag{}, p.err
	}
	held := p.held
	p.held = nil
	var tag pgconn.CommandTag
	err := withPgx(p.conn, func(c *pgx.Conn) error {
		b := &pgx.Batch{}
		for _, h := range held {
			b.Queue(h.q, h.args...)
		}
		if q != "" {
			b.Queue(q, args...)
		}
		br := c.SendBatch(ctx, b)
		var err error
		for i := 0; i < b.Len() && err == nil; i++ {
			if tag, err = br.Exec(); err != nil && i < len(held) {
				p.err = err
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return tag, err
}

func (p *pipeTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if len(p.held) == 0 && p.err == nil {
		return p.conn.ExecContext(ctx, q, args...)
	}
	tag, err := p.send(ctx, q, args)
	if err != nil {
		return nil, err
	}
	return driverResult(tag.RowsAffected()), nil
}

func (p *pipeTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.conn.QueryContext(ctx, q, args...)
}

// QueryRowContext sends what is held first; if that fails the transaction
// is aborted, so the query fails too, and Err says why.
func (p *pipeTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	_ = p.flush(ctx)
	return p.conn.QueryRowContext(ctx, q, args...)
}

func (p *pipeTx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.conn.PrepareContext(ctx, q)
}

// Commit sends what is held and COMMIT in one round trip. PostgreSQL
// answers ROLLBACK to a COMMIT of a failed transaction: the server's
// answer, said as pgx says it (pgx.ErrTxCommitRollback), so that
// CommitUncertain takes it for the definite failure it is even when the
// context has ended meanwhile.
func (p *pipeTx) Commit() error {
	if p.done {
		return sql.ErrTxDone
	}
	tag, err := p.send(p.ctx, "COMMIT", nil)
	if err != nil {
		return err
	}
	p.done = true
	if tag.String() != "COMMIT" {
		return fmt.Errorf("the transaction was rolled back (%s): %w", tag, pgx.ErrTxCommitRollback)
	}
	return nil
}

// Rollback ends the transaction unless it is over; what is held is
// dropped.
func (p *pipeTx) Rollback() error {
	if p.done {
		return sql.ErrTxDone
	}
	p.done, p.held = true, nil
	ctx, cancel := ending(p.ctx)
	defer cancel()
	_, err := p.conn.ExecContext(ctx, "ROLLBACK")
	return err
}

// driverResult is a statement's count of rows for sql.Result.
type driverResult int64

func (r driverResult) LastInsertId() (int64, error) {
	return 0, errors.New("LastInsertId is not supported by PostgreSQL")
}

func (r driverResult) RowsAffected() (int64, error) { return int64(r), nil }

// takeLease says, in a transaction of its own, that an exclusive writer
// may wait until now + d (or later, if another one said so) and returns
// the lease as the database wrote it. READ COMMITTED: exclusive writers
// that lease at once wait for each other instead of failing.
func takeLease(ctx context.Context, conn *sql.Conn, d time.Duration) (string, error) {
	var lease string
	err := withPgx(conn, func(c *pgx.Conn) error {
		res, err := c.PgConn().Exec(ctx, fmt.Sprintf(`BEGIN ISOLATION LEVEL READ COMMITTED;
UPDATE environmentlease SET closed_until = GREATEST(closed_until, now() + interval '%d milliseconds') WHERE id = 1
RETURNING closed_until::text;
COMMIT`, d.Milliseconds())).ReadAll()
		if err != nil {
			return err
		}
		if len(res) != 3 || len(res[1].Rows) != 1 {
			return errors.New("the environment's lease row is missing")
		}
		lease = string(res[1].Rows[0][0])
		return nil
	})
	return lease, err
}

// endLease ends the lease an exclusive writer took, unless another one
// has taken it further since. A failure leaves the lease to run out.
func endLease(ctx context.Context, conn *sql.Conn, lease string) {
	ctx, cancel := ending(ctx)
	defer cancel()
	if _, err := conn.ExecContext(ctx, `BEGIN ISOLATION LEVEL READ COMMITTED;
UPDATE environmentlease SET closed_until = '1970-01-01T00:00:00Z' WHERE id = 1 AND closed_until::text = '`+strings.ReplaceAll(lease, "'", "''")+`';
COMMIT`); err != nil {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
	}
}

// leasedTx is an exclusive transaction that ends its lease when it ends.
type leasedTx struct {
	*sql.Tx
	ctx   context.Context
	conn  *sql.Conn
	lease string
	ended bool
}

func (t *leasedTx) Commit() error {
	err := t.Tx.Commit()
	if err != nil {
		t.abandon()
	}
	t.end()
	return err
}

func (t *leasedTx) Rollback() error {
	err := t.Tx.Rollback()
	if err != nil {
		t.abandon()
	}
	t.end()
	return err
}

// abandon rolls back, on the connection, a transaction whose Commit or
// Rollback failed without reaching the server: database/sql refuses both
// once the context has ended (Ctrl-C just before an import commits) and
// leaves the session in the transaction, where the lease's own BEGIN …
// COMMIT (end) would commit it.
func (t *leasedTx) abandon() {
	ctx, cancel := ending(t.ctx)
	defer cancel()
	_, _ = t.conn.ExecContext(ctx, "ROLLBACK")
}

func (t *leasedTx) end() {
	if !t.ended {
		t.ended = true
		endLease(t.ctx, t.conn, t.lease)
	}
}

// withPgx runs fn on conn's pgx connection: for what database/sql does not
// do (simple queries with several results, batches).
func withPgx(conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error { return fn(dc.(*stdlib.Conn).Conn()) })
}

// ending is the context for ending a transaction or a lease: ctx's values
// without its end (ctx may be what ended the last statement), five seconds
// at most.
func ending(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}
