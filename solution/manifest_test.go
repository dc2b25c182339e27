package solution

import (
	"bytes"
	"strings"
	"testing"
)

// An import reads the manifest strictly: a version that is not four whole
// numbers and a Managed that is not 0 or 1 are refused, where unpacking
// would warn and write 1.0.0.0.
func TestReadManifest(t *testing.T) {
	manifest := func(name, version, managed string) *Archive {
		doc := `<ImportExportXml><SolutionManifest><UniqueName>` + name + `</UniqueName><Version>` + version +
			`</Version><Managed>` + managed + `</Managed></SolutionManifest></ImportExportXml>`
		z := makeZip(t, zipEntry{name: "solution.xml", data: doc}, zipEntry{name: "customizations.xml", data: "<ImportExportXml />"})
		a, err := ReadArchive(bytes.NewReader(z), int64(len(z)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if m, err := manifest("Sales", "1.2.3.4", "1").ReadManifest(); err != nil || m != (Manifest{"Sales", "1.2.3.4", true}) {
		t.Errorf("a good manifest: %+v %v", m, err)
	}
	for _, c := range []struct{ name, version, managed, want string }{
		{"Sales", "a.b.c.d", "0", `version "a.b.c.d" is not a solution version`},
		{"Sales", "-1.0.0.0", "0", "is not a solution version"},
		{"Sales", "1.0.0.0.0", "0", "is not a solution version"},
		{"Sales", "", "0", "is not a solution version"},
		{"Sales", "1.0.0.0", "2", `Managed is "2"`},
		{"Sales", "1.0.0.0", "x", `Managed is "x"`},
		{"", "1.0.0.0", "0", "names no solution"},
	} {
		if _, err := manifest(c.name, c.version, c.managed).ReadManifest(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
