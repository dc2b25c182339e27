package emit

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/emit")

const goldenDir = "../../testdata/emit"

// render serializes a document as the golden files hold it.
func render(t *testing.T, doc *etree.Document) string {
	t.Helper()
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s + "\n"
}

// outputs renders everything the package produces for the test project,
// keyed by golden file path.
func outputs(t *testing.T) map[string]string {
	tp := newTestProject()
	out := map[string]string{}
	for _, f := range Files(tp.p) {
		out[f.Path] = render(t, f.Doc)
	}
	schema, err := json.MarshalIndent(Schema(tp.p), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out["schema.json"] = string(schema) + "\n"
	var w strings.Builder
	for _, x := range DataverseWarnings(tp.p) {
		where := "workflow " + x.Workflow
		if x.Flow != "" {
			where = "flow " + x.Flow + ", stage " + x.Stage
		}
		fmt.Fprintf(&w, "%s:%d: %s: %s\n", x.Range.Filename, x.Range.Start.Line, where, x.Message)
	}
	out["warnings.txt"] = w.String()
	return out
}

func TestGolden(t *testing.T) {
	got := outputs(t)
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		for path, content := range got {
			full := filepath.Join(goldenDir, filepath.FromSlash(path))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string]string{}
	err := filepath.WalkDir(goldenDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(goldenDir, path)
		want[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatalf("reading golden files (run go test ./compiler/emit -update): %v", err)
	}
	for path := range want {
		if _, ok := got[path]; !ok {
			t.Errorf("%s: golden file no longer produced", path)
		}
	}
	for path, content := range got {
		if diff := cmp.Diff(want[path], content); diff != "" {
			t.Errorf("%s differs from the golden file (-want +got):\n%s", path, diff)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := outputs(t), outputs(t)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two builds differ:\n%s", diff)
	}
}

func TestOutputsParse(t *testing.T) {
	for path, content := range outputs(t) {
		if !strings.HasSuffix(path, ".xml") && !strings.HasSuffix(path, ".xaml") {
			continue
		}
		if err := etree.NewDocument().ReadFromString(content); err != nil {
			t.Errorf("%s: not well-formed XML: %v", path, err)
		}
	}
}

func TestFileName(t *testing.T) {
	for _, c := range []struct{ name, id, want string }{
		{"Package Review Process", "c9064d35-616b-ed11-81ac-000d3af4f400", "PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400"},
		{"Internal Purchase Requisition (OF95)!", "{d036abae-41da-ee11-904d-00224804912f}", "InternalPurchaseRequisitionOF95-D036ABAE-41DA-EE11-904D-00224804912F"},
		{"a_b-c d.e", "x", "a_b-cde-X"},
		{strings.Repeat("Ab", 30), "1", strings.Repeat("Ab", 25) + "-1"},
	} {
		if got := FileName(c.name, c.id); got != c.want {
			t.Errorf("FileName(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestWarningsMatchExtensions: every DataverseWarnings entry is one use of the
// bpfc extension in the files, and every use has its warning.
func TestWarningsMatchExtensions(t *testing.T) {
	tp := newTestProject()
	uses := 0
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if e.Space == "bpfc" {
			uses++
		}
		for _, a := range e.Attr {
			if a.Space == "bpfc" {
				uses++
			}
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	for _, f := range Files(tp.p) {
		walk(f.Doc.Root())
	}
	if n := len(DataverseWarnings(tp.p)); n != uses || n == 0 {
		t.Errorf("%d warnings for %d uses of the bpfc extension", n, uses)
	}
}
