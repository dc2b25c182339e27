package environ

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

func TestLocate(t *testing.T) {
	p := &compiler.Project{Dir: "/proj"}
	for _, tc := range []struct {
		store, want, display, err string
	}{
		{"", "/proj/.bpfc/dev.db", ".bpfc/dev.db", ""},
		{"sqlite://.bpfc/other.db", "/proj/.bpfc/other.db", ".bpfc/other.db", ""},
		{"sqlite:///var/lib/bpfc/dev.db", "/var/lib/bpfc/dev.db", "/var/lib/bpfc/dev.db", ""},
		{"mysql://u:pa55word@x", "", "", `unknown store "mysql://u:***@x"`},
	} {
		loc, err := Locate(p, &compiler.Environment{Name: "dev", Store: tc.store})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "pa55word") {
				t.Errorf("store %q: error %v, want %q", tc.store, err, tc.err)
			}
			continue
		}
		if err != nil || loc.Path != filepath.FromSlash(tc.want) || loc.Display != tc.display {
			t.Errorf("store %q: %+v, %v", tc.store, loc, err)
		}
	}
	loc, err := Locate(p, &compiler.Environment{Name: "dev", Store: "postgres://bpfc:pa55word@db.example/bpfc"})
	if err != nil || loc.Backend != "postgres" || loc.URL != "postgres://bpfc:pa55word@db.example/bpfc" || loc.Schema != "bpfc_dev" ||
		loc.Display != "postgres://bpfc:***@db.example/bpfc (schema bpfc_dev)" {
		t.Errorf("postgres store: %+v, %v", loc, err)
	}
	loc, err = Locate(p, &compiler.Environment{Name: "far", URL: "http://10.0.0.5:8080"})
	if !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), `environment "far" is remote (url = "http://10.0.0.5:8080")`) ||
		!strings.Contains(err.Error(), "run it on that machine") || loc.Backend != "remote" || loc.Display != "http://10.0.0.5:8080" {
		t.Errorf("remote environment: %+v, %v", loc, err)
	}
	p.Environments = append(p.Environments, &compiler.Environment{Name: "far", URL: "http://10.0.0.5:8080"})
	if s, _, err := Open(context.Background(), p, "far", Options{}); !errors.Is(err, ErrRemote) || s != nil {
		t.Errorf("Open of a remote environment: %v", err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	p := &compiler.Project{Dir: dir, Environments: []*compiler.Environment{{Name: "dev"}}}
	ctx := context.Background()
	if _, _, err := Open(ctx, p, "dev", Options{MustExist: true}); !errors.Is(err, ErrNotCreated) {
		t.Errorf("MustExist on a new environment: %v", err)
	}
	s, loc, err := Open(ctx, p, "dev", Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.Meta(ctx)
	s.Close()
	if m.Name != "dev" || loc.Path != filepath.Join(dir, ".bpfc", "dev.db") {
		t.Errorf("opened %+v at %+v", m, loc)
	}
	if s, _, err := Open(ctx, p, "dev", Options{MustExist: true}); err != nil {
		t.Errorf("MustExist on an existing environment: %v", err)
	} else {
		s.Close()
	}
	if _, _, err := Open(ctx, p, "prod", Options{}); err == nil || !strings.Contains(err.Error(), "the project's environments are dev") {
		t.Errorf("unknown environment: %v", err)
	}
	if _, _, err := Open(ctx, p, "dve", Options{}); err == nil || !strings.HasSuffix(err.Error(), "; did you mean dev?") {
		t.Errorf("a misspelt environment: %v", err)
	}

	// A file that is not a database is not made one; an empty .db file is
	// a new database.
	for name, content := range map[string]string{"notes.txt": "keep me", "blank.txt": "", "dir": ""} {
		path := filepath.Join(dir, name)
		if name == "dir" {
			os.Mkdir(path, 0o755)
		} else if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		p.Environments = []*compiler.Environment{{Name: "x", Store: "sqlite://" + name}}
		if _, _, err := Open(ctx, p, "x", Options{}); err == nil || !strings.Contains(err.Error(), "not an SQLite database") {
			t.Errorf("%s: %v", name, err)
		}
		if b, _ := os.ReadFile(path); name != "dir" && string(b) != content {
			t.Errorf("%s changed: %q", name, b)
		}
	}
	os.WriteFile(filepath.Join(dir, "touched.db"), nil, 0o644)
	p.Environments = []*compiler.Environment{{Name: "x", Store: "sqlite://touched.db"}}
	if s, _, err := Open(ctx, p, "x", Options{}); err != nil {
		t.Errorf("an empty .db file: %v", err)
	} else {
		s.Close()
	}
}

// TestOpenDeployed: an environment without a store, and one whose store
// was made but had no import commit (a first deploy killed in between),
// have nothing deployed.
func TestOpenDeployed(t *testing.T) {
	p := &compiler.Project{Dir: t.TempDir(), Environments: []*compiler.Environment{{Name: "dev"}}}
	ctx := context.Background()
	if _, _, err := OpenDeployed(ctx, p, "dev", Options{}); !errors.Is(err, ErrNotCreated) {
		t.Errorf("no store: %v", err)
	}
	s, _, err := Open(ctx, p, "dev", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, loc, err := OpenDeployed(ctx, p, "dev", Options{}); !errors.Is(err, ErrNothingDeployed) || loc.Display != ".bpfc/dev.db" {
		t.Errorf("a store without an import: %v at %+v", err, loc)
	}
}

// TestOpenOtherDatabase: an SQLite database with another application's
// tables is refused and left byte for byte as it was.
func TestOpenOtherDatabase(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "crm.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE customers (id INTEGER, name TEXT); INSERT INTO customers VALUES (1, 'Alice')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	p := &compiler.Project{Dir: dir, Environments: []*compiler.Environment{{Name: "dev", Store: "sqlite://crm.db"}}}
	if _, _, err := Open(context.Background(), p, "dev", Options{}); err == nil ||
		!strings.Contains(err.Error(), "crm.db is an SQLite database of something else (its tables: customers): bpfc will not add its own to it") {
		t.Errorf("another application's database: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the other database changed")
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Error("a WAL file was made beside it")
	}
}

// TestReadOnlyJournal: WAL and shared-memory files left read-only (by a
// process that could only read the store: SQLite gives them the store
// file's mode) are made writable again when the store itself is, so that
// writes work; before, every write failed "attempt to write a readonly
// database". (Checked on the files: root, which the tests may run as,
// writes read-only files anyway.)
func TestReadOnlyJournal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "dev.db")
	os.WriteFile(path, nil, 0o644)
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if err := os.WriteFile(f, nil, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if err := writableJournal(path); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v, want -rw-r--r--", filepath.Base(f), st.Mode(), err)
		}
	}
	// A store its group may write gives its files the group's write bit too.
	os.Chmod(path, 0o664)
	os.Chmod(path+"-wal", 0o444)
	if err := writableJournal(path); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path + "-wal"); st.Mode().Perm() != 0o664 {
		t.Errorf("the -wal of a group's store: %v", st.Mode())
	}
	// A store that is read-only itself keeps its files as they are.
	os.Chmod(path, 0o444)
	os.Chmod(path+"-shm", 0o444)
	if err := writableJournal(path); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path + "-shm"); st.Mode().Perm() != 0o444 {
		t.Errorf("the -shm of a read-only store: %v", st.Mode())
	}
}

