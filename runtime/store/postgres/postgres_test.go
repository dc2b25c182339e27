package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

func TestConformance(t *testing.T) {
	pgtest.Skip(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), pgtest.URL(t), Options{Name: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func open(t *testing.T, url string, opts Options) *sqlstore.DB {
	t.Helper()
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSessionAndMigrations: the environment is in its own schema, reads are
// REPEATABLE READ, the first migration is recorded, Meta says where it is
// without the password.
func TestSessionAndMigrations(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, strings.Replace(url, "postgres@", "postgres:pa55word@", 1), Options{Name: "dev"})
	var path, iso string
	if err := s.SQL().QueryRowContext(ctx, `SELECT current_setting('search_path'), current_setting('transaction_isolation')`).Scan(&path, &iso); err != nil {
		t.Fatal(err)
	}
	if path != `bpfc_dev` && path != `"bpfc_dev"` || iso != "repeatable read" {
		t.Errorf("search_path = %s, isolation = %s", path, iso)
	}
	var version int
	var name string
	if err := s.SQL().QueryRowContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version LIMIT 1").Scan(&version, &name); err != nil {
		t.Fatal(err)
	}
	if version != 1 || name != "environment" {
		t.Errorf("first migration = %d %s", version, name)
	}
	m, err := s.Meta(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Backend != "postgres" || m.Name != "dev" || !strings.HasSuffix(m.Location, "(schema bpfc_dev)") ||
		strings.Contains(m.Location, "pa55word") || !strings.Contains(m.Location, "postgres:***@") {
		t.Errorf("Meta = %+v", m)
	}
}

// TestSchemasIsolate: two environments in one database see nothing of each
// other; Exists and DropIfUnused tell them apart.
func TestSchemasIsolate(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	if ok, err := Exists(ctx, url, SchemaFor("dev")); ok || err != nil {
		t.Errorf("Exists before Open = %v, %v", ok, err)
	}
	dev := open(t, url, Options{Name: "dev"})
	prod := open(t, url, Options{Name: "prod"})
	if err := dev.Write(ctx, func(tx store.Tx) error {
		if err := tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"}); err != nil {
			return err
		}
		if err := tx.PutSolution(store.Solution{Name: "S", Version: "1.0.0.0", Publisher: "p"}); err != nil {
			return err
		}
		return tx.CreateTable(store.Table{Name: "pp_thing", PrimaryKey: "pp_thingid", Kind: store.TableCustom})
	}); err != nil {
		t.Fatal(err)
	}
	if err := prod.Read(ctx, func(tx store.Tx) error {
		if _, err := tx.Publisher("p"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("prod sees dev's publisher: %v", err)
		}
		if _, err := tx.Table("pp_thing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("prod sees dev's table: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"dev", "prod"} {
		if ok, err := Exists(ctx, url, SchemaFor(env)); !ok || err != nil {
			t.Errorf("Exists(%s) = %v, %v", env, ok, err)
		}
	}
	if dropped, err := DropIfUnused(ctx, url, SchemaFor("dev"), time.Second); dropped || err != nil {
		t.Errorf("DropIfUnused of an environment with a solution = %v, %v", dropped, err)
	}
	prod.Close()
	if dropped, err := DropIfUnused(ctx, url, SchemaFor("prod"), time.Second); !dropped || err != nil {
		t.Errorf("DropIfUnused of an empty environment = %v, %v", dropped, err)
	}
	if ok, _ := Exists(ctx, url, SchemaFor("prod")); ok {
		t.Error("prod still exists")
	}
	if dropped, err := DropIfUnused(ctx, url, SchemaFor("prod"), time.Second); dropped || err != nil {
		t.Errorf("DropIfUnused of a missing environment = %v, %v", dropped, err)
	}
}

// TestSchemasOfOthers: a schema of the environment's name that holds
// another application's tables is refused and left as it was; one made
// beforehand for bpfc (empty, with its grants) is used, and never dropped
// by DropIfUnused, which drops only a schema bpfc created.
func TestSchemasOfOthers(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{`CREATE SCHEMA bpfc_payroll`, `CREATE TABLE bpfc_payroll.payslip (id INT)`, `INSERT INTO bpfc_payroll.payslip VALUES (1)`,
		`CREATE SCHEMA bpfc_ready`} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	_, err = Open(ctx, url, Options{Name: "payroll"})
	if err == nil || !strings.Contains(err.Error(), "schema bpfc_payroll holds tables bpfc did not create (payslip)") {
		t.Errorf("Open of another application's schema: %v", err)
	}
	var tables int
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'bpfc_payroll'`).Scan(&tables); err != nil || tables != 1 {
		t.Errorf("the other application's schema has %d tables, %v; want its 1", tables, err)
	}
	if dropped, err := DropIfUnused(ctx, url, "bpfc_payroll", time.Second); dropped || err != nil {
		t.Errorf("DropIfUnused of another application's schema = %v, %v", dropped, err)
	}
	// What the commands that only open a deployed environment ask first:
	// not "nothing deployed yet", which sends people to a deploy that is
	// refused.
	if ok, err := Exists(ctx, url, "bpfc_payroll"); ok || err == nil || !strings.Contains(err.Error(), "schema bpfc_payroll holds tables bpfc did not create (payslip)") {
		t.Errorf("Exists of another application's schema = %v, %v", ok, err)
	}

	ready := open(t, url, Options{Name: "ready"})
	ready.Close()
	if dropped, err := DropIfUnused(ctx, url, "bpfc_ready", time.Second); dropped || err != nil {
		t.Errorf("DropIfUnused of a schema made beforehand = %v, %v", dropped, err)
	}
	if ok, err := Exists(ctx, url, "bpfc_ready"); !ok || err != nil {
		t.Errorf("the schema made beforehand is gone: %v %v", ok, err)
	}
}

// TestReopen: data survives closing, the environment keeps its name, and a
// second Open changes nothing.
func TestReopen(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev"})
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
	}); err != nil {
		t.Fatal(err)
	}
	before, err := Dump(ctx, url, SchemaFor("dev"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, "TABLE publisher (") || !strings.Contains(before, "  p |  | pp | 0\n") {
		t.Errorf("dump:\n%s", before)
	}
	s.Close()
	s = open(t, url, Options{Name: "other", Schema: SchemaFor("dev")})
	m, _ := s.Meta(ctx)
	if m.Name != "dev" || m.SchemaVersion < 1 {
		t.Errorf("Meta = %+v", m)
	}
	if after, _ := Dump(ctx, url, SchemaFor("dev")); before != after {
		t.Error("reopening changed the environment")
	}
}

// TestBusy: a second writer is told it waits, then fails with ErrBusy;
// readers are never blocked by the writer.
func TestBusy(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	a := open(t, url, Options{Name: "dev"})
	b := open(t, url, Options{Name: "dev", BusyTimeout: 200 * time.Millisecond})
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- a.Write(ctx, func(tx store.Tx) error {
			if err := tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"}); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	var waited atomic.Int32
	start := time.Now()
	err := b.Write(store.WithWaitNotice(ctx, func() { waited.Add(1) }), func(store.Tx) error { return nil })
	if !errors.Is(err, store.ErrBusy) || !strings.Contains(err.Error(), "the environment is busy") {
		t.Errorf("second writer: %v", err)
	}
	if waited.Load() != 1 {
		t.Errorf("wait notice called %d times", waited.Load())
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("gave up after %v, before the busy timeout", d)
	}
	if err := b.Read(ctx, func(tx store.Tx) error {
		_, err := tx.Publisher("p")
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a reader sees an uncommitted write: %v", err)
		}
		return nil
	}); err != nil {
		t.Errorf("read during a write: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := b.Write(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Errorf("after release: %v", err)
	}
}

// TestReadIsOneSnapshot: a Read does not see what a Write commits while it
// runs.
func TestReadIsOneSnapshot(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev"})
	err := s.Read(ctx, func(tx store.Tx) error {
		if _, err := tx.Solutions(); err != nil {
			return err
		}
		if err := s.Write(ctx, func(tx store.Tx) error {
			return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
		}); err != nil {
			return err
		}
		if _, err := tx.Publisher("p"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a read saw a write committed after it began: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentFirstOpen: processes opening a new environment at once all
// succeed and create it once.
func TestConcurrentFirstOpen(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	const n = 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, url, Options{Name: "dev"})
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	s := open(t, url, Options{Name: "dev"})
	if err := s.Read(ctx, func(tx store.Tx) error {
		users, err := tx.Users()
		if len(users) != 1 {
			t.Errorf("users = %+v", users)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestRowValues: every kind of value InsertRow takes goes into the column
// types the dialect gives, and reads back as SQLite's would.
func TestRowValues(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev"})
	when := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateTable(store.Table{Name: "cts_x", PrimaryKey: "cts_xid", Kind: store.TableCustom, Columns: []store.Column{
			{Name: "cts_n", Type: "integer"}, {Name: "cts_b", Type: "boolean"}, {Name: "cts_m", Type: "money"},
			{Name: "cts_d", Type: "datetime"}, {Name: "cts_c", Type: "choice"}, {Name: "cts_s", Type: "string"}}}); err != nil {
			return err
		}
		return tx.InsertRow("cts_x", map[string]any{"cts_xid": "a", "cts_n": int64(1) << 40, "cts_b": true, "cts_m": 12.5,
			"cts_d": when, "cts_c": int64(3), "cts_s": "héllo"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var (
		n, b, c, v int64
		m          float64
		d, str     string
	)
	if err := s.SQL().QueryRowContext(ctx, `SELECT cts_n, cts_b, cts_m, cts_d, cts_c, cts_s, versionnumber FROM cts_x`).
		Scan(&n, &b, &m, &d, &c, &str, &v); err != nil {
		t.Fatal(err)
	}
	if n != 1<<40 || b != 1 || m != 12.5 || d != "2026-01-02T03:04:05.000000006Z" || c != 3 || str != "héllo" || v != 0 {
		t.Errorf("row = %v %v %v %v %v %v %v", n, b, m, d, c, str, v)
	}
}

// TestDDLThenRowsInOneWrite: a write transaction that changes a table and
// then writes its rows never waits for itself. On PostgreSQL the DDL holds
// the table's ACCESS EXCLUSIVE lock until commit, so anything that prepares
// or runs a statement on that table on another connection of the pool
// meanwhile waits for the transaction (here until the busy timeout).
func TestDDLThenRowsInOneWrite(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev", BusyTimeout: 5 * time.Second})
	start := time.Now()
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.AddColumn("lead", store.Column{Name: "cts_x", Type: "string"}); err != nil {
			return err
		}
		if err := tx.InsertRow("lead", map[string]any{"leadid": "l1", "cts_x": "x"}); err != nil {
			return err
		}
		_, err := tx.CountRows("lead")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the write took %v: a statement of the transaction went through another connection and waited for the transaction's own locks", d)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev"})
	if _, err := s.SQL().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_on) VALUES (999, 'future', '')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, url, Options{Name: "dev"}); err == nil || !strings.Contains(err.Error(), "newer than this bpfc") {
		t.Errorf("Open of a newer schema: %v", err)
	}
}

// TestNoServer: errors name the place without the password.
func TestNoServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://bpfc:pa55word@127.0.0.1:1/bpfc?connect_timeout=5", Options{Name: "dev"})
	if err == nil || strings.Contains(err.Error(), "pa55word") || !strings.Contains(err.Error(), "postgres://bpfc:***@127.0.0.1:1/bpfc") {
		t.Errorf("Open without a server: %v", err)
	}
	if _, err := Open(ctx, "postgres://x/y", Options{Name: strings.Repeat("n", 60)}); err == nil || !strings.Contains(err.Error(), "invalid schema name") {
		t.Errorf("Open with a long name: %v", err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://bpfc:s3cret@db.example:5432/bpfc?sslmode=require": "postgres://bpfc:***@db.example:5432/bpfc?sslmode=require",
		"postgres://bpfc@db.example/bpfc":                             "postgres://bpfc@db.example/bpfc",
		"postgresql://db/bpfc?password=s3cret&user=u":                 "postgresql://db/bpfc?password=***&user=u",
		"host=db password=s3cret user=u":                              "host=db password=*** user=u",
		"host=db password='s3 cret' user=u":                           "host=db password=*** user=u",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConnectHints: the errors people meet first say what to do.
func TestConnectHints(t *testing.T) {
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u.Path = "/bpfc_no_such_database"
	_, err = Open(ctx, u.String(), Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), "create the database first") {
		t.Errorf("no such database: %v", err)
	}
	if _, err := Exists(ctx, u.String(), SchemaFor("dev")); err == nil || !strings.Contains(err.Error(), "create the database first") {
		t.Errorf("Exists, no such database: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.Host = ln.Addr().String()
	ln.Close()
	if _, err := Open(ctx, u.String(), Options{Name: "dev"}); err == nil || !strings.Contains(err.Error(), "is PostgreSQL running") ||
		strings.Contains(err.Error(), "\n") || strings.Count(err.Error(), "connection refused") != 1 {
		t.Errorf("nothing listening (one line, the cause once): %v", err)
	}
}

// TestOneLine: pgx's connection errors, an address per line and each cause
// twice, are said on one line with the cause once.
func TestOneLine(t *testing.T) {
	in := "failed to connect to `user=postgres database=db`:\n\t127.0.0.1:1 (127.0.0.1): dial error: dial tcp 127.0.0.1:1: connect: connection refused\n\t127.0.0.1:1 (127.0.0.1): dial error: dial tcp 127.0.0.1:1: connect: connection refused"
	want := "failed to connect to `user=postgres database=db`: 127.0.0.1:1 (127.0.0.1): dial error: dial tcp 127.0.0.1:1: connect: connection refused"
	if got := oneLine(in); got != want {
		t.Errorf("oneLine:\n%s\nwant\n%s", got, want)
	}
	if got := oneLine("no server"); got != "no server" {
		t.Errorf("one line already: %q", got)
	}
}

// TestConnectionLost: a write whose connection the server ends (an
// administrator's pg_terminate_backend) fails with an error the store
// classes as a lost connection, which the Web API and the CLI answer as
// "may or may not have been written" rather than "nothing was written".
func TestConnectionLost(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev"})
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Write(ctx, func(tx store.Tx) error {
			close(inside)
			<-release
			return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
		})
	}()
	<-inside
	var ended int
	if err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`).Scan(&ended); err != nil || ended == 0 {
		t.Fatalf("terminated %d backends: %v", ended, err)
	}
	close(release)
	err = <-done
	if err == nil || !store.IsConnectionLost(err) {
		t.Errorf("the write whose connection ended: %v (lost connection: %v)", err, store.IsConnectionLost(err))
	}
	if store.IsConnectionLost(errors.New("duplicate key")) || store.IsConnectionLost(store.ErrConflict) {
		t.Error("other errors are taken for a lost connection")
	}
}

// TestConnectionNeverMade: a server that is not there, or a context that
// ended, is no lost connection (nothing can have been written).
func TestConnectionNeverMade(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = Open(context.Background(), "postgres://bpfc@"+addr+"/bpfc?sslmode=disable&connect_timeout=2", Options{Name: "dev"})
	if err == nil || store.IsConnectionLost(err) {
		t.Errorf("a server that is not there: %v (lost connection: %v)", err, store.IsConnectionLost(err))
	}
	for _, e := range []error{context.DeadlineExceeded, fmt.Errorf("query: %w", context.Canceled),
		&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}} {
		if store.IsConnectionLost(e) {
			t.Errorf("%v taken for a lost connection", e)
		}
	}
	if !store.IsConnectionLost(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}) {
		t.Error("a connection reset under a read is a lost connection")
	}
}

