package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
)

// tiny is a flow of three stages on lead, whose middle one the tests
// remove.
const tiny = `flow "tiny" {
  primary_table = "lead"
  order         = 90
  stage "a" {
    step "topic" { column = "subject" }
  }
  stage "b" {
    step "notes" { column = "description" }
  }
  stage "c" {
    step "phone" { column = "telephone1" }
  }
}
`

// removeTinyB takes stage "b" out of tiny in the project at dir, as
// version 1.1.0.0.
func removeTinyB(t *testing.T, dir string) {
	t.Helper()
	testenv.Write(t, dir, "flows/tiny.hcl", strings.Replace(tiny, `  stage "b" {
    step "notes" { column = "description" }
  }
`, "", 1))
	src, err := os.ReadFile(filepath.Join(dir, "bpfc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.Write(t, dir, "bpfc.hcl", strings.Replace(string(src), `version      = "1.0.0.0"`, `version      = "1.1.0.0"`, 1))
}

// TestRemovedStage: an upgrade that removes the stage instances are at
// moves them to the last stage of their traversed path the flow still
// has (their stays in the log too); they move, end and reactivate from
// there.
func TestRemovedStage(t *testing.T) {
	p := release(t, "sales", "flows/tiny.hcl", tiny)
	dev := open(t, p, "dev")
	admin, ctx := dev.admin(), dev.ctx
	var ids []string
	for range 3 {
		lead := dev.create(admin, "lead", Values{"subject": "Tiny", "lastname": "Doe"}, StartOptions{Flow: "tiny"})
		in := dev.must(admin.Next(ctx, lead.Instance.ID, MoveOptions{}))
		if in.ActiveStage != "b" {
			t.Fatalf("before the upgrade: at %s", in.ActiveStage)
		}
		ids = append(ids, in.ID)
	}
	// One passed "b" (at "c"), one ended at "b" (abandoned there).
	passed := dev.must(admin.Next(ctx, dev.must(admin.Next(ctx,
		dev.create(admin, "lead", Values{"subject": "Tiny", "lastname": "Roe"}, StartOptions{Flow: "tiny"}).Instance.ID, MoveOptions{})).ID, MoveOptions{}))
	ended := dev.must(admin.Abandon(ctx, dev.must(admin.Next(ctx,
		dev.create(admin, "lead", Values{"subject": "Tiny", "lastname": "Poe"}, StartOptions{Flow: "tiny"}).Instance.ID, MoveOptions{})).ID, MoveOptions{}))

	removeTinyB(t, p.Dir)
	deployAll(t, p.Dir)

	// The import moved them: their row is at "a" before any change, their
	// stay at "b" ended and one at "a" began, both by the upgrade.
	in := dev.show(ids[2])
	if row := dev.instanceRow(in); row[colStage] != dev.flow("tiny").stageID["a"] || row[colPath] != dev.flow("tiny").stageID["a"] {
		t.Errorf("row after the upgrade: %v, %v", row[colStage], row[colPath])
	}
	if n := len(in.Visits); n < 2 || in.Visits[n-2].Stage != "b" || in.Visits[n-2].LeftHow != store.VisitUpgrade ||
		in.Visits[n-1].Stage != "a" || in.Visits[n-1].EnteredHow != store.VisitUpgrade || in.Visits[n-1].LeftOn != nil {
		t.Errorf("stage log after the upgrade: %+v", in.Visits)
	}
	// The others' paths lose "b" too (the Web API's traversedpath named a
	// stage the flow no longer has); the one that ended at "b" stands at "a".
	a, c := dev.flow("tiny").stageID["a"], dev.flow("tiny").stageID["c"]
	if row := dev.instanceRow(dev.show(passed.ID)); row[colStage] != c || row[colPath] != a+","+c {
		t.Errorf("the instance that passed b: %v, %v", row[colStage], row[colPath])
	}
	if in := dev.show(ended.ID); in.State != StateAborted || in.ActiveStage != "a" ||
		dev.instanceRow(in)[colStage] != a || dev.instanceRow(in)[colPath] != a {
		t.Errorf("the instance that ended at b: %s at %s, row %v", in.State, in.ActiveStage, dev.instanceRow(in))
	}
	in = dev.show(ids[0])
	if in.ActiveStage != "a" || !slices.Equal(in.TraversedPath, []string{"a"}) || !slices.Equal(in.ActivePath, []string{"a", "c"}) {
		t.Errorf("after the upgrade: at %s, traversed %v, active path %v", in.ActiveStage, in.TraversedPath, in.ActivePath)
	}
	in = dev.must(admin.Next(ctx, ids[0], MoveOptions{}))
	if in.ActiveStage != "c" || !slices.Equal(in.TraversedPath, []string{"a", "c"}) {
		t.Errorf("next: at %s, traversed %v", in.ActiveStage, in.TraversedPath)
	}
	if row := dev.instanceRow(in); row[colStage] != dev.flow("tiny").stageID["c"] || strings.Count(str(row[colPath]), ",") != 1 {
		t.Errorf("row after next: %v, %v", row[colStage], row[colPath])
	}

	in = dev.must(admin.Abandon(ctx, ids[1], MoveOptions{}))
	if in.State != StateAborted || in.ActiveStage != "a" {
		t.Errorf("abandoned: %s at %s", in.State, in.ActiveStage)
	}
	if row := dev.instanceRow(in); row[colStage] != dev.flow("tiny").stageID["a"] || row[colPath] != dev.flow("tiny").stageID["a"] {
		t.Errorf("row after abandon: %v, %v", row[colStage], row[colPath])
	}
	dev.must(admin.Reactivate(ctx, ids[1], MoveOptions{}))

	refused(t, dev.unchanged("prev from the first stage", func() error {
		_, err := admin.Prev(ctx, ids[2], MoveOptions{})
		return err
	}), RuleFirstStage, `stage "a" is the first stage of the instance`)
	refused(t, dev.unchanged("finish short of the end", func() error {
		_, err := admin.Finish(ctx, ids[2], MoveOptions{})
		return err
	}), RuleNotLastStage, `stage "a" is not the last stage of the active path ("c" comes next)`)
}

// TestRemovedStageStagedUpgrade: a staged upgrade that removes the stage
// instances are at moves them when apply-upgrade completes it, as an
// upgrade in one step does at its import: their row no longer names the
// removed stage and their stay there ends in the log.
func TestRemovedStageStagedUpgrade(t *testing.T) {
	p := release(t, "sales", "flows/tiny.hcl", tiny)
	test := open(t, p, "test")
	admin, ctx := test.admin(), test.ctx
	lead := test.create(admin, "lead", Values{"subject": "Tiny", "lastname": "Doe"}, StartOptions{Flow: "tiny"})
	id := test.must(admin.Next(ctx, lead.Instance.ID, MoveOptions{})).ID

	removeTinyB(t, p.Dir)
	p2 := testenv.Load(t, p.Dir)
	testenv.Deploy(t, p2, "dev", testenv.FakeBuild(t, p2))
	pl := &deploy.Pipeline{Project: p2, Getenv: testenv.NoEnv}
	o := testenv.Options(nil)
	o.Mode = deploy.Stage
	if _, err := pl.Promote(context.Background(), "dev", "test", o); err != nil {
		t.Fatal(err)
	}
	if _, err := pl.ApplyUpgrade(context.Background(), "test", p2.Solution.Name, testenv.Options(nil)); err != nil {
		t.Fatal(err)
	}

	in := test.show(id)
	a := test.flow("tiny").stageID["a"]
	if row := test.instanceRow(in); in.ActiveStage != "a" || row[colStage] != a || row[colPath] != a {
		t.Errorf("after apply-upgrade: at %s, row %v, %v", in.ActiveStage, row[colStage], row[colPath])
	}
	if n := len(in.Visits); n < 2 || in.Visits[n-2].Stage != "b" || in.Visits[n-2].LeftHow != store.VisitUpgrade ||
		in.Visits[n-1].Stage != "a" || in.Visits[n-1].EnteredHow != store.VisitUpgrade || in.Visits[n-1].LeftOn != nil {
		t.Errorf("stage log after apply-upgrade: %+v", in.Visits)
	}
}
