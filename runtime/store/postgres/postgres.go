package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultBusyTimeout is how long a writer waits for another one.
const DefaultBusyTimeout = 10 * time.Second

// DefaultConnectTimeout bounds making a connection (reaching the server,
// TLS, signing in) when the store URL has no connect_timeout: a host that
// drops the packets, or a listener that takes the connection and never
// answers, fails the command (and a server's request) instead of holding it
// for as long as the operating system keeps trying, or forever. A variable
// for tests.
var DefaultConnectTimeout = 10 * time.Second

// Options configure Open.
type Options struct {
	Name        string             // the environment's name, recorded when it is created
	Schema      string             // the schema that holds the environment; default SchemaFor(Name)
	BusyTimeout time.Duration      // how long a writer waits for another; default DefaultBusyTimeout
	Now         func() time.Time   // the clock; default time.Now
	OnMigrate   func(from, to int) // told when an existing schema was migrated (sqlstore.Options)
}

// SchemaFor is the schema that holds the environment named env.
func SchemaFor(env string) string { return "bpfc_" + env }

// Open opens (creating if needed) the environment in the schema of opts on
// the database that url names: it creates the schema and its lock row,
// applies pending migrations and, for a new environment, creates the
// standard tables, the built-in roles and the administrator. The database
// itself must exist and the login must be allowed to create a schema in it
// (once; later opens only need the schema).
func Open(ctx context.Context, url string, opts Options) (*sqlstore.DB, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if opts.Schema == "" {
		opts.Schema = SchemaFor(opts.Name)
	}
	loc := Location(url, opts.Schema)
	db, err := openDB(url, opts.Schema, opts.BusyTimeout)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", loc, err)
	}
	if err := prepare(ctx, db, opts.Schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", loc, withHint(err))
	}
	d := &dialect{busy: opts.BusyTimeout, foldICU: foldsByICU(ctx, db)}
	s, err := sqlstore.Open(ctx, db, d, sqlstore.Options{Name: opts.Name, Location: loc, Now: opts.Now, OnMigrate: opts.OnMigrate})
	if err != nil {
		db.Close()
		if d.IsBusy(err) {
			return nil, fmt.Errorf("opening %s: %w", loc, store.ErrBusy)
		}
		return nil, fmt.Errorf("opening %s: %w", loc, err)
	}
	return s, nil
}

// Location is how an environment is shown to people: the URL without its
// password, and the schema.
func Location(url, schema string) string {
	return Redact(url) + " (schema " + schema + ")"
}

// Exists reports whether the environment in schema on the database url
// names was ever created (its migrations applied and bootstrapped). A
// schema of that name that holds another application's tables is an
// error, as Open says it: no deploy would create the environment there.
func Exists(ctx context.Context, url, schema string) (bool, error) {
	db, err := openDB(url, schema, DefaultBusyTimeout)
	if err != nil {
		return false, err
	}
	defer db.Close()
	ok, err := bootstrapped(ctx, db, schema)
	if ok || err != nil {
		return ok, err
	}
	tables, err := foreignTables(ctx, db, schema)
	if err != nil {
		return false, err
	}
	if len(tables) > 0 {
		return false, foreignSchema(schema, tables)
	}
	return false, nil
}

