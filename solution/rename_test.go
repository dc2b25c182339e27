package solution

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestRenameDisplayNameIsLocal renames one stage's display name and checks
// that the unpacked tree changes only on lines that show the name: ids are
// derived from names, never from display names.
func TestRenameDisplayNameIsLocal(t *testing.T) {
	os.Unsetenv("SOURCE_DATE_EPOCH")
	dir := filepath.Join("..", "examples", "sales")
	names, err := compiler.ProjectFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		srcs[n] = b
	}
	const file, old, renamed = "flows/strategic_deal.hcl", `display_name = "Approval"`, `display_name = "Deal Sign-off"`
	if !bytes.Contains(srcs[file], []byte(old)) {
		t.Fatalf("%s no longer contains %s", file, old)
	}
	build := func(srcs map[string][]byte) map[string]string {
		p, diags := compiler.LoadSources(srcs)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		em, err := emitProject(p)
		if err != nil {
			t.Fatal(err)
		}
		tree, err := ProjectTree(p, em)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		if err := tree.WriteDir(out); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, path := range tree.Paths() {
			b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(path)))
			if err != nil {
				t.Fatal(err)
			}
			files[path] = string(b)
		}
		return files
	}
	before := build(srcs)
	srcs[file] = bytes.Replace(srcs[file], []byte(old), []byte(renamed), 1)
	after := build(srcs)

	if len(before) != len(after) {
		t.Fatalf("renaming changed the set of files: %d -> %d", len(before), len(after))
	}
	changedLines := 0
	for path, b := range before {
		a, ok := after[path]
		if !ok {
			t.Errorf("%s disappeared", path)
			continue
		}
		bl, al := strings.Split(b, "\n"), strings.Split(a, "\n")
		if len(bl) != len(al) {
			t.Errorf("%s: line count changed %d -> %d", path, len(bl), len(al))
			continue
		}
		for i := range bl {
			if bl[i] == al[i] {
				continue
			}
			changedLines++
			if !strings.Contains(bl[i], "Approval") || !strings.Contains(al[i], "Deal Sign-off") {
				t.Errorf("%s:%d changed but does not show the name:\n- %s\n+ %s", path, i+1, bl[i], al[i])
			}
		}
	}
	if changedLines == 0 {
		t.Error("the rename changed nothing")
	}
}
