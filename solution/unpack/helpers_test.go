package unpack

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// repoRoot is the module root: the nearest parent holding go.mod.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatal("go.mod not found above " + dir)
		}
	}
}

// conformanceDir finds shared/conformance beside the repository, walking up
// from the package directory; tests that need it skip when it is absent.
func conformanceDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		c := filepath.Join(d, "shared", "conformance")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		if filepath.Dir(d) == d {
			t.Skip("conformance corpus (shared/conformance) not found beside the repository")
		}
	}
}

func conformanceFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(conformanceDir(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("conformance file missing: %v", err)
	}
	return p
}

// loadProject loads a project directory and fails on errors.
func loadProject(t testing.TB, dir string) *compiler.Project {
	t.Helper()
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", dir, diags)
	}
	return p
}

// buildProject builds p into a temporary directory.
func buildProject(t testing.TB, p *compiler.Project) *solution.Result {
	t.Helper()
	res, err := solution.Build(p, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// mustRead unpacks path and fails with the warnings on error.
func mustRead(t testing.TB, path string) (*compiler.Project, []Warning) {
	t.Helper()
	p, warns, err := Read(path)
	if err != nil {
		for _, w := range warns {
			t.Log(w)
		}
		if ie, ok := err.(*InvalidError); ok {
			for n, b := range ie.Files {
				t.Logf("--- %s\n%s", n, b)
			}
		}
		t.Fatalf("unpack %s: %v", path, err)
	}
	return p, warns
}

// writeAndLoad writes p with WriteHCL and loads the result.
func writeAndLoad(t testing.TB, p *compiler.Project) (*compiler.Project, string) {
	t.Helper()
	dir := t.TempDir()
	if _, err := WriteHCL(p, dir); err != nil {
		t.Fatal(err)
	}
	return loadProject(t, dir), dir
}

func hclFormat(b []byte) []byte { return hclwrite.Format(b) }
