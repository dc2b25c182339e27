package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultBusyTimeout is how long a writer waits for another one.
const DefaultBusyTimeout = 10 * time.Second

// Options configure Open.
type Options struct {
	Name        string             // the environment's name, recorded when the file is created
	BusyTimeout time.Duration      // how long a writer waits for another; default DefaultBusyTimeout
	Now         func() time.Time   // the clock; default time.Now
	OnMigrate   func(from, to int) // told when an existing schema was migrated (sqlstore.Options)
}

// Open opens (creating if needed) the environment store at path: it applies
// pending migrations and, for a new file, creates the standard tables, the
// built-in roles and the administrator.
func Open(ctx context.Context, path string, opts Options) (*sqlstore.DB, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
	}
	// A new database is made readable by its owner only (SQLite would
	// make it as the umask says, often world-readable): it holds the
	// records, the token hashes and the jobs' errors. SQLite gives its
	// -wal and -shm files the database file's mode.
	created := false
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
		created = true
	}
	db, err := sql.Open("sqlite", dsn(path, opts.BusyTimeout))
	if err != nil {
		return nil, err
	}
	d := &dialect{busy: opts.BusyTimeout, path: path}
	if fi, err := os.Stat(path); err == nil {
		d.file = fi
	}
	s, err := sqlstore.Open(ctx, db, d, sqlstore.Options{Name: opts.Name, Location: path, Now: opts.Now, OnMigrate: opts.OnMigrate})
	if err != nil {
		db.Close()
		if created {
			// What this open made goes with it.
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				_ = os.Remove(p)
			}
		}
		if d.IsBusy(err) {
			return nil, fmt.Errorf("opening %s: %w", path, store.ErrBusy)
		}
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return s, nil
}

// dsn is the connection string: WAL, full durability, foreign keys, the busy
// timeout, and BEGIN IMMEDIATE for every write transaction.
func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "cache_size(-65536)") // 64 MiB: a large import stays in memory until it commits
	q.Add("_pragma", "temp_store(MEMORY)") // statement journals in memory
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

type dialect struct {
	busy time.Duration
	// path and file are the store file as Open found it. Another process
	// may remove it while this one has it open (RemoveIfUnused, after a
	// first import that failed beside this one): a write would then go to
	// a file no one opens again and be lost, so it is refused.
	path string
	file os.FileInfo
}

func (d *dialect) Name() string { return "sqlite" }

// Lower is bpfc_lower, Go's strings.ToLower in the database: SQLite's own
// lower() folds A to Z only, and "Москва" would not match "москва" (nor,
// lowered on one side only, itself).
func (d *dialect) Lower(x string) string { return "bpfc_lower(" + x + ")" }

func init() {
	sqlite.MustRegisterDeterministicScalarFunction("bpfc_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		}
		return args[0], nil // NULL and numbers as they are
	})
}

func (d *dialect) Millis(from, to string) string {
	return `CAST(ROUND((julianday(substr(` + to + `, 1, 23)) - julianday(substr(` + from + `, 1, 23))) * 86400000.0) AS INTEGER)`
}

func (d *dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

func (d *dialect) ColumnType(colType string) string {
	switch colType {
	case "integer", "choice", "state", "status", "boolean", store.TypeRowVersion:
		return "INTEGER"
	case "decimal", "money":
		return "NUMERIC"
	}
	return "TEXT" // string memo email lookup customer uniqueidentifier datetime
}

// waitNotice is how long BeginWrite waits for another writer before it
// tells onWait.
const waitNotice = 10 * time.Millisecond

// BeginWrite runs BEGIN IMMEDIATE, which waits for another writer under the
// connection's busy timeout; when the wait lasts longer than waitNotice it
// tells onWait (once, and before it returns). An uncontended write thus
// costs one statement, not a busy-timeout switch around it.
func (d *dialect) BeginWrite(ctx context.Context, db *sql.DB, onWait func()) (*sqlstore.Txn, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	told := make(chan struct{})
	timer := time.AfterFunc(waitNotice, func() {
		defer close(told)
		onWait()
	})
	tx, err := conn.BeginTx(ctx, nil)
	if !timer.Stop() {
		<-told
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	// Checked under the write lock, which RemoveIfUnused takes too: the
	// file cannot go between the check and the commit.
	if err := d.unmoved(); err != nil {
		_ = tx.Rollback()
		conn.Close()
		return nil, err
	}
	return &sqlstore.Txn{Conn: conn, Tx: tx}, nil
}

// unmoved says whether the store file is still at its path: removed or
// replaced since Open, a write to it would be lost.
func (d *dialect) unmoved() error {
	if d.file == nil {
		return nil
	}
	fi, err := os.Stat(d.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil // not known to be gone: SQLite reports what it cannot write
	}
	if err == nil && os.SameFile(fi, d.file) {
		return nil
	}
	return fmt.Errorf("the store %s was removed since this command opened it (a first deploy to the environment that failed removes the store it created): nothing was written; run the command again", d.path)
}

func (d *dialect) IsBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

func init() { store.RegisterStorageFull(DiskFull) }

// DiskFull: err is SQLite's "database or disk is full" (SQLITE_FULL): the
// transaction rolled back, nothing was written.
func DiskFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}

// ReadOnly reports whether err is SQLite's: the database file (or its
// folder, which holds the -wal and -shm files) may not be written.
func ReadOnly(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_READONLY || se.Code() == sqlite3.SQLITE_CANTOPEN)
}

// IsNoTable: SQLite's "no such table", which has no code of its own
// (SQLITE_ERROR, as any statement it cannot prepare).
func (d *dialect) IsNoTable(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_ERROR && strings.Contains(se.Error(), "no such table: ")
}

// IsUniqueViolation: SQLITE_CONSTRAINT_PRIMARYKEY or SQLITE_CONSTRAINT_UNIQUE.
func (d *dialect) IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return true
		}
	}
	return false
}
