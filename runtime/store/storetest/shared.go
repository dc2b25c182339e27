package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Shared (run-time) writes: store.Store.WriteShared. What every backend
// must do, whether it runs them beside each other or one at a time.

// projects creates the rows table with one row, p1, at version 1 and
// cts_headcount 0, and returns the table.
func projects(t *testing.T, s store.Store) store.Table {
	t.Helper()
	return rowsWith(t, s, map[string]any{"cts_projectid": "p1", "cts_name": "v1", "cts_headcount": int64(0), store.RowVersionColumn: int64(1)})
}

func headcount(t *testing.T, s store.Store, tb store.Table) (int64, int64) {
	t.Helper()
	var n, v int64
	read(t, s, func(tx store.Tx) error {
		row, err := tx.GetRow(tb, "p1")
		must(t, err)
		n, _ = row["cts_headcount"].(int64)
		v, _ = row[store.RowVersionColumn].(int64)
		return nil
	})
	return n, v
}

// testSharedKeepsEveryIncrement: shared writers read a row and write it
// back incremented, unconditionally (version 0), from many goroutines. A
// backend may make some give up with ErrConflict, but every one that
// returned nil counts: the row ends at the number of successes.
func testSharedKeepsEveryIncrement(t *testing.T, s store.Store) {
	tb := projects(t, s)
	const workers, rounds = 6, 8
	var ok, conflicts atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Go(func() {
			for range rounds {
				err := s.WriteShared(context.Background(), func(tx store.Tx) error {
					row, err := tx.GetRow(tb, "p1")
					if err != nil {
						return err
					}
					n, _ := row["cts_headcount"].(int64)
					_, err = tx.UpdateRow(tb, "p1", map[string]any{"cts_headcount": n + 1}, 0)
					return err
				})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, store.ErrConflict):
					conflicts.Add(1)
				default:
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, v := headcount(t, s, tb)
	if n != ok.Load() || v != 1+ok.Load() {
		t.Errorf("headcount %d at version %d after %d acknowledged increments (%d gave up): an update was lost", n, v, ok.Load(),
			conflicts.Load())
	}
	if ok.Load() < workers {
		t.Errorf("only %d of %d shared writes succeeded", ok.Load(), workers*rounds)
	}
}

// testSharedRowVersionRace: shared writers that all read a row's version
// and then all update it at that version: exactly one writes, the others
// get ErrConflict.
func testSharedRowVersionRace(t *testing.T, s store.Store) {
	tb := projects(t, s)
	const n = 6
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = s.WriteShared(context.Background(), func(tx store.Tx) error {
				_, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_name": fmt.Sprint("writer ", i)}, 1)
				return err
			})
		})
	}
	close(start)
	wg.Wait()
	winner := oneWinner(t, errs, "shared writer")
	if winner < 0 {
		t.Fatal("no shared writer wrote")
	}
	read(t, s, func(tx store.Tx) error {
		row, err := tx.GetRow(tb, "p1")
		must(t, err)
		if row[store.RowVersionColumn] != int64(2) || row["cts_name"] != fmt.Sprint("writer ", winner) {
			t.Errorf("row after the race = %v (winner %d)", row, winner)
		}
		return nil
	})
}

// hold is how long the tests below keep a transaction open while another
// one tries to start.
const hold = 300 * time.Millisecond

// testWriteExcludesShared: a shared write that starts while a Write holds
// the environment tells its WaitNotice, runs only after the Write
// committed, and sees what it did, also in rows it does not change.
func testWriteExcludesShared(t *testing.T, s store.Store) {
	tb := projects(t, s)
	inWrite, sharedDone := make(chan struct{}), make(chan error, 1)
	var entered, noticed atomic.Bool
	var seen string
	go func() {
		<-inWrite
		ctx := store.WithWaitNotice(context.Background(), func() { noticed.Store(true) })
		sharedDone <- s.WriteShared(ctx, func(tx store.Tx) error {
			entered.Store(true)
			row, err := tx.GetRow(tb, "p1")
			if err != nil {
				return err
			}
			seen, _ = row["cts_name"].(string)
			if _, err := tx.GetRow(tb, "p2"); err != nil {
				seen += fmt.Sprint(" without p2: ", err)
			}
			return tx.InsertRow(tb.Name, map[string]any{"cts_projectid": "p3", "cts_name": seen + " then shared"})
		})
	}()
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_name": "deployed"}, 0); err != nil {
			return err
		}
		if err := tx.InsertRow(tb.Name, map[string]any{"cts_projectid": "p2", "cts_name": "deployed too"}); err != nil {
			return err
		}
		close(inWrite)
		time.Sleep(hold)
		if entered.Load() {
			t.Error("a shared write ran while Write held the environment")
		}
		return nil
	})
	if err := <-sharedDone; err != nil {
		t.Fatal(err)
	}
	if seen != "deployed" {
		t.Errorf("the shared write saw %q, not what the Write before it committed", seen)
	}
	if !noticed.Load() {
		t.Error("the shared write waited without telling its WaitNotice")
	}
	read(t, s, func(tx store.Tx) error {
		row, err := tx.GetRow(tb, "p3")
		must(t, err)
		if row["cts_name"] != "deployed then shared" {
			t.Errorf("cts_name of p3 = %v", row["cts_name"])
		}
		return nil
	})
}

