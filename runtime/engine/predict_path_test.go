package engine

import (
	"context"
	"os"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// contractBranchFlow spans lead, opportunity and contract, and branches on
// the contract's name: a big contract goes to review.
const contractBranchFlow = `
flow "contract_branch" {
  display_name  = "Contract Branch"
  primary_table = "lead"
  order         = 31

  stage "qualify" {
    step "subject" { column = "subject" }
  }
  stage "develop" {
    table        = "opportunity"
    relationship = "originatingleadid"
    step "name" { column = "name" }
  }
  stage "sign" {
    table        = "cts_contract"
    relationship = "cts_opportunityid"
    step "contract" { column = "cts_name" }
    branch {
      when = self.cts_name == "Big"
      next = stage.review
    }
    next = stage.archive
  }
  stage "review" {
    step "reviewed" { column = "cts_name" }
    next = stage.archive
  }
  stage "archive" {
    step "archived" { column = "cts_name" }
  }
}
`

// TestPredictPathTwoTablesBack: back across two tables, the path ahead is
// resolved on the records two moves forward return to, the second found
// from the first, as Next finds it.
func TestPredictPathTwoTablesBack(t *testing.T) {
	dir := testenv.Example(t, "sales", "test_roles.hcl", salesTestRoles, "contract.hcl", contractTables,
		"flows/contract_branch.hcl", contractBranchFlow)
	p := testenv.Load(t, dir)
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		p.Environment("dev").Store = pgtest.URL(t)
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	dev := open(t, p, "dev")
	admin, ctx := dev.admin(), dev.ctx
	lead := dev.create(admin, "lead", Values{"subject": "Contract", "lastname": "Branch"}, StartOptions{Flow: "contract_branch"})
	id := lead.Instance.ID
	var in *Instance
	for range 2 {
		in = dev.must(admin.Next(ctx, id, MoveOptions{}))
	}
	contract := in.Records["cts_contract"]
	if in.ActiveStage != "sign" || contract == "" {
		t.Fatalf("at sign: %+v", in)
	}
	dev.update("cts_contract", contract, Values{"cts_name": "Big"})
	want := []string{"qualify", "develop", "sign", "review", "archive"}
	if in = dev.must(admin.Next(ctx, id, MoveOptions{})); !slices.Equal(in.TraversedPath, want[:4]) {
		t.Fatalf("next from sign: %+v", in)
	}
	dev.must(admin.PrevTo(ctx, id, "qualify", MoveOptions{}))
	if got := dev.show(id).ActivePath; !slices.Equal(got, want) {
		t.Errorf("the active path back at qualify: %q, want %q", got, want)
	}
	for range 3 {
		in = dev.must(admin.Next(ctx, id, MoveOptions{}))
	}
	if in.Records["cts_contract"] != contract || !slices.Equal(in.TraversedPath, want[:4]) {
		t.Errorf("forward again: %+v", in)
	}
}

// lookupCounter counts the reads of a store's stage log that look for a
// stay on given stages (earlierRecord's).
type lookupCounter struct {
	store.Store
	n *atomic.Int64
}

type lookupCounterTx struct {
	store.Tx
	n *atomic.Int64
}

func (c lookupCounterTx) StageVisits(f store.StageVisitFilter) ([]store.StageVisit, error) {
	if len(f.Stages) > 0 {
		c.n.Add(1)
	}
	return c.Tx.StageVisits(f)
}

func (c lookupCounter) Read(ctx context.Context, fn func(store.Tx) error) error {
	return c.Store.Read(ctx, func(tx store.Tx) error { return fn(lookupCounterTx{tx, c.n}) })
}

// TestPredictPathReadCost: reading an instance that was never on the
// tables ahead looks for no record to return to there (the stage log it
// reads anyway says there is none); one that moved back does.
func TestPredictPathReadCost(t *testing.T) {
	dev := prevToEnv(t)
	admin, ctx := dev.admin(), dev.ctx
	lead := dev.create(admin, "lead", Values{"subject": "Contract", "lastname": "Cost"}, StartOptions{Flow: "contract_deal"})
	id := lead.Instance.ID
	var n atomic.Int64
	counted := New(lookupCounter{dev.s, &n}, Options{}).As("admin")
	if _, err := counted.Instance(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 0 {
		t.Errorf("reading an instance at its first stage looked for an earlier record %d times, want none", got)
	}
	for range 2 {
		dev.must(admin.Next(ctx, id, MoveOptions{}))
	}
	dev.must(admin.PrevTo(ctx, id, "qualify", MoveOptions{}))
	n.Store(0)
	if _, err := counted.Instance(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got == 0 {
		t.Errorf("reading an instance moved back across tables looked for no earlier record")
	}
}
