package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// What the run time needs: typed rows with optimistic concurrency on the
// row version, users' access, and the stage log.

func rowsTable() store.Table {
	tb := customTable()
	tb.Columns = append(tb.Columns,
		store.Column{Name: "cts_active", Type: "boolean"},
		store.Column{Name: "cts_signed_on", Type: "datetime"},
		store.Column{Name: "cts_headcount", Type: "integer"},
		store.Column{Name: "cts_rate", Type: "decimal"},
	)
	return tb
}

// rowsWith creates the rows table (rowsTable) with rows, and returns it
// as the store reads it back.
func rowsWith(t *testing.T, s store.Store, rows ...map[string]any) store.Table {
	t.Helper()
	var tb store.Table
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(rowsTable()))
		var err error
		tb, err = tx.Table("cts_project")
		must(t, err)
		for _, r := range rows {
			must(t, tx.InsertRow(tb.Name, r))
		}
		return nil
	})
	return tb
}

func testRows(t *testing.T, s store.Store) {
	signed := time.Date(2026, 3, 4, 5, 6, 7, 800, time.UTC)
	tb := rowsWith(t, s,
		map[string]any{"cts_projectid": "p1", "cts_name": "Apollo", "cts_budget": 100.0, "cts_priority": int64(2), "cts_active": true,
			"cts_signed_on": signed, "cts_headcount": 7, "cts_rate": 0.25, store.RowVersionColumn: int64(1)},
		map[string]any{"cts_projectid": "p2", "cts_name": "Gemini", "cts_active": false, store.RowVersionColumn: int64(1)})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetRow(tb, "p1")
		must(t, err)
		diff(t, "row", store.Row{"cts_projectid": "p1", "cts_name": "Apollo", "cts_budget": 100.0, "cts_priority": int64(2),
			"cts_sponsor": nil, "cts_active": true, "cts_signed_on": signed, "cts_headcount": int64(7), "cts_rate": 0.25,
			store.RowVersionColumn: int64(1)}, got)
		if _, err := tx.GetRow(tb, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRow of a missing row: %v", err)
		}
		all, err := tx.FindRows(tb, nil)
		must(t, err)
		if len(all) != 2 || all[0]["cts_projectid"] != "p1" || all[1]["cts_projectid"] != "p2" {
			t.Errorf("FindRows(nil) = %v", all)
		}
		some, err := tx.FindRows(tb, map[string]any{"cts_active": false, "cts_budget": nil})
		must(t, err)
		if len(some) != 1 || some[0]["cts_projectid"] != "p2" {
			t.Errorf("FindRows(inactive, no budget) = %v", some)
		}
		if _, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_name": "x"}, 0); err == nil {
			t.Error("UpdateRow in a read transaction succeeded")
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		v, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_name": "Apollo 2", "cts_active": false, "cts_sponsor": "c1"}, 1)
		must(t, err)
		if v != 2 {
			t.Errorf("new version = %d, want 2", v)
		}
		if _, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_name": "stale"}, 1); !errors.Is(err, store.ErrConflict) {
			t.Errorf("UpdateRow at a stale version: %v", err)
		}
		if v, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_budget": nil}, 0); err != nil || v != 3 {
			t.Errorf("unconditional UpdateRow = %d, %v", v, err)
		}
		if _, err := tx.UpdateRow(tb, "nope", map[string]any{"cts_name": "x"}, 1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateRow of a missing row: %v", err)
		}
		if _, err := tx.UpdateRow(tb, "p1", map[string]any{store.RowVersionColumn: int64(9)}, 0); err == nil {
			t.Error("UpdateRow wrote the row version")
		}
		must(t, tx.DeleteRow(tb, "p2"))
		if err := tx.DeleteRow(tb, "p2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteRow twice: %v", err)
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetRow(tb, "p1")
		must(t, err)
		if got["cts_name"] != "Apollo 2" || got["cts_active"] != false || got["cts_sponsor"] != "c1" || got["cts_budget"] != nil ||
			got[store.RowVersionColumn] != int64(3) {
			t.Errorf("updated row = %v", got)
		}
		if n, _ := tx.CountRows(tb.Name); n != 1 {
			t.Errorf("rows after delete = %d", n)
		}
		return nil
	})
	// A store that reads single rows outside transactions reads them as
	// GetRow does.
	if rr, ok := s.(store.RowReader); ok {
		got, err := rr.ReadRow(context.Background(), tb, "p1")
		must(t, err)
		if got["cts_name"] != "Apollo 2" || got[store.RowVersionColumn] != int64(3) || got["cts_active"] != false {
			t.Errorf("ReadRow = %v", got)
		}
		if _, err := rr.ReadRow(context.Background(), tb, "p2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ReadRow of a deleted row: %v", err)
		}
	}
}