// bootstrapped: the organization table, created and filled in the same
// transaction as the first migration, is there.
func bootstrapped(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, schema string) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'organization'`,
		schema).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("reading the environment's schema %s: %w", schema, withHint(err))
	}
	return n > 0, nil
}

// withHint adds what to do to the errors of reaching a database that
// people meet first: no such database, a login refused, no server, a
// server without TLS for a URL that requires it.
func withHint(err error) error {
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "3D000":
		return fmt.Errorf("%w; create the database first (createdb, or CREATE DATABASE): bpfc creates its schema in it, not the database", err)
	case errors.As(err, &pe) && pe.Code == "28000" && strings.Contains(pe.Message, "not permitted to log in"):
		return fmt.Errorf("%w; the store URL's user is a role that may not sign in: give it LOGIN (ALTER ROLE … LOGIN), or use another user", err)
	case errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000"):
		return fmt.Errorf("%w; check the store URL's user, and its password in PGPASSWORD or ~/.pgpass", err)
	case errors.As(err, &pe) && pe.Code == "42501" && errors.As(err, new(*pgconn.ConnectError)) &&
		strings.HasPrefix(pe.Message, "permission denied for database"):
		return fmt.Errorf("%w; the store URL's user may not connect to that database: grant it CONNECT (GRANT CONNECT ON DATABASE … TO …), or use another user", err)
	case errors.As(err, &pe) && pe.Code == "42501" && errors.As(err, new(*pgconn.ConnectError)) &&
		strings.HasPrefix(pe.Message, "permission denied to set parameter"):
		// A URL parameter that is no connection setting goes to the server
		// as a setting: this one only a superuser (or a role granted SET
		// on it) may set. CONNECT is not what is missing.
		return fmt.Errorf("%w; the store URL names a server setting its user may not set: remove that parameter from the URL, or use a user that may set it", err)
	case errors.As(err, &pe) && pe.Code == "42704" && strings.HasPrefix(pe.Message, "unrecognized configuration parameter"):
		// A URL parameter that is no connection setting goes to the server
		// as a setting; it names none. Before the TLS case: under the
		// default sslmode (prefer) the message also holds the TLS refusal
		// of the first attempt, which is not the cause.
		return hinted{err, oneLine(err.Error()) + "; " + unknownParamHint(pe.Message)}
	case strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "no such host"):
		return hinted{err, oneLine(err.Error()) + "; is PostgreSQL running at the store URL's host and port?"}
	case errors.Is(err, context.DeadlineExceeded) && strings.HasPrefix(err.Error(), "failed to connect to"):
		return hinted{err, oneLine(err.Error()) + "; no PostgreSQL server answered in time at the store URL's host and port: " +
			"is it running there, and does the network let the connection through? (connect_timeout=SECONDS in the URL waits longer)"}
	case strings.HasPrefix(err.Error(), "failed to connect to") && (errors.As(err, new(*pgproto3.ExceededMaxBodyLenErr)) ||
		strings.Contains(err.Error(), "unknown message type") || strings.Contains(err.Error(), "received unexpected message")):
		return hinted{err, oneLine(err.Error()) + "; the server at the store URL's host and port did not answer as PostgreSQL does: " +
			"is that port another service's (a web server, bpfc serve)?"}
	case strings.Contains(err.Error(), "server refused TLS connection"):
		return hinted{err, oneLine(err.Error()) + "; the server takes no TLS connections while the store URL's sslmode requires one: " +
			"turn SSL on in the server (ssl = on), or give the URL an sslmode it accepts (prefer, or disable on a network you trust)"}
	}
	return err
}

// unknownParamHint says what to do about the server's "unrecognized
// configuration parameter "NAME"": the URL's NAME, with the connection
// parameter it most likely misspells.
func unknownParamHint(msg string) string {
	name := msg
	if i := strings.IndexByte(msg, '"'); i >= 0 {
		name = strings.TrimSuffix(msg[i+1:], `"`)
	}
	if slices.Contains(compiler.UnsupportedPostgresParams, name) {
		// Another client's parameter, no slip of a near one (sslcrl is not sslcert).
		return fmt.Sprintf("the store URL's parameter %q is one bpfc's PostgreSQL driver (pgx) does not support (libpq's, or an older pgx's): it sent it to the server as a setting, which refused it; remove it", name)
	}
	hint := fmt.Sprintf("the store URL's parameter %q is neither a connection parameter nor a setting of the PostgreSQL server: correct or remove it", name)
	if c := compiler.ClosestName(name, compiler.PostgresURLParams); c != "" {
		hint += fmt.Sprintf(" (did you mean %s?)", c)
	}
	return hint
}

// hinted is err said as msg (it stays err for errors.Is and As).
type hinted struct {
	err error
	msg string
}

func (h hinted) Error() string { return h.msg }
func (h hinted) Unwrap() error { return h.err }

// oneLine is a connection error of pgx on one line: its first line and its
// last distinct one (it lists each address tried, each cause twice).
func oneLine(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	first, last := lines[0], lines[len(lines)-1]
	if first == last || strings.HasSuffix(first, last) {
		return first
	}
	return strings.TrimSuffix(first, ":") + ": " + last
}

