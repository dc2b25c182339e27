package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// sharedEnv opens an environment with a table of two rows, a and b.
func sharedEnv(t *testing.T, opts Options) (*sqlstore.DB, store.Table) {
	t.Helper()
	return sharedEnvAt(t, pgtest.URL(t), opts)
}

// sharedEnvAt is sharedEnv in the database at url.
func sharedEnvAt(t *testing.T, url string, opts Options) (*sqlstore.DB, store.Table) {
	t.Helper()
	opts.Name = "dev"
	s := open(t, url, opts)
	var tb store.Table
	err := s.Write(context.Background(), func(tx store.Tx) error {
		if err := tx.CreateTable(store.Table{Name: "cts_item", PrimaryKey: "cts_itemid", Kind: store.TableCustom,
			Columns: []store.Column{{Name: "cts_itemid", Type: "uniqueidentifier"}, {Name: "cts_n", Type: "integer"}}}); err != nil {
			return err
		}
		var err error
		if tb, err = tx.Table("cts_item"); err != nil {
			return err
		}
		for _, id := range []string{"a", "b"} {
			if err := tx.InsertRow(tb.Name, map[string]any{"cts_itemid": id, "cts_n": int64(0)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, tb
}

// TestSharedWritesOverlap: shared writes on different rows run at the same
// time — each waits inside its transaction until the other is inside too.
func TestSharedWritesOverlap(t *testing.T) {
	s, tb := sharedEnv(t, Options{})
	var inside sync.WaitGroup
	inside.Add(2)
	both := make(chan struct{})
	go func() { inside.Wait(); close(both) }()
	errs := make(chan error, 2)
	for _, id := range []string{"a", "b"} {
		go func() {
			errs <- s.WriteShared(context.Background(), func(tx store.Tx) error {
				if _, err := tx.UpdateRow(tb, id, map[string]any{"cts_n": int64(1)}, 0); err != nil {
					return err
				}
				inside.Done()
				select {
				case <-both:
					return nil
				case <-time.After(5 * time.Second):
					return errors.New("the other shared write never ran beside this one")
				}
			})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestSharedDeadlockRetried: two shared writes that update a and b in
// opposite orders deadlock; PostgreSQL rolls one back and WriteShared runs
// it again, so both commit.
func TestSharedDeadlockRetried(t *testing.T) {
	s, tb := sharedEnv(t, Options{})
	var first sync.WaitGroup
	first.Add(2)
	var calls atomic.Int32
	errs := make(chan error, 2)
	for _, order := range [][2]string{{"a", "b"}, {"b", "a"}} {
		go func() {
			attempt := 0
			errs <- s.WriteShared(context.Background(), func(tx store.Tx) error {
				calls.Add(1)
				attempt++
				if _, err := tx.UpdateRow(tb, order[0], map[string]any{"cts_n": int64(1)}, 0); err != nil {
					return err
				}
				if attempt == 1 {
					first.Done()
					first.Wait() // both hold their first row
				}
				_, err := tx.UpdateRow(tb, order[1], map[string]any{"cts_n": int64(2)}, 0)
				return err
			})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := calls.Load(); n < 3 {
		t.Errorf("fn ran %d times: the deadlock was not retried", n)
	}
}

// TestSharedGivesUp: a transaction that keeps losing is run
// MaxSharedAttempts times, then reported as a conflict.
func TestSharedGivesUp(t *testing.T) {
	s, _ := sharedEnv(t, Options{})
	calls := 0
	err := s.WriteShared(context.Background(), func(tx store.Tx) error {
		calls++
		return &pgconn.PgError{Code: "40001", Message: "could not serialize access due to concurrent update"}
	})
	if !errors.Is(err, store.ErrConflict) || !errors.Is(err, store.ErrContended) || calls != store.MaxSharedAttempts {
		t.Errorf("WriteShared = %v after %d calls", err, calls)
	}
}

// TestSharedRowLockTimeout: a shared write that waits for a row longer
// than the busy timeout fails with ErrBusy, saying so.
func TestSharedRowLockTimeout(t *testing.T) {
	s, tb := sharedEnv(t, Options{BusyTimeout: 300 * time.Millisecond})
	release := holdRow(s, tb, "a")
	err := s.WriteShared(context.Background(), func(tx store.Tx) error {
		_, err := tx.UpdateRow(tb, "a", map[string]any{"cts_n": int64(2)}, 0)
		return err
	})
	if err := release(); err != nil {
		t.Error(err)
	}
	if !errors.Is(err, store.ErrBusy) || !strings.Contains(err.Error(), "row") {
		t.Errorf("WriteShared = %v", err)
	}
}

// holdRow updates row id of tb in a shared write that holds it until
// release, which returns the write's error once it ended.
func holdRow(s *sqlstore.DB, tb store.Table, id string) (release func() error) {
	holding, end := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.WriteShared(context.Background(), func(tx store.Tx) error {
			if _, err := tx.UpdateRow(tb, id, map[string]any{"cts_n": int64(1)}, 0); err != nil {
				return err
			}
			close(holding)
			<-end
			return nil
		})
	}()
	select {
	case <-holding:
	case err := <-done: // it failed before it held the row
		return func() error { return err }
	}
	return func() error {
		close(end)
		return <-done
	}
}

// TestWriteNotStarved: a Write gets the environment while shared writes
// keep starting and overlapping (the gate stops new ones while it waits),
// well within its busy timeout.
func TestWriteNotStarved(t *testing.T) {
	s, tb := sharedEnv(t, Options{BusyTimeout: 3 * time.Second})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var shared atomic.Int64
	var wg sync.WaitGroup
	for i := range 6 {
		id := []string{"a", "b"}[i%2]
		wg.Go(func() {
			for ctx.Err() == nil {
				err := s.WriteShared(ctx, func(tx store.Tx) error {
					if _, err := tx.GetRow(tb, id); err != nil {
						return err
					}
					time.Sleep(20 * time.Millisecond) // overlap the others
					return nil
				})
				if err == nil {
					shared.Add(1)
				} else if ctx.Err() == nil {
					t.Error(err)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	before := shared.Load()
	start := time.Now()
	err := s.Write(context.Background(), func(tx store.Tx) error {
		_, err := tx.UpdateRow(tb, "a", map[string]any{"cts_n": int64(7)}, 0)
		return err
	})
	waited := time.Since(start)
	time.Sleep(100 * time.Millisecond)
	stop()
	wg.Wait()
	t.Logf("Write waited %v", waited)
	if err != nil || waited > time.Second {
		t.Errorf("Write after %v: %v", waited, err)
	}
	if before == 0 || shared.Load() == before {
		t.Errorf("shared writes: %d before the Write, %d in all", before, shared.Load())
	}
}

// TestHeldWriteFails: a shared write holds the stage log's writes for its
// next round trip; when one fails, the transaction reports that failure
// (not the aborted transaction the next statement finds) and keeps
// nothing, whether a later statement or the commit carried it.
func TestHeldWriteFails(t *testing.T) {
	s, tb := sharedEnv(t, Options{})
	bad := store.StageVisit{InstanceID: "i\x00", InstanceTable: "cts_flow", WorkflowID: "w", StageID: "s", Stage: "one",
		EnteredOn: time.Now(), EnteredHow: store.VisitStart} // PostgreSQL text holds no NUL
	for _, then := range []string{"read", "readRow", "update", "commit"} {
		t.Run(then, func(t *testing.T) {
			err := s.WriteShared(context.Background(), func(tx store.Tx) error {
				if err := tx.AddStageVisit(store.StageVisit{InstanceID: "i1", InstanceTable: "cts_flow", WorkflowID: "w",
					StageID: "s", Stage: "one", EnteredOn: time.Now(), EnteredHow: store.VisitStart}); err != nil {
					return err
				}
				if err := tx.AddStageVisit(bad); err != nil {
					return err
				}
				switch then {
				case "read":
					_, err := tx.StageVisits(store.StageVisitFilter{})
					return err
				case "readRow":
					_, err := tx.Role("system_administrator")
					return err
				case "update":
					_, err := tx.UpdateRow(tb, "a", map[string]any{"cts_n": int64(7)}, 0)
					return err
				}
				return nil
			})
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "22021" {
				t.Fatalf("err = %v, want the held insert's character_not_in_repertoire", err)
			}
			err = s.Read(context.Background(), func(tx store.Tx) error {
				vs, err := tx.StageVisits(store.StageVisitFilter{})
				if len(vs) != 0 {
					t.Errorf("the failed transaction kept stage visits: %+v", vs)
				}
				row, err2 := tx.GetRow(tb, "a")
				if n, _ := row["cts_n"].(int64); n != 0 {
					t.Errorf("the failed transaction kept its update: %v", row)
				}
				return errors.Join(err, err2)
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	// And a held write that succeeds is kept, with what carried it.
	err := s.WriteShared(context.Background(), func(tx store.Tx) error {
		if err := tx.AddStageVisit(store.StageVisit{InstanceID: "i2", InstanceTable: "cts_flow", WorkflowID: "w", StageID: "s",
			Stage: "one", EnteredOn: time.Now(), EnteredHow: store.VisitStart}); err != nil {
			return err
		}
		_, err := tx.UpdateRow(tb, "b", map[string]any{"cts_n": int64(3)}, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Read(context.Background(), func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: "i2"})
		if len(vs) != 1 {
			t.Errorf("stage visits of i2 = %+v", vs)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLeaseEndsWithWrite: while an exclusive write runs, its lease tells
// shared writers to pass the gate; when it ends, committed or rolled back,
// so does the lease (they take the lock row directly again).
func TestLeaseEndsWithWrite(t *testing.T) {
	s, _ := sharedEnv(t, Options{})
	leased := func() bool {
		t.Helper()
		var on bool
		if err := s.SQL().QueryRow(`SELECT closed_until > now() FROM environmentlease`).Scan(&on); err != nil {
			t.Fatal(err)
		}
		return on
	}
	for _, fail := range []bool{false, true} {
		var during bool
		err := s.Write(context.Background(), func(tx store.Tx) error {
			during = leased()
			if fail {
				return errors.New("rolled back")
			}
			return nil
		})
		if fail != (err != nil) {
			t.Fatalf("Write = %v", err)
		}
		if !during || leased() {
			t.Errorf("rolled back %v: leased during the write %v, after it %v", fail, during, leased())
		}
	}
}