func testAccess(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		must(t, tx.PutRole(store.Role{ID: "r1", Name: "seller"}))
		must(t, tx.PutRole(store.Role{ID: "r2", Name: "manager"}))
		must(t, tx.SetPrivileges("seller", []store.Privilege{
			{Table: "cts_a", Privilege: "read", Depth: store.DepthUser},
			{Table: "cts_a", Privilege: "write", Depth: store.DepthUser},
		}))
		must(t, tx.SetPrivileges("manager", []store.Privilege{
			{Table: "cts_a", Privilege: "read", Depth: store.DepthOrganization},
			{Table: "cts_b", Privilege: "create", Depth: store.DepthBusinessUnit},
		}))
		must(t, tx.PutUser(store.User{ID: "u1", Name: "alice", FullName: "Alice", Roles: []string{"seller", "manager"}}))
		must(t, tx.PutUser(store.User{ID: "u2", Name: "bob", Disabled: true}))
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		a, err := tx.Access("alice")
		must(t, err)
		diff(t, "alice's access", store.Access{
			User: store.User{ID: "u1", Name: "alice", FullName: "Alice", Roles: []string{"manager", "seller"}},
			Privileges: []store.Privilege{
				{Table: "cts_a", Privilege: "read", Depth: store.DepthOrganization},
				{Table: "cts_a", Privilege: "write", Depth: store.DepthUser},
				{Table: "cts_b", Privilege: "create", Depth: store.DepthBusinessUnit},
			}}, a)
		if !a.Allows("cts_a", "write") || a.Allows("cts_b", "write") {
			t.Error("Allows disagrees with the privileges")
		}
		b, err := tx.Access("bob")
		must(t, err)
		if !b.User.Disabled || len(b.User.Roles) != 0 || b.FullAccess || len(b.Privileges) != 0 {
			t.Errorf("bob's access = %+v", b)
		}
		admin, err := tx.Access("admin")
		must(t, err)
		if !admin.FullAccess || !admin.Allows("anything", "delete") {
			t.Errorf("the administrator's access = %+v", admin)
		}
		if _, err := tx.Access("carol"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Access of an unknown user: %v", err)
		}
		u, err := tx.User("alice")
		must(t, err)
		diff(t, "User", a.User, u)
		return nil
	})
	// The generation follows the import history.
	var id int64
	write(t, s, func(tx store.Tx) error {
		var err error
		id, err = tx.AddImport(store.ImportRecord{Operation: "deploy", Solution: "S", StartedOn: time.Now(), Result: store.ResultSucceeded})
		return err
	})
	read(t, s, func(tx store.Tx) error {
		a, err := tx.Access("alice")
		must(t, err)
		if a.Generation != id || id == 0 {
			t.Errorf("generation %d after import %d", a.Generation, id)
		}
		return nil
	})
}

