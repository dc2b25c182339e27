package unpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// Hostile archives, built in memory: each is refused with an error naming
// the entry (or, for expressions smuggled into the bpfc extension, reduced
// to a warning), and nothing is written anywhere.

type entry struct {
	name string
	data []byte
	mode fs.FileMode // 0: a plain file
	// raw entries are written with a header of their own: declared sizes
	// that lie, flags.
	raw             bool
	declaredSize    uint64 // raw: the uncompressed size the header claims
	flags           uint16
	keepDeclaredCRC bool
}

func zipOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.raw {
			var comp bytes.Buffer
			fw, _ := flate.NewWriter(&comp, flate.BestCompression)
			fw.Write(e.data)
			fw.Close()
			fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags, CRC32: crc32.ChecksumIEEE(e.data),
				CompressedSize64: uint64(comp.Len()), UncompressedSize64: e.declaredSize}
			w, err := zw.CreateRaw(fh)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(comp.Bytes())
			continue
		}
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			fh.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	okSolution = `<ImportExportXml><SolutionManifest><UniqueName>Hostile</UniqueName><Version>1.0.0.0</Version><Managed>0</Managed>` +
		`<Publisher><UniqueName>pub</UniqueName><CustomizationPrefix>hst</CustomizationPrefix><CustomizationOptionValuePrefix>10000</CustomizationOptionValuePrefix></Publisher>` +
		`</SolutionManifest></ImportExportXml>`
	okCustomizations = `<ImportExportXml><Entities /><Roles /><Workflows /></ImportExportXml>`
	flowRecord       = `<ImportExportXml><Entities /><Workflows><Workflow WorkflowId="{d7fb594c-0000-4000-8000-000000000001}" Name="F">` +
		`<XamlFileName>/Workflows/F.xaml</XamlFileName><Category>4</Category><PrimaryEntity>lead</PrimaryEntity></Workflow></Workflows></ImportExportXml>`
)

func solutionWith(extra ...entry) []entry {
	return append([]entry{{name: "customizations.xml", data: []byte(okCustomizations)}, {name: "solution.xml", data: []byte(okSolution)}}, extra...)
}

func flowWith(xaml []byte) []entry {
	return []entry{{name: "customizations.xml", data: []byte(flowRecord)}, {name: "solution.xml", data: []byte(okSolution)},
		{name: "Workflows/F.xaml", data: xaml}}
}

