package postgres

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestIdleConnectionEnded: a pooled connection that the server ended while
// it sat idle (a restart of PostgreSQL, a failover, pg_terminate_backend,
// idle_session_timeout) fails nothing that runs on it afterwards: nothing
// of it reached the server. A transaction starts again on a new
// connection; a statement of its own (a one-shot write, alone or with
// others, the read of a row) is never sent on it.
func TestIdleConnectionEnded(t *testing.T) {
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	s, tb, stamp, gen := batchEnv(t, []string{"a", "b", "c", "d"}, start)
	ctx := context.Background()
	var dbname string
	if err := s.SQL().QueryRowContext(ctx, `SELECT current_database()`).Scan(&dbname); err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", os.Getenv(pgtest.Env))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// end terminates the store's idle sessions and waits until they are
	// gone: their last words have reached the store's connections.
	end := func() {
		t.Helper()
		var ended int
		if err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = $1 AND state = 'idle'`, dbname).Scan(&ended); err != nil || ended == 0 {
			t.Fatalf("terminated %d backends: %v", ended, err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var left int
			if err := admin.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'idle'`, dbname).
				Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d terminated backends still there", left)
			}
		}
	}
	read := func(tx store.Tx) error { _, err := tx.Imports(store.ImportFilter{Limit: 1}); return err }
	// Each move of an item is to the next stage, from the version the
	// last one left.
	moves := map[string]int{}
	move := func(id string) store.OneShot {
		n := moves[id]
		moves[id]++
		return batchMove(tb, stamp, gen, id, int64(n), 0, n+1, start.Add(time.Duration(n+1)*time.Minute))
	}
	applied := func(ok bool, err error, what string) error {
		if err == nil && !ok {
			t.Fatalf("%s: not applied", what)
		}
		return err
	}
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"read", func() error { return s.Read(ctx, read) }},
		{"shared write", func() error { return s.WriteShared(ctx, read) }},
		{"exclusive write", func() error { return s.Write(ctx, read) }},
		{"one-shot write", func() error {
			ok, err := s.WriteOnce(ctx, move("a"))
			return applied(ok, err, "one-shot write")
		}},
		{"one-shot writes together", func() error {
			oks, errs := s.WriteOnceBatch(ctx, []store.OneShot{move("c"), move("d")})
			for i := range oks {
				if err := applied(oks[i], errs[i], "one-shot writes together"); err != nil {
					return err
				}
			}
			return nil
		}},
		{"read of a row", func() error { _, err := s.ReadRow(ctx, tb, "b"); return err }},
	} {
		// Twice: the second reuses the pooled connection, which the
		// driver then pings only after a second of rest.
		for range 2 {
			if err := c.run(); err != nil {
				t.Fatalf("%s before: %v", c.name, err)
			}
		}
		end()
		if err := c.run(); err != nil {
			t.Errorf("%s on a connection the server ended while idle: %v (lost connection: %v)", c.name, err, store.IsConnectionLost(err))
		}
	}
	for id, n := range moves {
		if got, version, log := history(t, s, tb, id); got != int64(n) || version != int64(n) {
			t.Errorf("%s after %d moves: at stage %d, version %d; stage log %s", id, n, got, version, log)
		}
	}
}
