package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// TestRemoveIfUnusedWhileOpen: a store another process had opened (a
// racing first deploy, before its import began) is removed as unused; that
// process's write is then refused, where it went to the removed file and
// was lost while its deploy said it applied.
func TestRemoveIfUnusedWhileOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "race.db")
	other := opened(t, path)
	defer other.Close()
	if removed, err := RemoveIfUnused(ctx, path); err != nil || !removed {
		t.Fatalf("an unused store: removed %v, %v", removed, err)
	}
	err := other.Write(ctx, func(tx store.Tx) error {
		return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
	})
	if err == nil || !strings.Contains(err.Error(), "was removed since this command opened it") {
		t.Errorf("a write to the removed store: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the store is back: %v", err)
	}
}