func testStageVisits(t *testing.T, s store.Store) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v1 := store.StageVisit{InstanceID: "i1", InstanceTable: "cts_flow", WorkflowID: "w1", StageID: "s1", Stage: "qualify",
		EnteredOn: t0, EnteredBy: "u1", EnteredHow: store.VisitStart}
	write(t, s, func(tx store.Tx) error {
		must(t, tx.AddStageVisit(v1))
		must(t, tx.CloseStageVisit("i1", t0.Add(time.Hour), "u2", store.VisitNext))
		if err := tx.CloseStageVisit("i1", t0.Add(2*time.Hour), "u2", store.VisitNext); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("closing a closed visit: %v", err)
		}
		must(t, tx.AddStageVisit(store.StageVisit{InstanceID: "i1", InstanceTable: "cts_flow", WorkflowID: "w1", StageID: "s2",
			Stage: "develop", EnteredOn: t0.Add(time.Hour), EnteredBy: "u2", EnteredHow: store.VisitNext}))
		return tx.AddStageVisit(store.StageVisit{InstanceID: "i2", InstanceTable: "cts_other", WorkflowID: "w2", StageID: "s9",
			Stage: "x", EnteredBy: "u1", EnteredHow: store.VisitStart})
	})
	read(t, s, func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: "i1"})
		must(t, err)
		if len(vs) != 2 {
			t.Fatalf("visits of i1 = %+v", vs)
		}
		v1.ID, v1.LeftOn, v1.LeftBy, v1.LeftHow = vs[0].ID, t0.Add(time.Hour), "u2", store.VisitNext
		diff(t, "first visit", v1, vs[0])
		if !vs[1].LeftOn.IsZero() || vs[1].Stage != "develop" || vs[1].ID <= vs[0].ID {
			t.Errorf("open visit = %+v", vs[1])
		}
		first, _ := tx.StageVisits(store.StageVisitFilter{InstanceID: "i1", Limit: 1})
		if len(first) != 1 || first[0].InstanceTable != "cts_flow" {
			t.Errorf("first visit of i1 = %+v", first)
		}
		w2, _ := tx.StageVisits(store.StageVisitFilter{WorkflowID: "w2"})
		if len(w2) != 1 || w2[0].InstanceID != "i2" || w2[0].EnteredOn.IsZero() {
			t.Errorf("visits of w2 = %+v", w2)
		}
		// Stays at some stages: the engine asks whether an instance was
		// ever on a table.
		for _, tc := range []struct {
			stages []string
			want   int
		}{{[]string{"develop"}, 1}, {[]string{"x", "qualify", "develop"}, 2}, {[]string{"close"}, 0}, {[]string{}, 0}, {nil, 2}} {
			vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: "i1", Stages: tc.stages})
			must(t, err)
			if len(vs) != tc.want || tc.want == 1 && vs[0].Stage != "develop" {
				t.Errorf("visits of i1 at %q = %+v, want %d", tc.stages, vs, tc.want)
			}
		}
		return nil
	})
	checkOneRowPerMove(t, s)
}

// checkOneRowPerMove: in an SQL store, the move of i1 above (an exit and an
// entry at one time, by one user, one way) wrote one row, the new stay
// carrying the end of the one before (migration 0008), and no exit.
func checkOneRowPerMove(t *testing.T, s store.Store) {
	db, ok := s.(interface{ SQL() *sql.DB })
	if !ok {
		return
	}
	var exits, carried int
	must(t, db.SQL().QueryRow(`SELECT (SELECT COUNT(*) FROM stageexit),
	(SELECT COUNT(*) FROM stagevisit n JOIN stagevisit p ON p.stagevisit_id = n.prev_id
		WHERE n.instance_id = 'i1' AND n.stage_name = 'develop' AND p.stage_name = 'qualify' AND n.prev_duration_ms = 3600000)`).Scan(&exits, &carried))
	if exits != 0 || carried != 1 {
		t.Errorf("a move wrote %d exits and %d stays carrying the end of the one before, want 0 and 1", exits, carried)
	}
}

// testRowVersionRace: writers that all read a row's version, then all
// update it at that version: exactly one writes, the others get
// ErrConflict, and the row has the winner's value.
func testRowVersionRace(t *testing.T, s store.Store) {
	var tb store.Table
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(rowsTable()))
		var err error
		tb, err = tx.Table("cts_project")
		must(t, err)
		return tx.InsertRow(tb.Name, map[string]any{"cts_projectid": "p1", "cts_name": "v1", store.RowVersionColumn: int64(1)})
	})
	const n = 6
	var readAll, wg sync.WaitGroup
	readAll.Add(n)
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var version int64
			err := s.Read(context.Background(), func(tx store.Tx) error {
				row, err := tx.GetRow(tb, "p1")
				version, _ = row[store.RowVersionColumn].(int64)
				return err
			})
			readAll.Done()
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			errs[i] = s.Write(context.Background(), func(tx store.Tx) error {
				_, err := tx.UpdateRow(tb, "p1", map[string]any{"cts_name": fmt.Sprint("writer ", i)}, version)
				return err
			})
		}()
	}
	readAll.Wait()
	close(start)
	wg.Wait()
	winner := oneWinner(t, errs, "writer")
	read(t, s, func(tx store.Tx) error {
		row, err := tx.GetRow(tb, "p1")
		must(t, err)
		if row[store.RowVersionColumn] != int64(2) || row["cts_name"] != fmt.Sprint("writer ", winner) {
			t.Errorf("row after the race = %v (winner %d)", row, winner)
		}
		return nil
	})
}

