package webapi

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store/postgres"
)

// TestImportConnectionLost: an import the server runs whose connection
// to PostgreSQL is lost knows what became of it, and the server's answer
// says that, not the generic "may or may not have been written": lost
// during its COMMIT and found not committed, the error's message is the
// import's own ("…not committed: nothing was changed, and running it
// again is safe"), which the client marks as saying its outcome, so that
// the CLI prints it as it would locally; lost before its COMMIT, nothing
// was changed. Both stay 503 StoreUnavailable: running it again is safe.
func TestImportConnectionLost(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("SQLite has no connection to lose")
	}
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	db, err := sql.Open("pgx", f.p.Environment("dev").Store)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := postgres.SchemaFor("dev")
	_, err = db.Exec(`CREATE FUNCTION ` + schema + `.sleepy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.result = 'succeeded' THEN PERFORM pg_sleep(60); END IF;
	RETURN NULL;
END $$`)
	if err != nil {
		t.Fatal(err)
	}
	b := nextVersion(t, f)
	c := &Client{URL: f.url, Token: f.admin}
	for _, tc := range []struct {
		name, trigger, in, want string
		says                    bool
	}{
		{"during its COMMIT", `CREATE CONSTRAINT TRIGGER sleepy AFTER INSERT ON ` + schema + `.importjob
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + schema + `.sleepy()`, "commit%",
			"the connection to the store was lost while it committed, and the store shows it was not committed: nothing was changed, and running it again is safe", true},
		{"before its COMMIT", `CREATE TRIGGER sleepy AFTER INSERT ON ` + schema + `.importjob FOR EACH ROW EXECUTE FUNCTION ` + schema + `.sleepy()`, "insert%",
			"the connection to the environment's store was lost during the import, before it committed: nothing was changed; run it again", false},
	} {
		if _, err := db.Exec(tc.trigger); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			// Ends the import's backend once it sleeps in the trigger.
			for {
				var n int
				if err := db.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event = 'PgSleep' AND query ILIKE $1`, tc.in).Scan(&n); err != nil || n > 0 {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		res, err := c.Import(ctx, b, false, deploy.Upgrade, nil, "")
		<-done
		if _, err := db.Exec(`DROP TRIGGER sleepy ON ` + schema + `.importjob`); err != nil {
			t.Fatal(err)
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable || ae.Code != "StoreUnavailable" || ae.Message != tc.want ||
			deploy.SaysOutcome(err) != tc.says || res == nil || res.Result != deploy.Failed {
			t.Errorf("%s: %+v %v (says its outcome: %v)", tc.name, res, err, deploy.SaysOutcome(err))
		}
		if tc.says && (res == nil || res.Message != tc.want) {
			t.Errorf("%s: the result says %+v", tc.name, res)
		}
	}
	if res, err := c.Import(ctx, b, false, deploy.Upgrade, nil, ""); err != nil || res.Result != deploy.Applied {
		t.Errorf("the import run again: %+v %v", res, err)
	}
}

// nextVersion builds the fixture's project at version 1.1.0.0.
func nextVersion(t *testing.T, f *fixture) *deploy.Build {
	t.Helper()
	hcl, err := os.ReadFile(filepath.Join(f.p.Dir, "bpfc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(t.TempDir(), "next")
	if err := os.CopyFS(next, os.DirFS(f.p.Dir)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(next, ".bpfc"))
	testenv.Write(t, next, "bpfc.hcl", strings.Replace(string(hcl), `version      = "1.0.0.0"`, `version      = "1.1.0.0"`, 1))
	p := testenv.Load(t, next)
	for _, e := range p.Environments {
		e.Store = f.p.Environment(e.Name).Store
	}
	return build(t, p)
}
