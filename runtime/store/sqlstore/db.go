package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Options configure Open.
type Options struct {
	Name     string           // the environment's name, recorded when it is created
	Location string           // reported in store.Meta
	Now      func() time.Time // the clock; default time.Now
	// OnMigrate is told, once the migrations committed, that an existing
	// environment's schema went from version from to version to (older
	// bpfc versions cannot open it any more).
	OnMigrate func(from, to int)
}

// DB is a store.Store over a database/sql database.
type DB struct {
	db    *sql.DB
	d     Dialect
	opts  Options
	cache stmtCache
	// gate queues WriteShared in the process when the database takes one
	// writer at a time: waiting here is in order, where a database's busy
	// handler polls.
	gate chan struct{}
	// access holds the users' access as read under one access stamp.
	access accessCache
	// oneShots queues one-shot writes for the statements that apply them.
	oneShots oneShotQueue
	counts   counts
}

var _ store.Store = (*DB)(nil)

// Open migrates db and, when the environment is new, bootstraps it. The
// returned store owns db and closes it on Close.
func Open(ctx context.Context, db *sql.DB, d Dialect, opts Options) (*DB, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &DB{db: db, d: d, opts: opts, gate: make(chan struct{}, 1)}
	migs, err := loadMigrations(d.Migrations())
	if err != nil {
		return nil, err
	}
	ready, err := s.upToDate(ctx, migs)
	if err != nil {
		return nil, err
	}
	if !ready {
		from, err := s.migrate(ctx, migs)
		if err != nil {
			return nil, err
		}
		if to := migs[len(migs)-1].version; from > 0 && from < to && opts.OnMigrate != nil {
			opts.OnMigrate(from, to)
		}
	}
	return s, nil
}

// Close closes the database.
func (s *DB) Close() error {
	s.cache.close()
	return s.db.Close()
}

// SQL returns the underlying database, for backends and tests.
func (s *DB) SQL() *sql.DB { return s.db }

