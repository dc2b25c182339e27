package engine

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// countingStore counts a store's one-shot writes and keeps them.
type countingStore struct {
	store.Store
	calls, applied atomic.Int64
	mu             sync.Mutex
	writes         []store.OneShot
}

func (c *countingStore) CanWriteOnce() bool { return c.Store.(store.OneShotWriter).CanWriteOnce() }

func (c *countingStore) CachedAccess(user string) (store.Access, int64, bool) {
	return c.Store.(store.OneShotWriter).CachedAccess(user)
}

func (c *countingStore) WriteOnce(ctx context.Context, w store.OneShot) (bool, error) {
	c.calls.Add(1)
	c.mu.Lock()
	c.writes = append(c.writes, w)
	c.mu.Unlock()
	ok, err := c.Store.(store.OneShotWriter).WriteOnce(ctx, w)
	if ok {
		c.applied.Add(1)
	}
	return ok, err
}

// twoServers deploys the sales example (sharedEnv) and opens two engines
// on it, as two servers would, one of them counting its one-shot writes;
// the first creates an account and a case on it, on which the phone to
// case flow starts.
func twoServers(t *testing.T) (bs *barrierStore, cs *countingStore, one, other *Session, acct, c *Created) {
	t.Helper()
	if os.Getenv("BPFC_TEST_STORE") != "postgres" {
		t.Skip("one-shot changes are PostgreSQL's: run with BPFC_TEST_STORE=postgres and BPFC_TEST_POSTGRES")
	}
	_, bs = sharedEnv(t)
	cs = &countingStore{Store: bs.Store}
	one, other = New(cs, Options{}).As("admin"), New(bs.Store, Options{}).As("admin")
	ctx := context.Background()
	acct, err := one.CreateRecord(ctx, "account", Values{"name": "Fabrikam"}, StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err = one.CreateRecord(ctx, "incident", Values{"title": "Printer on fire", "customerid": acct.ID}, StartOptions{Flow: "phone_to_case"})
	if err != nil || c.Instance == nil {
		t.Fatalf("creating the case: %v %+v", err, c)
	}
	return bs, cs, one, other, acct, c
}

// TestOneShotMoves: on PostgreSQL an engine moves an instance it moved
// before in one statement, decided on what it saw then; when another
// engine (another server) changed the instance or its stage's record
// meanwhile, the statement writes nothing and the move is decided again on
// what is in the database: a required step emptied there refuses the
// move, a stale If-Match answers a conflict, and the stage log has every
// move exactly once.
func TestOneShotMoves(t *testing.T) {
	bs, cs, one, other, acct, c := twoServers(t)
	ctx := context.Background()
	id, version := c.Instance.ID, c.Instance.Version
	var path []string // the stages entered, in order
	move := func(s *Session, to string, ifVersion int64) error {
		t.Helper()
		_, in, err := s.MoveTo(ctx, "cts_phonetocase", id, to, MoveOptions{IfVersion: ifVersion})
		if err == nil {
			version = in.Version
			path = append(path, to)
		}
		return err
	}
	for _, to := range []string{"research", "identify", "research", "identify"} {
		if err := move(one, to, version); err != nil {
			t.Fatal(err)
		}
	}
	// The first move read the instance and the case in a transaction;
	// the other three were decided on what it saw, in one statement each.
	if calls, applied := cs.calls.Load(), cs.applied.Load(); calls != 3 || applied != 3 {
		t.Errorf("one-shot writes: %d, %d written; want 3, 3", calls, applied)
	}
	// Each checks the rows it decided on by version and creation time (a
	// record deleted and created again with the same id starts at the
	// same version).
	cs.mu.Lock()
	caseRead := false
	for _, w := range cs.writes {
		for _, r := range w.Reads {
			caseRead = caseRead || r.ID == c.ID && !r.Created.IsZero()
		}
		if w.Update.ID != id || w.Update.Created.IsZero() {
			t.Errorf("a one-shot write updates %s created %v; want the instance with its creation time", w.Update.ID, w.Update.Created)
		}
	}
	cs.mu.Unlock()
	if !caseRead {
		t.Error("no one-shot write checked the case with its creation time")
	}

	// Another server empties the required customer of stage identify.
	if _, err := other.UpdateRecord(ctx, "incident", c.ID, Values{"customerid": nil}, 0); err != nil {
		t.Fatal(err)
	}
	err := move(one, "research", version)
	var r *ErrRefused
	if !errors.As(err, &r) || r.Rule != RuleRequiredStep {
		t.Fatalf("moving on after the customer was emptied elsewhere: %v, want refused by %s", err, RuleRequiredStep)
	}
	if calls, applied := cs.calls.Load(), cs.applied.Load(); calls != 4 || applied != 3 {
		t.Errorf("one-shot writes: %d, %d written; want 4, 3 (the stale one refused by the database)", calls, applied)
	}

	// The other server moves the instance: this one's copy is stale.
	if _, err := other.UpdateRecord(ctx, "incident", c.ID, Values{"customerid": acct.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if err := move(one, "research", version); err != nil {
		t.Fatal(err)
	}
	stale := version
	if err := move(other, "identify", version); err != nil {
		t.Fatal(err)
	}
	var conflict *ConflictError
	if err := move(one, "research", stale); !errors.As(err, &conflict) {
		t.Fatalf("a move with a stale version: %v, want a conflict", err)
	}
	for _, to := range []string{"research", "identify"} {
		if err := move(one, to, version); err != nil {
			t.Fatal(err)
		}
	}

	var got []string
	err = bs.Store.Read(ctx, func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: id})
		for i, v := range vs {
			open := v.LeftOn.IsZero()
			if open != (i == len(vs)-1) {
				t.Errorf("stay %d (%s): open %v", i, v.Stage, open)
			}
			if i > 0 {
				got = append(got, v.Stage)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != strings.Join(path, " ") {
		t.Errorf("stage log after the first stay: %q, want the moves %q", got, path)
	}
	if in, err := one.Instance(ctx, id); err != nil || in.Version != version || in.ActiveStage != "identify" {
		t.Errorf("instance: %+v, %v; want version %d at identify", in, err, version)
	}
}

// TestOneShotRacesShared: one-shot moves and shared transactions racing on
// one instance never deadlock (PostgreSQL would detect it only after its
// deadlock_timeout, and every racer would wait that long): the one row both
// lock is the instance's, as the stage log is only inserted into and its
// exits' index is not unique, so that no insert waits for another.
func TestOneShotRacesShared(t *testing.T) {
	bs, cs, one, other, _, c := twoServers(t)
	db := bs.Store.(interface{ SQL() *sql.DB }).SQL()
	ctx := context.Background()
	id := c.Instance.ID
	deadlocks := func() int64 {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := deadlocks()
	var moved atomic.Int64
	var wg sync.WaitGroup
	for i := range 6 {
		s := []*Session{one, other}[i%2]
		wg.Go(func() {
			for range 40 {
				in, err := s.Instance(ctx, id)
				if err != nil {
					t.Error(err)
					return
				}
				to := "research"
				if in.ActiveStage == "research" {
					to = "identify"
				}
				_, _, err = s.MoveTo(ctx, "cts_phonetocase", id, to, MoveOptions{IfVersion: in.Version})
				var conflict *ConflictError
				switch {
				case err == nil:
					moved.Add(1)
				case !errors.As(err, &conflict):
					t.Errorf("move to %s: %v", to, err)
				}
			}
		})
	}
	wg.Wait()
	if cs.applied.Load() == 0 {
		t.Fatalf("no one-shot move among the %d moves: the test did not race them", moved.Load())
	}
	// The server counts a deadlock when the session that found it reports
	// its statistics (at the latest a second later).
	time.Sleep(1500 * time.Millisecond)
	if n := deadlocks() - before; n > 0 {
		t.Errorf("%d deadlocks among %d moves (%d in one shot)", n, moved.Load(), cs.applied.Load())
	}
}
