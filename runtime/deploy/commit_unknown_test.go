package deploy

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	const notApplied = "interrupted while it committed, and the store shows it was not committed: nothing was changed, and running it again is safe"
	const unknown = "interrupted while it committed: it may or may not have been applied; bpfc history --env dev lists it as succeeded if it was, " +
		"bpfc plan --env dev shows whether 1.1.0.0 is live, and running it again is safe"
	// pgx's cancel request ends the COMMIT's wait, and the import then
	// reads that it rolled back; should the request come too late, the
	// COMMIT holds the environment past the 2 seconds an interrupted
	// import waits for it, and the outcome is unknown.
	if !errors.Is(err, context.Canceled) || res == nil || res.Result != Failed || res.Message != err.Error() ||
		(err.Error() != notApplied && err.Error() != unknown) {
		t.Fatalf("an import interrupted during its commit: %+v %v", res, err)
	}
	_, err = holder.ExecContext(ctx, "COMMIT")
	must(t, err)
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		sol, err := tx.Solution("Sales")
		must(t, err)
		applied := imports[0].Version == "1.1.0.0" && imports[0].Result == store.ResultSucceeded
		switch {
		case res.Message == notApplied && (len(imports) != 2 || imports[0].Result != store.ResultFailed || imports[0].Message != notApplied || imports[0].ID != res.ImportID):
			t.Errorf("history, newest first: %+v; want the failure saying it was not committed", imports)
		case res.Message == unknown && len(imports) != 1 && (len(imports) != 2 || !applied):
			// Nothing recorded while unknown; the import's own entry if the
			// server committed it after all.
			t.Errorf("history, newest first: %+v; want only the import's own entry, if it committed", imports)
		case (sol.Version == "1.1.0.0") != applied:
			t.Errorf("installed %+v, history %+v", sol, imports)
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
// got no answer; once its transaction has ended it reads whether it
// committed (here it did not), says so, and records it: the history
// holds that failure, not its own entry, and running it again applies.
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
	const said = "the connection to the store was lost while it committed, and the store shows it was not committed: nothing was changed, and running it again is safe"
	if err == nil || !SaysOutcome(err) || errors.Is(err, store.ErrCommitUnknown) || !store.IsConnectionLost(err) || err.Error() != said ||
		res == nil || res.Result != Failed || res.Message != said || res.ImportID == 0 {
		t.Fatalf("an import whose connection was lost during its commit: %+v %v", res, err)
	}
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{})
		if err != nil || len(imports) != 2 || imports[0].Result != store.ResultFailed || imports[0].Message != said || imports[0].ID != res.ImportID {
			t.Fatalf("history, newest first: %+v %v; want the failure saying it was not committed", imports, err)
		}
		if sol, err := tx.Solution("Sales"); err != nil || sol.Version != "1.0.0.0" {
			t.Errorf("installed %+v %v, want 1.0.0.0", sol, err)
		}
	})
	_, err = db.Exec(drop)
	must(t, err)
	if res := pr.deploy("dev", quiet()); res.Result != Applied || res.Version != "1.1.0.0" {
		t.Errorf("the import run again: %+v", res)
	}
}