// TestOpenPostgres: a postgres:// store is opened in the environment's
// schema; MustExist, Exists and RemoveNew work on it as on a file.
func TestOpenPostgres(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	p := &compiler.Project{Dir: t.TempDir(), Environments: []*compiler.Environment{{Name: "dev", Store: url}, {Name: "test", Store: url}}}
	if _, _, err := Open(ctx, p, "dev", Options{MustExist: true}); !errors.Is(err, ErrNotCreated) {
		t.Errorf("MustExist on a new environment: %v", err)
	}
	s, loc, err := Open(ctx, p, "dev", Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.Meta(ctx)
	if m.Name != "dev" || m.Backend != "postgres" || loc.Schema != "bpfc_dev" || m.Location != loc.Display {
		t.Errorf("opened %+v at %+v", m, loc)
	}
	install(t, s)
	s.Close()
	if s, _, err := Open(ctx, p, "dev", Options{MustExist: true}); err != nil {
		t.Errorf("MustExist on an existing environment: %v", err)
	} else {
		s.Close()
	}
	checkRemoveNew(t, p, loc, "test")
}

// TestRemoveNewSQLite: RemoveNew on files works as on schemas: another
// process's first import may have installed into the file meanwhile.
func TestRemoveNewSQLite(t *testing.T) {
	p := &compiler.Project{Dir: t.TempDir(), Environments: []*compiler.Environment{{Name: "dev"}, {Name: "test"}}}
	s, loc, err := Open(context.Background(), p, "dev", Options{})
	if err != nil {
		t.Fatal(err)
	}
	install(t, s)
	s.Close()
	checkRemoveNew(t, p, loc, "test")
}

// install puts a solution into s: an environment in use.
func install(t *testing.T, s store.Store) {
	t.Helper()
	if err := s.Write(context.Background(), func(tx store.Tx) error {
		if err := tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"}); err != nil {
			return err
		}
		return tx.PutSolution(store.Solution{Name: "S", Version: "1.0.0.0", Publisher: "p"})
	}); err != nil {
		t.Fatal(err)
	}
}

// checkRemoveNew: RemoveNew never removes used, an environment with a
// solution; it removes fresh, a new, empty one it opens.
func checkRemoveNew(t *testing.T, p *compiler.Project, used Location, fresh string) {
	t.Helper()
	ctx := context.Background()
	if removed, err := RemoveNew(ctx, used); removed || err != nil {
		t.Fatalf("RemoveNew of an environment with a solution: removed %v, %v", removed, err)
	}
	if ok, err := Exists(ctx, used); !ok || err != nil {
		t.Errorf("RemoveNew removed an environment with a solution: %v, %v", ok, err)
	}
	s, loc, err := Open(ctx, p, fresh, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if removed, err := RemoveNew(ctx, loc); !removed || err != nil {
		t.Fatalf("RemoveNew of a new, empty environment: removed %v, %v", removed, err)
	}
	if ok, err := Exists(ctx, loc); ok || err != nil {
		t.Errorf("RemoveNew left an empty new environment: %v, %v", ok, err)
	}
}
