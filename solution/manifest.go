package solution

import (
	"fmt"
	"regexp"
	"strings"
)

// Manifest is what an archive's solution.xml says of itself, as an import
// reads it.
type Manifest struct {
	UniqueName string
	Version    string // major.minor.build.revision
	Managed    bool
}

var versionPattern = regexp.MustCompile(`^\d{1,9}\.\d{1,9}\.\d{1,9}\.\d{1,9}$`)

// ReadManifest reads and checks an archive's manifest for an import: a
// solution's unique name, a version of four whole numbers and Managed 0 or
// 1, as Dataverse refuses others. (Unpacking is lenient and warns; an
// import would record a version the archive never stated.)
func (a *Archive) ReadManifest() (Manifest, error) {
	doc, err := a.XML("solution.xml")
	if err != nil {
		return Manifest{}, err
	}
	text := func(path string) (string, bool) {
		if e := doc.FindElement(path); e != nil {
			return strings.TrimSpace(e.Text()), true
		}
		return "", false
	}
	var m Manifest
	m.UniqueName, _ = text("/ImportExportXml/SolutionManifest/UniqueName")
	if m.UniqueName == "" {
		return m, fmt.Errorf("solution.xml names no solution (SolutionManifest/UniqueName)")
	}
	m.Version, _ = text("/ImportExportXml/SolutionManifest/Version")
	if !versionPattern.MatchString(m.Version) {
		return m, fmt.Errorf("solution.xml: version %q is not a solution version (four whole numbers, such as 1.0.0.0)", m.Version)
	}
	switch managed, _ := text("/ImportExportXml/SolutionManifest/Managed"); managed {
	case "0":
	case "1":
		m.Managed = true
	default:
		return m, fmt.Errorf("solution.xml: Managed is %q; an archive is 0 (unmanaged) or 1 (managed)", managed)
	}
	return m, nil
}