// oneWinner checks the outcome of writers racing to update one row at
// version 1: at most one wrote, every other lost with ErrConflict. It
// returns the winner's index (-1: none).
func oneWinner(t *testing.T, errs []error, who string) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%ss %d and %d both wrote at version 1", who, winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("%s %d: %v", who, i, err)
		}
	}
	return winner
}

// testAccessInSharedWrites: a shared write sees every change of a user's
// access that committed before it, whatever a store keeps between
// transactions: privileges, roles, a disabled user, a role's full access,
// a dropped table's privileges and a new import generation.
func testAccessInSharedWrites(t *testing.T, s store.Store) {
	access := func() store.Access {
		t.Helper()
		var a store.Access
		err := s.WriteShared(context.Background(), func(tx store.Tx) error {
			var err error
			a, err = tx.Access("alice")
			return err
		})
		must(t, err)
		return a
	}
	shared := func(fn func(tx store.Tx) error) {
		t.Helper()
		must(t, s.WriteShared(context.Background(), fn))
	}
	write(t, s, func(tx store.Tx) error {
		must(t, tx.CreateTable(store.Table{Name: "cts_a", PrimaryKey: "cts_aid", Kind: store.TableCustom,
			Columns: []store.Column{{Name: "cts_aid", Type: "uniqueidentifier"}}}))
		must(t, tx.PutRole(store.Role{ID: "r1", Name: "seller"}))
		must(t, tx.SetPrivileges("seller", []store.Privilege{{Table: "cts_a", Privilege: "read", Depth: store.DepthUser}}))
		return tx.PutUser(store.User{ID: "u1", Name: "alice", Roles: []string{"seller"}})
	})
	if a := access(); !a.Allows("cts_a", "read") || a.Allows("cts_a", "write") {
		t.Fatalf("first access = %+v", a)
	}
	access() // a store that keeps access has it now

	shared(func(tx store.Tx) error {
		return tx.SetPrivileges("seller", []store.Privilege{{Table: "cts_a", Privilege: "write", Depth: store.DepthUser}})
	})
	if a := access(); a.Allows("cts_a", "read") || !a.Allows("cts_a", "write") {
		t.Errorf("after new privileges: %+v", a)
	}
	shared(func(tx store.Tx) error { return tx.PutUser(store.User{ID: "u1", Name: "alice", Disabled: true}) })
	if a := access(); !a.User.Disabled || len(a.User.Roles) != 0 {
		t.Errorf("after disabling and taking the role: %+v", a)
	}
	shared(func(tx store.Tx) error {
		return tx.PutUser(store.User{ID: "u1", Name: "alice", Roles: []string{"seller"}})
	})
	if a := access(); a.User.Disabled || !slices.Equal(a.User.Roles, []string{"seller"}) {
		t.Errorf("after enabling and giving the role back: %+v", a)
	}
	write(t, s, func(tx store.Tx) error { return tx.PutRole(store.Role{ID: "r1", Name: "seller", FullAccess: true}) })
	if a := access(); !a.FullAccess {
		t.Errorf("after full access for the role: %+v", a)
	}
	write(t, s, func(tx store.Tx) error { return tx.PutRole(store.Role{ID: "r1", Name: "seller"}) })
	if a := access(); a.FullAccess || !a.Allows("cts_a", "write") {
		t.Errorf("after taking full access back: %+v", a)
	}
	write(t, s, func(tx store.Tx) error { return tx.DropTable("cts_a") })
	if a := access(); len(a.Privileges) != 0 {
		t.Errorf("after dropping the table: %+v", a)
	}
	var id int64
	write(t, s, func(tx store.Tx) error {
		var err error
		id, err = tx.AddImport(store.ImportRecord{Operation: "deploy", Solution: "S", StartedOn: time.Now(), Result: store.ResultSucceeded})
		return err
	})
	if a := access(); a.Generation != id {
		t.Errorf("generation %d after import %d", a.Generation, id)
	}
	// A change in the same transaction is seen there.
	shared(func(tx store.Tx) error {
		if _, err := tx.Access("alice"); err != nil {
			return err
		}
		if err := tx.DeleteRole("seller"); err != nil {
			return err
		}
		a, err := tx.Access("alice")
		if err == nil && len(a.User.Roles) != 0 {
			t.Errorf("after deleting the role in the same transaction: %+v", a)
		}
		return err
	})
	if a := access(); len(a.User.Roles) != 0 {
		t.Errorf("after deleting the role: %+v", a)
	}
}

