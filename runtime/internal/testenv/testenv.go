// Package testenv sets up environments for tests of the runtime: an
// example project copied to a temporary directory, a build of it with
// stand-in archives, its deployment, and a logger that writes to the
// test's log. It is imported only by tests.
//
// It deals with projects, builds and stores only, never with the engine,
// so that the engine's own (internal) tests can use it too.
package testenv

import (
	"archive/zip"
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store"
)

// NoEnv is a process environment without BPFC_VAR_*.
func NoEnv(string) string { return "" }

// Example copies examples/<name> (from a test of a package runtime/X) to
// a new temporary directory .../<name>, without its .bpfc/, dist/ and
// screenshots/, writes the extra files (name, content, ...) into it and
// returns it. With name "" the directory starts empty.
func Example(t testing.TB, name string, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if name != "" {
		if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "examples", name))); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{".bpfc", "dist", "screenshots"} {
			os.RemoveAll(filepath.Join(dir, sub))
		}
	}
	Write(t, dir, extra...)
	return dir
}

// Testdata is the text of the repository's testdata/<name> (from a test
// of a package runtime/X): a fixture the runtime's tests and the CLI's
// share (cmd/bpfc, outside runtime/, cannot import this package).
func Testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Write writes files (name, content, ...) into dir.
func Write(t testing.TB, dir string, files ...string) {
	t.Helper()
	for i := 0; i+1 < len(files); i += 2 {
		if err := os.WriteFile(filepath.Join(dir, files[i]), []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Load loads the project in dir; it must have no errors.
func Load(t testing.TB, dir string) *compiler.Project {
	t.Helper()
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return p
}

// FakeArchive is a solution archive with just the model's digest: enough
// for an import, which keeps the model as its snapshot.
func FakeArchive(t testing.TB, p *compiler.Project, managed bool) deploy.Archive {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("Other/Solution.xml")
	w.Write([]byte("<Digest>" + p.Digest() + "</Digest>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	name := p.Solution.Name + "_" + strings.ReplaceAll(p.Solution.Version, ".", "_")
	if managed {
		name += "_managed"
	}
	return deploy.Archive{Name: name + ".zip", Data: buf.Bytes()}
}

// FakeBuild is a build of p with fake archives (FakeArchive).
func FakeBuild(t testing.TB, p *compiler.Project) *deploy.Build {
	t.Helper()
	b, err := deploy.NewBuild(p, FakeArchive(t, p, false), FakeArchive(t, p, true))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Options are a tester's deployment options, without BPFC_VAR_*, on the
// clock now (time.Now when nil).
func Options(now func() time.Time) deploy.Options {
	return deploy.Options{Who: "tester", Getenv: NoEnv, Now: now}
}

// Deploy deploys b to environment env of p, as bpfc deploy does.
func Deploy(t testing.TB, p *compiler.Project, env string, b *deploy.Build) {
	t.Helper()
	pl := &deploy.Pipeline{Project: p, Getenv: NoEnv}
	if _, err := pl.Deploy(context.Background(), env, b, Options(nil)); err != nil {
		t.Fatal(err)
	}
}

// Import imports b into the store s of p's environment "dev", on the
// clock now (time.Now when nil).
func Import(t testing.TB, p *compiler.Project, s store.Store, b *deploy.Build, now func() time.Time) {
	t.Helper()
	if _, err := deploy.Import(context.Background(), deploy.Target{Env: p.Environment("dev"), Store: s}, b, Options(now)); err != nil {
		t.Fatal(err)
	}
}

// Logger writes warnings and errors to t's log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// logWriter sends a log to the test's.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// WriteBare writes values into the row of table with id straight into the
// store, as a bpfc before store migration 0015 wrote a lookup's value: the
// id alone, no table kept with it (the engine's paths keep one).
func WriteBare(t testing.TB, s store.Store, table, id string, values map[string]any) {
	t.Helper()
	if err := s.Write(context.Background(), func(tx store.Tx) error {
		tb, err := tx.Table(table)
		if err != nil {
			return err
		}
		_, err = tx.UpdateRow(tb, id, values, 0)
		return err
	}); err != nil {
		t.Fatalf("write %s %s as an older bpfc: %v", table, id, err)
	}
}
