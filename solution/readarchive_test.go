package solution

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

type zipEntry struct {
	name string
	data string
	mode fs.FileMode // 0: a plain file
	raw  bool        // write the name as is, bypassing archive/zip's checks
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			fh.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	minimalSolution = `<ImportExportXml><SolutionManifest><Managed>0</Managed></SolutionManifest></ImportExportXml>`
	minimalCust     = `<ImportExportXml><Entities /></ImportExportXml>`
)

func solutionEntries(extra ...zipEntry) []zipEntry {
	return append([]zipEntry{{name: "customizations.xml", data: minimalCust}, {name: "solution.xml", data: minimalSolution}}, extra...)
}

func TestReadArchiveAcceptsASolution(t *testing.T) {
	b := makeZip(t, solutionEntries(zipEntry{name: "Workflows/"}, zipEntry{name: "Workflows/a.xaml", data: "<Activity />"})...)
	a, err := ReadArchive(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.Names(), ","); got != "customizations.xml,solution.xml,Workflows/a.xaml" {
		t.Errorf("names %s", got)
	}
	if string(a.File("Workflows/a.xaml")) != "<Activity />" {
		t.Errorf("content %q", a.File("Workflows/a.xaml"))
	}
}

func TestReadArchiveRefuses(t *testing.T) {
	zeros := strings.Repeat("\x00", 4<<20)
	for _, tc := range []struct {
		name    string
		entries []zipEntry
		want    string
	}{
		{"zip slip", solutionEntries(zipEntry{name: "../evil.xml", data: "x"}), "escapes"},
		{"zip slip inside", solutionEntries(zipEntry{name: "Workflows/../../evil.xml", data: "x"}), "not clean"},
		{"absolute path", solutionEntries(zipEntry{name: "/etc/passwd", data: "x"}), "absolute"},
		{"drive letter", solutionEntries(zipEntry{name: "C:/evil.xml", data: "x"}), "absolute"},
		{"backslash", solutionEntries(zipEntry{name: `Workflows\..\..\evil.xml`, data: "x"}), "backslash"},
		{"duplicate", solutionEntries(zipEntry{name: "Solution.XML", data: minimalSolution}), "duplicate"},
		{"symlink", solutionEntries(zipEntry{name: "Workflows/link", data: "/etc/passwd", mode: fs.ModeSymlink | 0o777}), "symbolic link"},
		{"compression bomb", solutionEntries(zipEntry{name: "Workflows/bomb.xaml", data: zeros}), "compression ratio"},
		{"DTD", []zipEntry{{name: "customizations.xml", data: minimalCust},
			{name: "solution.xml", data: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ImportExportXml>&a;</ImportExportXml>`}}, "not allowed"},
		{"no solution.xml", []zipEntry{{name: "customizations.xml", data: minimalCust}}, "no solution.xml"},
		{"broken XML", []zipEntry{{name: "customizations.xml", data: minimalCust}, {name: "solution.xml", data: "<ImportExportXml>"}}, "solution.xml"},
		{"other encoding", []zipEntry{{name: "customizations.xml", data: minimalCust},
			{name: "solution.xml", data: `<?xml version="1.0" encoding="ISO-8859-1"?><ImportExportXml />`}}, "UTF-8 only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := makeZip(t, tc.entries...)
			_, err := ReadArchive(bytes.NewReader(b), int64(len(b)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadArchiveEntryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20001 entries")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i <= maxEntries; i++ {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + strconv.Itoa(i), Method: zip.Store})
		w.Write(nil)
	}
	zw.Close()
	_, err := ReadArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err == nil || !strings.Contains(err.Error(), "entries") {
		t.Errorf("got %v, want a refusal for too many entries", err)
	}
}

// TestXMLBudgets: XML that would take gigabytes of memory as a tree (tiny
// elements compressed 200:1) or minutes to check (an element of many
// attributes) is refused quickly: per document, and for an archive's
// documents together.
func TestXMLBudgets(t *testing.T) {
	defer func(n int) { maxXMLNodes = n }(maxXMLNodes)
	maxXMLNodes = 1000
	doc := func(n int) string { return "<r>" + strings.Repeat("<a/>", n) + "</r>" }
	if _, err := ParseXML([]byte(doc(999))); err != nil {
		t.Errorf("1,000 nodes: %v", err)
	}
	if _, err := ParseXML([]byte(doc(1000))); err == nil || !strings.Contains(err.Error(), "more elements, attributes and texts than bpfc reads") {
		t.Errorf("1,001 nodes: %v", err)
	}
	attrs := func(n int) string {
		var b strings.Builder
		b.WriteString("<a")
		for i := range n {
			b.WriteString(" x" + strconv.Itoa(i) + `="1"`)
		}
		return b.String() + "/>"
	}
	maxXMLNodes = 1 << 20
	if _, err := ParseXML([]byte(attrs(maxXMLAttrs))); err != nil {
		t.Errorf("%d attributes: %v", maxXMLAttrs, err)
	}
	if _, err := ParseXML([]byte(attrs(maxXMLAttrs + 1))); err == nil || !strings.Contains(err.Error(), "more than 1000") {
		t.Errorf("%d attributes: %v", maxXMLAttrs+1, err)
	}

	// Each workflow is under the document's limit; together they pass
	// the archive's (nodesPerByte per byte of a small archive).
	maxXMLNodes = 1000
	entries := solutionEntries()
	for i := range 8 {
		entries = append(entries, zipEntry{name: "Workflows/w" + strconv.Itoa(i) + ".xaml", data: doc(900)})
	}
	b := makeZip(t, entries...)
	a, err := ReadArchive(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if 8*901 <= nodesPerByte*len(b) {
		t.Fatalf("the archive (%d bytes) is too large for the test", len(b))
	}
	var last error
	for i := range 8 {
		if _, last = a.XML("Workflows/w" + strconv.Itoa(i) + ".xaml"); last != nil {
			break
		}
	}
	if last == nil || !strings.Contains(last.Error(), "more elements, attributes and texts") {
		t.Errorf("the archive's documents together: %v", last)
	}
}

// TestReadOwnArchive: what WriteArchive writes, ReadArchive reads.
func TestReadOwnArchive(t *testing.T) {
	res, _ := buildOutput(t)
	a, err := ReadArchiveFile(res.Managed)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := a.XML("solution.xml")
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.FindElement("//Managed").Text(); got != "1" {
		t.Errorf("Managed = %q", got)
	}
}
