package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/fulldisk"
	"github.com/bpfc/bpfc/runtime/internal/sqlitehold"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), ".bpfc", "test.db"), Options{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestPragmasAndMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "env.db")
	s := opened(t, path)
	defer s.Close()
	var mode string
	var sync, fk int
	db := s.SQL()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d (want 2 = FULL), %v", sync, err)
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v", fk, err)
	}
	var version int
	var name string
	if err := conn.QueryRowContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version LIMIT 1").Scan(&version, &name); err != nil {
		t.Fatal(err)
	}
	if version != 1 || name != "environment" {
		t.Errorf("first migration = %d %s", version, name)
	}
}

// TestReopen: data survives closing, the environment keeps its name, and a
// second Open neither re-applies migrations nor re-creates the administrator.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "env.db")
	s := written(t, path)
	before, err := Dump(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path, Options{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, _ := s.Meta(ctx)
	if m.Name != "dev" || m.SchemaVersion != latestMigration(t) || m.Backend != "sqlite" {
		t.Errorf("Meta = %+v", m)
	}
	after, _ := Dump(ctx, path)
	if before != after {
		t.Error("reopening changed the environment")
	}
}

// TestBusy: a second writer is told it waits, then fails with ErrBusy.
func TestBusy(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "env.db")
	a := opened(t, path)
	defer a.Close()
	b, err := Open(ctx, path, Options{Name: "dev", BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- a.Write(ctx, func(store.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	var waited atomic.Int32
	start := time.Now()
	err = b.Write(store.WithWaitNotice(ctx, func() { waited.Add(1) }), func(store.Tx) error { return nil })
	if !errors.Is(err, store.ErrBusy) || !strings.Contains(err.Error(), "the environment is busy") {
		t.Errorf("second writer: %v", err)
	}
	if waited.Load() != 1 {
		t.Errorf("wait notice called %d times", waited.Load())
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("gave up after %v, before the busy timeout", d)
	}
	// Readers are never blocked by the writer (WAL).
	if err := b.Read(ctx, func(tx store.Tx) error { _, err := tx.Solutions(); return err }); err != nil {
		t.Errorf("read during a write: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Once the first is done, the second goes through.
	if err := b.Write(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "env.db")
	s := opened(t, path)
	if _, err := s.SQL().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_on) VALUES (999, 'future', '')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path, Options{Name: "dev"}); err == nil || !strings.Contains(err.Error(), "newer than this bpfc") {
		t.Errorf("Open of a newer schema: %v", err)
	}
}

// latestMigration is the version of the newest embedded migration.
func latestMigration(t *testing.T) int {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatal(names, err)
	}
	v, err := strconv.Atoi(strings.SplitN(path.Base(names[len(names)-1]), "_", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestStageExitsMigrated: migration 0007 moves the ends of stays written
// in place before it into stageexit.
func TestStageExitsMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old := oldStore(t, path, 6)
	storetest.WriteOldStays(t, old)
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckMigratedStays(t, s)
}

// opened opens (creating it) the environment "dev" at path.
func opened(t *testing.T, path string) *sqlstore.DB {
	t.Helper()
	s, err := Open(context.Background(), path, Options{Name: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// written opens a new environment "dev" at path and writes a publisher
// into it.
func written(t *testing.T, path string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	s := opened(t, path)
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// oldStore makes an environment at path as a bpfc whose last migration was
// version made it.
func oldStore(t *testing.T, path string, version int) *sqlstore.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, DefaultBusyTimeout))
	if err != nil {
		t.Fatal(err)
	}
	old, err := sqlstore.Open(context.Background(), db, &before{dialect: &dialect{busy: DefaultBusyTimeout}, version: version}, sqlstore.Options{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	return old
}

// before is the dialect with the migrations up to version only.
type before struct {
	*dialect
	version int
}

func (b *before) Migrations() fs.FS {
	return storetest.MigrationsUpTo(b.dialect.Migrations(), b.version)
}

// DiskFull recognises SQLite's "database or disk is full", here by a
// database whose page limit stands in for a full disk.
func TestDiskFull(t *testing.T) {
	if err := fulldisk.SQLiteError(t); !DiskFull(err) {
		t.Errorf("a full database: %v, DiskFull %v", err, DiskFull(err))
	}
	if DiskFull(errors.New("database or disk is full")) {
		t.Error("any error taken for SQLite's")
	}
}

// ReadOnly recognises SQLite's "attempt to write a readonly database",
// here by a database opened read-only.
func TestReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ro.db")
	rw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec("INSERT INTO t VALUES (1)")
	if err == nil || !ReadOnly(err) || DiskFull(err) {
		t.Errorf("a read-only database: %v, ReadOnly %v", err, ReadOnly(err))
	}
	if ReadOnly(errors.New("attempt to write a readonly database")) {
		t.Error("any error taken for SQLite's")
	}
}

// TestNewDatabaseIsPrivate: a database Open makes, and its WAL files, are
// its owner's only whatever the umask; an existing file keeps its mode.
func TestNewDatabaseIsPrivate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "env.db")
	s := written(t, path)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want -rw-------", filepath.Base(p), fi.Mode().Perm())
		}
	}
	s.Close()
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, path, Options{Name: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("reopening changed an existing database's mode to %v", fi.Mode().Perm())
	}
}

// TestOwnNamesReserved: no project's table can take the name of one of
// the store's own tables and indexes.
func TestOwnNamesReserved(t *testing.T) {
	s := opened(t, filepath.Join(t.TempDir(), "env.db"))
	defer s.Close()
	storetest.CheckOwnNamesReserved(t, s, storetest.CatalogNames(s.SQL(), `SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY name`))
}

// TestOnMigrate: opening an environment of an older schema says from which
// version to which it migrated it, once; a new environment and one up to
// date say nothing.
func TestOnMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	oldStore(t, path, 6).Close()
	var said []string
	note := func(from, to int) { said = append(said, strconv.Itoa(from)+"→"+strconv.Itoa(to)) }
	for range 2 {
		s, err := Open(ctx, path, Options{OnMigrate: note})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	fresh, err := Open(ctx, filepath.Join(t.TempDir(), "new.db"), Options{OnMigrate: note})
	if err != nil {
		t.Fatal(err)
	}
	fresh.Close()
	if want := "6→" + strconv.Itoa(latestMigration(t)); len(said) != 1 || said[0] != want {
		t.Errorf("migrations said: %v, want [%s]", said, want)
	}
}

// sqliteIndexes lists a table's indexes in db's catalog.
func sqliteIndexes(db *sql.DB) storetest.Indexes {
	return storetest.CatalogIndexes(db, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`)
}

// TestLookupIndexes: lookups are indexed in a new environment, and in one
// made before migration 0010 once it migrates.
func TestLookupIndexes(t *testing.T) {
	s := opened(t, filepath.Join(t.TempDir(), "env.db"))
	defer s.Close()
	storetest.CheckLookupIndexes(t, s, sqliteIndexes(s.SQL()))
	path := filepath.Join(t.TempDir(), "old.db")
	storetest.CheckLookupsMigrated(t, oldStore(t, path, 9), func() *sqlstore.DB {
		s := opened(t, path)
		t.Cleanup(func() { s.Close() })
		return s
	}, sqliteIndexes)
}

// TestUserNameFold: systemuser's folded names, new and migrated from 0012.
func TestUserNameFold(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	storetest.CheckFoldMigrated(t, oldStore(t, path, 12), func() *sqlstore.DB {
		s := opened(t, path)
		t.Cleanup(func() { s.Close() })
		return s
	}, sqliteIndexes)
}

// TestCreatedIndexes: tables are indexed by createdon in a new
// environment, and in one made before migration 0012 once it migrates.
func TestCreatedIndexes(t *testing.T) {
	s := opened(t, filepath.Join(t.TempDir(), "env.db"))
	defer s.Close()
	storetest.CheckCreatedIndexes(t, s, sqliteIndexes(s.SQL()))
	storetest.CheckIndexNamesFree(t, s, sqliteIndexes(s.SQL()))
	path := filepath.Join(t.TempDir(), "old.db")
	storetest.CheckCreatedMigrated(t, oldStore(t, path, 11), func() *sqlstore.DB {
		s := opened(t, path)
		t.Cleanup(func() { s.Close() })
		return s
	}, sqliteIndexes)
}

// TestDropIndexedColumn: SQLite drops no column an index names, so
// DropColumn drops the column's indexes first, whatever their names: those
// of an environment whose bpfc named them otherwise (lk_table_column and
// cr_table, an expression of createdon) too.
func TestDropIndexedColumn(t *testing.T) {
	ctx := context.Background()
	s := opened(t, filepath.Join(t.TempDir(), "env.db"))
	defer s.Close()
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.CreateTable(store.Table{Name: "pp_x", PrimaryKey: "pp_xid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "createdon", Type: "datetime", System: true},
			{Name: "pp_leadid", Type: "lookup", Targets: []string{"lead"}},
		}})
	}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE INDEX "lk_pp_x_pp_leadid" ON "pp_x" ("pp_leadid")`,
		`CREATE INDEX "cr_pp_x" ON "pp_x" ((substr(NULLIF("createdon", ''), 1, 29)) DESC, "pp_xid")`,
	} {
		if _, err := s.SQL().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"pp_leadid", "createdon"} {
		if err := s.Write(ctx, func(tx store.Tx) error { return tx.DropColumn("pp_x", c) }); err != nil {
			t.Errorf("dropping pp_x.%s: %v", c, err)
		}
	}
	if n := len(sqliteIndexes(s.SQL())(t, "pp_x")); n != 1 {
		t.Errorf("pp_x's indexes: %q, want its key's", sqliteIndexes(s.SQL())(t, "pp_x"))
	}
}

// beginCounter counts the write transactions a store tries to begin.
type beginCounter struct {
	*dialect
	begins atomic.Int32
}

func (c *beginCounter) BeginWrite(ctx context.Context, db *sql.DB, onWait func()) (*sqlstore.Txn, error) {
	c.begins.Add(1)
	return c.dialect.BeginWrite(ctx, db, onWait)
}

// TestOpenHeldWaitsOnce: opening a store that another connection holds
// locked gives up when its first read has waited the busy timeout; it
// went on to migrate, as for a new file, and waited a second time for the
// write lock.
func TestOpenHeldWaitsOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "env.db")
	opened(t, path).Close()
	sqlitehold.Hold(t, path)
	const busy = 200 * time.Millisecond
	db, err := sql.Open("sqlite", dsn(path, busy))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := &beginCounter{dialect: &dialect{busy: busy, path: path}}
	if s, err := sqlstore.Open(ctx, db, d, sqlstore.Options{Name: "dev"}); err == nil || !d.IsBusy(err) && !errors.Is(err, store.ErrBusy) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("open while held: %v, want busy", err)
	}
	if n := d.begins.Load(); n != 0 {
		t.Errorf("open while held began %d write transactions after its read gave up, want 0", n)
	}
	// The store's own Open says so as ErrBusy.
	if _, err := Open(ctx, path, Options{Name: "dev", BusyTimeout: busy}); !errors.Is(err, store.ErrBusy) {
		t.Errorf("Open while held: %v, want ErrBusy", err)
	}
}

