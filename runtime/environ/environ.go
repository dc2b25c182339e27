package environ

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// Dir is the project directory that holds environment files and keys.
const Dir = ".bpfc"

// Location is where an environment's store is.
type Location struct {
	Env     string
	Backend string // "sqlite", "postgres" or "remote"
	Path    string // sqlite: the database file
	URL     string // postgres: the connection URL, as the store attribute has it; remote: the server's
	Schema  string // postgres: the schema that holds the environment
	// Display is the location as shown to people: the path relative to the
	// project when inside it; the URL without its password, and the schema.
	Display string
}

// ErrNotCreated: the environment's store does not exist yet (nothing was
// ever deployed to it).
var ErrNotCreated = errors.New("environment not created yet")

// ErrNothingDeployed: the environment's store exists, but no import into it
// ever succeeded (a first deploy killed after the store was made and before
// its import committed): it has nothing deployed, as before the store was
// made.
var ErrNothingDeployed = errors.New("nothing deployed yet")

// ErrRemote: the environment is another machine's bpfc serve (url =
// "http://…"); its store is opened there, not here.
var ErrRemote = errors.New("remote environment")

// RemoteCommands are the commands that reach a remote environment through
// its server's Web API; the others need the store and run on its machine.
const RemoteCommands = "plan, deploy, promote, record, instance, report, user list, job list and outbox list"

// remoteError is Locate's error for a remote environment.
type remoteError struct{ env, url string }

func (e *remoteError) Error() string {
	return fmt.Sprintf("environment %q is remote (url = %q): this needs its store, which only its server opens; "+
		"run it on that machine (%s reach a remote environment from here)", e.env, e.url, RemoteCommands)
}

func (e *remoteError) Is(target error) bool { return target == ErrRemote }

// Locate resolves where env's store is. A remote environment's Location has
// Backend "remote" and its URL, and the error wraps ErrRemote.
func Locate(p *compiler.Project, env *compiler.Environment) (Location, error) {
	loc := Location{Env: env.Name, Backend: "sqlite"}
	if env.URL != "" {
		loc.Backend, loc.URL, loc.Display = "remote", env.URL, env.URL
		return loc, &remoteError{env: env.Name, url: env.URL}
	}
	switch s := env.Store; {
	case s == "":
		loc.Path = filepath.Join(p.Dir, filepath.FromSlash(env.DefaultStoreFile()))
	case strings.HasPrefix(s, "sqlite://"):
		path := strings.TrimPrefix(s, "sqlite://")
		if path == "" {
			return loc, fmt.Errorf("environment %q: store %q names no file", env.Name, s)
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, filepath.FromSlash(path))
		}
		loc.Path = path
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		loc.Backend, loc.URL, loc.Schema = "postgres", s, postgres.SchemaFor(env.Name)
		loc.Display = postgres.Location(s, loc.Schema)
		return loc, nil
	default:
		return loc, fmt.Errorf("environment %q: unknown store %q; use \"sqlite://PATH\" or \"postgres://…\"", env.Name, postgres.Redact(s))
	}
	loc.Display = loc.Path
	if rel, err := filepath.Rel(p.Dir, loc.Path); err == nil && !strings.HasPrefix(rel, "..") {
		loc.Display = filepath.ToSlash(rel)
	}
	return loc, nil
}

// Options configure Open.
type Options struct {
	BusyTimeout time.Duration // how long a writer waits for another; default sqlite.DefaultBusyTimeout
	// MustExist refuses to create a store that does not exist yet (the error
	// wraps ErrNotCreated): for commands that only read.
	MustExist bool
	// OnMigrate is told when opening migrated an existing environment's
	// schema from version from to version to: bpfc versions before this
	// one cannot open it any more.
	OnMigrate func(env string, from, to int)
}

