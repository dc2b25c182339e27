package storetest

import (
	"context"
	"io/fs"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// WriteOldStays writes stage-log rows in the shape before migration 0007
// (a stay ended in place: left_on, left_by, left_how) into old, a store a
// backend's migration test opened at migration 0006 (MigrationsUpTo), and
// closes it; the test then opens the store again with every migration.
func WriteOldStays(t *testing.T, old *sqlstore.DB) {
	t.Helper()
	defer old.Close()
	const q = `INSERT INTO stagevisit (instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on, entered_by, entered_how,
	left_on, left_by, left_how) VALUES ($1, 'cts_flow', 'w1', $2, $3, $4, 'u1', $5, $6, $7, $8)`
	for _, v := range [][]any{
		{"i1", "s1", "qualify", "2026-01-01T00:00:00Z", store.VisitStart, "2026-01-01T01:00:00Z", "u2", store.VisitNext},
		{"i1", "s2", "develop", "2026-01-01T01:00:00Z", store.VisitNext, "", "", ""},
		{"i2", "s1", "qualify", "2026-01-02T00:00:00Z", store.VisitStart, "2026-01-02T00:30:00Z", "u3", store.VisitFinish},
	} {
		if _, err := old.SQL().ExecContext(context.Background(), q, v...); err != nil {
			t.Fatal(err)
		}
	}
}

// CheckMigratedStays checks a store migrated from WriteOldStays': every stay
// with the end it had, the report's completed stays and times, the open
// stay still the one that ends next, and the report of a stage whose ends
// are in both places a stay's end is kept (stageexit, the next stay).
func CheckMigratedStays(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	at := func(v string) time.Time {
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	var vs []store.StageVisit
	must(t, s.Read(ctx, func(tx store.Tx) error {
		var err error
		vs, err = tx.StageVisits(store.StageVisitFilter{WorkflowID: "w1"})
		return err
	}))
	type stay struct {
		instance, stage, left, by, how string
	}
	var got []stay
	for _, v := range vs {
		left := ""
		if !v.LeftOn.IsZero() {
			left = v.LeftOn.UTC().Format(time.RFC3339)
		}
		got = append(got, stay{v.InstanceID, v.Stage, left, v.LeftBy, v.LeftHow})
	}
	want := []stay{{"i1", "qualify", "2026-01-01T01:00:00Z", "u2", store.VisitNext}, {"i1", "develop", "", "", ""},
		{"i2", "qualify", "2026-01-02T00:30:00Z", "u3", store.VisitFinish}}
	if len(got) != len(want) {
		t.Fatalf("stays after the migration: %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stay %d after the migration: %+v, want %+v", i, got[i], want[i])
		}
	}
	// stats is the report's stages over the stays begun at or after since.
	stats := func(since time.Time) map[string]store.StageStats {
		out := map[string]store.StageStats{}
		must(t, s.Read(ctx, func(tx store.Tx) error {
			st, err := tx.(store.ReportTx).StageStats("w1", since)
			for _, x := range st {
				out[x.Stage] = x
			}
			return err
		}))
		return out
	}
	if q := stats(time.Time{})["qualify"]; q.Visits != 2 || q.Completed != 2 || q.TotalMS != 90*60*1000 || q.MedianMS != 30*60*1000 {
		t.Errorf("qualify after the migration: %+v, want 2 visits, 2 completed in 90 minutes, median 30", q)
	}
	// The open stay ends once, as a new exit.
	must(t, s.Write(ctx, func(tx store.Tx) error {
		return tx.CloseStageVisit("i1", at("2026-01-01T03:00:00Z"), "u4", store.VisitFinish)
	}))
	if d := stats(time.Time{})["develop"]; d.Completed != 1 || d.TotalMS != 2*3600*1000 {
		t.Errorf("develop after it ended: %+v, want 1 completed in 2 hours", d)
	}
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.CloseStageVisit("i1", at("2026-01-01T04:00:00Z"), "u4", store.VisitFinish)
	}); err == nil {
		t.Error("a stay ended twice")
	}
	// A stay ended by a move now (migration 0008: carried by the next
	// stay) counts with the older ends of its stage: 60, 30 and 10 minutes.
	must(t, s.Write(ctx, func(tx store.Tx) error {
		must(t, tx.AddStageVisit(store.StageVisit{InstanceID: "i3", InstanceTable: "cts_flow", WorkflowID: "w1", StageID: "s1",
			Stage: "qualify", EnteredOn: at("2026-01-03T00:00:00Z"), EnteredBy: "u1", EnteredHow: store.VisitStart}))
		must(t, tx.CloseStageVisit("i3", at("2026-01-03T00:10:00Z"), "u5", store.VisitNext))
		return tx.AddStageVisit(store.StageVisit{InstanceID: "i3", InstanceTable: "cts_flow", WorkflowID: "w1", StageID: "s2",
			Stage: "develop", EnteredOn: at("2026-01-03T00:10:00Z"), EnteredBy: "u5", EnteredHow: store.VisitNext})
	}))
	q := stats(time.Time{})["qualify"]
	if q.Visits != 3 || q.Completed != 3 || q.TotalMS != 100*60*1000 || q.MedianMS != 30*60*1000 || q.P90MS != 60*60*1000 {
		t.Errorf("qualify with an end carried by the next stay: %+v, want 3 visits, 3 completed in 100 minutes, median 30, p90 60", q)
	}
	if q := stats(at("2026-01-02T00:00:00Z"))["qualify"]; q.Completed != 2 || q.TotalMS != 40*60*1000 || q.MedianMS != 10*60*1000 {
		t.Errorf("qualify since January 2: %+v, want 2 completed in 40 minutes, median 10", q)
	}
	must(t, s.Read(ctx, func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: "i3"})
		if len(vs) != 2 || !vs[0].LeftOn.Equal(at("2026-01-03T00:10:00Z")) || vs[0].LeftBy != "u5" || vs[0].LeftHow != store.VisitNext ||
			!vs[1].LeftOn.IsZero() {
			t.Errorf("stays of i3: %+v", vs)
		}
		return err
	}))
}

// MigrationsUpTo is migrations without those after version: a backend's
// migrations as an older bpfc had them.
func MigrationsUpTo(migrations fs.FS, version int) fs.FS {
	out := fstest.MapFS{}
	names, _ := fs.Glob(migrations, "*.sql")
	for _, n := range names {
		if v, err := strconv.Atoi(n[:4]); err == nil && v <= version {
			data, _ := fs.ReadFile(migrations, n)
			out[n] = &fstest.MapFile{Data: data}
		}
	}
	return out
}
