package deploy

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

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
	db, err := sql.Open("sqlite", "file:"+pr.path(env)+"?_pragma=locking_mode(EXCLUSIVE)")
	must(t, err)
	conn, err := db.Conn(ctx)
	must(t, err)
	_, err = conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
	must(t, err)
	t.Cleanup(func() {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		_ = conn.Close()
		_ = db.Close()
	})
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
