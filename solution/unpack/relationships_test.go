package unpack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLookupTargetsFromRelationships: lookup targets come from the
// relationships the solution carries, silently; without them (a tree whose
// Other/Relationships files were removed) the target is guessed from the
// column's name, or systemuser is assumed, each with a warning.
func TestLookupTargetsFromRelationships(t *testing.T) {
	res := buildProject(t, loadProject(t, filepath.Join("testdata", "everything")))
	target := func(dir string) (map[string]string, []Warning) {
		p, warns := mustRead(t, dir)
		got := map[string]string{}
		for _, col := range []string{"cts_sponsor", "cts_opportunityid"} {
			got[col] = p.Table("cts_project").Column(col).Target
		}
		return got, warns
	}
	about := func(warns []Warning, col string) []string {
		var out []string
		for _, w := range warns {
			if strings.Contains(w.Message, "lookup "+col) {
				out = append(out, w.String())
			}
		}
		return out
	}

	for _, in := range []string{res.Unmanaged, res.TreeDir} {
		got, warns := target(in)
		if got["cts_sponsor"] != "contact" || got["cts_opportunityid"] != "opportunity" {
			t.Errorf("%s: targets %v, want cts_sponsor -> contact, cts_opportunityid -> opportunity", filepath.Base(in), got)
		}
		for _, col := range []string{"cts_sponsor", "cts_opportunityid"} {
			if w := about(warns, col); len(w) > 0 {
				t.Errorf("%s: the relationship gives %s's target, yet: %v", filepath.Base(in), col, w)
			}
		}
	}

	// The same tree without its relationships.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(res.TreeDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "Other", "Relationships")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "Other", "Relationships.xml")); err != nil {
		t.Fatal(err)
	}
	got, warns := target(dir)
	if got["cts_sponsor"] != "systemuser" || got["cts_opportunityid"] != "opportunity" {
		t.Errorf("without relationships: targets %v, want cts_sponsor -> systemuser (assumed), cts_opportunityid -> opportunity (from its name)", got)
	}
	if w := about(warns, "cts_sponsor"); len(w) != 1 || !strings.Contains(w[0], "systemuser was assumed") {
		t.Errorf("without relationships: cts_sponsor warnings %v", w)
	}
	if w := about(warns, "cts_opportunityid"); len(w) != 1 || !strings.Contains(w[0], "guessed from its name") {
		t.Errorf("without relationships: cts_opportunityid warnings %v", w)
	}
}