// TestTLSRefusedHint: a store URL whose sslmode requires TLS (the README's
// example has sslmode=require), on a server that takes none, says what to
// change. The server here answers PostgreSQL's SSLRequest with N, as one
// with ssl = off does.
func TestTLSRefusedHint(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		var req [8]byte // length and the SSLRequest code
		if _, err := io.ReadFull(c, req[:]); err == nil {
			c.Write([]byte("N"))
		}
		c.Close()
	})
	_, err := Open(context.Background(), "postgres://bpfc@"+addr+"/bpfc?sslmode=require&connect_timeout=5", Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), "server refused TLS connection; the server takes no TLS connections") ||
		!strings.Contains(err.Error(), "sslmode") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a server without TLS for sslmode=require: %v", err)
	}
}

// TestUnknownParamHint: a misspelt parameter in the store URL (sslmod)
// names the parameter and the one meant. Without sslmode the first attempt
// asks for TLS, which a server without it refuses: the hint was that
// refusal's ("turn SSL on in the server"), not the cause.
func TestUnknownParamHint(t *testing.T) {
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("sslmode")
	q.Set("sslmod", "disable")
	u.RawQuery = q.Encode()
	_, err = Open(context.Background(), u.String(), Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), `the store URL's parameter "sslmod" is neither a connection parameter`) ||
		!strings.Contains(err.Error(), "did you mean sslmode?") || strings.Contains(err.Error(), "turn SSL on") ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("a misspelt sslmode: %v", err)
	}
	// sslcrl is libpq's, which pgx lacks: no slip of sslcert.
	q.Set("sslmode", "disable")
	q.Del("sslmod")
	q.Set("sslcrl", "/etc/crl.pem")
	u.RawQuery = q.Encode()
	_, err = Open(context.Background(), u.String(), Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), `the store URL's parameter "sslcrl" is one bpfc's PostgreSQL driver (pgx) does not support`) ||
		strings.Contains(err.Error(), "did you mean") {
		t.Errorf("sslcrl: %v", err)
	}
}

