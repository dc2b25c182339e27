package environ

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// Dir is the project directory that holds environment files and keys.
const Dir = ".bpfc"

// Location is where an environment's store is.
type Location struct {
	Env     string
	Backend string // "sqlite"
	Path    string // the database file
	Display string // as shown to people: the path relative to the project when inside it
}

// ErrNotCreated: the environment's store does not exist yet (nothing was
// ever deployed to it).
var ErrNotCreated = errors.New("environment not created yet")

// Locate resolves where env's store is.
func Locate(p *compiler.Project, env *compiler.Environment) (Location, error) {
	loc := Location{Env: env.Name, Backend: "sqlite"}
	if env.URL != "" {
		return loc, fmt.Errorf("environment %q is remote (url = %q): remote environments are not supported yet", env.Name, env.URL)
	}
	switch s := env.Store; {
	case s == "":
		loc.Path = filepath.Join(p.Dir, Dir, env.Name+".db")
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
		return loc, fmt.Errorf("environment %q: PostgreSQL stores are not supported yet (store = %q); remove store to use SQLite at %s/%s.db",
			env.Name, redact(s), Dir, env.Name)
	default:
		return loc, fmt.Errorf("environment %q: unknown store %q; use \"sqlite://PATH\"", env.Name, redact(s))
	}
	loc.Display = loc.Path
	if rel, err := filepath.Rel(p.Dir, loc.Path); err == nil && !strings.HasPrefix(rel, "..") {
		loc.Display = filepath.ToSlash(rel)
	}
	return loc, nil
}

// redact hides a password in a connection string.
func redact(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return s
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":***@" + host
	}
	return s
}

// Options configure Open.
type Options struct {
	BusyTimeout time.Duration // how long a writer waits for another; default sqlite.DefaultBusyTimeout
	// MustExist refuses to create a store that does not exist yet (the error
	// wraps ErrNotCreated): for commands that only read.
	MustExist bool
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
		if _, err := os.Stat(loc.Path); errors.Is(err, fs.ErrNotExist) {
			return nil, loc, fmt.Errorf("environment %q (%s): %w", name, loc.Display, ErrNotCreated)
		}
	}
	s, err := sqlite.Open(ctx, loc.Path, sqlite.Options{Name: name, BusyTimeout: opts.BusyTimeout})
	if err != nil {
		return nil, loc, fmt.Errorf("environment %q: %w", name, err)
	}
	return s, loc, nil
}

// UnknownEnvironment is the error for a name that is not an environment of p.
func UnknownEnvironment(p *compiler.Project, name string) error {
	var names []string
	for _, e := range p.Environments {
		names = append(names, e.Name)
	}
	if len(names) == 0 {
		return fmt.Errorf("no environment %q: the project declares no environments (add an environment block)", name)
	}
	return fmt.Errorf("no environment %q: the project's environments are %s", name, strings.Join(names, ", "))
}
