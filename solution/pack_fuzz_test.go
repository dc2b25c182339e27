package solution

import (
	"bytes"
	"testing"
)

// FuzzPack packs an unpacked tree one of whose files a user changed: the
// file at an index of the tree's paths (or a new file at path, when path
// is not empty) holds data. Packing either fails with an error or gives
// an archive that reads back (bpfc pack reads what it wrote).
func FuzzPack(f *testing.F) {
	p := testProject()
	base, err := ProjectTree(p, fakeEmitted(p))
	if err != nil {
		f.Fatal(err)
	}
	paths := base.Paths()
	files := make([][]byte, len(paths))
	for i, path := range paths {
		if files[i], err = base.Bytes(path); err != nil {
			f.Fatal(err)
		}
	}
	for i := range paths {
		f.Add(uint8(i), "", files[i])
		if i < 3 {
			f.Add(uint8(i), "", []byte{})
		}
	}
	f.Add(uint8(0), "Other/Relationships/Extra.xml", []byte(`<EntityRelationships><EntityRelationship Name="x"/></EntityRelationships>`))
	f.Add(uint8(0), "Entities/cts_project/FormXml/main/{00000000-0000-0000-0000-000000000001}.xml", []byte(`<forms><systemform/></forms>`))
	f.Add(uint8(0), "Workflows/X.xaml", []byte(`<Activity/>`))
	f.Fuzz(func(t *testing.T, which uint8, path string, data []byte) {
		tr := NewTree()
		i := int(which) % len(paths)
		for j, p := range paths {
			b := files[j]
			if path == "" && j == i {
				b = data
			}
			if err := tr.AddBytes(p, b); err != nil {
				t.Fatal(err)
			}
		}
		if path != "" {
			if err := tr.AddBytes(path, data); err != nil {
				return
			}
		}
		// As Pack (the tree's manifest says), and as a build writes both.
		unmanaged, managed := false, true
		for _, as := range []*bool{nil, &unmanaged, &managed} {
			var buf bytes.Buffer
			m, err := mergeTree(tr, as)
			if err == nil {
				err = writeMerged(&buf, m)
			}
			if err != nil {
				if err.Error() == "" {
					t.Fatal("an empty error")
				}
				return
			}
			if _, err := ReadArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
				t.Fatalf("packed archive does not read back: %v", err)
			}
		}
	})
}
