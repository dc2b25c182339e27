package webapi

import (
	"context"

	"github.com/bpfc/bpfc/runtime/store"
)

// gatedStore is the store of the server's engine: it queues the exclusive
// write transactions (Store.Write) made through it in the process, one at
// a time, before they reach the database, so that a burst of them waits
// its turn in order, for as long as each context allows, instead of in
// SQLite's busy handler, which polls with sleeps of up to 100 ms. Shared
// writes (Store.WriteShared, which the engine's run-time changes use) and
// reads pass through ungated: the store itself queues shared writes in
// the process where the database takes one writer at a time (SQLite), and
// runs them beside each other where it can (PostgreSQL).
type gatedStore struct {
	store.Store
	gate chan struct{}
}

func gated(s store.Store) *gatedStore {
	return &gatedStore{Store: s, gate: make(chan struct{}, 1)}
}

// Write waits for the gate, then runs the exclusive write.
func (g *gatedStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	select {
	case g.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.gate }()
	return g.Store.Write(ctx, fn)
}

// ReadRow passes the store's one-statement row read through the gate's
// wrapper, so that the engine's optimistic reads keep their fast path; a
// store without one reads the row in a read transaction.
func (g *gatedStore) ReadRow(ctx context.Context, t store.Table, id string) (store.Row, error) {
	if rr, ok := g.Store.(store.RowReader); ok {
		return rr.ReadRow(ctx, t, id)
	}
	var row store.Row
	err := g.Store.Read(ctx, func(tx store.Tx) error {
		var err error
		row, err = tx.GetRow(t, id)
		return err
	})
	return row, err
}

var _ store.RowReader = (*gatedStore)(nil)

// CanWriteOnce, CachedAccess and WriteOnce pass the store's one-shot
// writes through (they are shared writes: not gated); a store without them
// has none.
func (g *gatedStore) CanWriteOnce() bool {
	ow, ok := g.Store.(store.OneShotWriter)
	return ok && ow.CanWriteOnce()
}

func (g *gatedStore) CachedAccess(user string) (store.Access, int64, bool) {
	if ow, ok := g.Store.(store.OneShotWriter); ok {
		return ow.CachedAccess(user)
	}
	return store.Access{}, 0, false
}

func (g *gatedStore) WriteOnce(ctx context.Context, w store.OneShot) (bool, error) {
	if ow, ok := g.Store.(store.OneShotWriter); ok {
		return ow.WriteOnce(ctx, w)
	}
	return false, nil
}

var _ store.OneShotWriter = (*gatedStore)(nil)
