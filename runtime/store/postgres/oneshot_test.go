package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// TestWriteOnce: a one-shot write updates its row and writes the stage
// log's exit and entry in one statement, and writes nothing at all when
// anything it was decided on changed: the row's version, another row's,
// the access stamp, the import generation; nor while an import waits for
// the environment (its lease) or holds it.
func TestWriteOnce(t *testing.T) {
	url := pgtest.URL(t)
	s, tb := sharedEnvAt(t, url, Options{BusyTimeout: 5 * time.Second})
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	err := s.Write(ctx, func(tx store.Tx) error {
		return tx.AddStageVisit(store.StageVisit{InstanceID: "a", InstanceTable: tb.Name, WorkflowID: "w", StageID: "s1", Stage: "one",
			EnteredOn: now, EnteredBy: "u", EnteredHow: store.VisitStart})
	})
	if err != nil {
		t.Fatal(err)
	}
	var stamp, gen int64
	if err := s.SQL().QueryRowContext(ctx, `SELECT (SELECT n FROM accessstamp WHERE id = 1), (SELECT COALESCE(MAX(importjob_id), 0) FROM importjob)`).
		Scan(&stamp, &gen); err != nil {
		t.Fatal(err)
	}
	version := func(id string) int64 {
		var row store.Row
		if err := s.Read(ctx, func(tx store.Tx) error {
			var err error
			row, err = tx.GetRow(tb, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return row[store.RowVersionColumn].(int64)
	}
	write := func(change func(w *store.OneShot)) store.OneShot {
		w := store.OneShot{AccessStamp: stamp, Generation: gen,
			Reads:  []store.RowVersion{{Table: tb, ID: "b", Version: version("b")}},
			Update: store.RowUpdate{RowVersion: store.RowVersion{Table: tb, ID: "a", Version: version("a")}, Values: map[string]any{"cts_n": int64(5)}},
			Leave:  &store.StageExit{InstanceID: "a", Left: now.Add(time.Minute), By: "u", How: store.VisitNext},
			Enter: &store.StageVisit{InstanceID: "a", InstanceTable: tb.Name, WorkflowID: "w", StageID: "s2", Stage: "two",
				EnteredOn: now.Add(time.Minute), EnteredBy: "u", EnteredHow: store.VisitNext}}
		if change != nil {
			change(&w)
		}
		return w
	}
	dump := func() string {
		d, err := Dump(ctx, url, SchemaFor("dev"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	refused := func(what string, w store.OneShot) {
		t.Helper()
		before := dump()
		ok, err := s.WriteOnce(ctx, w)
		if err != nil || ok {
			t.Errorf("%s: WriteOnce = %v, %v; want false, nil", what, ok, err)
		}
		if dump() != before {
			t.Errorf("%s: the refused write changed the environment", what)
		}
	}

	refused("a stale version of the row", write(func(w *store.OneShot) { w.Update.Version++ }))
	refused("a stale version of a row read", write(func(w *store.OneShot) { w.Reads[0].Version++ }))
	refused("another access stamp", write(func(w *store.OneShot) { w.AccessStamp++ }))
	refused("another import generation", write(func(w *store.OneShot) { w.Generation++ }))

	// A row read that was deleted and created again with the same id: at
	// the same version, but not created at the same time.
	var rec store.Table
	t1, t2 := now.Add(-time.Hour), now.Add(-time.Minute)
	if err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateTable(store.Table{Name: "cts_rec", PrimaryKey: "cts_recid", Kind: store.TableCustom,
			Columns: []store.Column{{Name: "cts_recid", Type: "uniqueidentifier"}, {Name: "createdon", Type: "datetime"}}}); err != nil {
			return err
		}
		var err error
		if rec, err = tx.Table("cts_rec"); err != nil {
			return err
		}
		return tx.InsertRow(rec.Name, map[string]any{"cts_recid": "r", "createdon": t1, store.RowVersionColumn: int64(1)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.DeleteRow(rec, "r"); err != nil {
			return err
		}
		return tx.InsertRow(rec.Name, map[string]any{"cts_recid": "r", "createdon": t2, store.RowVersionColumn: int64(1)})
	}); err != nil {
		t.Fatal(err)
	}
	readRec := func(created time.Time) func(w *store.OneShot) {
		return func(w *store.OneShot) {
			w.Reads = append(w.Reads, store.RowVersion{Table: rec, ID: "r", Version: 1, Created: created})
		}
	}
	refused("a row read deleted and created again", write(readRec(t1)))

	// An import's lease: it waits for the environment.
	if _, err := s.SQL().ExecContext(ctx, `UPDATE environmentlease SET closed_until = now() + interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	refused("an import's lease", write(nil))
	if _, err := s.SQL().ExecContext(ctx, `UPDATE environmentlease SET closed_until = '1970-01-01'`); err != nil {
		t.Fatal(err)
	}

	// An import holds the environment: the write does not wait for it.
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- s.Write(ctx, func(tx store.Tx) error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	start := time.Now()
	refused("an import holding the environment", write(nil))
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("the write waited %v for the import", waited)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// After that exclusive write, and with everything as decided (the
	// row read as it was created the second time), it writes all three.
	va := version("a")
	ok, err := s.WriteOnce(ctx, write(readRec(t2)))
	if err != nil || !ok {
		t.Fatalf("WriteOnce = %v, %v; want true", ok, err)
	}
	if v := version("a"); v != va+1 {
		t.Errorf("version after the write: %d, want %d", v, va+1)
	}
	var vs []store.StageVisit
	var n int64
	if err := s.Read(ctx, func(tx store.Tx) error {
		row, err := tx.GetRow(tb, "a")
		n, _ = row["cts_n"].(int64)
		if err == nil {
			vs, err = tx.StageVisits(store.StageVisitFilter{InstanceID: "a"})
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.Stage+" "+v.EnteredHow+" "+v.LeftHow+" "+v.LeftOn.Format(time.RFC3339))
	}
	want := []string{"one start next 2026-12-04T09:01:00Z", "two next  0001-01-01T00:00:00Z"}
	if n != 5 || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after the write: cts_n %d, stage log %q; want 5, %q", n, got, want)
	}
	// Once written, the same write is stale.
	refused("the same write again", write(func(w *store.OneShot) { w.Update.Version = va }))
}

var _ store.OneShotWriter = (*sqlstore.DB)(nil)

// TestLockCounterAdded: an environment created before the lock row's
// counter gets it when it is opened.
func TestLockCounterAdded(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	s := open(t, url, Options{Name: "dev"})
	if _, err := s.SQL().ExecContext(ctx, `ALTER TABLE environmentlock DROP COLUMN n`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, url, Options{Name: "dev"})
	if err := s.Write(ctx, func(store.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := s.SQL().QueryRowContext(ctx, `SELECT n FROM environmentlock`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the counter after one exclusive write: %d, %v; want 1", n, err)
	}
}
