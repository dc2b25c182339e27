package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// batchEnv is a shared environment whose items ids each have a stay, at
// start, and the access stamp and import generation to write under.
func batchEnv(t *testing.T, ids []string, start time.Time) (s *sqlstore.DB, tb store.Table, stamp, gen int64) {
	t.Helper()
	s, tb = sharedEnvAt(t, pgtest.URL(t), Options{BusyTimeout: 5 * time.Second})
	ctx := context.Background()
	if err := s.Write(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if id != "a" && id != "b" {
				if err := tx.InsertRow(tb.Name, map[string]any{"cts_itemid": id, "cts_n": int64(0)}); err != nil {
					return err
				}
			}
			if err := tx.AddStageVisit(store.StageVisit{InstanceID: id, InstanceTable: tb.Name, WorkflowID: "w", StageID: "s0",
				Stage: "stage 0", EnteredOn: start, EnteredBy: "u", EnteredHow: store.VisitStart}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SQL().QueryRowContext(ctx, `SELECT (SELECT n FROM accessstamp WHERE id = 1), (SELECT COALESCE(MAX(importjob_id), 0) FROM importjob)`).
		Scan(&stamp, &gen); err != nil {
		t.Fatal(err)
	}
	return s, tb, stamp, gen
}

// batchMove is the one-shot write of id's move to stage n at time at,
// from the row's version (and reading b at its version; the rows begin
// at version 0).
func batchMove(tb store.Table, stamp, gen int64, id string, version, bVersion int64, n int, at time.Time) store.OneShot {
	how := store.VisitNext
	return store.OneShot{AccessStamp: stamp, Generation: gen,
		Reads:  []store.RowVersion{{Table: tb, ID: "b", Version: bVersion}},
		Update: store.RowUpdate{RowVersion: store.RowVersion{Table: tb, ID: id, Version: version}, Values: map[string]any{"cts_n": int64(n)}},
		Leave:  &store.StageExit{InstanceID: id, Left: at, By: "u", How: how},
		Enter: &store.StageVisit{InstanceID: id, InstanceTable: tb.Name, WorkflowID: "w", StageID: fmt.Sprintf("s%d", n),
			Stage: fmt.Sprintf("stage %d", n), EnteredOn: at, EnteredBy: "u", EnteredHow: how}}
}

// history is an item's cts_n, version and stage log (stage, how it began
// and ended, when it ended).
func history(t *testing.T, s *sqlstore.DB, tb store.Table, id string) (n, version int64, log string) {
	t.Helper()
	if err := s.Read(context.Background(), func(tx store.Tx) error {
		row, err := tx.GetRow(tb, id)
		if err != nil {
			return err
		}
		n, version = row["cts_n"].(int64), row[store.RowVersionColumn].(int64)
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: id})
		var got []string
		for _, v := range vs {
			got = append(got, v.Stage+" "+v.EnteredHow+" "+v.LeftHow+" "+v.LeftOn.Format("15:04:05"))
		}
		log = strings.Join(got, " | ")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n, version, log
}

// TestWriteOnceBatch: writes applied in one statement are each applied on
// their own conditions — the row's version, a row read, the access stamp,
// the import generation — and each applied one updates its row and begins
// its stay carrying the end of the one before; the others write nothing.
func TestWriteOnceBatch(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f"}
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	s, tb, stamp, gen := batchEnv(t, ids, start)
	ctx := context.Background()
	at := start.Add(90 * time.Second)
	move := func(id string, change func(w *store.OneShot)) store.OneShot {
		w := batchMove(tb, stamp, gen, id, 0, 0, 1, at)
		if change != nil {
			change(&w)
		}
		return w
	}
	ws := []store.OneShot{
		move("f", nil),
		move("c", func(w *store.OneShot) { w.Update.Version = 1 }),
		move("a", nil),
		move("d", func(w *store.OneShot) { w.AccessStamp++ }),
		move("e", func(w *store.OneShot) { w.Reads[0].Version = 1 }),
		move("b", func(w *store.OneShot) { w.Generation++ }),
	}

	// Writes of two shapes, or of one instance twice, are refused whole.
	other := move("c", nil)
	other.Update.Values = map[string]any{"cts_n": "one"}
	for what, bad := range map[string][]store.OneShot{
		"two shapes":                 {ws[0], other},
		"one instance twice":         {ws[0], move("f", nil)},
		"a write that is not a move": {ws[0], func() store.OneShot { w := move("c", nil); w.Enter = nil; return w }()},
	} {
		if oks, errs := s.WriteOnceBatch(ctx, bad); errs[0] == nil || errs[1] == nil || oks[0] || oks[1] {
			t.Errorf("%s: WriteOnceBatch = %v, %v; want an error for each", what, oks, errs)
		}
	}

	oks, errs := s.WriteOnceBatch(ctx, ws)
	want := []bool{true, false, true, false, false, false}
	if fmt.Sprint(oks) != fmt.Sprint(want) || fmt.Sprint(errs) != fmt.Sprint(make([]error, len(ws))) {
		t.Errorf("applied %v (%v), want %v", oks, errs, want)
	}
	for _, id := range ids {
		n, v, log := history(t, s, tb, id)
		wantN, wantV, wantLog := int64(0), int64(0), "stage 0 start  00:00:00"
		if id == "a" || id == "f" {
			wantN, wantV, wantLog = 1, 1, "stage 0 start next 09:01:30 | stage 1 next  00:00:00"
		}
		if n != wantN || v != wantV || log != wantLog {
			t.Errorf("%s after the batch: cts_n %d, version %d, stage log %q; want %d, %d, %q", id, n, v, log, wantN, wantV, wantLog)
		}
	}
	var carried int64
	if err := s.SQL().QueryRowContext(ctx, `SELECT COALESCE(SUM(prev_duration_ms), 0) FROM stagevisit WHERE prev_id IS NOT NULL`).Scan(&carried); err != nil {
		t.Fatal(err)
	}
	if carried != 2*90_000 {
		t.Errorf("the two stays ended carry %d ms, want %d", carried, 2*90_000)
	}
}

// TestWriteOnceBatchRefused: when the database refuses the statement of
// several writes because of one of them, the others are applied each on
// its own and only that one fails.
func TestWriteOnceBatchRefused(t *testing.T) {
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	s, tb, stamp, gen := batchEnv(t, []string{"a", "b", "c", "d"}, start)
	ctx := context.Background()
	if _, err := s.SQL().ExecContext(ctx, `ALTER TABLE cts_item ADD CONSTRAINT small CHECK (cts_n < 100)`); err != nil {
		t.Fatal(err)
	}
	at := start.Add(time.Minute)
	ws := []store.OneShot{batchMove(tb, stamp, gen, "a", 0, 0, 1, at), batchMove(tb, stamp, gen, "c", 0, 0, 100, at),
		batchMove(tb, stamp, gen, "d", 0, 0, 2, at)}
	oks, errs := s.WriteOnceBatch(ctx, ws)
	if !oks[0] || oks[1] || !oks[2] || errs[0] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "small") || errs[2] != nil {
		t.Errorf("WriteOnceBatch = %v, %v; want a and d applied, c refused by the constraint", oks, errs)
	}
	for id, want := range map[string]int64{"a": 1, "c": 0, "d": 1} {
		if _, v, _ := history(t, s, tb, id); v != want {
			t.Errorf("%s at version %d, want %d", id, v, want)
		}
	}
}

// TestWriteOnceConcurrent: one-shot writes of many writers at once are
// queued into shared statements, and every write is applied exactly once:
// each writer's instance ends at its last version with one stay per move.
func TestWriteOnceConcurrent(t *testing.T) {
	const writers, moves = 16, 12
	var ids []string
	for i := range writers {
		ids = append(ids, fmt.Sprintf("w%02d", i))
	}
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	s, tb, stamp, gen := batchEnv(t, append([]string{"b"}, ids...), start)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for _, id := range ids {
		wg.Go(func() {
			for m := 1; m <= moves; m++ {
				ok, err := s.WriteOnce(ctx, batchMove(tb, stamp, gen, id, int64(m-1), 0, m, start.Add(time.Duration(m)*time.Second)))
				if err != nil || !ok {
					errs <- fmt.Errorf("%s move %d: %v, %v", id, m, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, id := range ids {
		n, v, log := history(t, s, tb, id)
		if stays := strings.Count(log, "|") + 1; n != moves || v != moves || stays != moves+1 {
			t.Errorf("%s: cts_n %d, version %d, %d stays; want %d, %d, %d", id, n, v, stays, moves, moves, moves+1)
		}
	}
	st := s.OneShotStats()
	if st.Writes != writers*moves || st.Statements >= st.Writes {
		t.Errorf("one-shot statements: %+v; want %d writes in fewer statements", st, writers*moves)
	}
	t.Logf("%d writes in %d statements", st.Writes, st.Statements)
}

// TestWriteOnceNotStalled: a one-shot write waiting for a row lock (a
// shared transaction holds the row) does not hold up the writes of other
// instances queued behind its statement.
func TestWriteOnceNotStalled(t *testing.T) {
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	s, tb, stamp, gen := batchEnv(t, []string{"a", "b", "c"}, start)
	ctx := context.Background()
	release := holdRow(s, tb, "a")
	blocked := make(chan error, 1)
	go func() { // a's row is locked: this statement waits for it
		_, err := s.WriteOnce(ctx, batchMove(tb, stamp, gen, "a", 0, 0, 1, start.Add(time.Second)))
		blocked <- err
	}()
	time.Sleep(100 * time.Millisecond) // a's statement is in flight
	done := make(chan error, 1)
	go func() {
		ok, err := s.WriteOnce(ctx, batchMove(tb, stamp, gen, "c", 0, 0, 1, start.Add(time.Second)))
		if err == nil && !ok {
			err = fmt.Errorf("the move of c was not applied")
		}
		done <- err
	}()
	stalled := false
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(3 * time.Second): // a's statement waits up to the busy timeout, 5 s
		t.Error("the move of c waited for the statement that waits for a's row")
		stalled = true
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	if stalled {
		<-done
	}
}

// TestWriteOnceClientsComeBack: three clients whose moves were just
// applied come back one right after another: the first one's statement
// waits for the other two, and all go in one statement. Without that wait
// the first would go alone, as it finds no statement in flight.
func TestWriteOnceClientsComeBack(t *testing.T) {
	start := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	ids := []string{"c", "d", "e"}
	s, tb, stamp, gen := batchEnv(t, append([]string{"b"}, ids...), start)
	move := func(i, m int) error {
		ctx := store.WithClient(context.Background(), fmt.Sprintf("127.0.0.1:5000%d", i))
		ok, err := s.WriteOnce(ctx, batchMove(tb, stamp, gen, ids[i], int64(m-1), 0, m, start.Add(time.Duration(m)*time.Second)))
		if err == nil && !ok {
			err = fmt.Errorf("the move of %s was not applied", ids[i])
		}
		return err
	}
	// A scheduler can hold a client up for longer than the wait now and
	// then: one round of a few that shares a statement shows it.
	shared := false
	for m := 1; m <= 5 && !shared; m++ {
		before := s.OneShotStats()
		errs := make(chan error, len(ids))
		for i := range ids {
			go func() { errs <- move(i, m) }()
		}
		for range ids {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		after := s.OneShotStats()
		shared = m > 1 && after.Statements-before.Statements == 1 && after.Writes-before.Writes == int64(len(ids))
	}
	if !shared {
		t.Error("the clients' moves never went in one statement: the first did not wait for the clients coming back")
	}
	for _, id := range ids {
		if n, _, _ := history(t, s, tb, id); n < 2 {
			t.Errorf("%s at move %d, want at least 2", id, n)
		}
	}
}
