package unpack

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// Every variant formats.md lists reads to the same project: BOM or not,
// CRLF or LF, XML declaration or not, system controls (Parameters as an
// attribute, DataFieldName as a property element, uppercase ClassIds,
// ControlId other than DataFieldName), RootComponents in string or numeric
// order, attribute-per-line formatting.

const (
	bomText  = "\uFEFF"
	declText = `<?xml version="1.0" encoding="utf-8"?>`
)

// corpusTree reads an unpacked tree of the corpus (archives in it left aside).
func corpusTree(t *testing.T, rel string) map[string][]byte {
	t.Helper()
	root := conformanceFile(t, rel)
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".zip") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(r)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func writeTree(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for rel, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func isXAML(rel string) bool {
	return strings.HasPrefix(rel, "Workflows/") && strings.HasSuffix(rel, ".xaml")
}

var attrRe = regexp.MustCompile(`"\s+([A-Za-z_][\w:.]*=")`)

func TestReadVariants(t *testing.T) {
	for _, dir := range []string{rulesDir, coeDir, prDir} {
		t.Run(filepath.Base(dir), func(t *testing.T) { testVariants(t, corpusTree(t, dir)) })
	}
}

func testVariants(t *testing.T, base map[string][]byte) {
	p0, _ := mustRead(t, writeTree(t, base))
	want := p0.Digest()

	each := func(f func(rel string, b []byte) []byte) map[string][]byte {
		out := map[string][]byte{}
		for rel, b := range base {
			out[rel] = f(rel, bytes.Clone(b))
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		files map[string][]byte
	}{
		{"LF everywhere", each(func(_ string, b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) })},
		{"CRLF everywhere", each(func(_ string, b []byte) []byte {
			return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		})},
		{"no BOM", each(func(_ string, b []byte) []byte { return bytes.TrimPrefix(b, []byte(bomText)) })},
		{"BOM everywhere", each(func(_ string, b []byte) []byte {
			return append([]byte(bomText), bytes.TrimPrefix(b, []byte(bomText))...)
		})},
		{"no declaration", each(func(_ string, b []byte) []byte {
			b = bytes.TrimPrefix(b, []byte(bomText))
			b = bytes.Replace(b, []byte(declText), nil, 1)
			return bytes.TrimLeft(b, "\r\n")
		})},
		{"declaration everywhere", each(func(rel string, b []byte) []byte {
			if bytes.Contains(b, []byte("<?xml")) {
				return b
			}
			return append([]byte(declText+"\r\n"), b...)
		})},
		{"attribute per line", each(func(rel string, b []byte) []byte {
			return attrRe.ReplaceAll(b, []byte("\"\n        $1"))
		})},
		{"system controls", each(func(rel string, b []byte) []byte {
			if !isXAML(rel) {
				return b
			}
			return systemControls(t, b)
		})},
		{"root components by string", each(func(rel string, b []byte) []byte {
			if rel != "Other/Solution.xml" {
				return b
			}
			return reorderRootComponents(t, b, true)
		})},
		{"root components by number", each(func(rel string, b []byte) []byte {
			if rel != "Other/Solution.xml" {
				return b
			}
			return reorderRootComponents(t, b, false)
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := mustRead(t, writeTree(t, tc.files))
			if p.Digest() != want {
				t.Errorf("digest %s, want %s:\n%s", p.Digest(), want, modelDiff(t, p0, p))
			}
		})
	}
}

// systemControls rewrites every step control in the system-control form:
// uppercase braced ClassId, ControlId unlike the column, the column in a
// DataFieldName property element, Parameters as an attribute.
func systemControls(t *testing.T, b []byte) []byte {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(bytes.TrimPrefix(b, []byte(bomText))); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range doc.FindElements("//mcwb:Control") {
		col := c.SelectAttrValue("DataFieldName", "")
		if col == "" {
			continue
		}
		n++
		c.CreateAttr("ClassId", "{"+strings.ToUpper(c.SelectAttrValue("ClassId", ""))+"}")
		c.CreateAttr("ControlId", "header_process_"+col)
		c.CreateAttr("IsSystemControl", "True")
		c.CreateAttr("Parameters", "")
		c.RemoveAttr("DataFieldName")
		for _, p := range c.SelectElements("mcwb:Control.Parameters") {
			c.RemoveChild(p)
		}
		dfn := c.CreateElement("mcwb:Control.DataFieldName")
		arg := dfn.CreateElement("InArgument")
		arg.CreateAttr("x:TypeArguments", "x:String")
		lit := arg.CreateElement("Literal")
		lit.CreateAttr("x:TypeArguments", "x:String")
		lit.CreateAttr("Value", col)
	}
	if n == 0 {
		t.Fatal("no controls rewritten")
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// reorderRootComponents sorts RootComponents by type as strings or as numbers.
func reorderRootComponents(t *testing.T, b []byte, asString bool) []byte {
	t.Helper()
	lines := strings.Split(string(b), "\n")
	var idx []int
	for i, l := range lines {
		if strings.Contains(l, "<RootComponent ") {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		t.Fatal("no root components")
	}
	typ := regexp.MustCompile(`type="(\d+)"`)
	key := func(l string) string {
		m := typ.FindStringSubmatch(l)[1]
		if asString {
			return m
		}
		return strings.Repeat("0", 6-len(m)) + m
	}
	comps := make([]string, len(idx))
	for i, j := range idx {
		comps[i] = lines[j]
	}
	for i := range comps {
		for j := i + 1; j < len(comps); j++ {
			if key(comps[j]) < key(comps[i]) {
				comps[i], comps[j] = comps[j], comps[i]
			}
		}
	}
	for i, j := range idx {
		lines[j] = comps[i]
	}
	return []byte(strings.Join(lines, "\n"))
}
