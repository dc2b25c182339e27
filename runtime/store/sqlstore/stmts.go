package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds the statements of hot paths (rows, users, the stage log),
// prepared once per database: database/sql then prepares each once per
// connection and every transaction reuses it, so a stage transition does
// not parse its SQL again.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxCached bounds the cache: statements are per table and column set, so
// an environment has a few hundred at most; beyond that they are prepared
// per transaction.
const maxCached = 1024

func (c *stmtCache) get(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st, nil
	}
	if len(c.m) >= maxCached {
		return nil, nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		// Prepared on another connection, a statement cannot see what the
		// caller's transaction created and has not committed: the caller
		// prepares it in its transaction instead.
		return nil, nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// cached returns q's statement if it is already prepared, without preparing it.
func (c *stmtCache) cached(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[q]
}

// stmt is q prepared for this transaction from the cache, or nil when it
// is not cached (the cache is full, or q names something only this
// transaction sees yet). On a server database a write transaction never
// prepares a new statement on the pool: the prepare runs on another
// connection and waits for locks the transaction itself holds (DDL, rows it
// changed). SQLite prepares without taking locks, so its writes fill the cache.
func (t *tx) stmt(q string) (*sql.Stmt, error) {
	sqlTx, ok := t.tx.(interface {
		StmtContext(context.Context, *sql.Stmt) *sql.Stmt
	})
	if t.cache == nil || !ok {
		// A transaction run by hand on a connection: the driver's own
		// statement cache serves it.
		return nil, nil
	}
	if t.write && t.d.Name() != "sqlite" {
		if st := t.cache.cached(q); st != nil {
			return sqlTx.StmtContext(t.ctx, st), nil
		}
		return nil, nil
	}
	st, err := t.cache.get(t.ctx, t.db, q)
	if err != nil || st == nil {
		return nil, err
	}
	return sqlTx.StmtContext(t.ctx, st), nil
}

// queryC is query through the statement cache.
func (t *tx) queryC(q string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return t.query(q, args...)
	}
	t.ran()
	return st.QueryContext(t.ctx, args...)
}

// execC is exec through the statement cache.
func (t *tx) execC(q string, args ...any) (sql.Result, error) {
	if !t.write {
		return nil, errReadOnly
	}
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	var res sql.Result
	if st == nil {
		res, err = t.exec(q, args...)
	} else {
		t.ran()
		res, err = st.ExecContext(t.ctx, args...)
	}
	return res, t.exists(err)
}

// write1C is write1 through the statement cache.
func (t *tx) write1C(q string, args []any, dest ...any) error {
	if !t.write {
		return errReadOnly
	}
	st, err := t.stmt(q)
	if err != nil {
		return err
	}
	if st == nil {
		return t.write1(q, args, dest...)
	}
	t.ran()
	return st.QueryRowContext(t.ctx, args...).Scan(dest...)
}
