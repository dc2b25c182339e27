package solution

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestLockOfADeadBuild: a build killed mid-swap leaves its lock; the next
// build takes it at once when the process that wrote it is gone (it waited
// two minutes, silently), and still waits for a live one.
func TestLockOfADeadBuild(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$") // this test binary, running nothing: a process that has ended
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	lock := filepath.Join(dir, lockName)
	if err := os.WriteFile(lock, []byte(strconv.Itoa(dead)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	unlock, err := lockOutDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took the dead build's lock after %v", d)
	}
	if b, _ := os.ReadFile(lock); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("the lock holds %q, want this process's id", b)
	}
	unlock()

	// A live owner's lock is waited for.
	if err := os.WriteFile(lock, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan struct{})
	go func() {
		if unlock, err := lockOutDir(dir); err == nil {
			unlock()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("took a live build's lock")
	case <-time.After(300 * time.Millisecond):
	}
	os.Remove(lock)
	<-got
}

// TestStagingOfADeadBuild: a build killed part way leaves its staging
// directory; the next build removes it at once when the process that made
// it is gone, and leaves a running build's.
func TestStagingOfADeadBuild(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$") // a process that has ended
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	for dir, pid := range map[string]int{stagingPrefix + "dead": cmd.Process.Pid, stagingPrefix + "alive": os.Getpid()} {
		if err := os.MkdirAll(filepath.Join(out, dir, TreeDirName), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, dir, stagingOwner), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := testProject()
	if _, err := build(p, fakeEmitted(p), out, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, stagingPrefix+"dead")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dead build's staging directory is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, stagingPrefix+"alive")); err != nil {
		t.Errorf("a running build's staging directory was removed: %v", err)
	}
}
