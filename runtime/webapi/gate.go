package webapi

import (
	"context"

	"github.com/bpfc/bpfc/runtime/store"
)

// gatedStore queues the server's write transactions in the process, one at
// a time, before they reach the database. An environment takes one writer
// at a time anyway; without the gate, concurrent requests would wait in
// SQLite's busy handler, which polls with sleeps of up to 100 ms, and the
// slowest of a burst of writers would wait hundreds of milliseconds. With
// it they wait their turn in order, for as long as their context allows.
type gatedStore struct {
	store.Store
	gate chan struct{}
}

func gated(s store.Store) *gatedStore {
	return &gatedStore{Store: s, gate: make(chan struct{}, 1)}
}

func (g *gatedStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	select {
	case g.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.gate }()
	return g.Store.Write(ctx, fn)
}
