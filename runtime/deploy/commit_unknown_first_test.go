package deploy

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
)

// slowFirstCommit makes the COMMIT of the first import into env, an
// environment not created yet, run body (pg_sleep: in flight a while), as
// atCommit does for one that exists: an event trigger adds the deferred
// trigger to the history table when the store creates it.
func slowFirstCommit(t *testing.T, db *sql.DB, env, body string) {
	t.Helper()
	schema := postgres.SchemaFor(env)
	_, err := db.Exec(`CREATE FUNCTION public.atcommit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.result = 'succeeded' THEN ` + body + `; END IF;
	RETURN NULL;
END $$;
CREATE FUNCTION public.addatcommit() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE object_identity = '` + schema + `.importjob') THEN
		CREATE CONSTRAINT TRIGGER atcommit AFTER INSERT ON ` + schema + `.importjob
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.atcommit();
	END IF;
END $$;
CREATE EVENT TRIGGER addatcommit ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION public.addatcommit()`)
	must(t, err)
	t.Cleanup(func() { _, _ = db.Exec(`DROP EVENT TRIGGER addatcommit`) })
}

// TestFirstImportCommitUnknownKept: the first import into a new
// environment whose connection is lost while its slow COMMIT is in flight
// cannot read its outcome within the busy timeout (unknown); the server
// commits it afterwards. The environment is kept with what was committed:
// the removal of a new environment whose first import did not apply waits
// for the environment's lock and removes it only when no import succeeded
// there.
func TestFirstImportCommitUnknownKept(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("SQLite has no connection to lose")
	}
	pr := newProject(t)
	db, err := sql.Open("pgx", pr.pgURL)
	must(t, err)
	defer db.Close()
	slowFirstCommit(t, db, "dev", "PERFORM pg_sleep(2)")
	u, err := url.Parse(pr.pgURL)
	must(t, err)
	cut := newCommitCutter(t, u.Host)
	u.Host = cut.ln.Addr().String()
	b := pr.build()
	b.Project.Environment("dev").Store = u.String()
	pl := pr.pipeline(b.Project)
	pl.Open.BusyTimeout = 300 * time.Millisecond
	hookBeforeCommit = func() { cut.armed.Store(true) }
	defer func() { hookBeforeCommit = nil }()
	res, err := pl.Deploy(context.Background(), "dev", b, quiet())
	if cut.armed.Load() {
		t.Fatal("no COMMIT was cut")
	}
	if !strings.Contains(err.Error(), "it may or may not have been applied") || res == nil || res.Result != Failed || res.Message != err.Error() {
		t.Fatalf("a first import whose connection was lost during its slow commit: %+v %v", res, err)
	}
	if !pr.created("dev") {
		t.Fatalf("the environment whose first import committed was removed: %+v %v", res, err)
	}
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{})
		if err != nil || len(imports) != 1 || imports[0].Result != store.ResultSucceeded {
			t.Errorf("history: %+v %v; want the import's own succeeded entry", imports, err)
		}
	})
}

// TestFirstImportCommitUnknownRemoved: the first import into a new
// environment whose connection is lost during its COMMIT, which the server
// ended (it did not commit), cannot read its outcome (another session
// holds the environment's lease row past the busy timeout); the removal
// of the new environment then waits for that session and finds no import
// succeeded there: it removes it, and the import says it was not
// committed, as it no longer may or may not have been (its message
// pointed at the history of an environment that is gone).
func TestFirstImportCommitUnknownRemoved(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("SQLite has no connection to lose")
	}
	pr := newProject(t)
	db, err := sql.Open("pgx", pr.pgURL)
	must(t, err)
	defer db.Close()
	slowFirstCommit(t, db, "dev", "PERFORM pg_sleep(60)")
	ctx := context.Background()
	holder, err := db.Conn(ctx)
	must(t, err)
	defer holder.Close()
	done := make(chan error, 1)
	go func() {
		// Once the COMMIT sleeps: holds the lease row that every
		// exclusive write takes first, ends the COMMIT's backend, and
		// lets go once the removal (its lease of the default busy
		// timeout, 10 s + 1 s, where the import's store has 300 ms)
		// waits for it.
		done <- func() error {
			if err := waitActivity(ctx, db, `wait_event = 'PgSleep' AND query ILIKE 'commit%'`); err != nil {
				return err
			}
			if _, err := holder.ExecContext(ctx, `BEGIN; SELECT 1 FROM `+postgres.SchemaFor("dev")+`.environmentlease FOR UPDATE`); err != nil {
				return err
			}
			endCommit(ctx, db)
			if err := waitActivity(ctx, db, `wait_event_type = 'Lock' AND query LIKE '%interval ''11000 milliseconds''%'`); err != nil {
				return err
			}
			_, err := holder.ExecContext(ctx, "ROLLBACK")
			return err
		}()
	}()
	b := pr.build()
	pl := pr.pipeline(b.Project)
	pl.Open.BusyTimeout = 300 * time.Millisecond
	res, err := pl.Deploy(ctx, "dev", b, quiet())
	must(t, <-done)
	const said = "the connection to the store was lost while it committed, and the store shows it was not committed: nothing was changed, and running it again is safe"
	if err == nil || err.Error() != said || !SaysOutcome(err) || res == nil || res.Result != Failed || res.Message != said || res.ImportID != 0 {
		t.Fatalf("a first import whose commit was ended, its outcome read by the removal: %+v %v", res, err)
	}
	if pr.created("dev") {
		t.Error("the new environment whose first import did not commit was kept")
	}
	_, err = db.Exec(`DROP EVENT TRIGGER addatcommit`)
	must(t, err)
	if res := pr.deploy("dev", quiet()); res.Result != Applied {
		t.Errorf("the import run again: %+v", res)
	}
}

// waitActivity waits until a backend of the database matches where (on
// pg_stat_activity).
func waitActivity(ctx context.Context, db *sql.DB, where string) error {
	for {
		var n int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND `+where).Scan(&n)
		if err != nil || n > 0 {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}