// TestConnectionLostDuringCommitUnsettled: when the store cannot be asked
// afterwards whether the COMMIT applied (here another session holds the
// environment's lease row past the busy timeout), the import says it may
// or may not have been applied and records nothing (its own entry is there
// if it was); running it again is safe.
func TestConnectionLostDuringCommitUnsettled(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("SQLite has no connection to lose")
	}
	pr := newProject(t)
	pr.deploy("dev", quiet())
	db, err := sql.Open("pgx", pr.pgURL)
	must(t, err)
	defer db.Close()
	drop := atCommit(t, db, "dev", "PERFORM pg_sleep(60)")
	ctx := context.Background()
	holder, err := db.Conn(ctx)
	must(t, err)
	defer holder.Close()
	ended := make(chan error, 1)
	go func() {
		// Once the COMMIT sleeps, holds the lease row that every
		// exclusive write takes first, then ends the COMMIT's backend.
		for {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event = 'PgSleep' AND query ILIKE 'commit%'`).Scan(&n); err != nil || n > 0 {
				if err == nil {
					_, err = holder.ExecContext(ctx, `BEGIN; SELECT 1 FROM `+postgres.SchemaFor("dev")+`.environmentlease FOR UPDATE`)
				}
				if err == nil {
					endCommit(ctx, db)
				}
				ended <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	b := pr.version("1.1.0.0").build()
	s := pr.open("dev", 300*time.Millisecond)
	defer s.Close()
	res, err := Import(ctx, Target{Env: b.Project.Environment("dev"), Store: s}, b, quiet())
	must(t, <-ended)
	const said = "the connection to the store was lost while it committed: it may or may not have been applied; " +
		"bpfc history --env dev lists it as succeeded if it was, bpfc plan --env dev shows whether 1.1.0.0 is live, and running it again is safe"
	if !errors.Is(err, store.ErrCommitUnknown) || !SaysOutcome(err) || err.Error() != said || res == nil || res.Result != Failed || res.Message != said || res.ImportID != 0 {
		t.Fatalf("an import whose connection was lost during its commit, the store busy afterwards: %+v %v", res, err)
	}
	_, err = holder.ExecContext(ctx, "ROLLBACK")
	must(t, err)
	pr.read("dev", func(tx store.Tx) {
		if imports, err := tx.Imports(store.ImportFilter{}); err != nil || len(imports) != 1 || imports[0].Version != "1.0.0.0" {
			t.Errorf("history, newest first: %+v %v; want nothing recorded for an import whose outcome is unknown (it did not commit)", imports, err)
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

// commitCutter is a TCP proxy to PostgreSQL that, once armed, passes on
// the first COMMIT a client sends (pgx's "commit", a simple query) and
// then resets that client's connection without the server's answer: the
// server commits, the client cannot know. From then on it drops the
// cancel requests pgx sends for a connection it gives up on, as a lost
// network would: a slow COMMIT goes on. It listens on a port of
// 19550-19559.
type commitCutter struct {
	ln    net.Listener
	armed atomic.Bool
	cut   atomic.Bool
	mu    sync.Mutex
	conns []net.Conn
}

func newCommitCutter(t *testing.T, server string) *commitCutter {
	t.Helper()
	c := &commitCutter{}
	var err error
	for port := 19550; port <= 19559 && c.ln == nil; port++ {
		if c.ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err != nil {
			c.ln = nil
		}
	}
	if c.ln == nil {
		t.Fatalf("no free port in 19550-19559: %v", err)
	}
	t.Cleanup(func() {
		c.ln.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, n := range c.conns {
			n.Close()
		}
	})
	go func() {
		for {
			client, err := c.ln.Accept()
			if err != nil {
				return
			}
			srv, err := net.Dial("tcp", server)
			if err != nil {
				client.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, client, srv)
			c.mu.Unlock()
			go func() { _, _ = io.Copy(client, srv) }()
			go c.forward(client, srv)
		}
	}()
	return c
}

// forward copies what the client sends to the server, cutting the client
// off after the armed COMMIT.
func (c *commitCutter) forward(client, srv net.Conn) {
	buf := make([]byte, 64<<10)
	for first := true; ; first = false {
		n, err := client.Read(buf)
		if first && c.cut.Load() && bytes.HasPrefix(buf[:n], cancelRequest) {
			client.Close()
			srv.Close()
			return
		}
		if n > 0 {
			if _, werr := srv.Write(buf[:n]); werr != nil {
				return
			}
			if bytes.Contains(buf[:n], []byte("commit\x00")) && c.armed.CompareAndSwap(true, false) {
				// The server's answer goes nowhere (the copy to the
				// client fails); the server's side stays open, so
				// that it finishes the COMMIT as it would with a
				// client that vanished.
				c.cut.Store(true)
				client.(*net.TCPConn).SetLinger(0)
				client.Close()
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cancelRequest is how PostgreSQL's CancelRequest message starts: its
// length, 16, and its code, 80877102.
var cancelRequest = []byte{0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e}

// TestConnectionResetAfterCommit: an import whose connection is reset
// after its COMMIT reached the server, which committed it, got no answer;
// it reads that it committed and reports it applied (a note says how it
// ended), and the history holds only its own succeeded entry.
func TestConnectionResetAfterCommit(t *testing.T) {
	if testStore != "postgres" {
		t.Skip("SQLite has no connection to lose")
	}
	pr := newProject(t)
	pr.deploy("dev", quiet())
	u, err := url.Parse(pr.pgURL)
	must(t, err)
	cut := newCommitCutter(t, u.Host)
	u.Host = cut.ln.Addr().String()
	s, err := postgres.Open(context.Background(), u.String(), postgres.Options{Name: "dev", BusyTimeout: 5 * time.Second})
	must(t, err)
	defer s.Close()
	cut.armed.Store(true)
	b := pr.version("1.1.0.0").build()
	res, err := Import(context.Background(), Target{Env: b.Project.Environment("dev"), Store: s}, b, quiet())
	if err != nil || res.Result != Applied || res.ImportID == 0 ||
		!slices.Contains(res.Notes, "the connection to the store was lost while it committed; the store shows it committed") {
		t.Fatalf("an import whose connection was reset after its COMMIT: %+v %v", res, err)
	}
	if cut.armed.Load() {
		t.Fatal("no COMMIT was cut")
	}
	pr.read("dev", func(tx store.Tx) {
		imports, err := tx.Imports(store.ImportFilter{})
		if err != nil || len(imports) != 2 || imports[0].ID != res.ImportID || imports[0].Result != store.ResultSucceeded || imports[0].Version != "1.1.0.0" {
			t.Errorf("history, newest first: %+v %v; want the import's own succeeded entry, nothing else", imports, err)
		}
		if sol, err := tx.Solution("Sales"); err != nil || sol.Version != "1.1.0.0" {
			t.Errorf("installed %+v %v, want 1.1.0.0", sol, err)
		}
	})
}
