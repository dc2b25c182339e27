package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bpfc/bpfc/compiler/catalog"
	"github.com/bpfc/bpfc/runtime/store"
)

// Open opens a new, empty environment named "test"; the suite closes it.
type Open func(t *testing.T) store.Store

// Run runs the conformance suite.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"NewEnvironment", testNewEnvironment},
		{"Solutions", testSolutions},
		{"Workflows", testWorkflows},
		{"Variables", testVariables},
		{"Tables", testTables},
		{"RolesAndUsers", testRolesAndUsers},
		{"ArchivesSnapshotsHistory", testHistory},
		{"Rows", testRows},
		{"TextBeyondASCII", testTextBeyondASCII},
		{"AnyOfValues", testAnyOfValues},
		{"EmptyValues", testEmptyValues},
		{"LookupTargets", testLookupTargets},
		{"NewestFirst", testNewestFirst},
		{"Wildcards", testWildcards},
		{"Access", testAccess},
		{"AccessInSharedWrites", testAccessInSharedWrites},
		{"StageVisits", testStageVisits},
		{"RowVersionRace", testRowVersionRace},
		{"WriteRollsBack", testRollback},
		{"ReadIsReadOnly", testReadOnly},
		{"WritersNeverInterleave", testSerialWriters},
		{"SharedKeepsEveryIncrement", testSharedKeepsEveryIncrement},
		{"SharedRowVersionRace", testSharedRowVersionRace},
		{"WriteExcludesShared", testWriteExcludesShared},
		{"SharedExcludesWrite", testSharedExcludesWrite},
		{"SharedRollsBack", testSharedRollsBack},
		{"SharedClaims", testSharedClaims},
		{"InsertExisting", testInsertExisting},
		{"LockRowSerializes", testLockRowSerializes},
		{"LockRowMissing", testLockRowMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

func write(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func diff(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	opts = append(opts, cmpopts.EquateEmpty())
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

var ignoreTimes = cmpopts.IgnoreTypes(time.Time{})

func testNewEnvironment(t *testing.T, s store.Store) {
	m, err := s.Meta(context.Background())
	must(t, err)
	if m.Name != "test" || m.SchemaVersion < 1 || m.CreatedOn.IsZero() || m.Backend == "" {
		t.Errorf("Meta = %+v", m)
	}
	read(t, s, func(tx store.Tx) error {
		tables, err := tx.Tables()
		must(t, err)
		byName := map[string]store.Table{}
		for _, tb := range tables {
			byName[tb.Name] = tb
		}
		for _, ct := range catalog.Tables() {
			tb, ok := byName[ct.Name]
			if !ok {
				t.Errorf("standard table %s is missing", ct.Name)
				continue
			}
			if tb.Kind != store.TableStandard || tb.PrimaryKey != ct.PrimaryKey || tb.EntitySetName != ct.EntitySetName {
				t.Errorf("table %s = %+v", ct.Name, tb)
			}
			for _, cc := range ct.Columns {
				c, ok := tb.Column(cc.Name)
				if !ok || c.Type != cc.Type {
					t.Errorf("standard column %s.%s: got %+v", ct.Name, cc.Name, c)
				}
			}
			if _, ok := tb.Column(store.RowVersionColumn); !ok {
				t.Errorf("table %s has no %s column", ct.Name, store.RowVersionColumn)
			}
			if _, err := tx.CountRows(ct.Name); err != nil {
				t.Errorf("standard table %s is not a real table: %v", ct.Name, err)
			}
		}
		roles, err := tx.Roles()
		must(t, err)
		var names []string
		for _, r := range roles {
			names = append(names, r.Name)
			if !r.Builtin || !r.FullAccess {
				t.Errorf("built-in role %+v", r)
			}
		}
		diff(t, "roles", []string{"system_administrator", "system_customizer"}, names)
		admin, err := tx.User("admin")
		must(t, err)
		diff(t, "admin roles", []string{"system_administrator"}, admin.Roles)
		if n, _ := tx.CountRows("systemuser"); n != 1 {
			t.Errorf("systemuser has %d rows, want 1", n)
		}
		return nil
	})
}

func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Write(context.Background(), func(tx store.Tx) error {
		must(t, tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"}))
		must(t, tx.CreateTable(customTable()))
		must(t, tx.AddColumn("lead", store.Column{Name: "cts_x", Type: "string"}))
		must(t, tx.InsertRow("lead", map[string]any{"leadid": "l1"}))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v", err)
	}
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.Publisher("p"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("publisher survived the rollback: %v", err)
		}
		if _, err := tx.Table("cts_project"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("table survived the rollback: %v", err)
		}
		lead, _ := tx.Table("lead")
		if _, ok := lead.Column("cts_x"); ok {
			t.Error("column survived the rollback")
		}
		if n, _ := tx.CountRows("lead"); n != 0 {
			t.Errorf("row survived the rollback")
		}
		return nil
	})
	// The real tables too: the dropped DDL can be redone.
	write(t, s, func(tx store.Tx) error { return tx.CreateTable(customTable()) })
}

func testReadOnly(t *testing.T, s store.Store) {
	err := s.Read(context.Background(), func(tx store.Tx) error {
		return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
	})
	if err == nil {
		t.Error("a write in Read succeeded")
	}
}

// testSerialWriters runs read-modify-write transactions from many goroutines:
// if any two interleaved, an increment would be lost.
func testSerialWriters(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		return tx.PutPublisher(store.Publisher{Name: "counter", Prefix: "c", OptionValuePrefix: 0})
	})
	const workers, rounds = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				errs <- s.Write(context.Background(), func(tx store.Tx) error {
					p, err := tx.Publisher("counter")
					if err != nil {
						return err
					}
					p.OptionValuePrefix++
					return tx.PutPublisher(p)
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	read(t, s, func(tx store.Tx) error {
		p, err := tx.Publisher("counter")
		must(t, err)
		if p.OptionValuePrefix != workers*rounds {
			t.Errorf("counter = %d, want %d: writes interleaved", p.OptionValuePrefix, workers*rounds)
		}
		return nil
	})
}