// TestSilentServerTimesOut: a store URL without connect_timeout whose port
// takes the connection and never answers (a firewall's tarpit, a service
// that waits for its client to speak first) fails the open after the
// default connect timeout, saying what to check, instead of waiting
// forever.
func TestSilentServerTimesOut(t *testing.T) {
	var mu sync.Mutex
	var held []net.Conn
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	addr := fakeServer(t, func(c net.Conn) {
		mu.Lock()
		held = append(held, c) // read nothing, answer nothing
		mu.Unlock()
	})
	setConnectTimeout(t, 500*time.Millisecond)
	t.Setenv("PGCONNECT_TIMEOUT", "")
	url := "postgres://bpfc@" + addr + "/bpfc?sslmode=disable"
	done := make(chan error, 1)
	go func() {
		_, err := Open(context.Background(), url, Options{Name: "dev"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no PostgreSQL server answered in time") ||
			!strings.Contains(err.Error(), "connect_timeout") || strings.Contains(err.Error(), "\n") {
			t.Errorf("a server that never answers: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Open waited on a server that never answers")
	}
	go func() {
		_, err := Exists(context.Background(), url, "bpfc_dev")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no PostgreSQL server answered in time") {
			t.Errorf("Exists on a server that never answers: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Exists waited on a server that never answers")
	}
}

// TestNotPostgresHint: a port that answers, but not in PostgreSQL's
// protocol (here as a web server does, at once), says so rather than only
// pgx's "invalid body length".
func TestNotPostgresHint(t *testing.T) {
	addr := fakeServer(t, func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
		c.Close()
	})
	_, err := Open(context.Background(), "postgres://bpfc@"+addr+"/bpfc?sslmode=disable&connect_timeout=5", Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), "did not answer as PostgreSQL does") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a web server's port: %v", err)
	}
}

