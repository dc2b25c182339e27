package solution

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTreePaths(t *testing.T) {
	tr := NewTree()
	for _, bad := range []string{"", "/abs.xml", "C:/x.xml", "a/../b.xml", "../b.xml", "./a.xml", "a//b.xml", `a\b.xml`, "a/b/", "a\x01.xml"} {
		if err := tr.AddBytes(bad, nil); err == nil {
			t.Errorf("AddBytes(%q) accepted", bad)
		}
	}
	if err := tr.AddBytes("Roles/A.xml", []byte("<Role />")); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddBytes("Roles/A.xml", nil); err == nil {
		t.Error("duplicate accepted")
	}
	if err := tr.AddBytes("roles/a.xml", nil); err == nil {
		t.Error("case-insensitive duplicate accepted")
	}
}

func TestReadTreeRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Other"), 0o755)
	os.WriteFile(filepath.Join(dir, "Other", "Solution.xml"), []byte("<a />"), 0o644)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "Other", "Customizations.xml")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if _, err := ReadTree(dir); err == nil || !strings.Contains(err.Error(), "symbolic") {
		t.Errorf("got %v, want a refusal of the symbolic link", err)
	}
}

// TestPackOwnTree: packing the unpacked tree of a build gives the build's
// unmanaged archive, byte for byte.
func TestPackOwnTree(t *testing.T) {
	res, _ := buildOutput(t)
	var buf strings.Builder
	if err := Pack(res.TreeDir, &buf); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(res.Unmanaged)
	if buf.String() != string(want) {
		t.Error("pack of the build's tree differs from the build's unmanaged archive")
	}
}

func TestPackRefusesUnknownComponents(t *testing.T) {
	res, _ := buildOutput(t)
	os.MkdirAll(filepath.Join(res.TreeDir, "CanvasApps"), 0o755)
	os.WriteFile(filepath.Join(res.TreeDir, "CanvasApps", "app.msapp"), []byte("PK"), 0o644)
	var buf strings.Builder
	if err := Pack(res.TreeDir, &buf); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("got %v, want an unsupported-file error", err)
	}
}

// TestPackSplitEntityFiles: SolutionPackager's forms, views and ribbon files
// go back into the table's Entity element; *_managed.xml variants only into
// managed archives; relationships of every Other/Relationships file form one
// list, sorted by name as Dataverse writes it.
func TestPackSplitEntityFiles(t *testing.T) {
	p := testProject()
	tr, err := ProjectTree(p, fakeEmitted(p))
	if err != nil {
		t.Fatal(err)
	}
	base := "Entities/cts_claimreview/"
	for path, xml := range map[string]string{
		base + "FormXml/main/{f1}.xml":            `<forms><systemform><formid>{f1}</formid></systemform></forms>`,
		base + "FormXml/quick/{f2}.xml":           `<forms><systemform><formid>{f2}</formid></systemform></forms>`,
		base + "FormXml/card/{f3}_managed.xml":    `<forms><systemform><formid>{f3}</formid></systemform></forms>`,
		base + "SavedQueries/{q1}.xml":            `<savedqueries><savedquery><savedqueryid>{q1}</savedqueryid></savedquery></savedqueries>`,
		base + "RibbonDiff.xml":                   `<RibbonDiffXml><CustomActions /></RibbonDiffXml>`,
		"Other/Relationships/cts_claimreview.xml": `<EntityRelationships xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><EntityRelationship Name="bpf_xyz_claim_cts_claimreview" /></EntityRelationships>`,
		"Other/Relationships/Account.xml":         `<EntityRelationships xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><EntityRelationship Name="cts_cts_claimreview_Account_account" /></EntityRelationships>`,
		"Other/Relationships.xml":                 `<EntityRelationships><EntityRelationship Name="bpf_xyz_claim_cts_claimreview" /></EntityRelationships>`,
	} {
		if err := tr.AddBytes(path, []byte(xml)); err != nil {
			t.Fatal(err)
		}
	}
	for _, managed := range []bool{false, true} {
		m, err := mergeTree(tr, &managed)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := marshalXML(m.customizations, bare)
		s := string(b)
		for _, want := range []string{`<forms type="main">`, `<formid>{f1}</formid>`, `<forms type="quick">`,
			"<SavedQueries>\r\n        <savedqueries>\r\n          <savedquery>", "<RibbonDiffXml>\r\n        <CustomActions />",
			// relationships from every file, in one list sorted by name
			"<EntityRelationships>\r\n    <EntityRelationship Name=\"bpf_xyz_claim_cts_claimreview\" />\r\n    <EntityRelationship Name=\"cts_cts_claimreview_Account_account\" />\r\n  </EntityRelationships>"} {
			if !strings.Contains(s, want) {
				t.Errorf("managed=%v: customizations.xml lacks %q", managed, want)
			}
		}
		if got := strings.Contains(s, "{f3}"); got != managed {
			t.Errorf("managed=%v: managed-only form included = %v", managed, got)
		}
		if strings.Count(s, "<RibbonDiffXml") != 2 { // one per table
			t.Errorf("managed=%v: ribbon not replaced in place", managed)
		}
	}
}