// DropIfUnused drops the environment's schema, with everything in it, when
// bpfc created it (not a schema made for it beforehand), nothing is
// installed there and no import ever succeeded: it undoes the creation of
// an environment whose first import did not apply, without touching one
// that another process has deployed to meanwhile. It reports whether it
// dropped the schema; a missing schema is not an error.
func DropIfUnused(ctx context.Context, url, schema string, busy time.Duration) (bool, error) {
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	db, err := openDB(url, schema, busy)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var lockTable int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('environmentlock', 'environmentgate')`,
		schema).Scan(&lockTable); err != nil || lockTable < 2 {
		return false, err
	}
	d := &dialect{busy: busy}
	w, err := d.BeginWrite(ctx, db, func() {})
	if err != nil {
		if d.IsBusy(err) {
			return false, fmt.Errorf("%w (%v)", store.ErrBusy, err)
		}
		return false, err
	}
	defer w.Conn.Close()
	tx := w.Tx
	defer tx.Rollback()
	ok, err := bootstrapped(ctx, tx, schema)
	if err != nil {
		return false, err
	}
	if ok {
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM solution) + (SELECT COUNT(*) FROM importjob WHERE result = $1)`,
			store.ResultSucceeded).Scan(&used); err != nil {
			return false, err
		}
		if used > 0 {
			return false, nil
		}
	}
	var mark sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, schema).Scan(&mark); err != nil {
		return false, err
	}
	if mark.String != createdMark {
		return false, nil // made for bpfc by someone else: kept, with what bpfc put in it
	}
	if _, err := tx.ExecContext(ctx, `DROP SCHEMA `+quoteIdent(schema)+` CASCADE`); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// openDB opens a pool whose connections see only schema, read in
// REPEATABLE READ unless told otherwise and wait at most busy for a lock
// (lock_timeout): no statement of the store waits longer than the busy
// timeout for another transaction.
func openDB(url, schema string, busy time.Duration) (*sql.DB, error) {
	if schema == "" || len(schema) > 63 || strings.ContainsRune(schema, 0) {
		return nil, fmt.Errorf("invalid schema name %q (1 to 63 bytes)", schema)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, errors.New(Redact(err.Error()))
	}
	if cfg.ConnectTimeout == 0 { // neither connect_timeout in the URL nor PGCONNECT_TIMEOUT
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	cfg.RuntimeParams["search_path"] = quoteIdent(schema)
	cfg.RuntimeParams["default_transaction_isolation"] = "repeatable read"
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(max(busy.Milliseconds(), 1), 10)
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "bpfc"
	}
	db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		m := c.TypeMap()
		m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{wrapBool}, m.TryWrapEncodePlanFuncs...)
		return nil
	}), stdlib.OptionShouldPing(shouldPing))
	// Keep enough connections for a server's concurrent requests: a
	// connection closed for want of an idle slot is a new backend process
	// for the next transaction.
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// prepare creates the schema, the lock row every write transaction takes
// and the gate row exclusive writers hold (see dialect.go), unless they are
// there. Sessions creating the same schema at once can collide on the
// catalog's unique indexes: that is retried. Only a read that finds them
// missing goes on to create them: one that failed otherwise (a lock held
// past the busy timeout, a permission refused, a lost connection) would
// wait again, or write, in a schema it could not read.
func prepare(ctx context.Context, db *sql.DB, schema string) error {
	q := quoteIdent(schema)
	var n int64 // fails on a schema from before the counter: prepare it again
	err := db.QueryRowContext(ctx, `SELECT l.n FROM `+q+`.environmentlock l JOIN `+q+`.environmentgate g ON g.id = l.id
JOIN `+q+`.environmentlease e ON e.id = l.id WHERE l.id = 1`).Scan(&n)
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows): // a lock row missing: prepareOnce adds it
	case errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "42703"): // undefined_table (or schema), undefined_column
	case (&dialect{}).IsBusy(err):
		return fmt.Errorf("reading the lock rows of schema %s: %w (%v)", schema, store.ErrBusy, err)
	case errors.As(err, new(*pgconn.ConnectError)):
		return err // as it is, for withHint
	default:
		return fmt.Errorf("reading the lock rows of schema %s (nothing was written): %w", schema, err)
	}
	if tables, err := foreignTables(ctx, db, schema); err != nil {
		return err
	} else if len(tables) > 0 {
		return foreignSchema(schema, tables)
	}
	for attempt := 1; ; attempt++ {
		err := prepareOnce(ctx, db, schema)
		var pe *pgconn.PgError
		if err == nil || attempt == 5 || !errors.As(err, &pe) || !duplicateObject[pe.Code] {
			if err != nil {
				return fmt.Errorf("creating schema %s: %w", schema, err)
			}
			return nil
		}
	}
}

