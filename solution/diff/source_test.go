package diff

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// buildFolder builds testdata/diff/<version> into a temporary dist/ with the
// model beside it, as builds write it.
func buildFolder(t *testing.T, version string, withModel bool) (string, *solution.Result) {
	t.Helper()
	p, diags := compiler.Load(filepath.Join(testdata, version))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	dist := filepath.Join(t.TempDir(), "dist")
	res, err := solution.Build(p, dist)
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dist, ModelFile)
	if withModel {
		b, err := compiler.EncodeModel(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(model, b, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if err := os.Remove(model); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return dist, res
}

// A build folder with model.json compares like the project it was built from.
func TestBuildFolder(t *testing.T) {
	dist, _ := buildFolder(t, "v1", true)
	side, err := Open(dist, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if side.From != FromBuild || side.Layout != LayoutTree {
		t.Fatalf("opened as %s/%s", side.From, side.Layout)
	}
	proj, err := Open("v1", Options{Dir: testdata})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(side, proj)
	if err != nil {
		t.Fatal(err)
	}
	if r.Changed {
		t.Errorf("a build folder differs from its project: %+v", r.Changes)
	}
	want := compareVersions(t)
	newDist, _ := buildFolder(t, "v2", true)
	newSide, err := Open(newDist, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compare(side, newSide)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Changes) != len(want.Changes) || len(got.Files) != len(want.Files) {
		t.Errorf("build folders: %d changes in %d files, projects: %d in %d",
			len(got.Changes), len(got.Files), len(want.Changes), len(want.Files))
	}
}

func TestBuildFolderWithoutModel(t *testing.T) {
	dist, _ := buildFolder(t, "v1", false)
	_, err := Open(dist, Options{})
	if err == nil || !strings.Contains(err.Error(), "has no model.json") {
		t.Fatalf("got %v", err)
	}
	// With an archive reader, the folder's unmanaged archive is read back.
	var read string
	o := Options{ReadArchive: func(path string) (*compiler.Project, []string, error) {
		read = path
		p, diags := compiler.Load(filepath.Join(testdata, "v1"))
		if diags.HasErrors() {
			return nil, nil, diags
		}
		return p, []string{"something was not expressible"}, nil
	}}
	side, err := Open(dist, o)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(read) != "Deals_1_0_0_0.zip" || len(side.Warnings) != 1 {
		t.Errorf("read %s, warnings %v", read, side.Warnings)
	}
}

func TestArchives(t *testing.T) {
	_, res := buildFolder(t, "v1", true)
	_, err := Open(res.Unmanaged, Options{})
	if err == nil || !strings.Contains(err.Error(), "not supported yet") {
		t.Fatalf("archive without a reader: %v", err)
	}
	o := Options{Dir: testdata, ReadArchive: func(path string) (*compiler.Project, []string, error) {
		p, diags := compiler.Load(filepath.Join(testdata, "v1"))
		if diags.HasErrors() {
			return nil, nil, diags
		}
		return p, nil, nil
	}}
	archive, err := Open(res.Unmanaged, o)
	if err != nil {
		t.Fatal(err)
	}
	if archive.From != FromArchive || archive.Layout != LayoutArchive || archive.Files["customizations.xml"] == nil {
		t.Fatalf("opened as %s/%s with %d entries", archive.From, archive.Layout, len(archive.Files))
	}
	// An archive against the project it was built from: the tree is packed,
	// so entries are compared with entries, and nothing differs.
	proj, err := Open("v1", o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(archive, proj)
	if err != nil {
		t.Fatal(err)
	}
	if r.Changed {
		t.Errorf("archive differs from its project: %+v %+v", r.Changes, r.Files)
	}
	// Against the next version, the archive entries differ.
	v2, err := Open("v2", o)
	if err != nil {
		t.Fatal(err)
	}
	r, err = Compare(archive, v2)
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, f := range r.Files {
		paths[f.Path] = true
	}
	if !paths["customizations.xml"] || !r.Changed {
		t.Errorf("archive vs v2: files %v", paths)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]string{
		"notes.txt":   "not a solution archive",
		".":           "neither a project",
		"-rf":         "is not a project, build folder, archive or git revision",
		"nosuchthing": "is not a project, build folder, archive or git revision",
		"":            "empty argument",
	} {
		_, err := Open(arg, Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): %v, want %q", arg, err, want)
		}
	}
	bad := filepath.Join(dir, "bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "bpfc.hcl"), []byte(`solution "S" {`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open("bad", Options{Dir: dir})
	var pe *ProjectError
	if !errors.As(err, &pe) || pe.Prefix != "bad/" || !pe.Diags.HasErrors() {
		t.Errorf("project with errors: %v", err)
	}
}

func TestFiles(t *testing.T) {
	old := map[string][]byte{
		"same.xml":   []byte("<a/>"),
		"crlf.xml":   []byte("\xef\xbb\xbf<a>\r\n</a>"),
		"gone.xml":   []byte("<gone/>\n"),
		"binary.bin": {0, 1, 2},
		"edit.xml":   []byte("<a>\r\n  <b>1</b>\r\n</a>"),
	}
	new := map[string][]byte{
		"same.xml":   []byte("<a/>"),
		"crlf.xml":   []byte("<a>\n</a>\n"),
		"added.xml":  []byte("<new/>"),
		"binary.bin": {0, 1, 3},
		"edit.xml":   []byte("<a>\r\n  <b>2</b>\r\n</a>"),
	}
	got := map[string]string{}
	var order []string
	for _, f := range Files(old, new) {
		got[f.Path] = f.Diff
		order = append(order, f.Path)
	}
	if strings.Join(order, " ") != "added.xml binary.bin crlf.xml edit.xml gone.xml" {
		t.Errorf("order %v", order)
	}
	for path, want := range map[string]string{
		"added.xml":  "--- /dev/null\n+++ b/added.xml\n@@ -0,0 +1 @@\n+<new/>\n",
		"binary.bin": "Binary files a/binary.bin and b/binary.bin differ\n",
		"crlf.xml":   "Files a/crlf.xml and b/crlf.xml differ only in line endings or byte order mark\n",
		"edit.xml":   "--- a/edit.xml\n+++ b/edit.xml\n@@ -1,3 +1,3 @@\n <a>\n-  <b>1</b>\n+  <b>2</b>\n </a>\n",
		"gone.xml":   "--- a/gone.xml\n+++ /dev/null\n@@ -1 +0,0 @@\n-<gone/>\n",
	} {
		if got[path] != want {
			t.Errorf("%s:\n%s\nwant\n%s", path, got[path], want)
		}
	}
}
