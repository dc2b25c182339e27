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
