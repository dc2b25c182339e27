package webapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store/postgres"
)

// TestImportOutcomeUnknownThroughClient: a server's answer for an import
// whose outcome it could not read (deploy.ServedMessage) names bpfc plan
// --env with the server's name for the environment; a client whose
// project knows it by another name says that name, since plan runs from
// its side, while history, which only runs where the server runs, keeps
// the server's name. Before, both said --env dev, which the client's
// project does not have.
func TestImportOutcomeUnknownThroughClient(t *testing.T) {
	const served = "the connection to the store was lost while it committed: it may or may not have been applied; " +
		"bpfc plan --env dev shows whether 1.0.0.0 is live there, bpfc history --env dev, run where its server runs, lists it as succeeded if it was, " +
		"and running it again is safe"
	const want = "the connection to the store was lost while it committed: it may or may not have been applied; " +
		"bpfc plan --env shared shows whether 1.0.0.0 is live there, bpfc history --env dev, run where its server runs, lists it as succeeded if it was, " +
		"and running it again is safe"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(ImportResponse{Error: ErrorDetail{Code: "StoreUnavailable", Message: served, Environment: "dev"},
			Result: &deploy.Result{Environment: "dev", Solution: "ContosoSales", Version: "1.0.0.0", Result: deploy.Failed, Message: served, Changes: []deploy.Change{}}})
	}))
	defer srv.Close()
	p := project(t, "sales")
	c := &Client{URL: srv.URL, Token: "t", Env: "shared"}
	res, err := c.Import(context.Background(), build(t, p), false, deploy.Upgrade, nil, "")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Message != want || !deploy.SaysOutcome(err) || res == nil || res.Message != want {
		t.Errorf("an unknown outcome through a client that knows dev as shared: %v (%+v)", err, res)
	}
	// A client that knows it as dev leaves it as it is.
	c.Env = "dev"
	if res, err := c.Import(context.Background(), build(t, p), false, deploy.Upgrade, nil, ""); res == nil || res.Message != served ||
		!strings.Contains(err.Error(), served) {
		t.Errorf("an unknown outcome through a client that knows dev as dev: %v (%+v)", err, res)
	}
	for _, c := range []struct{ msg, want string }{
		{"bpfc plan --env dev shows", "bpfc plan --env shared shows"},
		{"bpfc plan --env dev-2 shows", "bpfc plan --env dev-2 shows"},
		{"bpfc plan --env dev", "bpfc plan --env shared"},
		{"bpfc history --env dev lists", "bpfc history --env dev lists"},
	} {
		if got := renameCommandEnv(c.msg, "dev", "shared"); got != c.want {
			t.Errorf("renameCommandEnv(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}

// TestImportOutcomeUnknownServed: a real server whose import lost its
// connection to PostgreSQL during the COMMIT, and could not then read
// whether it committed (another session holds the environment's lease row
// past the busy timeout), answers with the commands that tell the outcome
// from the client's side: bpfc plan under the client's name, bpfc history
// as run where the server runs. It said "bpfc history --env dev lists it
// as succeeded if it was", which a client refuses for a remote
// environment, under a name its project may not have.
func TestImportOutcomeUnknownServed(t *testing.T) {
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
END $$;
CREATE CONSTRAINT TRIGGER sleepy AFTER INSERT ON ` + schema + `.importjob
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + schema + `.sleepy()`)
	if err != nil {
		t.Fatal(err)
	}
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	ended := make(chan error, 1)
	go func() {
		// Once the COMMIT sleeps, holds the lease row every exclusive
		// write takes first (so that the import cannot read its
		// outcome), then ends the COMMIT's backend.
		for {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event = 'PgSleep' AND query ILIKE 'commit%'`).Scan(&n); err != nil || n > 0 {
				if err == nil {
					_, err = holder.ExecContext(ctx, `BEGIN; SELECT 1 FROM `+schema+`.environmentlease FOR UPDATE`)
				}
				if err == nil {
					err = db.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event = 'PgSleep' AND query ILIKE 'commit%'`).Scan(&n)
				}
				ended <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	c := &Client{URL: f.url, Token: f.admin, Env: "shared"}
	res, err := c.Import(ctx, nextVersion(t, f), false, deploy.Upgrade, nil, "")
	if err := <-ended; err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TRIGGER sleepy ON ` + schema + `.importjob`); err != nil {
		t.Fatal(err)
	}
	const want = "the connection to the store was lost while it committed: it may or may not have been applied; " +
		"bpfc plan --env shared shows whether 1.1.0.0 is live there, bpfc history --env dev, run where its server runs, lists it as succeeded if it was, " +
		"and running it again is safe"
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "StoreUnavailable" || ae.Message != want || !deploy.SaysOutcome(err) ||
		res == nil || res.Result != deploy.Failed || res.Message != want {
		t.Errorf("an import whose outcome the server could not read: %v (%+v)", err, res)
	}
}