// Open opens the store of the named environment of p.
func Open(ctx context.Context, p *compiler.Project, name string, opts Options) (store.Store, Location, error) {
	env := p.Environment(name)
	if env == nil {
		return nil, Location{}, UnknownEnvironment(p, name)
	}
	loc, err := Locate(p, env)
	if err != nil {
		return nil, loc, err
	}
	if opts.MustExist {
		ok, err := Exists(ctx, loc)
		if err != nil {
			return nil, loc, fmt.Errorf("environment %q: %w", name, err)
		}
		if !ok {
			first := "bpfc deploy --env " + name
			if env.PromoteFrom != "" {
				// Its gate takes only the build live in that environment.
				first = "bpfc promote --from " + env.PromoteFrom + " --to " + name
			}
			return nil, loc, fmt.Errorf("environment %q (%s): %w; its first import creates it (%s)", name, loc.Display, ErrNotCreated, first)
		}
	}
	var migrated func(from, to int)
	if opts.OnMigrate != nil {
		migrated = func(from, to int) { opts.OnMigrate(name, from, to) }
	}
	var s store.Store
	if loc.Backend == "postgres" {
		s, err = postgres.Open(ctx, loc.URL, postgres.Options{Name: name, Schema: loc.Schema, BusyTimeout: opts.BusyTimeout, OnMigrate: migrated})
	} else if err = notADatabase(loc.Path); err != nil {
		return nil, loc, fmt.Errorf("environment %q: %w", name, err)
	} else if err = writableJournal(loc.Path); err != nil {
		return nil, loc, fmt.Errorf("environment %q: %w", name, err)
	} else {
		s, err = sqlite.Open(ctx, loc.Path, sqlite.Options{Name: name, BusyTimeout: opts.BusyTimeout, OnMigrate: migrated})
	}
	if err != nil {
		return nil, loc, fmt.Errorf("environment %q: %w", name, err)
	}
	return s, loc, nil
}

// OpenDeployed opens the store of the named environment of p, which must
// have been deployed to: the error wraps ErrNotCreated when its store does
// not exist, ErrNothingDeployed when no import into it succeeded. What the
// runtime commands and bpfc serve open.
func OpenDeployed(ctx context.Context, p *compiler.Project, name string, opts Options) (store.Store, Location, error) {
	opts.MustExist = true
	s, loc, err := Open(ctx, p, name, opts)
	if err != nil {
		return nil, loc, err
	}
	ok, err := DeployedOnce(ctx, s)
	if err != nil || !ok {
		s.Close()
		if err != nil {
			return nil, loc, fmt.Errorf("environment %q: %w", name, err)
		}
		return nil, loc, fmt.Errorf("environment %q (%s): %w; its first import deploys to it (bpfc deploy --env %s)", name, loc.Display, ErrNothingDeployed, name)
	}
	return s, loc, nil
}

// DeployedOnce reports whether an import into s succeeded at least once.
func DeployedOnce(ctx context.Context, s store.Store) (bool, error) {
	var ok bool
	err := s.Read(ctx, func(tx store.Tx) error {
		// Most often the newest succeeded; a refused one after a success
		// sends it to read the rest.
		for _, f := range []store.ImportFilter{{Limit: 1}, {}} {
			imports, err := tx.Imports(f)
			if ok = slices.ContainsFunc(imports, func(r store.ImportRecord) bool { return r.Result == store.ResultSucceeded }); ok || err != nil {
				return err
			}
		}
		return nil
	})
	return ok, err
}