// setConnectTimeout shortens the default connect timeout for one test.
func setConnectTimeout(t *testing.T, d time.Duration) {
	old := DefaultConnectTimeout
	DefaultConnectTimeout = d
	t.Cleanup(func() { DefaultConnectTimeout = old })
}

// fakeServer listens on a loopback port until the test ends and hands each
// connection to serve (on the accepting goroutine): a server that speaks
// as much of PostgreSQL's protocol, or of another, as a test needs.
func fakeServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			serve(c)
		}
	}()
	return ln.Addr().String()
}

// restrictedUser adds a login to url's server that may use and create in
// schema bpfc_dev and do anything to its tables but what revoke takes
// back, and returns its URL. Roles are the server's: the name is the test
// database's own.
func restrictedUser(t *testing.T, base string, revoke ...string) string {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	role := strings.TrimPrefix(u.Path, "/") + "_user"
	stmts := []string{"CREATE ROLE " + role + " LOGIN", "GRANT USAGE, CREATE ON SCHEMA bpfc_dev TO " + role,
		"GRANT ALL ON ALL TABLES IN SCHEMA bpfc_dev TO " + role}
	for _, r := range revoke {
		stmts = append(stmts, r+" FROM "+role)
	}
	for _, stmt := range stmts {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(stmt, err)
		}
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP OWNED BY " + role)
		db.Exec("DROP ROLE " + role)
	})
	u.User = url.User(role)
	return u.String()
}

