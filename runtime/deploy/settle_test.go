package deploy

import (
	"context"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestSettleReadsItsOwnEntry: an import whose COMMIT got no answer is
// applied only if the history entry of its id is its own (its build, its
// version, its start): after a crash PostgreSQL may give the id of an
// import that never committed to the next one, and settle took that one's
// entry for the lost import's. Otherwise it is not applied, and its
// failure is recorded.
func TestSettleReadsItsOwnEntry(t *testing.T) {
	pr := newProject(t)
	pr.deploy("dev", quiet())
	s := pr.open("dev", time.Second)
	defer s.Close()
	ctx := context.Background()
	var other store.ImportRecord
	must(t, s.Read(ctx, func(tx store.Tx) error {
		all, err := tx.Imports(store.ImportFilter{Limit: 1})
		if err == nil && len(all) == 1 {
			other = all[0]
		}
		return err
	}))
	if other.ID == 0 {
		t.Fatal("no import in the history")
	}
	// The lost import: another build that started later, given the id.
	lost := other
	lost.ID, lost.BuildDigest, lost.StartedOn = 0, "sha256:another", other.StartedOn.Add(time.Minute)
	lost.Result, lost.Message = store.ResultFailed, "the connection to the store was lost while it committed"
	applied, known, failID := settle(ctx, s, other.ID, lost)
	if applied || !known || failID == 0 {
		t.Errorf("another import's entry under the id: applied %v, known %v, failure recorded as %d", applied, known, failID)
	}
	// Its own entry under the id: applied.
	own := other
	own.ID, own.Result = 0, store.ResultFailed
	if applied, known, failID := settle(ctx, s, other.ID, own); !applied || !known || failID != 0 {
		t.Errorf("its own entry: applied %v, known %v, failure recorded as %d", applied, known, failID)
	}
}
