package sqlstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// One-shot writes that arrive together are applied together: while a
// store's one-shot statement is in flight, the moves that come in queue,
// and the next statement applies every queued move of one shape
// (the same instance table, columns and rows read) at once, each on its
// own conditions. The database then starts one statement, takes the
// environment's lock once and commits once for them all — most of what a
// move costs it. A move alone goes as it came, in its own statement.
//
// Clients come back: one whose move a statement applied sends its next a
// moment later (a closed loop, as an integration's calls or a load test's
// writers are). Left alone, such clients drift apart, and each statement
// carries the one move that happened to come first while the others are
// still on their way: through three servers on two cores, 1.2 moves per
// statement where a server had three writers. So a statement about to be
// sent from an idle queue waits, for at most oneShotGather, while clients
// that a statement answered in the last oneShotRecent have not come back:
// the moves then go together, and the clients stay together.

// OneShotBatchDialect is a OneShotDialect that binds arrays and reads them
// back as rows, for a one-shot statement of several writes.
type OneShotBatchDialect interface {
	OneShotDialect
	// Unnest is a FROM item named alias whose rows are the elements of the
	// array parameters (one column each, named cols; element types
	// "text", "bigint" or "double precision"), index by index.
	Unnest(params, types []string, alias string, cols []string) string
	// IsStatementError says that the database refused a statement, so
	// that it wrote nothing (a constraint or a value failed it, say).
	IsStatementError(err error) bool
}

// Batching limits. A store has one one-shot statement in flight at a time
// and the writes that come meanwhile queue for the next: measured against
// two, one carries more moves per statement and its lock of the
// environment row is not shared with another statement's (PostgreSQL
// then keeps no multixact for it). A write that has waited oneShotStall
// does not wait longer for a slow statement (one waiting for a row lock,
// say): it starts its own. A statement applies at most oneShotBatchMax.
const (
	oneShotsInFlight = 1
	oneShotStall     = 20 * time.Millisecond
	oneShotBatchMax  = 64
	oneShotGather    = time.Millisecond
	oneShotRecent    = 5 * time.Millisecond
)

// oneShotQueue holds the one-shot writes waiting for a statement.
type oneShotQueue struct {
	mu       sync.Mutex
	waiting  []*queuedWrite
	inFlight int
	// pending are the instances with a write queued or being applied: a
	// second move of one does not queue behind the first (it runs beside
	// it, as racing moves do, and the loser learns at once that it lost).
	// So the queue holds one write per instance.
	pending map[string]bool
	stats   OneShotStats
	// answered holds when each client's (store.WithClient) last write was
	// answered; wake is closed when a write queues (gather).
	answered map[string]time.Time
	wake     chan struct{}
}

