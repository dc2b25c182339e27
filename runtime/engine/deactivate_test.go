package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeactivatedFlow: an upgrade that deactivates a flow (active =
// false) keeps its instance table and running instances, which still
// move, and starts no new one; activating it again starts them again.
func TestDeactivatedFlow(t *testing.T) {
	p := release(t, "sales")
	dev := open(t, p, "dev")
	admin, ctx := dev.admin(), dev.ctx
	lead := dev.create(admin, "lead", Values{"subject": "Draft", "lastname": "Later", "budgetamount": "30000",
		"purchasetimeframe": "0", "decisionmaker": "yes"}, StartOptions{Flow: "strategic_deal"})
	id := lead.Instance.ID
	edit := func(file, old, new string) {
		t.Helper()
		path := filepath.Join(p.Dir, file)
		b, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(b), old) {
			t.Fatalf("%s lacks %q: %v", file, old, err)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("flows/strategic_deal.hcl", "order         = 20", "order         = 20\n  active        = false")
	edit("bpfc.hcl", `version      = "1.0.0.0"`, `version      = "1.1.0.0"`)
	deployAll(t, p.Dir)
	if in := dev.must(admin.Next(ctx, id, MoveOptions{})); in.ActiveStage != "develop" {
		t.Errorf("a running instance of the deactivated flow: at %s, want develop", in.ActiveStage)
	}
	refused(t, dev.unchanged("a start of the deactivated flow", func() error {
		_, err := admin.Start(ctx, "strategic_deal", "lead", lead.ID)
		return err
	}), RuleFlowInactive, "cannot start flow strategic_deal: the flow is not active in dev (a draft)")

	edit("flows/strategic_deal.hcl", "order         = 20\n  active        = false", "order         = 20")
	edit("bpfc.hcl", `version      = "1.1.0.0"`, `version      = "1.2.0.0"`)
	deployAll(t, p.Dir)
	if in := dev.must(admin.Prev(ctx, id, MoveOptions{})); in.ActiveStage != "qualify" {
		t.Errorf("after reactivation, prev: at %s, want qualify", in.ActiveStage)
	}
	dev.must(admin.Start(ctx, "strategic_deal", "lead", lead.ID))
}
