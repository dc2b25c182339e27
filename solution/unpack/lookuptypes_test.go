package unpack

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLookupTargetFromLookupTypes: a lookup without a relationship in the
// solution takes its target from its LookupTypes, which Dataverse writes as
// <LookupType id="00000000-0000-0000-0000-000000000000">2</LookupType>: the
// object type code is the text, the id attribute an empty id. Reading the
// id attribute first, bpfc never found the code and assumed systemuser.
func TestLookupTargetFromLookupTypes(t *testing.T) {
	res := buildProject(t, loadProject(t, filepath.Join("testdata", "everything")))
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
	entity := filepath.Join(dir, "Entities", "cts_Project", "Entity.xml")
	b, err := os.ReadFile(entity)
	if err != nil {
		t.Fatal(err)
	}
	at := strings.Index(string(b), `PhysicalName="cts_Sponsor"`)
	loc := regexp.MustCompile(`<LookupTypes ?/>`).FindIndex(b[at:])
	if at < 0 || loc == nil {
		t.Fatal("no cts_Sponsor attribute with an empty LookupTypes in the tree")
	}
	var out []byte
	out = append(out, b[:at+loc[0]]...)
	out = append(out, `<LookupTypes><LookupType id="00000000-0000-0000-0000-000000000000">2</LookupType></LookupTypes>`...)
	out = append(out, b[at+loc[1]:]...)
	if err := os.WriteFile(entity, out, 0o644); err != nil {
		t.Fatal(err)
	}
	p, warns := mustRead(t, dir)
	if got := p.Table("cts_project").Column("cts_sponsor").Target; got != "contact" {
		t.Errorf("cts_sponsor's target is %q, want contact (object type code 2)", got)
	}
	for _, w := range warns {
		if strings.Contains(w.Message, "lookup cts_sponsor") {
			t.Errorf("the lookup type gives the target, yet: %s", w)
		}
	}
}
