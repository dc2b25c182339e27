package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestWriteCanceledBeforeCommitWritesNothing: an exclusive write whose
// context ends after its statements ran (Ctrl-C during an import, just
// before it commits) fails with the context's error and leaves the
// environment as it was: the lease's own BEGIN … COMMIT, on the same
// connection, must not commit the transaction the canceled COMMIT left open.
func TestWriteCanceledBeforeCommitWritesNothing(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url, Options{Name: "dev", BusyTimeout: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.InsertRow("lead", map[string]any{"leadid": "l1"}); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("the canceled write: %v, want context.Canceled", err)
	}
	err = s.Read(context.Background(), func(tx store.Tx) error {
		n, err := tx.CountRows("lead")
		if err == nil && n != 0 {
			t.Errorf("%d lead rows after a write canceled before its commit, want 0", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
