package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
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

// WriteOnceBatch applies one-shot writes of one shape (the same table,
// columns and value types updated, the same tables read, each a move of
// the updated instance) in one statement, each if its own conditions
// hold, and says which it applied. errs[i] is write i's error: when the
// database refused the statement (it wrote nothing), each write is tried
// again alone, so that one write's error is not its neighbours'; any
// other error (writes of other shapes or of one instance twice, a dialect
// that cannot, a lost connection) is every write's.
func (s *DB) WriteOnceBatch(ctx context.Context, ws []store.OneShot) (applied []bool, errs []error) {
	shape, err := oneShape(ws)
	if err != nil {
		errs = make([]error, len(ws))
		for i := range errs {
			errs[i] = err
		}
		return make([]bool, len(ws)), errs
	}
	return s.writeTogether(ctx, shape, ws)
}

// oneShape is the shape of writes that can be applied together: all of
// one shape, each of another instance.
func oneShape(ws []store.OneShot) (string, error) {
	if len(ws) == 0 {
		return "", errors.New("no one-shot writes to apply")
	}
	shape, ok := batchShape(ws[0])
	if !ok {
		return "", errors.New("these one-shot writes cannot be applied together")
	}
	ids := map[string]bool{}
	for i, w := range ws {
		if sh, ok := batchShape(w); !ok || sh != shape {
			return "", fmt.Errorf("one-shot write %d is not of the shape of the first", i)
		}
		if ids[w.Update.ID] {
			return "", fmt.Errorf("one-shot writes of %s twice", w.Update.ID)
		}
		ids[w.Update.ID] = true
	}
	return shape, nil
}

// writeTogether is WriteOnceBatch for writes known to be of shape, each
// of another instance (the queue's are).
func (s *DB) writeTogether(ctx context.Context, shape string, ws []store.OneShot) (applied []bool, errs []error) {
	applied, errs = make([]bool, len(ws)), make([]error, len(ws))
	oks, err := s.oneStatement(ctx, shape, ws)
	if d, ok := s.d.(OneShotBatchDialect); ok && err != nil && d.IsStatementError(err) {
		for i, w := range ws {
			applied[i], errs[i] = s.writeOne(ctx, w, shape)
		}
		return applied, errs
	}
	for i := range ws {
		applied[i], errs[i] = err == nil && oks[i], err
	}
	return applied, errs
}

// oneStatement is writeTogether's statement.
func (s *DB) oneStatement(ctx context.Context, shape string, ws []store.OneShot) ([]bool, error) {
	d, ok := s.d.(OneShotBatchDialect)
	if !ok {
		return nil, errors.New("this store cannot apply one-shot writes together")
	}
	ids := make(map[string]int, len(ws))
	for i, w := range ws {
		ids[w.Update.ID] = i
	}
	q, err := batchSQL(d, shape, ws[0])
	if err != nil {
		return nil, err
	}
	args := batchArgs(ws)
	st, err := s.cache.get(ctx, s.db, q)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = s.db.QueryContext(ctx, q, args...)
	}
	oks := make([]bool, len(ws))
	if err == nil {
		defer rows.Close()
		for rows.Next() {
			var id string
			if err = rows.Scan(&id); err != nil {
				break
			}
			if i, ok := ids[id]; ok {
				oks[i] = true
			}
		}
		if err == nil {
			err = rows.Err()
		}
	}
	switch {
	case err != nil && (d.IsBusy(err) || d.IsRetryable(err)):
		// An exclusive writer holds the environment, or a concurrent
		// change won a row (or two statements locked theirs in turn):
		// nothing was written, each decides again.
		return make([]bool, len(ws)), nil
	case err != nil:
		return nil, fmt.Errorf("one-shot write of %d rows of %s: %w", len(ws), ws[0].Update.Table.Name, err)
	}
	return oks, nil
}

// batchShape is what the statement of a batch of one-shot writes depends
// on, or false when w cannot be batched: only a move (the exit of the
// instance's open stay and the entry of its next, with the update of the
// instance itself) whose values are text or numbers.
func batchShape(w store.OneShot) (string, bool) {
	u, x, v := w.Update, w.Leave, w.Enter
	if x == nil || v == nil || v.InstanceID != u.ID || u.Version < 0 || !oneMove(x, v) {
		return "", false
	}
	var b strings.Builder
	b.WriteString(u.Table.Name + "\x00" + u.Table.PrimaryKey + "\x00" + strconv.FormatBool(!u.Created.IsZero()))
	for _, name := range slices.Sorted(maps.Keys(u.Values)) {
		t, ok := elemType(sqlValue(u.Values[name]))
		if !ok {
			return "", false
		}
		b.WriteString("\x00" + name + "=" + t)
	}
	for _, r := range sortedReads(w.Reads) {
		b.WriteString("\x00read " + r.Table.Name + "\x00" + r.Table.PrimaryKey + "\x00" + strconv.FormatBool(!r.Created.IsZero()))
	}
	return b.String(), true
}

// createdCol is the batch's column for a row's createdon (col adds it),
// or "" when RowVersion.Created asks for none.
func createdCol(r store.RowVersion, name string, col func(name, typ string) string) string {
	if r.Created.IsZero() {
		return ""
	}
	return col(name, "text")
}

// elemType is the array element type of a value, where it has one.
func elemType(v any) (string, bool) {
	switch v.(type) {
	case string:
		return "text", true
	case int64:
		return "bigint", true
	case float64:
		return "double precision", true
	}
	return "", false
}

