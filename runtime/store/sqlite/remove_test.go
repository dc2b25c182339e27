package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestRemoveIfUnused: the store a first import created goes when nothing was
// installed in it, with its side files; one another process installed a
// solution into meanwhile stays, and so does one a writer holds.
func TestRemoveIfUnused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }

	empty := filepath.Join(dir, "empty.db")
	opened(t, empty).Close()
	if removed, err := RemoveIfUnused(ctx, empty); err != nil || !removed {
		t.Fatalf("an unused store: removed %v, %v", removed, err)
	}
	for _, p := range []string{empty, empty + "-wal", empty + "-shm"} {
		if exists(p) {
			t.Errorf("%s is left", filepath.Base(p))
		}
	}
	if removed, err := RemoveIfUnused(ctx, empty); err != nil || removed {
		t.Errorf("a missing store: removed %v, %v", removed, err)
	}

	used := filepath.Join(dir, "used.db")
	s := written(t, used)
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.PutSolution(store.Solution{Name: "Sales", DisplayName: "Sales", Version: "1.0.0.0", Publisher: "p", State: store.StateInstalled})
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if removed, err := RemoveIfUnused(ctx, used); err != nil || removed || !exists(used) {
		t.Errorf("a store with a solution: removed %v, %v", removed, err)
	}

	busy := filepath.Join(dir, "busy.db")
	s = opened(t, busy)
	defer s.Close()
	held := make(chan struct{})
	release := make(chan struct{})
	go s.Write(ctx, func(store.Tx) error { close(held); <-release; return nil }) //nolint:errcheck // the test reads the file, not the write
	<-held
	removed, err := RemoveIfUnused(ctx, busy)
	close(release)
	if removed || !errors.Is(err, store.ErrBusy) || !exists(busy) {
		t.Errorf("a store being written: removed %v, %v", removed, err)
	}
}
