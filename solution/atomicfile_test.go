package solution

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteFilesAtomic: files are replaced whole through a link, and a
// write that fails part way renames none of them and leaves no temporary
// file: an interrupted unpack or fmt never truncates a file in place.
func TestWriteFilesAtomic(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.hcl"), filepath.Join(dir, "b.hcl")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "link.hcl")
	if err := os.Symlink(b, link); err != nil {
		t.Fatal(err)
	}
	err := WriteFilesAtomic(map[string][]byte{a: []byte("new"), b: []byte("new"), filepath.Join(dir, "nosuch", "c.hcl"): []byte("x")})
	if err == nil {
		t.Fatal("a write into a missing folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".bpfc-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	for _, p := range []string{a, b} {
		if got, _ := os.ReadFile(p); string(got) != "old" {
			t.Errorf("%s = %q after a failed write, want the old text", p, got)
		}
	}
	if err := WriteFilesAtomic(map[string][]byte{a: []byte("new a"), link: []byte("new b")}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(b); string(got) != "new b" {
		t.Errorf("through the link: %q", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if fi, _ := os.Stat(a); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the file's own 0600", fi.Mode().Perm())
	}
}