func TestHostileArchives(t *testing.T) {
	zeros := bytes.Repeat([]byte{0}, 4<<20)
	small := bytes.Repeat([]byte{0}, 900<<10)
	deep := strings.Repeat("<a>", 600) + strings.Repeat("</a>", 600)
	for _, tc := range []struct {
		name    string
		entries []entry
		want    []string // substrings of the error
	}{
		{"zip slip", solutionWith(entry{name: "../evil.xml", data: []byte("x")}), []string{"../evil.xml", "escapes"}},
		{"zip slip inside", solutionWith(entry{name: "Workflows/../../evil.xml", data: []byte("x")}), []string{"Workflows/../../evil.xml", "not clean"}},
		{"absolute path", solutionWith(entry{name: "/etc/passwd", data: []byte("x")}), []string{"/etc/passwd", "absolute"}},
		{"drive letter", solutionWith(entry{name: "C:/Windows/evil.xml", data: []byte("x")}), []string{"C:/Windows/evil.xml", "absolute"}},
		{"backslash", solutionWith(entry{name: `..\..\evil.xml`, data: []byte("x")}), []string{`evil.xml`, "backslash"}},
		{"symlink", solutionWith(entry{name: "Workflows/link.xaml", data: []byte("/etc/passwd"), mode: fs.ModeSymlink | 0o777}), []string{"Workflows/link.xaml", "symbolic link"}},
		{"duplicate", solutionWith(entry{name: "Workflows/a.xaml", data: []byte("<a/>")}, entry{name: "Workflows/a.xaml", data: []byte("<b/>")}), []string{"Workflows/a.xaml", "in the archive twice"}},
		{"duplicate by case", solutionWith(entry{name: "SOLUTION.XML", data: []byte(okSolution)}), []string{"SOLUTION.XML", "duplicate"}},
		{"bomb", solutionWith(entry{name: "Workflows/bomb.xaml", data: zeros}), []string{"Workflows/bomb.xaml", "compression ratio"}},
		{"bomb in parts", solutionWith(entry{name: "a.bin", data: small}, entry{name: "b.bin", data: small}, entry{name: "c.bin", data: small}), []string{".bin", "compression ratio"}},
		{"size larger than the header says", solutionWith(entry{name: "Workflows/lie.xaml", data: []byte("<Activity>0123456789</Activity>"), raw: true, declaredSize: 10}), []string{"Workflows/lie.xaml"}},
		{"size smaller than the header says", solutionWith(entry{name: "Workflows/lie.xaml", data: []byte("<Activity/>"), raw: true, declaredSize: 1000}), []string{"Workflows/lie.xaml"}},
		{"entry over the size limit", solutionWith(entry{name: "Workflows/huge.xaml", data: []byte("<a/>"), raw: true, declaredSize: 300 << 20}), []string{"Workflows/huge.xaml", "more than"}},
		{"archive over the size limit", solutionWith(
			entry{name: "a.bin", data: []byte("x"), raw: true, declaredSize: 250 << 20}, entry{name: "b.bin", data: []byte("x"), raw: true, declaredSize: 250 << 20},
			entry{name: "c.bin", data: []byte("x"), raw: true, declaredSize: 250 << 20}, entry{name: "d.bin", data: []byte("x"), raw: true, declaredSize: 250 << 20},
			entry{name: "e.bin", data: []byte("x"), raw: true, declaredSize: 250 << 20}), []string{"a.bin"}},
		{"encrypted", solutionWith(entry{name: "Workflows/secret.xaml", data: []byte("<a/>"), raw: true, declaredSize: 4, flags: 0x1}), []string{"Workflows/secret.xaml", "encrypted"}},
		{"name not UTF-8", solutionWith(entry{name: "Workflows/\xff.xaml", data: []byte("<a/>")}), []string{"not UTF-8"}},
		{"DTD in the manifest", []entry{{name: "customizations.xml", data: []byte(okCustomizations)},
			{name: "solution.xml", data: []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ImportExportXml>&a;</ImportExportXml>`)}}, []string{"solution.xml", "DTD"}},
		{"billion laughs in a flow", flowWith([]byte(`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><Activity>&lol2;</Activity>`)), []string{"Workflows/F.xaml", "DTD"}},
		{"external entity", flowWith([]byte(`<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Activity>&xxe;</Activity>`)), []string{"Workflows/F.xaml", "DTD"}},
		{"undeclared entity", flowWith([]byte(`<Activity>&xxe;</Activity>`)), []string{"Workflows/F.xaml"}},
		{"Latin-1 in the manifest", []entry{{name: "customizations.xml", data: []byte(okCustomizations)},
			{name: "solution.xml", data: []byte("<ImportExportXml><SolutionManifest><UniqueName>Caf\xe9</UniqueName></SolutionManifest></ImportExportXml>")}}, []string{"solution.xml", "not UTF-8"}},
		{"Latin-1 in a flow", flowWith([]byte("<Activity DisplayName=\"Caf\xe9\"/>")), []string{"Workflows/F.xaml", "not UTF-8"}},
		{"UTF-16 flow", flowWith([]byte("\xff\xfe<\x00A\x00/\x00>\x00")), []string{"Workflows/F.xaml", "UTF-16"}},
		{"other declared encoding", flowWith([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><Activity/>`)), []string{"Workflows/F.xaml", "UTF-8 only"}},
		{"nesting", flowWith([]byte(deep)), []string{"Workflows/F.xaml", "nested deeper"}},
		{"missing manifest", []entry{{name: "customizations.xml", data: []byte(okCustomizations)}}, []string{"no solution.xml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := zipOf(t, tc.entries...)
			_, _, err := ReadArchive(bytes.NewReader(b), int64(len(b)))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if n := strings.Count(err.Error(), tc.want[0]); n > 1 {
				t.Errorf("error %q names %q %d times", err, tc.want[0], n)
			}
		})
	}
}

func TestHostileNotAZip(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("PK\x03\x04 nonsense"), []byte("<ImportExportXml/>")} {
		if _, _, err := ReadArchive(bytes.NewReader(b), int64(len(b))); err == nil {
			t.Errorf("%q accepted", b)
		}
	}
}

func TestHostileTooManyEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20001 entries")
	}
	entries := solutionWith()
	for i := range 20000 {
		entries = append(entries, entry{name: "f/" + strconv.Itoa(i)})
	}
	b := zipOf(t, entries...)
	_, _, err := ReadArchive(bytes.NewReader(b), int64(len(b)))
	if err == nil || !strings.Contains(err.Error(), "entries") {
		t.Errorf("got %v, want a refusal for too many entries", err)
	}
}

