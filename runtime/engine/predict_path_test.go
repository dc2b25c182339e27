package engine

import (
	"os"
	"slices"
	"testing"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
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
