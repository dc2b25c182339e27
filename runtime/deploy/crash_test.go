package deploy

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
)

// The child side of TestImportKilledMidway: import the project in
// BPFC_CRASH_DIR into dev and, at the phase BPFC_CRASH_AT (inside the
// transaction), write BPFC_CRASH_DIR/inside and sleep until killed.
func crashChild(t *testing.T) {
	dir, at := os.Getenv("BPFC_CRASH_DIR"), os.Getenv("BPFC_CRASH_AT")
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		fmt.Fprintln(os.Stderr, diags)
		os.Exit(3)
	}
	useStore(p, os.Getenv("BPFC_CRASH_STORE"))
	b, err := NewBuild(p, fakeArchive(t, p, false), fakeArchive(t, p, true))
	if err != nil {
		os.Exit(3)
	}
	o := quiet()
	o.Progress = func(phase string) {
		if phase == at {
			os.WriteFile(filepath.Join(dir, "inside"), nil, 0o644)
			time.Sleep(time.Minute)
		}
	}
	_, err = (&Pipeline{Project: p}).Deploy(context.Background(), "dev", b, o)
	fmt.Fprintln(os.Stderr, "the import finished:", err)
	os.Exit(4)
}

// TestImportKilledMidway: an import killed with SIGKILL part way through its
// transaction leaves the environment exactly as it was: the child process
// upgrades dev (dropping a flow, a table and a workflow, adding columns) and
// is killed inside the transaction, at several phases.
func TestImportKilledMidway(t *testing.T) {
	if os.Getenv("BPFC_CRASH_DIR") != "" {
		crashChild(t)
		return
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	for _, phase := range []string{"tables", "workflows, roles and variables", "committing"} {
		t.Run(phase, func(t *testing.T) {
			pr := newProject(t)
			pr.deploy("dev", quiet())
			pr.addInstanceRow("dev", "cts_projectflow", "i1")
			before := pr.dump("dev")
			pr.v2().edit("tables.hcl", `column "cts_approved" {`, `column "cts_margin" {
    type = "decimal"
  }
  column "cts_approved" {`)
			pr.writeFiles()

			cmd := exec.Command(os.Args[0], "-test.run=^TestImportKilledMidway$")
			cmd.Env = append(os.Environ(), "BPFC_CRASH_DIR="+pr.dir, "BPFC_CRASH_AT="+phase, "BPFC_CRASH_STORE="+pr.pgURL)
			cmd.Stderr = os.Stderr
			must(t, cmd.Start())
			inside := filepath.Join(pr.dir, "inside")
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := os.Stat(inside); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the child never got inside the transaction")
				}
				time.Sleep(5 * time.Millisecond)
			}
			must(t, cmd.Process.Signal(syscall.SIGKILL))
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child did not die by SIGKILL: %v", err)
			}
			if after := pr.dump("dev"); after != before {
				t.Errorf("the killed import changed dev:\n%s", firstDiff(before, after))
			}
			// The environment is usable: the same upgrade now applies.
			res := pr.deploy("dev", quiet())
			if !hasChange(res.Changes, "remove", "flow", "project_flow") {
				t.Errorf("changes after recovery = %+v", res.Changes)
			}
		})
	}
}
