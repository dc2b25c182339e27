package sqlstore

import (
	"reflect"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// textDialect builds one-shot statements without a database: only what
// oneShotSQL asks of a dialect.
type textDialect struct{ OneShotDialect }

func (textDialect) Name() string { return "text" }

func (textDialect) OneShotFence(stamp, gen string) (string, string) {
	return "l AS (SELECT 1),", "stamp = " + stamp + " AND gen = " + gen
}

func (textDialect) Millis(from, to string) string { return "millis(" + from + ", " + to + ")" }

// TestMoveStatements: a move's statement text is its shape's, whatever
// the order of its reads, and moveArgs are the arguments oneShotSQL
// builds it with, in its order; the cached text comes with the move's
// own arguments.
func TestMoveStatements(t *testing.T) {
	tb := store.Table{Name: "cts_item", PrimaryKey: "cts_itemid", Columns: []store.Column{{Name: "cts_n"}, {Name: "cts_s"}}}
	incident := store.Table{Name: "incident", PrimaryKey: "incidentid"}
	at := time.Date(2026, 1, 2, 9, 1, 30, 0, time.UTC)
	move := func(id string, version int64, n int64, reads ...store.RowVersion) store.OneShot {
		return store.OneShot{AccessStamp: 7, Generation: 3, Reads: reads,
			Update: store.RowUpdate{RowVersion: store.RowVersion{Table: tb, ID: id, Version: version, Created: at.Add(-time.Hour)},
				Values: map[string]any{"cts_s": "s" + id, "cts_n": n}},
			Leave: &store.StageExit{InstanceID: id, Left: at, By: "u", How: store.VisitNext},
			Enter: &store.StageVisit{InstanceID: id, InstanceTable: tb.Name, WorkflowID: "w", StageID: "s1", Stage: "one",
				EnteredOn: at, EnteredBy: "u", EnteredHow: store.VisitNext}}
	}
	r1 := store.RowVersion{Table: incident, ID: "i1", Version: 4, Created: at.Add(-2 * time.Hour)}
	r2 := store.RowVersion{Table: tb, ID: "b", Version: 9}
	a, b := move("a", 1, 10, r1, r2), move("c", 5, 20, r2, r1)
	a.Reads[0].ID = "i2" // same shape, other values
	var texts []string
	for _, w := range []store.OneShot{a, b} {
		shape, ok := batchShape(w)
		if !ok {
			t.Fatalf("%s: no shape", w.Update.ID)
		}
		q, args, err := oneShotSQL(textDialect{}, w)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(args, moveArgs(w)) {
			t.Errorf("%s: oneShotSQL's arguments %v, moveArgs %v", w.Update.ID, args, moveArgs(w))
		}
		cq, cargs, err := oneShotStatement(textDialect{}, w, shape)
		if err != nil || cq != q || !reflect.DeepEqual(cargs, args) {
			t.Errorf("%s: oneShotStatement = %q, %v, %v; want oneShotSQL's", w.Update.ID, cq, cargs, err)
		}
		texts = append(texts, q)
	}
	if texts[0] != texts[1] {
		t.Errorf("two moves of one shape, two texts:\n%s\n%s", texts[0], texts[1])
	}
	if _, ok := moveStatements.Load(statementKey{"text", func() string { s, _ := batchShape(a); return s }()}); !ok {
		t.Error("the shape's statement is not kept")
	}
	// A write that is not a move has no shape and is built every time.
	w := move("d", 1, 1)
	w.Enter = nil
	if _, ok := batchShape(w); ok {
		t.Fatal("an exit alone has a shape")
	}
	if q, _, err := oneShotStatement(textDialect{}, w, ""); err != nil || q == texts[0] {
		t.Errorf("an exit alone: %q, %v", q, err)
	}
}

// BenchmarkMoveStatement: the text and arguments of a move's one-shot
// statement, built each time and from the text kept for its shape.
func BenchmarkMoveStatement(b *testing.B) {
	tb := store.Table{Name: "cts_phonetocase", PrimaryKey: "businessprocessflowinstanceid"}
	at := time.Date(2026, 1, 2, 9, 1, 30, 0, time.UTC)
	w := store.OneShot{AccessStamp: 7, Generation: 3,
		Reads: []store.RowVersion{{Table: store.Table{Name: "incident", PrimaryKey: "incidentid"}, ID: "i1", Version: 4, Created: at}},
		Update: store.RowUpdate{RowVersion: store.RowVersion{Table: tb, ID: "a", Version: 1, Created: at},
			Values: map[string]any{"activestageid": "s2", "activestagestartedon": "2026-01-02T09:01:30Z", "modifiedby": "u",
				"modifiedon": "2026-01-02T09:01:30Z", "traversedpath": "s1,s2"}},
		Leave: &store.StageExit{InstanceID: "a", Left: at, By: "u", How: store.VisitNext},
		Enter: &store.StageVisit{InstanceID: "a", InstanceTable: tb.Name, WorkflowID: "w", StageID: "s2", Stage: "two",
			EnteredOn: at, EnteredBy: "u", EnteredHow: store.VisitNext}}
	shape, _ := batchShape(w)
	b.Run("built", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := oneShotSQL(textDialect{}, w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kept", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := oneShotStatement(textDialect{}, w, shape); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSQLElemType: a value's batch type is its stored value's.
func TestSQLElemType(t *testing.T) {
	for _, v := range []any{"x", int64(1), 1, 1.5, true, time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC), time.Time{}, nil, []byte("x"), float32(1)} {
		got, gok := sqlElemType(v)
		want, wok := elemType(sqlValue(v))
		if got != want || gok != wok {
			t.Errorf("%#v: %q %v, want %q %v", v, got, gok, want, wok)
		}
	}
}
