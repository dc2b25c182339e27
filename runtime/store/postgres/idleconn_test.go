package postgres

import (
	"context"
	"database/sql"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestIdleConnectionEnded: a pooled connection that the server ended while
// it sat idle (a restart of PostgreSQL, a failover, pg_terminate_backend,
// idle_session_timeout) fails no transaction that starts on it afterwards:
// nothing of that transaction reached the server, so the store starts it
// again on a new connection.
func TestIdleConnectionEnded(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev"})
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	end := func() {
		t.Helper()
		var ended int
		if err := admin.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'`).Scan(&ended); err != nil || ended == 0 {
			t.Fatalf("terminated %d backends: %v", ended, err)
		}
	}
	read := func(tx store.Tx) error { _, err := tx.Imports(store.ImportFilter{Limit: 1}); return err }
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"read", func() error { return s.Read(ctx, read) }},
		{"shared write", func() error { return s.WriteShared(ctx, read) }},
		{"exclusive write", func() error { return s.Write(ctx, read) }},
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
}
