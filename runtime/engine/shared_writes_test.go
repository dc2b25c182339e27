package engine

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// Decisions of concurrent shared writes (store.Store.WriteShared): on
// PostgreSQL they run side by side, each on its own snapshot, so a check
// of rows a write reads but does not change must still hold when it
// commits. With BPFC_TEST_STORE=postgres these tests run on a database of
// their own on BPFC_TEST_POSTGRES (skipped without it); otherwise on a
// SQLite file, where shared writes run one at a time.

// sharedEnv deploys the sales example to dev, on the store the tests were
// asked for, and opens it with a store that can hold transactions at a
// barrier (see barrierStore).
func sharedEnv(t *testing.T) (*Engine, *barrierStore) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sales")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "examples", "sales"))); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".bpfc"))
	os.RemoveAll(filepath.Join(dir, "dist"))
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		u := pgtest.URL(t)
		for _, e := range p.Environments {
			e.Store = u
		}
	}
	b, err := deploy.NewBuild(p, standInArchive(t, p, false), standInArchive(t, p, true))
	if err != nil {
		t.Fatal(err)
	}
	noEnv := func(string) string { return "" }
	pl := &deploy.Pipeline{Project: p, Getenv: noEnv}
	ctx := context.Background()
	if _, err := pl.Deploy(ctx, "dev", b, deploy.Options{Who: "tester", Getenv: noEnv}); err != nil {
		t.Fatal(err)
	}
	s, _, err := environ.Open(ctx, p, "dev", environ.Options{MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	bs := &barrierStore{Store: s}
	return New(bs, Options{}), bs
}

// standInArchive is a solution archive with nothing but the build's
// digest: enough for an import.
func standInArchive(t *testing.T, p *compiler.Project, managed bool) deploy.Archive {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("Other/Solution.xml")
	w.Write([]byte("<Digest>" + p.Digest() + "</Digest>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	name := p.Solution.Name + "_" + strings.ReplaceAll(p.Solution.Version, ".", "_")
	if managed {
		name += "_managed"
	}
	return deploy.Archive{Name: name + ".zip", Data: buf.Bytes()}
}

// barrierStore is a store whose shared writes stop at a barrier: when a
// transaction does what at() matches, it waits until parties transactions
// got there, so that they all decide on the same snapshot before any of
// them writes; or until a second passed (where shared writes run one at a
// time, or wait for a row another one locked, the others cannot come).
// The barrier opens once, for good.
type barrierStore struct {
	store.Store
	mu      sync.Mutex
	at      func(op, table, id string, err error) bool
	parties int
	arrived int
	open    chan struct{}
	waits   atomic.Int64 // transactions that reached the barrier, retries included
}

// hold sets the barrier.
func (b *barrierStore) hold(parties int, at func(op, table, id string, err error) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.at, b.parties, b.arrived, b.open = at, parties, 0, make(chan struct{})
}

func (b *barrierStore) wait(op, table, id string, err error) {
	b.mu.Lock()
	if b.at == nil || !b.at(op, table, id, err) {
		b.mu.Unlock()
		return
	}
	b.waits.Add(1)
	b.arrived++
	open := b.open
	if b.arrived == b.parties {
		close(open)
	}
	b.mu.Unlock()
	select {
	case <-open:
	case <-time.After(time.Second):
		b.mu.Lock()
		if b.arrived < b.parties {
			b.arrived = b.parties
			close(open)
		}
		b.mu.Unlock()
	}
}

func (b *barrierStore) WriteShared(ctx context.Context, fn func(store.Tx) error) error {
	return b.Store.WriteShared(ctx, func(tx store.Tx) error { return fn(&barrierTx{Tx: tx, b: b}) })
}

// barrierTx is a transaction of barrierStore. It keeps the row lock of
// the store's transactions (store.RowLocker).
type barrierTx struct {
	store.Tx
	b *barrierStore
}

func (t *barrierTx) GetRow(tb store.Table, id string) (store.Row, error) {
	row, err := t.Tx.GetRow(tb, id)
	t.b.wait("get", tb.Name, id, err)
	return row, err
}

func (t *barrierTx) FindRows(tb store.Table, match map[string]any) ([]store.Row, error) {
	rows, err := t.Tx.FindRows(tb, match)
	t.b.wait("find", tb.Name, "", err)
	return rows, err
}

func (t *barrierTx) LockRow(tb store.Table, id string) error {
	rl, ok := t.Tx.(store.RowLocker)
	if !ok {
		return nil
	}
	return rl.LockRow(tb, id)
}

// Concurrent starts of flows on one record never make it hold more than
// MaxInstancesPerRecord instances, even when they all count the record's
// instances at the same moment.
func TestConcurrentStartsKeepTheLimit(t *testing.T) {
	e, bs := sharedEnv(t)
	ctx := context.Background()
	admin := e.As("admin")
	c, err := admin.CreateRecord(ctx, "lead", Values{"lastname": "Race", "subject": "Many starts"}, StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	const before, racers = MaxInstancesPerRecord - 2, 6
	for range before {
		if _, err := admin.Start(ctx, "lead_to_opportunity", "lead", c.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Every racer counts the lead's instances (one FindRows per flow on
	// lead) before any of them inserts one.
	bs.hold(racers, func(op, table, _ string, err error) bool {
		return op == "find" && table == "cts_strategicdeal" && err == nil
	})
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = admin.Start(ctx, "strategic_deal", "lead", c.ID)
		})
	}
	wg.Wait()
	started := 0
	for _, err := range errs {
		var r *ErrRefused
		switch {
		case err == nil:
			started++
		case errors.As(err, &r) && r.Rule == RuleMaxInstances:
		default:
			t.Errorf("a start failed otherwise than by the limit: %v", err)
		}
	}
	ins, err := admin.Instances(ctx, InstanceFilter{Table: "lead", RecordID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) > MaxInstancesPerRecord {
		t.Errorf("the lead holds %d instances, more than %d (%d of %d concurrent starts went through)",
			len(ins), MaxInstancesPerRecord, started, racers)
	}
	if len(ins) != before+started || started != MaxInstancesPerRecord-before {
		t.Errorf("%d concurrent starts made %d instances (the lead holds %d), want %d", racers, started, len(ins), MaxInstancesPerRecord-before)
	}
	if bs.waits.Load() < racers {
		t.Errorf("only %d transactions reached the barrier, want at least %d: the test did not race", bs.waits.Load(), racers)
	}
}

// Two concurrent creates of a record with the same id: one creates it, the
// other is told that it exists (ErrInvalid, as when it is created already),
// not the database's duplicate-key error.
func TestConcurrentCreatesOfOneID(t *testing.T) {
	e, bs := sharedEnv(t)
	ctx := context.Background()
	admin := e.As("admin")
	const id = "0f7c1f7e-4b9a-4c55-9d3e-5a0b7c2d1e01"
	const racers = 2
	// Both look for a lead with the id before either inserts it.
	bs.hold(racers, func(op, table, rid string, err error) bool {
		return op == "get" && table == "lead" && rid == id
	})
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			_, errs[i] = admin.CreateRecord(ctx, "lead", Values{"leadid": id, "lastname": "Twin"}, StartOptions{NoFlow: true})
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case errors.Is(err, ErrInvalid) && err.Error() == "lead "+id+" already exists":
		default:
			t.Errorf("the other create: %v, want \"lead %s already exists\" (ErrInvalid)", err, id)
		}
	}
	if created != 1 {
		t.Errorf("%d of %d creates of lead %s went through, want 1", created, racers, id)
	}
	if _, err := admin.Record(ctx, "lead", id); err != nil {
		t.Error(err)
	}
	if bs.waits.Load() < racers {
		t.Errorf("only %d transactions reached the barrier, want at least %d: the test did not race", bs.waits.Load(), racers)
	}
}