// testTextBeyondASCII: text with letters beyond A to Z matches itself and
// pages once each, in both orders: the database lowers both the column
// and the value compared with it (a value lowered on one side only found
// nothing, and a page of a descending order named the same row for ever).
func testTextBeyondASCII(t *testing.T, s store.Store) {
	names := []string{"Москва", "Нева", "москва", "Über", "Éclair", "Ørsted", "Apollo", "ǅup"}
	var rows []map[string]any
	for i, n := range names {
		rows = append(rows, map[string]any{"cts_projectid": fmt.Sprintf("p%d", i), "cts_name": n, store.RowVersionColumn: int64(1)})
	}
	tb := rowsWith(t, s, rows...)
	read(t, s, func(tx store.Tx) error {
		qt := tx.(store.QueryTx)
		find := func(c store.Cond) map[string]bool {
			rows, err := qt.QueryRows(store.Query{Table: tb, Where: c})
			must(t, err)
			got := map[string]bool{}
			for _, r := range rows {
				got[r["cts_name"].(string)] = true
			}
			return got
		}
		for _, n := range names {
			if !find(store.Compare{Column: "cts_name", Op: store.OpEq, Value: n})[n] {
				t.Errorf("cts_name eq %q does not find it", n)
			}
			if find(store.Compare{Column: "cts_name", Op: store.OpNe, Value: n})[n] {
				t.Errorf("cts_name ne %q finds it", n)
			}
			prefix := string([]rune(n)[:2])
			if !find(store.Match{Column: "cts_name", Kind: store.MatchStartsWith, Text: prefix})[n] {
				t.Errorf("startswith(cts_name, %q) does not find %q", prefix, n)
			}
		}
		if !find(store.Compare{Column: "cts_name", Op: store.OpEq, Value: "APOLLO"})["Apollo"] {
			t.Error("cts_name eq 'APOLLO' does not find Apollo")
		}
		// Every letter folds, as Dataverse's collation folds them (on
		// PostgreSQL too when its collation is C: ICU's).
		for value, want := range map[string][]string{
			"МОСКВА": {"Москва", "москва"}, "über": {"Über"}, "ÉCLAIR": {"Éclair"}, "ørsted": {"Ørsted"}, "ǆup": {"ǅup"},
		} {
			got := find(store.Compare{Column: "cts_name", Op: store.OpEq, Value: value})
			if len(got) != len(want) || !got[want[0]] || !got[want[len(want)-1]] {
				t.Errorf("cts_name eq %q found %v, want %v", value, got, want)
			}
		}
		if got := find(store.Match{Column: "cts_name", Kind: store.MatchStartsWith, Text: "МОС"}); len(got) != 2 {
			t.Errorf("startswith(cts_name, 'МОС') found %v, want Москва and москва", got)
		}
		if got := find(store.Match{Column: "cts_name", Kind: store.MatchStartsWith, Text: "über"}); len(got) != 1 || !got["Über"] {
			t.Errorf("startswith(cts_name, 'über') found %v, want Über", got)
		}
		for _, desc := range []bool{false, true} {
			order := []store.Order{{Column: "cts_name", Desc: desc}}
			seen := map[string]int{}
			var after []any
			for page := 0; page <= len(names); page++ {
				rows, err := qt.QueryRows(store.Query{Table: tb, OrderBy: order, After: after, Limit: 1})
				must(t, err)
				if len(rows) == 0 {
					break
				}
				seen[rows[0]["cts_name"].(string)]++
				after = []any{rows[0]["cts_name"], rows[0]["cts_projectid"]}
			}
			for _, n := range names {
				if seen[n] != 1 {
					t.Errorf("paging by cts_name (descending %v) gave %q %d times: %v", desc, n, seen[n], seen)
				}
			}
		}
		return nil
	})
}