// sortedReads orders a write's reads by table and id: the same column of
// the batch reads the same table in every write.
func sortedReads(rs []store.RowVersion) []store.RowVersion {
	return slices.SortedFunc(slices.Values(rs), func(a, b store.RowVersion) int {
		if c := strings.Compare(a.Table.Name, b.Table.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// batchStatements are the batch statements built, by dialect and shape.
var batchStatements sync.Map

// batchSQL is the statement of a batch of the shape of w: the writes come
// as rows w (stamp, gen, id, ver[, cr], s0…, r0id, r0ver[, r0cr]…, the
// stay's columns after its instance), ok are those whose conditions hold,
// u updates their instances (in order of id, as they come) and e begins
// the stays of those it updated, each carrying the end of the one before.
func batchSQL(d OneShotBatchDialect, shape string, w store.OneShot) (string, error) {
	key := d.Name() + "\x00" + shape
	if q, ok := batchStatements.Load(key); ok {
		return q.(string), nil
	}
	var cols, types, conds []string
	col := func(name, typ string) string {
		cols, types = append(cols, name), append(types, typ)
		return "ok." + name
	}
	col("stamp", "bigint")
	col("gen", "bigint")
	col("id", "text")
	col("ver", "bigint")
	u := w.Update
	qt, pk, err := quoteTable(u.Table)
	if err != nil {
		return "", err
	}
	// Qualified: the columns of ok are in scope too.
	where := rowAt("t.", pk, "ok.id", "ok.ver", createdCol(u.RowVersion, "cr", col))
	// The values, in setClause's order, are the columns s0, s1, ….
	nset := 0
	set, err := setClause(u.Table, u.Values, func(v any) string {
		t, _ := elemType(v)
		nset++
		return col("s"+strconv.Itoa(nset-1), t)
	})
	if err != nil {
		return "", err
	}
	for i, r := range sortedReads(w.Reads) {
		rt, rpk, err := quoteTable(r.Table)
		if err != nil {
			return "", err
		}
		n := "r" + strconv.Itoa(i)
		conds = append(conds, "EXISTS (SELECT 1 FROM "+rt+" "+n+" WHERE "+
			rowAt(n+".", rpk, col(n+"id", "text"), col(n+"ver", "bigint"), createdCol(r, n+"cr", col))+")")
	}
	// The stay's columns after its instance (visitColumns' order).
	stay := []string{"ok.id"}
	for _, name := range []string{"vtable", "vflow", "vstageid", "vstage", "von", "vby", "vhow"} {
		stay = append(stay, col(name, "text"))
	}
	params := make([]string, len(cols))
	for i := range cols {
		params[i] = "$" + strconv.Itoa(i+1)
	}
	with, cond := d.OneShotFence("ok.stamp", "ok.gen")
	q := "WITH " + with + "\nok AS (SELECT * FROM " + d.Unnest(params, types, "ok", cols) + "\nWHERE " +
		strings.Join(append([]string{cond}, conds...), "\n AND ") + "),\n" +
		"u AS (UPDATE " + qt + " t SET " + set + " FROM ok WHERE " + where + " RETURNING t." + pk + " AS id),\n" +
		"e AS (INSERT INTO stagevisit (" + movedColumns + ")\nSELECT " +
		strings.Join(stay, ", ") + ", p.stagevisit_id, p.stage_name, p.entered_on, " + d.Millis("p.entered_on", "ok.von") +
		"\nFROM ok JOIN u ON u.id = ok.id LEFT JOIN LATERAL (SELECT p.stagevisit_id, p.stage_name, p.entered_on FROM " +
		openStay("ok.id") + ") p ON true)\nSELECT id FROM u"
	batchStatements.Store(key, q)
	return q, nil
}

// batchArgs are the arrays of a batch statement, in batchSQL's column
// order, the writes in order of instance id.
func batchArgs(ws []store.OneShot) []any {
	ws = slices.SortedFunc(slices.Values(ws), func(a, b store.OneShot) int { return strings.Compare(a.Update.ID, b.Update.ID) })
	reads := make([][]store.RowVersion, len(ws))
	for i, w := range ws {
		reads[i] = sortedReads(w.Reads)
	}
	var args []any
	column := func(f func(i int) any) {
		switch f(0).(type) {
		case string:
			args = append(args, arrayOf[string](len(ws), f))
		case int64:
			args = append(args, arrayOf[int64](len(ws), f))
		case float64:
			args = append(args, arrayOf[float64](len(ws), f))
		}
	}
	column(func(i int) any { return ws[i].AccessStamp })
	column(func(i int) any { return ws[i].Generation })
	column(func(i int) any { return ws[i].Update.ID })
	column(func(i int) any { return ws[i].Update.Version })
	if !ws[0].Update.Created.IsZero() {
		column(func(i int) any { return formatTime(ws[i].Update.Created) })
	}
	for _, name := range slices.Sorted(maps.Keys(ws[0].Update.Values)) {
		column(func(i int) any { return sqlValue(ws[i].Update.Values[name]) })
	}
	for j, r := range reads[0] {
		column(func(i int) any { return reads[i][j].ID })
		column(func(i int) any { return reads[i][j].Version })
		if !r.Created.IsZero() {
			column(func(i int) any { return formatTime(reads[i][j].Created) })
		}
	}
	for k := 1; k < 8; k++ { // the stay's columns after its instance
		column(func(i int) any { return visitValues(*ws[i].Enter)[k] })
	}
	return args
}

func arrayOf[T any](n int, f func(i int) any) []T {
	a := make([]T, n)
	for i := range a {
		a[i] = f(i).(T)
	}
	return a
}