// foreignTables lists (up to five of) the tables of a schema that has
// tables but not bpfc's lock row: another application's, never written to.
func foreignTables(ctx context.Context, db *sql.DB, schema string) ([]string, error) {
	// pg_tables, not information_schema: it lists the tables this user may
	// not read too (another role's application).
	rows, err := db.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		if t == "environmentlock" {
			return nil, rows.Close() // bpfc's, perhaps half made: prepare finishes it
		}
		tables = append(tables, t)
	}
	if len(tables) > 5 {
		tables = append(tables[:5], "…")
	}
	return tables, rows.Err()
}

// foreignSchema is the error for a schema that holds the tables of
// another application.
func foreignSchema(schema string, tables []string) error {
	return fmt.Errorf("schema %s holds tables bpfc did not create (%s): it belongs to another application, and bpfc leaves it as it is; "+
		"rename that schema, or give the environment another name (its schema is %s)", schema, strings.Join(tables, ", "), SchemaFor("<name>"))
}

// createdMark is the comment on a schema bpfc created: only such a schema
// is ever dropped (DropIfUnused), never one a database administrator made
// for it beforehand, with its grants.
const createdMark = "bpfc environment"

// duplicateObject: unique_violation (on the system catalogs),
// duplicate_schema, duplicate_table.
var duplicateObject = map[string]bool{"23505": true, "42P06": true, "42P07": true}

func prepareOnce(ctx context.Context, db *sql.DB, schema string) error {
	q := quoteIdent(schema)
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var existed bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&existed); err != nil {
		return err
	}
	if !existed {
		for _, stmt := range []string{`CREATE SCHEMA IF NOT EXISTS ` + q, `COMMENT ON SCHEMA ` + q + ` IS '` + createdMark + `'`} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
	}
	for _, stmt := range []string{
		// The row every write transaction locks: exclusive ones rewrite
		// it, shared ones lock it FOR SHARE.
		// n counts the exclusive writers that took it: a one-shot write
		// (dialect.OneShotFence) sees whether one committed since its
		// snapshot.
		`CREATE TABLE IF NOT EXISTS ` + q + `.environmentlock (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL DEFAULT 0)`,
		`INSERT INTO ` + q + `.environmentlock (id) VALUES (1) ON CONFLICT (id) DO NOTHING`,
		// The turnstile: an exclusive writer holds it FOR UPDATE, every
		// shared one passes it (FOR SHARE in a savepoint rolled back).
		`CREATE TABLE IF NOT EXISTS ` + q + `.environmentgate (id INTEGER PRIMARY KEY CHECK (id = 1))`,
		`INSERT INTO ` + q + `.environmentgate (id) VALUES (1) ON CONFLICT (id) DO NOTHING`,
		// Until when an exclusive writer may be waiting for the lock row:
		// while it runs, shared writers pass the gate.
		`CREATE TABLE IF NOT EXISTS ` + q + `.environmentlease (id INTEGER PRIMARY KEY CHECK (id = 1),
	closed_until TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01T00:00:00Z')`,
		`INSERT INTO ` + q + `.environmentlease (id) VALUES (1) ON CONFLICT (id) DO NOTHING`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	// A schema from before the counter gets it (only then: ALTER TABLE
	// would lock the table for sessions opening a new schema beside this).
	var has bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = $1
AND table_name = 'environmentlock' AND column_name = 'n')`, schema).Scan(&has); err != nil {
		return err
	}
	if !has {
		if _, err := tx.ExecContext(ctx, `ALTER TABLE `+q+`.environmentlock ADD COLUMN n BIGINT NOT NULL DEFAULT 0`); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Redact hides the password of a connection string, in its user information
// or its password parameter (compiler.RedactStore).
func Redact(s string) string { return compiler.RedactStore(s) }

// Migrations are the schema migrations, for tests and tools.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}
