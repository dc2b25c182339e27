//go:build unix

package compiler_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// A FIFO named *.hcl is refused, not read (the read would block forever).
func TestFIFOIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.hcl"), 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	_, diags := compiler.Load(dir)
	if !diags.HasErrors() || diags[0].Summary != "Not a file" || !strings.Contains(diags[0].Detail, "pipe.hcl is not a regular file but a named pipe") {
		t.Errorf("a FIFO: %v", diags)
	}
}

// TestUnreadableFile: a file that cannot be read (here a link to nothing)
// is the only error said, at that file, and the project the other files
// make is still returned: a command that works on an environment as
// deployed reads its block from them (it stopped on any unreadable file).
func TestUnreadableFile(t *testing.T) {
	dir := t.TempDir()
	src := baseSolution + "environment \"dev\" {}\nflow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere.hcl"), filepath.Join(dir, "gone.hcl")); err != nil {
		t.Fatal(err)
	}
	p, diags := compiler.Load(dir)
	if len(diags) != 1 || diags[0].Summary != "Cannot read file" || diags[0].Subject == nil || diags[0].Subject.Filename != "gone.hcl" {
		t.Fatalf("diagnostics: %v", diags)
	}
	if p == nil || p.Environment("dev") == nil || len(p.Flows) != 1 {
		t.Errorf("the project of the readable files: %+v", p)
	}
}

// TestUnreadableFileKeepsEnvironmentErrors: beside an unreadable file, an
// error in an environment's block is still said (a runtime command on that
// environment must stop: it wrote to the default store instead of the one
// the block failed to name).
func TestUnreadableFileKeepsEnvironmentErrors(t *testing.T) {
	dir := t.TempDir()
	src := baseSolution + "environment \"dev\" {\n  store = \"sqlite://${var.nope}.db\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere.hcl"), filepath.Join(dir, "gone.hcl")); err != nil {
		t.Fatal(err)
	}
	_, diags := compiler.Load(dir)
	var inBlock bool
	for _, d := range diags {
		inBlock = inBlock || d.Subject != nil && d.Subject.Filename == "bpfc.hcl"
	}
	if len(diags) < 2 || diags[0].Summary != "Cannot read file" || !inBlock {
		t.Errorf("diagnostics: %v", diags)
	}
}

// TestLinkOutsideProject: a *.hcl that links to a file outside the project
// is refused without reading it (a pull request's link to a CI machine's
// secret would have its lines shown in diagnostics); a link to another
// file of the project is read.
func TestLinkOutsideProject(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(outside, []byte("AWS_SECRET_ACCESS_KEY=abcDEF123secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := baseSolution + "environment \"dev\" {}\n"
	if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	flow := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "shared", "flow.txt"), []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("shared", "flow.txt"), filepath.Join(dir, "flow.hcl")); err != nil {
		t.Fatal(err)
	}
	if p, diags := compiler.Load(dir); diags.HasErrors() || len(p.Flows) != 1 {
		t.Fatalf("a link inside the project: %v", diags)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "leak.hcl")); err != nil {
		t.Fatal(err)
	}
	_, diags := compiler.Load(dir)
	if !diags.HasErrors() || diags[0].Summary != "Not a file" || !strings.Contains(diags[0].Detail, "leak.hcl is not a regular file but a link to "+outside+", outside the project") {
		t.Errorf("a link outside the project: %v", diags)
	}
	if strings.Contains(diags.Error(), "abcDEF123secret") {
		t.Errorf("the linked file's content was shown: %v", diags)
	}
}