// notADatabase refuses a file that holds something else: SQLite would take
// an empty one as a new database and overwrite it (an empty .db file is
// one); and a database of another application (otherApplications).
func notADatabase(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	if n == 16 && string(head) == "SQLite format 3\x00" {
		return otherApplications(path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".db", ".sqlite", ".sqlite3":
		if n == 0 {
			return nil // an empty database file (touched)
		}
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory, not an SQLite database: point store at a file", path)
	}
	return fmt.Errorf("%s exists and is not an SQLite database: bpfc will not make it one; point store at another file", path)
}

// otherApplications refuses an SQLite database that holds another
// application's tables: opening it would add bpfc's beside them (and switch
// it to WAL). It is read without locks or journal (immutable), so that
// nothing about it changes; a database that cannot be read so is left to
// the open.
func otherApplications(path string) error {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&immutable=1")
	if err != nil {
		return nil
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) != nil {
			return nil
		}
		names = append(names, n)
	}
	if rows.Err() != nil || len(names) == 0 || slices.Contains(names, "schema_migrations") && slices.Contains(names, "organization") {
		return nil
	}
	if len(names) > 5 {
		names = append(names[:5], "…")
	}
	return fmt.Errorf("%s is an SQLite database of something else (its tables: %s): bpfc will not add its own to it; point store at another file",
		path, strings.Join(names, ", "))
}

// writableJournal makes the store's WAL and shared-memory files writable
// again when a process that could only read the store left them read-only
// (SQLite gives them the database file's mode): every later write failed
// with "attempt to write a readonly database". One it cannot change is
// named, with what to do.
func writableJournal(path string) error {
	db, err := os.Stat(path)
	if err != nil {
		return nil // no store yet
	}
	writeBits := db.Mode().Perm() & 0o222 // whom the store lets write: its owner, a group
	for _, f := range []string{path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil || st.Mode().Perm()&writeBits == writeBits {
			continue
		}
		if err := os.Chmod(f, st.Mode().Perm()|writeBits); err != nil && !canWrite(f) {
			return fmt.Errorf("%s is read-only while the store %s is not, so the store cannot be written: make it writable as the store is (chmod %o %s), or remove it while no bpfc process uses the store",
				f, path, st.Mode().Perm()|writeBits, f)
		}
	}
	return nil
}

// canWrite: this process may open f for writing (another owner's file a
// group lets it write, say).
func canWrite(f string) bool {
	h, err := os.OpenFile(f, os.O_WRONLY, 0)
	if err == nil {
		h.Close()
	}
	return err == nil
}

// Exists reports whether the store at loc was ever created: its file, or
// its schema with the environment in it.
func Exists(ctx context.Context, loc Location) (bool, error) {
	if loc.Backend == "postgres" {
		ok, err := postgres.Exists(ctx, loc.URL, loc.Schema)
		if err != nil {
			return false, fmt.Errorf("%s: %w", loc.Display, err)
		}
		return ok, nil
	}
	_, err := os.Stat(loc.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// RemoveNew removes the store at loc that the caller created and could not
// use (a first import that did not apply). It is only removed while nothing
// is installed in it and no import succeeded there: another process may have
// deployed to it meanwhile. It reports whether it removed it: it checked
// that under the environment's lock, once every import's transaction there
// had ended.
func RemoveNew(ctx context.Context, loc Location) (bool, error) {
	if loc.Backend == "postgres" {
		return postgres.DropIfUnused(ctx, loc.URL, loc.Schema, 0)
	}
	return sqlite.RemoveIfUnused(ctx, loc.Path)
}

// UnknownEnvironment is the error for a name that is not an environment of p.
func UnknownEnvironment(p *compiler.Project, name string) error {
	var names []string
	for _, e := range p.Environments {
		names = append(names, e.Name)
	}
	if len(names) == 0 {
		// A project unpack wrote from an export has none: say what to add.
		return unknownEnv{fmt.Sprintf("no environment %q: the project declares no environments; add a block such as environment %q { managed = false } to a .hcl file of the project", name, name)}
	}
	msg := fmt.Sprintf("no environment %q: the project's environments are %s", name, strings.Join(names, ", "))
	if s := compiler.ClosestName(name, names); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return unknownEnv{msg}
}

// ErrUnknownEnvironment is what UnknownEnvironment's errors are (errors.Is):
// a name the project declares no environment for.
var ErrUnknownEnvironment = errors.New("unknown environment")

type unknownEnv struct{ msg string }

func (e unknownEnv) Error() string      { return e.msg }
func (unknownEnv) Is(target error) bool { return target == ErrUnknownEnvironment }
