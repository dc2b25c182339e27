package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Decisions of shared writes on rows they read but do not change: a row
// lock (store.RowLocker) and unique keys.

// testInsertExisting: inserting a row whose key exists fails with an error
// wrapping ErrExists, in a shared write as in an exclusive one.
func testInsertExisting(t *testing.T, s store.Store) {
	tb := projects(t, s)
	dup := map[string]any{"cts_projectid": "p1", "cts_name": "again", store.RowVersionColumn: int64(1)}
	err := s.WriteShared(context.Background(), func(tx store.Tx) error { return tx.InsertRow(tb.Name, dup) })
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("WriteShared inserting p1 again: %v, want ErrExists", err)
	}
	err = s.Write(context.Background(), func(tx store.Tx) error { return tx.InsertRow(tb.Name, dup) })
	if !errors.Is(err, store.ErrExists) {
		t.Errorf("Write inserting p1 again: %v, want ErrExists", err)
	}
	if n, v := headcount(t, s, tb); n != 0 || v != 1 {
		t.Errorf("p1 is at headcount %d, version %d after the failed inserts, want 0 and 1", n, v)
	}
}

// testLockRowSerializes: two shared writes lock p1, count the rows named
// "child" and add one when there is none. The second starts while the
// first holds the lock, so its snapshot is older than the first's row: the
// lock must make it decide again on what the first one did, so that one
// child is added, not two.
func testLockRowSerializes(t *testing.T, s store.Store) {
	tb := projects(t, s)
	addChild := func(name string, locked chan<- struct{}, hold time.Duration) error {
		return s.WriteShared(context.Background(), func(tx store.Tx) error {
			if rl, ok := tx.(store.RowLocker); ok {
				if err := rl.LockRow(tb, "p1"); err != nil {
					return err
				}
			}
			if locked != nil {
				close(locked)
				locked = nil
			}
			rows, err := tx.FindRows(tb, map[string]any{"cts_name": "child"})
			if err != nil || len(rows) > 0 {
				return err
			}
			if err := tx.InsertRow(tb.Name, map[string]any{"cts_projectid": name, "cts_name": "child", store.RowVersionColumn: int64(1)}); err != nil {
				return err
			}
			time.Sleep(hold)
			return nil
		})
	}
	locked := make(chan struct{})
	first := make(chan error, 1)
	go func() { first <- addChild("c1", locked, 300*time.Millisecond) }()
	<-locked
	second := addChild("c2", nil, 0)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if second != nil {
		t.Fatal(second)
	}
	var children []string
	read(t, s, func(tx store.Tx) error {
		rows, err := tx.FindRows(tb, map[string]any{"cts_name": "child"})
		for _, r := range rows {
			children = append(children, fmt.Sprint(r["cts_projectid"]))
		}
		return err
	})
	diff(t, "children", []string{"c1"}, children)
	if n, v := headcount(t, s, tb); n != 0 || v != 1 {
		t.Errorf("p1 is at headcount %d, version %d: LockRow changed it", n, v)
	}
}

// testLockRowMissing: locking a row that does not exist is ErrNotFound
// where the store locks rows; in a read-only transaction it fails.
func testLockRowMissing(t *testing.T, s store.Store) {
	tb := projects(t, s)
	err := s.WriteShared(context.Background(), func(tx store.Tx) error {
		rl, ok := tx.(store.RowLocker)
		if !ok {
			return nil
		}
		if err := rl.LockRow(tb, "p1"); err != nil {
			return err
		}
		if err := rl.LockRow(tb, "nope"); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	err = s.Read(context.Background(), func(tx store.Tx) error {
		if rl, ok := tx.(store.RowLocker); ok {
			return rl.LockRow(tb, "p1")
		}
		return errors.New("read-only")
	})
	if err == nil {
		t.Error("LockRow in a read-only transaction succeeded")
	}
}