// TestHostileNames: labels from an archive never become paths or HCL
// outside their strings.
func TestHostileNames(t *testing.T) {
	files := corpusTree(t, rulesDir)
	data := "Workflows/PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400.xaml.data.xml"
	evil := `../../../evil" { } flow "x`
	files[data] = bytes.ReplaceAll(files[data], []byte(`"Package Review Process"`), []byte(`"`+strings.ReplaceAll(evil, `"`, "&quot;")+`"`))
	xaml := "Workflows/PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400.xaml"
	files[xaml] = bytes.ReplaceAll(files[xaml], []byte(`Description="Submission"`), []byte(`Description="${file(&quot;/etc/passwd&quot;)} %{if true}x%{endif}&#10;}"`))
	root := t.TempDir()
	p, warns := mustRead(t, writeTree(t, files))
	out := filepath.Join(root, "project")
	written, err := WriteHCL(p, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range written {
		if strings.Contains(f, "..") || filepath.IsAbs(f) {
			t.Errorf("wrote %s", f)
		}
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("files beside the project: %v", entries)
	}
	q := loadProject(t, out)
	if len(q.Flows) != 1 || q.Flows[0].DisplayName != evil {
		t.Fatalf("flows %v", q.Flows)
	}
	// The line break is not kept: a display name is one line (the
	// compiler refuses one that is not), so unpack writes it as a space
	// and says so.
	if got := q.Flows[0].Stages[0].DisplayName; got != "${file(\"/etc/passwd\")} %{if true}x%{endif} }" {
		t.Errorf("stage label %q", got)
	}
	found := false
	for _, w := range warns {
		found = found || strings.Contains(w.Message, "line breaks or other control characters")
	}
	if !found {
		t.Errorf("no warning for the label written on one line: %v", warns)
	}
}

// TestHostileExtensionExpressions: text in bpfc:Condition is parsed as a
// condition and written again from its tree, so it cannot add HCL.
func TestHostileExtensionExpressions(t *testing.T) {
	orig := loadProject(t, filepath.Join(repoRoot(t), "examples", "sales"))
	res := buildProject(t, orig)
	raw, err := os.ReadFile(res.Unmanaged)
	if err != nil {
		t.Fatal(err)
	}
	a, err := solution.ReadArchive(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, cond string
		when       string // the branch's condition after unpack
		warning    string
	}{
		{"closing the block", `self.estimatedvalue &gt; 1 }&#10;flow &quot;evil&quot; {&#10;primary_table = &quot;lead&quot;`, "false", "does not parse"},
		{"template", `self.name == &quot;${file(&quot;/etc/passwd&quot;)}&quot;`, "false", "does not parse"},
		{"function", `file(&quot;/etc/passwd&quot;)`, "false", "function file"},
		{"escaped braces stay text", `self.name == &quot;$${x}&quot;`, `self.name == "$${x}"`, ""}, // the text "${x}", as HCL writes it
	} {
		t.Run(tc.name, func(t *testing.T) {
			var entries []entry
			for _, n := range a.Names() {
				b := a.File(n)
				if strings.HasPrefix(n, "Workflows/StrategicDealProcess") {
					b = bytes.Replace(b, []byte(`bpfc:Condition="self.estimatedvalue &gt; var.approval_threshold"`), []byte(`bpfc:Condition="`+tc.cond+`"`), 1)
				}
				entries = append(entries, entry{name: n, data: b})
			}
			z := zipOf(t, entries...)
			p, warns, err := ReadArchive(bytes.NewReader(z), int64(len(z)))
			if err != nil {
				t.Fatal(err)
			}
			if f := p.Flow("evil"); f != nil {
				t.Fatal("an injected flow was read")
			}
			s := p.Flow("strategic_deal").Stage("develop")
			if got := compiler.FormatExpr(s.Branches[0].When); got != tc.when {
				t.Errorf("when = %s, want %s", got, tc.when)
			}
			if tc.warning != "" {
				found := false
				for _, w := range warns {
					found = found || strings.Contains(w.Message, tc.warning)
				}
				if !found {
					t.Errorf("no warning mentions %q: %v", tc.warning, warns)
				}
			}
			writeAndLoad(t, p)
		})
	}
}

// TestClassicWorkflowNotExpressed: a classic workflow in a form bpfc does not
// write is reported and left out, with the action step that runs it.
func TestClassicWorkflowNotExpressed(t *testing.T) {
	orig := loadProject(t, filepath.Join(repoRoot(t), "examples", "sales"))
	res := buildProject(t, orig)
	raw, err := os.ReadFile(res.Unmanaged)
	if err != nil {
		t.Fatal(err)
	}
	a, err := solution.ReadArchive(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var entries []entry
	for _, n := range a.Names() {
		b := a.File(n)
		if strings.HasPrefix(n, "Workflows/Verifylead") {
			b = bytes.Replace(b, []byte("<mxswa:Workflow>"), []byte(`<mxswa:Workflow><mxswa:ActivityReference AssemblyQualifiedName="Microsoft.Crm.Workflow.Activities.StepComposite, Microsoft.Crm.Workflow" DisplayName="StepStep1: Designer step" />`), 1)
		}
		entries = append(entries, entry{name: n, data: b})
	}
	z := zipOf(t, entries...)
	p, warns, err := ReadArchive(bytes.NewReader(z), int64(len(z)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Workflow("verify_lead") != nil {
		t.Error("the workflow was read")
	}
	for _, s := range p.Flow("strategic_deal").Stage("qualify").Steps {
		if s.Action {
			t.Error("the action step that runs it was kept")
		}
	}
	var all []string
	for _, w := range warns {
		all = append(all, w.String())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{`workflow "Verify lead" (Workflows/Verifylead-BFFF66B1-C814-5AC1-A8F3-C57CE3653ADF.xaml): classic workflow not expressed`,
		`action step "Verify Lead" of stage "Qualify" runs process bfff66b1-c814-5ac1-a8f3-c57ce3653adf`} {
		if !strings.Contains(text, want) {
			t.Errorf("no warning %q in:\n%s", want, text)
		}
	}
	writeAndLoad(t, p)
}