// testSharedExcludesWrite: a Write that starts while a shared write is in
// flight runs only after it committed, and sees what it did.
func testSharedExcludesWrite(t *testing.T, s store.Store) {
	tb := projects(t, s)
	inShared, writeDone := make(chan struct{}), make(chan error, 1)
	var entered atomic.Bool
	var seen string
	go func() {
		<-inShared
		writeDone <- s.Write(context.Background(), func(tx store.Tx) error {
			entered.Store(true)
			row, err := tx.GetRow(tb, "p1")
			if err != nil {
				return err
			}
			seen, _ = row["cts_name"].(string)
			return nil
		})
	}()
	calls := 0
	err := s.WriteShared(context.Background(), func(tx store.Tx) error {
		calls++
		if _, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_name": "moved"}, 0); err != nil {
			return err
		}
		if calls == 1 {
			close(inShared)
		}
		time.Sleep(hold)
		if entered.Load() {
			t.Error("Write ran while a shared write was in flight")
		}
		return nil
	})
	must(t, err)
	if err := <-writeDone; err != nil {
		t.Fatal(err)
	}
	if seen != "moved" || calls != 1 {
		t.Errorf("Write saw cts_name %q; the shared write ran %d times", seen, calls)
	}
}

// testSharedRollsBack: an error of fn leaves nothing, and fn is not run
// again for it.
func testSharedRollsBack(t *testing.T, s store.Store) {
	tb := projects(t, s)
	boom := errors.New("boom")
	calls := 0
	err := s.WriteShared(context.Background(), func(tx store.Tx) error {
		calls++
		must(t, tx.InsertRow(tb.Name, map[string]any{"cts_projectid": "p2", "cts_name": "lost"}))
		if _, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_headcount": int64(9)}, 1); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("WriteShared returned %v after %d calls", err, calls)
	}
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.GetRow(tb, "p2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an inserted row survived the rollback: %v", err)
		}
		return nil
	})
	if n, v := headcount(t, s, tb); n != 0 || v != 1 {
		t.Errorf("an update survived the rollback: headcount %d, version %d", n, v)
	}
}

// testSharedClaims: workers claiming jobs in shared writes, one job per
// claim, take every due job exactly once.
func testSharedClaims(t *testing.T, s store.Store) {
	const jobs, workers = 24, 4
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	write(t, s, func(tx store.Tx) error {
		jt, ok := tx.(store.JobTx)
		if !ok {
			t.Skip("the store does not run workflow jobs")
		}
		for i := range jobs {
			if _, err := jt.EnqueueJob(store.Job{Workflow: "w", Table: "lead", RecordID: fmt.Sprint("l", i), MaxAttempts: 3,
				CreatedOn: now.Add(-time.Minute)}); err != nil {
				return err
			}
		}
		return nil
	})
	claimed := make(chan store.Job, 2*jobs)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			owner := fmt.Sprint("worker", w)
			for {
				var got []store.Job
				err := s.WriteShared(context.Background(), func(tx store.Tx) error {
					var err error
					got, err = tx.(store.JobTx).ClaimJobs(owner, now, now.Add(time.Hour), 1)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				for _, j := range got {
					if j.LeaseOwner != owner {
						t.Errorf("job %d claimed by %s is leased to %s", j.ID, owner, j.LeaseOwner)
					}
					claimed <- j
				}
			}
		})
	}
	wg.Wait()
	close(claimed)
	seen := map[int64]string{}
	for j := range claimed {
		if prev, dup := seen[j.ID]; dup {
			t.Errorf("job %d claimed twice, by %s and %s", j.ID, prev, j.LeaseOwner)
		}
		seen[j.ID] = j.LeaseOwner
	}
	if len(seen) != jobs {
		t.Errorf("%d jobs claimed, want %d", len(seen), jobs)
	}
	read(t, s, func(tx store.Tx) error {
		left, err := tx.(store.JobTx).Jobs(store.JobFilter{State: store.JobQueued})
		must(t, err)
		if len(left) != 0 {
			t.Errorf("%d jobs are still queued", len(left))
		}
		return nil
	})
}
