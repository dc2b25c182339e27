package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestBusyWaitsOnce: while another session holds the environment's lock
// row (SELECT … FOR UPDATE in psql), or its gate and lock row as an
// exclusive writer does, an exclusive and a shared write each wait the
// busy timeout in all, then fail with store.ErrBusy; they waited twice as
// long (a first try meant not to wait waited for the lock row).
func TestBusyWaitsOnce(t *testing.T) {
	const busy = time.Second
	url := pgtest.URL(t)
	s, _ := sharedEnvAt(t, url, Options{BusyTimeout: busy})
	ctx := context.Background()
	for _, held := range []string{
		`SELECT id FROM environmentlock WHERE id = 1 FOR UPDATE`,
		`SELECT id FROM environmentgate WHERE id = 1 FOR UPDATE; SELECT id FROM environmentlock WHERE id = 1 FOR UPDATE`,
	} {
		holder, err := s.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := holder.ExecContext(ctx, held); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			write func(context.Context, func(store.Tx) error) error
		}{{"exclusive", s.Write}, {"shared", s.WriteShared}} {
			start := time.Now()
			err := c.write(ctx, func(store.Tx) error { return nil })
			waited := time.Since(start)
			if !errors.Is(err, store.ErrBusy) {
				t.Errorf("%s write while %q: %v, want busy", c.name, held, err)
			}
			if waited < busy-100*time.Millisecond || waited > busy+400*time.Millisecond {
				t.Errorf("%s write while %q waited %v, want the busy timeout (%v)", c.name, held, waited, busy)
			}
		}
		if err := holder.Rollback(); err != nil {
			t.Fatal(err)
		}
	}
	// Afterwards a write waits for nothing, and later ones have the
	// session's lock_timeout again.
	if err := s.Write(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for _, write := range []func(context.Context, func(store.Tx) error) error{s.Write, s.WriteShared} {
		if err := write(ctx, func(store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
}