// TestOpenUnreadableWritesNothing: a user that may not read the
// environment's schema_migrations was taken to open a new environment, and
// Open began the write transaction that migrates and bootstraps (which
// then said "creating schema_migrations: permission denied for schema" or
// the like); it now says which read was refused, beginning nothing.
func TestOpenUnreadableWritesNothing(t *testing.T) {
	ctx := context.Background()
	base := pgtest.URL(t)
	open(t, base, Options{Name: "dev"}).Close()
	u := restrictedUser(t, base, "REVOKE SELECT ON bpfc_dev.schema_migrations")
	db, err := openDB(u, SchemaFor("dev"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := prepare(ctx, db, SchemaFor("dev")); err != nil {
		t.Fatal(err)
	}
	d := &beginCounter{dialect: &dialect{busy: time.Second}}
	if s, err := sqlstore.Open(ctx, db, d, sqlstore.Options{Name: "dev"}); err == nil {
		s.Close()
		t.Fatal("opened without reading schema_migrations")
	}
	if n := d.begins.Load(); n != 0 {
		t.Errorf("open that could not read the schema version began %d write transactions, want 0", n)
	}
	_, err = Open(ctx, u, Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), "(schema bpfc_dev): reading the environment's schema version (nothing was written): ") ||
		!strings.Contains(err.Error(), "permission denied for table schema_migrations") || !InsufficientPrivilege(err) {
		t.Errorf("Open as a user that may not read schema_migrations: %v", err)
	}
}

// TestPrepareUnreadable: a user that may not read the lock rows went on to
// create them (saying "creating schema bpfc_dev: permission denied");
// now the refused read is the error.
func TestPrepareUnreadable(t *testing.T) {
	base := pgtest.URL(t)
	open(t, base, Options{Name: "dev"}).Close()
	u := restrictedUser(t, base, "REVOKE SELECT ON bpfc_dev.environmentlock")
	_, err := Open(context.Background(), u, Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), "(schema bpfc_dev): reading the lock rows of schema bpfc_dev (nothing was written): ") ||
		!strings.Contains(err.Error(), "permission denied for table environmentlock") || strings.Contains(err.Error(), "creating") {
		t.Errorf("Open as a user that may not read the lock rows: %v", err)
	}
}

