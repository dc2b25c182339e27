package emit

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"
)

// exportCustomizations returns the customizations.xml of the rules-engine
// export: the corpus's only custom tables that are not instance tables.
func exportCustomizations(t *testing.T) *etree.Document {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join(conformanceDir(t), "powerplatform-rules-engine", "OrganizationalPackageReview_1_0_0_4.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != "customizations.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	t.Fatal("customizations.xml not in the export")
	return nil
}

// entityAttribute returns the <attribute> named physical of the <Entity>
// named entity, or nil.
func entityAttribute(root *etree.Element, entity, physical string) *etree.Element {
	for _, e := range root.FindElements("//Entity") {
		if e.SelectElement("Name").Text() != entity {
			continue
		}
		for _, a := range e.FindElements("EntityInfo/entity/attributes/attribute") {
			if a.SelectAttrValue("PhysicalName", "") == physical {
				return a
			}
		}
	}
	return nil
}

// TestConformanceOwnerColumns holds the ownership columns of a user-owned
// custom table against the export's two user-owned tables: the same children
// in the same order, and the same values wherever the two exports agree
// (where they differ, either is Dataverse's).
func TestConformanceOwnerColumns(t *testing.T) {
	export := exportCustomizations(t).Root()
	p, _ := packageReviewProject()
	ours := etree.NewElement("Entities")
	ours.AddChild(CustomEntity(p, p.Tables[0]))
	for _, physical := range []string{"OwnerId", "OwningBusinessUnit", "OwningTeam", "OwningUser"} {
		a, b := entityAttribute(export, "bac_Package", physical), entityAttribute(export, "bac_userrole", physical)
		got := entityAttribute(ours, "bac_Package", physical)
		if a == nil || b == nil || got == nil {
			t.Fatalf("%s: export %v %v, bpfc %v", physical, a != nil, b != nil, got != nil)
		}
		if diff := cmp.Diff(childTags(a), childTags(got)); diff != "" {
			t.Errorf("%s: children differ (-export +bpfc):\n%s", physical, diff)
			continue
		}
		for i, want := range a.ChildElements() {
			other, mine := b.ChildElements()[i], got.ChildElements()[i]
			if want.Tag == "IntroducedVersion" || canon(want) != canon(other) {
				continue
			}
			if diff := cmp.Diff(canon(want), canon(mine)); diff != "" {
				t.Errorf("%s/%s differs (-export +bpfc):\n%s", physical, want.Tag, diff)
			}
		}
	}
}

func childTags(e *etree.Element) []string {
	var tags []string
	for _, c := range e.ChildElements() {
		tags = append(tags, c.Tag)
	}
	return tags
}