// TestOpenDamagedWritesNothing: a store file whose schema version cannot be
// read (cut short, or its header overwritten) was taken for a new one, and
// Open began the write transaction that migrates and bootstraps; it now
// says what the read met, with the file's path, and leaves the file as it
// was.
func TestOpenDamagedWritesNothing(t *testing.T) {
	for name, damage := range map[string]func(path string) error{
		"truncated": func(path string) error { return os.Truncate(path, 4*4096) },
		"overwritten header": func(path string) error {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteAt([]byte("not a database at all"), 0)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "env.db")
			written(t, path).Close()
			if err := damage(path); err != nil {
				t.Fatal(err)
			}
			err := refusedOpen(t, path, "a damaged store")
			if err == nil || !strings.Contains(err.Error(), "opening "+path+": reading the environment's schema version (nothing was written): ") ||
				!strings.Contains(err.Error(), "malformed") && !strings.Contains(err.Error(), "not a database") {
				t.Errorf("Open of a damaged store: %v", err)
			}
		})
	}
}

// TestOpenWithoutOrganization: a store whose organization row someone
// deleted was taken for a new environment, and Open failed bootstrapping
// it ("creating the administrator: UNIQUE constraint failed"); it now says
// the store has no organization row, naming the file, and begins no write.
func TestOpenWithoutOrganization(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "env.db")
	s := written(t, path)
	if _, err := s.SQL().ExecContext(ctx, `DELETE FROM organization`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	err := refusedOpen(t, path, "a store without its organization row")
	if err == nil || !strings.Contains(err.Error(), "opening "+path+": the store has no organization row") ||
		!strings.Contains(err.Error(), "nothing was written") || strings.Contains(err.Error(), "administrator") {
		t.Errorf("Open of a store without its organization row: %v", err)
	}
	db, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var orgs, users int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM organization), (SELECT COUNT(*) FROM systemuser)`).Scan(&orgs, &users); err != nil || orgs != 0 || users != 1 {
		t.Errorf("after the open: %d organization rows, %d users (%v)", orgs, users, err)
	}
}

// refusedOpen opens the store at path, which must be refused, twice: by
// sqlstore.Open, counting the write transactions it begins (none may), and
// by Open, whose error it returns. The file must be as it was.
func refusedOpen(t *testing.T, path, what string) error {
	t.Helper()
	ctx := context.Background()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := &beginCounter{dialect: &dialect{busy: time.Second, path: path}}
	if s, err := sqlstore.Open(ctx, db, d, sqlstore.Options{Name: "dev"}); err == nil {
		s.Close()
		t.Fatalf("%s opened", what)
	}
	if n := d.begins.Load(); n != 0 {
		t.Errorf("opening %s began %d write transactions, want 0", what, n)
	}
	_, openErr := Open(ctx, path, Options{Name: "dev"})
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Errorf("opening %s changed its file (%v)", what, err)
	}
	return openErr
}

// TestLookupTargetsMigrated: an environment made before migration 0015,
// with rows, migrates: its rows keep their lookups, with no table kept,
// and tables are kept from then on.
func TestLookupTargetsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	storetest.WriteOldCustomerRows(t, oldStore(t, path, 14))
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckLookupTargetsMigrated(t, s)
}
