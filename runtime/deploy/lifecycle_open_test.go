package deploy

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/internal/sqlitehold"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
	"github.com/jackc/pgx/v5"
)

// holdStore keeps every other connection out of env's store until the test
// ends: SQLite's file under an exclusive lock (locking_mode EXCLUSIVE, so
// not even a reader gets in), PostgreSQL's schema_migrations under an
// ACCESS EXCLUSIVE lock, which opening the store reads.
func holdStore(t *testing.T, pr *project, env string) {
	t.Helper()
	ctx := context.Background()
	if pr.pgURL != "" {
		conn, err := pgx.Connect(ctx, pr.pgURL)
		must(t, err)
		tx, err := conn.Begin(ctx)
		must(t, err)
		_, err = tx.Exec(ctx, "LOCK TABLE "+pgx.Identifier{postgres.SchemaFor(env), "schema_migrations"}.Sanitize()+" IN ACCESS EXCLUSIVE MODE")
		must(t, err)
		t.Cleanup(func() {
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
		})
		return
	}
	sqlitehold.Hold(t, pr.path(env))
}

// TestLifecycleBusyOpening: apply-upgrade and uninstall that give up
// waiting already while opening the store are result "busy" with an
// outcome to print, as an import in that case is; they returned no
// outcome, so --output json printed no document.
func TestLifecycleBusyOpening(t *testing.T) {
	pr := newProject(t)
	pr.edit("bpfc.hcl", "managed = false", "managed = true")
	pr.deploy("dev", quiet())
	o := quiet()
	o.Mode = Stage
	pr.v2().deploy("dev", o)

	holdStore(t, pr, "dev")
	pl := pr.pipeline(pr.load())
	pl.Open.BusyTimeout = 300 * time.Millisecond
	out, err := pl.ApplyUpgrade(context.Background(), "dev", "Sales", quiet())
	if !errors.Is(err, store.ErrBusy) || out == nil || out.Result != Busy || out.Operation != "apply-upgrade" || out.Solution != "Sales" ||
		out.Environment != "dev" || out.Message != err.Error() || out.Removed == nil {
		t.Errorf("apply-upgrade while dev cannot be opened: %v (%+v)", err, out)
	}
	out, err = pl.Uninstall(context.Background(), "dev", "Sales", true, quiet())
	if !errors.Is(err, store.ErrBusy) || out == nil || out.Result != Busy || out.Operation != "uninstall" {
		t.Errorf("uninstall while dev cannot be opened: %v (%+v)", err, out)
	}
}

// TestLifecycleOpenFailed: apply-upgrade and uninstall whose store cannot
// be opened for another reason than a wait (a PostgreSQL server that does
// not answer, a file that is not a database) are result "failed" with an
// outcome to print, as an import in that case is; they returned no
// outcome, so --output json printed only the error. An environment never
// created stays the command's own error.
func TestLifecycleOpenFailed(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	pl := pr.pipeline(pr.load())
	if pr.pgURL != "" {
		pl.Project.Environment("dev").Store = "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"
	} else {
		must(t, os.WriteFile(pr.path("dev"), []byte("not a database, a text file of the same name\n"), 0o600))
	}
	out, err := pl.ApplyUpgrade(context.Background(), "dev", "Sales", quiet())
	if err == nil || errors.Is(err, store.ErrBusy) || out == nil || out.Result != Failed || out.Operation != "apply-upgrade" ||
		out.Solution != "Sales" || out.Environment != "dev" || out.Message != err.Error() || out.Removed == nil {
		t.Errorf("apply-upgrade while dev cannot be opened: %v (%+v)", err, out)
	}
	out, err = pl.Uninstall(context.Background(), "dev", "Sales", true, quiet())
	if err == nil || out == nil || out.Result != Failed || out.Operation != "uninstall" || out.Message != err.Error() {
		t.Errorf("uninstall while dev cannot be opened: %v (%+v)", err, out)
	}
	out, err = pl.Uninstall(context.Background(), "prod", "Sales", true, quiet())
	if !errors.Is(err, environ.ErrNotCreated) || out != nil {
		t.Errorf("uninstall from an environment never created: %v (%+v)", err, out)
	}
}
