package deploy

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
)

// TestInterruptedDuringCommit: an import whose context ends while its
// COMMIT is in flight on PostgreSQL may have been applied (pgx closes the
// connection, the server goes on): it is not said, nor recorded, as
// "nothing was changed". A deferred constraint trigger holds the COMMIT on
// a row lock another session holds (the import's own history entry's, not
// the failure's); the context ends during that wait, then the lock is
// released. Whether the server committed (pgx also asks it to cancel the
// COMMIT, which may come too late) the history has to agree with.
func TestInterruptedDuringCommit(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("SQLite rolls back a COMMIT its context ends, and reports one that ran as a success: no unknown outcome there")
	}
	pr := newProject(t)
	pr.deploy("dev", quiet())
	schema := postgres.SchemaFor("dev")
	db, err := sql.Open("pgx", pr.pgURL)
	must(t, err)
	defer db.Close()
	ctx := context.Background()
	_, err = db.ExecContext(ctx, `CREATE TABLE `+schema+`.commitblocker (id int PRIMARY KEY);
INSERT INTO `+schema+`.commitblocker VALUES (1);
CREATE FUNCTION `+schema+`.commitblocker() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.result = 'succeeded' THEN PERFORM 1 FROM `+schema+`.commitblocker WHERE id = 1 FOR UPDATE; END IF;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER commitblocker AFTER INSERT ON `+schema+`.importjob
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION `+schema+`.commitblocker()`)
	must(t, err)
	holder, err := db.Conn(ctx)
	must(t, err)
	defer holder.Close()
	_, err = holder.ExecContext(ctx, `BEGIN; SELECT 1 FROM `+schema+`.commitblocker WHERE id = 1 FOR UPDATE`)
	must(t, err)

	ictx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// Ends the import's context once its COMMIT waits for the lock.
		for ictx.Err() == nil {
			var n int
			if err := db.QueryRowContext(ictx, `SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'commit%'`).Scan(&n); err == nil && n > 0 {
				cancel()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	o := quiet()
	b := pr.version("1.1.0.0").build()
	res, err := pr.pipeline(b.Project).Deploy(ictx, "dev", b, o)
	const said = "interrupted while it committed: it may or may not have been applied; bpfc history --env dev lists it as succeeded if it was, " +
		"bpfc plan --env dev shows whether 1.1.0.0 is live, and running it again is safe"
	if !errors.Is(err, context.Canceled) || err.Error() != said || res == nil || res.Result != Failed || res.Message != said {
		t.Fatalf("an import interrupted during its commit: %+v %v", res, err)
	}
	_, err = holder.ExecContext(ctx, "COMMIT")
	must(t, err)
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{})
		if err != nil || len(imports) < 2 || imports[0].Result != store.ResultFailed || imports[0].Message != said {
			t.Fatalf("history, newest first: %+v %v; want the failure saying it may have applied", imports, err)
		}
		// The import's own entry is there exactly when the server
		// committed it, with the rest of it.
		applied := imports[1].Version == "1.1.0.0" && imports[1].Result == store.ResultSucceeded
		sol, err := tx.Solution("Sales")
		if err != nil || (sol.Version == "1.1.0.0") != applied {
			t.Errorf("installed %+v %v, history %+v", sol, err, imports)
		}
	})
}

// atCommit adds to env's history table a deferred constraint trigger that
// runs body at the COMMIT of an import (its own succeeded entry): what
// holds that COMMIT in flight (pg_sleep) or refuses it (RAISE), as a
// deferred constraint does. It returns the statement that drops it.
func atCommit(t *testing.T, db *sql.DB, env, body string) string {
	t.Helper()
	schema := postgres.SchemaFor(env)
	_, err := db.Exec(`CREATE FUNCTION ` + schema + `.atcommit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.result = 'succeeded' THEN ` + body + `; END IF;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER atcommit AFTER INSERT ON ` + schema + `.importjob
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + schema + `.atcommit()`)
	must(t, err)
	return `DROP TRIGGER atcommit ON ` + schema + `.importjob`
}

// endCommit ends the backend of the COMMIT that sleeps in atCommit's
// trigger (an administrator's pg_terminate_backend) once it sleeps.
func endCommit(ctx context.Context, db *sql.DB) {
	for ctx.Err() == nil {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event = 'PgSleep' AND query ILIKE 'commit%'`).Scan(&n); err == nil && n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConnectionLostDuringCommit: an import whose connection to
// PostgreSQL is lost while its COMMIT is in flight (its backend ended)
// got no answer: it says it may have been applied, not "nothing was
// changed", and running it again is safe.
func TestConnectionLostDuringCommit(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("SQLite has no connection to lose")
	}
	pr := newProject(t)
	pr.deploy("dev", quiet())
	db, err := sql.Open("pgx", pr.pgURL)
	must(t, err)
	defer db.Close()
	drop := atCommit(t, db, "dev", "PERFORM pg_sleep(60)")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go endCommit(ctx, db)
	b := pr.version("1.1.0.0").build()
	res, err := pr.pipeline(b.Project).Deploy(context.Background(), "dev", b, quiet())
	const said = "the connection to the store was lost while it committed: it may or may not have been applied; " +
		"bpfc history --env dev lists it as succeeded if it was, bpfc plan --env dev shows whether 1.1.0.0 is live, and running it again is safe"
	if !errors.Is(err, store.ErrCommitUnknown) || errors.Is(err, context.Canceled) || err.Error() != said || res == nil || res.Result != Failed || res.Message != said {
		t.Fatalf("an import whose connection was lost during its commit: %+v %v", res, err)
	}
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{})
		if err != nil || len(imports) != 2 || imports[0].Result != store.ResultFailed || imports[0].Message != said {
			t.Fatalf("history, newest first: %+v %v; want the failure saying it may have applied", imports, err)
		}
	})
	_, err = db.Exec(drop)
	must(t, err)
	if res := pr.deploy("dev", quiet()); res.Result != Applied || res.Version != "1.1.0.0" {
		t.Errorf("the import run again: %+v", res)
	}
}

// TestCommitRefusedByConstraint: a COMMIT the server refuses (a deferred
// constraint) is a definite failure: nothing was changed, and it says so.
func TestCommitRefusedByConstraint(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("a deferred constraint trigger is PostgreSQL's")
	}
	pr := newProject(t)
	pr.deploy("dev", quiet())
	db, err := sql.Open("pgx", pr.pgURL)
	must(t, err)
	defer db.Close()
	atCommit(t, db, "dev", "RAISE EXCEPTION 'imports are closed' USING ERRCODE = 'check_violation'")
	before := pr.dump("dev", "importjob")
	b := pr.version("1.1.0.0").build()
	res, err := pr.pipeline(b.Project).Deploy(context.Background(), "dev", b, quiet())
	if err == nil || errors.Is(err, store.ErrCommitUnknown) || res == nil || res.Result != Failed || !strings.Contains(res.Message, "imports are closed") {
		t.Fatalf("an import whose commit a deferred constraint refused: %+v %v", res, err)
	}
	if after := pr.dump("dev", "importjob"); after != before {
		t.Errorf("a refused commit changed dev:\n%s", firstDiff(before, after))
	}
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{})
		if err != nil || len(imports) != 2 || imports[0].Result != store.ResultFailed || imports[0].Message != res.Message {
			t.Errorf("history, newest first: %+v %v; want the failure", imports, err)
		}
	})
}