// gather waits, under q.mu (released while it waits), for oneShotGather
// at most, while a client answered in the last oneShotRecent has no write
// queued: it is likely on its way back. It waits only when two or more
// are: waiting for one saves a statement but costs a way back, which the
// measurements showed a wash at two writers.
func (q *oneShotQueue) gather() {
	var deadline time.Time
	for len(q.waiting) < oneShotBatchMax {
		now := time.Now()
		if n := q.expecting(now); n == 0 || deadline.IsZero() && n < 2 {
			return
		}
		if deadline.IsZero() {
			deadline = now.Add(oneShotGather)
		} else if !now.Before(deadline) {
			return
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		q.mu.Unlock()
		t := time.NewTimer(deadline.Sub(now))
		select {
		case <-wake:
		case <-t.C:
		}
		t.Stop()
		q.mu.Lock()
	}
}

// expecting counts the clients answered recently that have no write
// queued, and forgets the clients answered longer ago; under q.mu. (The
// count is read from an idle queue only: no statement is in flight, so a
// client's write is either queued or not come yet.)
func (q *oneShotQueue) expecting(now time.Time) int {
	queued := make(map[string]bool, len(q.waiting))
	for _, w := range q.waiting {
		queued[w.client] = true
	}
	n := 0
	for c, t := range q.answered {
		switch {
		case now.Sub(t) > oneShotRecent:
			delete(q.answered, c)
		case !queued[c]:
			n++
		}
	}
	return n
}

// arrived wakes a statement gathering writes: one queued; under q.mu.
func (q *oneShotQueue) arrived() {
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

// answer records that the writes of batch were answered now; under q.mu.
func (q *oneShotQueue) answer(batch []*queuedWrite, now time.Time) {
	for _, w := range batch {
		if w.client == "" {
			continue
		}
		if q.answered == nil {
			q.answered = map[string]time.Time{}
		}
		q.answered[w.client] = now
	}
	if len(q.answered) > 4*oneShotBatchMax {
		// A queue that never idles never gathers, which forgets:
		// clients come and go on new connections.
		q.expecting(now)
	}
}

// OneShotStats count the statements that applied queued one-shot writes
// and the writes they carried: how much the writes were batched.
type OneShotStats struct{ Statements, Writes int64 }

// OneShotStats is how the one-shot writes of this store went so far.
func (s *DB) OneShotStats() OneShotStats {
	s.oneShots.mu.Lock()
	defer s.oneShots.mu.Unlock()
	return s.oneShots.stats
}

type queuedWrite struct {
	w      store.OneShot
	shape  string
	client string // store.ClientOf
	taken  bool   // in a statement: its result will come
	done   chan writeResult
}

type writeResult struct {
	ok  bool
	err error
}

// queueOneShot applies w with the writes queued beside it. A caller that
// finds fewer statements in flight than allowed runs the queue itself
// (with w in it); the others wait for theirs, or run it after
// oneShotStall.
func (s *DB) queueOneShot(ctx context.Context, w store.OneShot, shape string) (bool, error) {
	q := &queuedWrite{w: w, shape: shape, client: store.ClientOf(ctx), done: make(chan writeResult, 1)}
	id := w.Update.ID
	s.oneShots.mu.Lock()
	if s.oneShots.pending[id] {
		s.oneShots.mu.Unlock()
		return s.writeOne(ctx, w, shape)
	}
	if s.oneShots.pending == nil {
		s.oneShots.pending = map[string]bool{}
	}
	s.oneShots.pending[id] = true
	defer func() {
		s.oneShots.mu.Lock()
		delete(s.oneShots.pending, id)
		s.oneShots.mu.Unlock()
	}()
	s.oneShots.waiting = append(s.oneShots.waiting, q)
	s.oneShots.arrived()
	lead := s.oneShots.inFlight < oneShotsInFlight
	if lead {
		s.oneShots.inFlight++
	}
	s.oneShots.mu.Unlock()
	if lead {
		// The statement carries others' writes: this caller's context
		// ending must not cancel them.
		s.runOneShots(context.WithoutCancel(ctx), q, true)
	}
	stall := time.NewTimer(oneShotStall)
	defer stall.Stop()
wait:
	for {
		select {
		case r := <-q.done:
			return r.ok, r.err
		case <-stall.C:
			s.oneShots.mu.Lock()
			if q.taken {
				s.oneShots.mu.Unlock()
				continue
			}
			s.oneShots.inFlight++
			s.oneShots.mu.Unlock()
			s.runOneShots(context.WithoutCancel(ctx), q, false)
		case <-ctx.Done():
			break wait
		}
	}
	s.oneShots.mu.Lock()
	if !q.taken {
		s.oneShots.waiting = slices.DeleteFunc(s.oneShots.waiting, func(x *queuedWrite) bool { return x == q })
		s.oneShots.mu.Unlock()
		return false, ctx.Err()
	}
	s.oneShots.mu.Unlock()
	r := <-q.done // in a statement already: it tells whether it wrote
	return r.ok, r.err
}

// runOneShots applies queued writes until mine is applied, then leaves the
// rest of the queue to a goroutine of its own (mine nil: until the queue is
// empty). fromIdle says that no statement was in flight: only then does the
// first statement gather (one that follows another, or a stalled write's,
// already overlaps the clients' way back).
func (s *DB) runOneShots(ctx context.Context, mine *queuedWrite, fromIdle bool) {
	for {
		s.oneShots.mu.Lock()
		if fromIdle {
			s.oneShots.gather()
			fromIdle = false
		}
		batch := s.oneShots.take()
		if len(batch) == 0 {
			s.oneShots.inFlight--
			s.oneShots.mu.Unlock()
			return
		}
		s.oneShots.mu.Unlock()
		oks, errs := s.writeBatch(ctx, batch)
		s.oneShots.mu.Lock()
		s.oneShots.answer(batch, time.Now())
		s.oneShots.mu.Unlock()
		for i, q := range batch {
			q.done <- writeResult{ok: oks[i], err: errs[i]}
		}
		if mine != nil && slices.Contains(batch, mine) {
			s.oneShots.mu.Lock()
			idle := len(s.oneShots.waiting) == 0
			if idle {
				s.oneShots.inFlight--
			}
			s.oneShots.mu.Unlock()
			if !idle {
				go s.runOneShots(ctx, nil, false)
			}
			return
		}
	}
}

// take removes the next statement's writes from the queue: the first
// waiting and those of its shape behind it (one per instance: pending).
func (q *oneShotQueue) take() []*queuedWrite {
	if len(q.waiting) == 0 {
		return nil
	}
	shape := q.waiting[0].shape
	var batch, rest []*queuedWrite
	for _, x := range q.waiting {
		if x.shape == shape && len(batch) < oneShotBatchMax {
			x.taken = true
			batch = append(batch, x)
		} else {
			rest = append(rest, x)
		}
	}
	q.waiting = rest
	q.stats.Statements++
	q.stats.Writes += int64(len(batch))
	return batch
}

// writeBatch applies the writes of one shape: one alone in its own
// statement, several together.
func (s *DB) writeBatch(ctx context.Context, batch []*queuedWrite) ([]bool, []error) {
	if len(batch) == 1 {
		ok, err := s.writeOne(ctx, batch[0].w, batch[0].shape)
		return []bool{ok}, []error{err}
	}
	ws := make([]store.OneShot, len(batch))
	for i, q := range batch {
		ws[i] = q.w
	}
	return s.writeTogether(ctx, batch[0].shape, ws)
}