// Meta describes the environment.
func (s *DB) Meta(ctx context.Context) (store.Meta, error) {
	m := store.Meta{Backend: s.d.Name(), Location: s.opts.Location}
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT name, created_on FROM organization`).Scan(&m.Name, &created)
	if err != nil {
		return m, fmt.Errorf("reading the environment: %w", err)
	}
	m.CreatedOn = parseTime(created)
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&m.SchemaVersion); err != nil {
		return m, err
	}
	return m, nil
}

// Read runs fn in a read-only transaction.
func (s *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	var sqlTx *sql.Tx
	var err error
	for left := -1; ; {
		sqlTx, err = s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err == nil || !s.endedIdle(err, &left) {
			break
		}
	}
	if err != nil {
		return err
	}
	defer sqlTx.Rollback()
	s.counts.transactions.Add(1)
	return fn(&tx{ctx: ctx, tx: sqlTx, db: s.db, cache: &s.cache, d: s.d, now: s.opts.Now, counts: &s.counts})
}

// Write runs fn in the exclusive write transaction.
func (s *DB) Write(ctx context.Context, fn func(store.Tx) error) error {
	at, err := s.write(ctx, s.d.BeginWrite, store.WaitNotice(ctx), fn)
	for left := -1; err != nil && at == atBegin && s.endedIdle(err, &left); {
		at, err = s.write(ctx, s.d.BeginWrite, store.WaitNotice(ctx), fn)
	}
	if err != nil && at != inFn && s.d.IsBusy(err) {
		return fmt.Errorf("%w (%v)", store.ErrBusy, err)
	}
	return err
}

// endedIdle tells whether a transaction that failed to begin with err
// starts again: the connection the pool gave it had been ended by the
// database server while it sat idle there (a restart or failover of
// PostgreSQL, an administrator's pg_terminate_backend, an
// idle_session_timeout), so nothing of the transaction was written, and the
// failed connection has left the pool. The pool's other idle connections
// may have been ended too: left, -1 before the first failure, counts the
// attempts still allowed, one per connection idle then and one for a new
// connection.
func (s *DB) endedIdle(err error, left *int) bool {
	if !store.IsConnectionLost(err) {
		return false
	}
	if *left < 0 {
		*left = s.db.Stats().Idle + 1
	}
	if *left == 0 {
		return false
	}
	*left--
	return true
}

// Where a write transaction failed.
const (
	atBegin = iota
	inFn
	atCommit
)

// write runs fn in the write transaction begin starts and commits it;
// an error comes back as it was, with where it happened.
func (s *DB) write(ctx context.Context, begin func(context.Context, *sql.DB, func()) (*Txn, error),
	onWait func(), fn func(store.Tx) error) (at int, err error) {
	st, err := begin(ctx, s.db, onWait)
	if err != nil {
		return atBegin, err
	}
	defer st.Conn.Close()
	committed := false
	defer func() {
		if !committed {
			_ = st.Tx.Rollback()
		}
	}()
	s.counts.transactions.Add(1)
	t := &tx{ctx: ctx, tx: st.Tx, db: s.db, cache: &s.cache, d: s.d, now: s.opts.Now, write: true,
		accessStamp: st.AccessStamp, importGen: st.ImportGeneration, access: &s.access, counts: &s.counts}
	err = fn(t)
	if err == nil {
		err = t.flushExit()
	}
	if err != nil {
		if p, ok := st.Tx.(Pipeline); ok && p.Err() != nil {
			// A held write failed: that is what went wrong, whatever
			// the statement that carried it said.
			err = p.Err()
		}
		return inFn, err
	}
	if err := ctx.Err(); err != nil {
		// Ended before COMMIT was sent: nothing was committed.
		return atCommit, err
	}
	if err := st.Tx.Commit(); err != nil {
		if u, ok := s.d.(UncertainCommitDialect); ok && u.CommitUncertain(err, ctx.Err() != nil) {
			return atCommit, fmt.Errorf("%w: %w", store.ErrCommitUnknown, err)
		}
		return atCommit, err
	}
	committed = true
	return 0, nil
}

// WriteShared runs fn in a run-time write transaction: beside other shared
// ones when the dialect is a SharedDialect, retried when it loses a race
// with one of them; otherwise the exclusive transaction, queued in the
// process.
func (s *DB) WriteShared(ctx context.Context, fn func(store.Tx) error) error {
	sd, ok := s.d.(SharedDialect)
	if !ok {
		select {
		case s.gate <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s.gate }()
		return s.Write(ctx, fn)
	}
	var once sync.Once
	notice := store.WaitNotice(ctx)
	onWait := func() { once.Do(notice) }
	left := -1
	// The attempts wait for exclusive writers the busy timeout in all: an
	// attempt that waited for one and lost a race with it (its snapshot
	// is older than what that writer committed) may find another.
	began := time.Now()
	beginShared := func(ctx context.Context, db *sql.DB, onWait func()) (*Txn, error) {
		return sd.BeginShared(ctx, db, onWait, began)
	}
	for attempt := 1; ; attempt++ {
		at, err := s.write(ctx, beginShared, onWait, fn)
		switch {
		case err == nil:
			return nil
		case at == atBegin && s.endedIdle(err, &left):
			attempt--
			continue
		case sd.IsRetryable(err):
			if attempt >= store.MaxSharedAttempts {
				// The database's words (a serialization failure, a
				// deadlock) say nothing more to a client.
				return fmt.Errorf("%w: %w: %d attempts each lost a race with another change of those rows; try again", store.ErrConflict, store.ErrContended, attempt)
			}
		case at == inFn && sd.IsBusy(err):
			return &rowBusyError{err: err}
		case at != inFn && sd.IsBusy(err):
			return fmt.Errorf("%w (%v)", store.ErrBusy, err)
		default:
			return err
		}
		// Lost a race: let the winner finish, then run fn again on a
		// new snapshot. The pause grows with each attempt, jittered so
		// that the losers do not collide again.
		pause := time.Duration(rand.Int64N(int64(attempt) * int64(2*time.Millisecond)))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// rowBusyError: a shared write waited longer than the busy timeout for a
// row that another transaction holds.
type rowBusyError struct{ err error }

func (e *rowBusyError) Error() string {
	return "a row this change writes stayed locked by another transaction for longer than the busy timeout (" + e.err.Error() + ")"
}

func (e *rowBusyError) Is(target error) bool { return target == store.ErrBusy }

func (e *rowBusyError) Unwrap() error { return e.err }

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	seen := map[int]string{}
	for _, n := range names {
		num, rest, ok := strings.Cut(path.Base(n), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must be NNNN_name.sql", n)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s have the same version", prev, n)
		}
		seen[v] = n
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(rest, ".sql"), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	if len(out) == 0 {
		return nil, errors.New("no migrations")
	}
	return out, nil
}

// upToDate reports, without taking the write lock, whether every migration
// is applied and the environment is bootstrapped for the current catalog.
// Only a missing schema_migrations table makes an environment new: any
// other error of these reads (a permission refused, a lost connection, a
// damaged file) is returned, so that Open never migrates, bootstraps or
// takes the write lock of an environment it could not read.
func (s *DB) upToDate(ctx context.Context, migs []migration) (bool, error) {
	var version int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version)
	switch {
	case err != nil && s.d.IsNoTable(err):
		return false, nil // no schema_migrations yet: a new environment
	case err != nil && s.d.IsBusy(err):
		// The read already waited the busy timeout: migrating would wait
		// it a second time for the same holder.
		return false, err
	case err != nil:
		return false, fmt.Errorf("reading the environment's schema version (nothing was written): %w", err)
	}
	if version > migs[len(migs)-1].version {
		return false, fmt.Errorf("the environment's schema is version %d, newer than this bpfc knows (%d): upgrade bpfc", version, migs[len(migs)-1].version)
	}
	if version == 0 {
		return false, nil
	}
	var digest string
	err = s.db.QueryRowContext(ctx, `SELECT catalog_digest FROM organization`).Scan(&digest)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Migrated but without its row: someone deleted it. Bootstrap
		// would take the store for a new environment and fail on the
		// administrator it already has.
		return false, noOrganization(version)
	case err != nil && s.d.IsBusy(err):
		return false, err
	case err != nil:
		return false, fmt.Errorf("reading the environment's organization (nothing was written): %w", err)
	}
	if version < migs[len(migs)-1].version {
		return false, nil
	}
	return digest == catalogDigest(), nil
}

// noOrganization is the error of a store migrated to schema version
// (not a new one) whose organization table has no row.
func noOrganization(version int) error {
	return fmt.Errorf("the store has no organization row (its organization table is empty, though the store holds an environment "+
		"at schema version %d): someone deleted it; bpfc will not open it as a new environment over what it holds, and nothing was written. "+
		"Restore the store from a backup, or give the organization table its row back (name, created_on, catalog_digest '')", version)
}

// migrate applies the pending migrations and bootstraps the environment in
// one exclusive transaction, and says which schema version it found (0: a
// new environment).
func (s *DB) migrate(ctx context.Context, migs []migration) (from int, err error) {
	err = s.Write(ctx, func(t store.Tx) error {
		tx := t.(*tx)
		if _, err := tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_on TEXT NOT NULL
)`); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
		var version int
		if err := tx.queryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
			return err
		}
		from = version
		for _, m := range migs {
			if m.version <= version {
				continue
			}
			if _, err := tx.exec(m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.exec(`INSERT INTO schema_migrations (version, name, applied_on) VALUES ($1, $2, $3)`,
				m.version, m.name, tx.stamp()); err != nil {
				return err
			}
		}
		if from > 0 && from < createdIndexVersion {
			if err := tx.indexTables(from); err != nil {
				return fmt.Errorf("indexing the tables of schema version %d: %w", from, err)
			}
		}
		return bootstrap(tx, s.opts.Name, from)
	})
	return from, err
}
