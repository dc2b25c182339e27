package solution

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/solution")

const goldenDir = "../testdata/solution/build"

// buildOutput builds the test project into a temporary directory with
// SOURCE_DATE_EPOCH unset and returns the result.
func buildOutput(t *testing.T) (*Result, string) {
	t.Helper()
	t.Setenv("SOURCE_DATE_EPOCH", "")
	os.Unsetenv("SOURCE_DATE_EPOCH")
	p := testProject()
	out := t.TempDir()
	res, err := build(p, fakeEmitted(p), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res, out
}

// goldenFiles is what the golden test compares: every file of the output
// directory except the archives, and for each archive a listing of its
// entries with their metadata plus the entries that are not copies of tree
// files (customizations.xml, solution.xml, [Content_Types].xml).
func goldenFiles(t *testing.T, out string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(rel, ".zip") {
			files[rel] = b
			return nil
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return err
		}
		var list strings.Builder
		for _, f := range zr.File {
			fmt.Fprintf(&list, "%-100s method=%d flags=%#x made-by=%#04x extract=%d ext-attrs=%#x extra=%d time=%s crc=%08x size=%d\n",
				f.Name, f.Method, f.Flags, f.CreatorVersion, f.ReaderVersion, f.ExternalAttrs, len(f.Extra),
				f.Modified.Format("2006-01-02T15:04:05"), f.CRC32, f.UncompressedSize64)
			switch f.Name {
			case "customizations.xml", "solution.xml", "[Content_Types].xml":
				rc, err := f.Open()
				if err != nil {
					return err
				}
				data, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return err
				}
				files[rel+".d/"+f.Name] = data
			}
		}
		files[rel+".entries"] = []byte(list.String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestBuildGolden(t *testing.T) {
	_, out := buildOutput(t)
	compareGolden(t, goldenDir, goldenFiles(t, out))
}

// TestExamplesGolden builds each example project through the parser and the
// real emitters and compares every output file with testdata/solution/examples.
func TestExamplesGolden(t *testing.T) {
	for _, name := range []string{"sales", "claims"} {
		t.Run(name, func(t *testing.T) {
			os.Unsetenv("SOURCE_DATE_EPOCH")
			p, diags := compiler.Load(filepath.Join("..", "examples", name))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			out := t.TempDir()
			if _, err := Build(p, out); err != nil {
				t.Fatal(err)
			}
			compareGolden(t, filepath.Join("..", "testdata", "solution", "examples", name), goldenFiles(t, out))
		})
	}
}

// compareGolden compares got with the files under dir, or rewrites dir with -update.
func compareGolden(t *testing.T, dir string, got map[string][]byte) {
	t.Helper()
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for rel, b := range got {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}

	want := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		want[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("reading golden files (run go test ./solution -update): %v", err)
	}
	if diff := cmp.Diff(sortedKeys(want), sortedKeys(got)); diff != "" {
		t.Errorf("output files differ from the golden set (-want +got):\n%s", diff)
	}
	for rel, w := range want {
		g, ok := got[rel]
		if !ok {
			continue
		}
		if !bytes.Equal(w, g) {
			t.Errorf("%s differs from the golden file (-want +got):\n%s", rel, cmp.Diff(string(w), string(g)))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