// TestPrepareHeldWaitsOnce: while a session holds the lock table (as
// another open's ALTER TABLE does), the read of the lock rows gives up after
// the busy timeout; it went on to create them, and waited a second time
// (then said "creating schema bpfc_dev: lock timeout").
func TestPrepareHeldWaitsOnce(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	holdTable(t, open(t, url, Options{Name: "dev"}), "environmentlock")
	_, err := Open(ctx, url, Options{Name: "dev", BusyTimeout: 200 * time.Millisecond})
	if !errors.Is(err, store.ErrBusy) || !strings.Contains(err.Error(), "reading the lock rows") || strings.Contains(err.Error(), "creating") {
		t.Errorf("Open while the lock table is held: %v, want busy reading the lock rows", err)
	}
}

// TestOpenWithoutOrganization: an environment whose organization row
// someone deleted was taken for a new one, and Open failed bootstrapping it
// ("creating the administrator: duplicate key"); it now says the store has
// no organization row, naming the schema, and begins no write.
func TestOpenWithoutOrganization(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	s := open(t, u, Options{Name: "dev"})
	if _, err := s.SQL().ExecContext(ctx, `DELETE FROM organization`); err != nil {
		t.Fatal(err)
	}
	db, err := openDB(u, SchemaFor("dev"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := &beginCounter{dialect: &dialect{busy: time.Second}}
	if s, err := sqlstore.Open(ctx, db, d, sqlstore.Options{Name: "dev"}); err == nil {
		s.Close()
		t.Fatal("an environment without its organization row opened")
	}
	if n := d.begins.Load(); n != 0 {
		t.Errorf("opening an environment without its organization row began %d write transactions, want 0", n)
	}
	_, err = Open(ctx, u, Options{Name: "dev"})
	if err == nil || !strings.Contains(err.Error(), "(schema bpfc_dev): the store has no organization row") ||
		!strings.Contains(err.Error(), "nothing was written") || strings.Contains(err.Error(), "administrator") {
		t.Errorf("Open of an environment without its organization row: %v", err)
	}
	var orgs, users int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM organization), (SELECT COUNT(*) FROM systemuser)`).Scan(&orgs, &users); err != nil || orgs != 0 || users != 1 {
		t.Errorf("after the open: %d organization rows, %d users (%v)", orgs, users, err)
	}
}
