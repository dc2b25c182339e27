package solution

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/graph"
)

// exampleSources reads the *.hcl files of examples/<name> as LoadSources
// takes them, and their names in order.
func exampleSources(t testing.TB, name string) (map[string][]byte, []string) {
	t.Helper()
	root := filepath.Join("..", "examples", name)
	srcs := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".hcl") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		srcs[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return srcs, names
}

// FuzzPipeline runs the whole compile pipeline, validate then the model a
// deployment keeps, the graphs, the build's emission and the archive's
// documents, on an example project (sales, or claims when claims is set)
// one of whose files a user changed: the file at an index of its names
// holds src. Whatever the change: no panic; every error names where it
// is; a project without errors round-trips its model, draws its graphs,
// emits, and its tree packs.
func FuzzPipeline(f *testing.F) {
	examples := map[bool]map[string][]byte{}
	names := map[bool][]string{}
	for _, claims := range []bool{false, true} {
		name := "sales"
		if claims {
			name = "claims"
		}
		examples[claims], names[claims] = exampleSources(f, name)
		for i, n := range names[claims] {
			f.Add(claims, uint8(i), examples[claims][n])
		}
	}
	f.Add(false, uint8(0), []byte(""))
	f.Add(true, uint8(1), []byte("table \"x\" {"))
	f.Fuzz(func(t *testing.T, claims bool, which uint8, src []byte) {
		ns := names[claims]
		srcs := make(map[string][]byte, len(ns))
		for n, b := range examples[claims] {
			srcs[n] = b
		}
		srcs[ns[int(which)%len(ns)]] = src
		p, diags := compiler.LoadSources(srcs)
		if p == nil {
			t.Fatal("nil project")
		}
		for _, d := range diags {
			// Only what is missing from the project as a whole is nowhere.
			if d.Severity == hcl.DiagError && d.Subject == nil && d.Summary != "No configuration files" && d.Summary != "Missing solution" {
				t.Errorf("error without a position: %s: %s", d.Summary, d.Detail)
			}
		}
		if diags.HasErrors() {
			return
		}
		// The model a deployment keeps decodes to the same project.
		model, err := compiler.EncodeModel(p)
		if err != nil {
			t.Fatalf("a valid project's model does not encode: %v", err)
		}
		q, err := compiler.DecodeModel(model)
		if err != nil {
			t.Fatalf("a valid project's model does not decode: %v", err)
		}
		if q.Digest() != p.Digest() {
			t.Fatalf("a valid project's model decodes to another project")
		}
		for _, fl := range p.Flows {
			for _, format := range graph.Formats {
				if err := graph.Write(io.Discard, p, fl, format); err != nil {
					t.Fatalf("flow %s has no %s graph: %v", fl.Name, format, err)
				}
			}
		}
		em, err := emitProject(p)
		if err != nil {
			t.Fatalf("a valid project does not emit: %v", err)
		}
		tr, err := ProjectTree(p, em)
		if err != nil {
			t.Fatalf("a valid project has no tree: %v", err)
		}
		// The tree merges into an archive's documents (compressing them,
		// and reading the archive back, are FuzzPack's: they would take
		// most of each run here).
		managed := false
		if _, err := mergeTree(tr, &managed); err != nil {
			t.Fatalf("a valid project does not pack: %v", err)
		}
	})
}
