package solution

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// Tree is an unpacked solution: the files of SolutionPackager's layout
// (Other/Solution.xml, Other/Customizations.xml, Entities/<table>/Entity.xml,
// Workflows/*.xaml and *.xaml.data.xml, Roles/*.xml,
// environmentvariabledefinitions/...) by relative slash-separated path.
// A file is either a parsed XML document, serialised canonically on output,
// or verbatim bytes (files read from disk, JSON, binaries).
//
// On disk (Bytes, WriteDir) documents are written as SolutionPackager writes
// them on Windows: CRLF line endings everywhere (so a XAML file of the tree
// and its archive entry are byte-identical, as in Dataverse's own exports),
// a two-space indent, no final newline, and a UTF-8 BOM plus XML declaration
// on every XML file except XAML and environment variable definitions.
type Tree struct {
	files map[string]*treeFile
	lower map[string]string // lowercased path -> path, to refuse case clashes
}

type treeFile struct {
	doc      *etree.Document
	data     []byte
	rendered map[framing][]byte // serialisations of doc: documents do not change once added
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{files: map[string]*treeFile{}, lower: map[string]string{}} }

// AddXML adds a document at path. Paths are relative, slash-separated and
// unique; anything else is an error.
func (t *Tree) AddXML(p string, doc *etree.Document) error {
	if doc == nil || doc.Root() == nil {
		return fmt.Errorf("%s: empty XML document", p)
	}
	return t.add(p, &treeFile{doc: doc})
}

// AddBytes adds a file with verbatim content at path.
func (t *Tree) AddBytes(p string, data []byte) error {
	return t.add(p, &treeFile{data: data})
}

func (t *Tree) add(p string, f *treeFile) error {
	if err := checkRelPath(p); err != nil {
		return err
	}
	if _, dup := t.files[p]; dup {
		return fmt.Errorf("%s: duplicate file in solution tree", p)
	}
	if q, ok := t.lower[strings.ToLower(p)]; ok {
		return fmt.Errorf("%s: clashes with %s (paths differ only in case)", p, q)
	}
	t.files[p] = f
	t.lower[strings.ToLower(p)] = p
	return nil
}

// Paths lists the tree's files in byte order.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.files))
	for p := range t.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Has reports whether the tree holds path.
func (t *Tree) Has(p string) bool { _, ok := t.files[p]; return ok }

// XML returns the document at path, parsing verbatim bytes on demand (with
// the same refusals as ReadArchive: no DTDs, UTF-8 only). The document is
// the tree's own: copy it before changing it.
func (t *Tree) XML(p string) (*etree.Document, error) {
	f, ok := t.files[p]
	if !ok {
		return nil, fmt.Errorf("%s: not in the solution tree", p)
	}
	if f.doc == nil {
		budget := maxXMLNodes
		doc, err := parseXML(f.data, &budget)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		f.doc = doc
	}
	return f.doc, nil
}

// Bytes returns the file as it is written to disk: documents are serialised
// with CRLF line endings and a two-space indent, with a UTF-8 BOM and XML
// declaration where SolutionPackager writes them (see treeFraming); verbatim
// files are returned unchanged.
func (t *Tree) Bytes(p string) ([]byte, error) {
	f, ok := t.files[p]
	if !ok {
		return nil, fmt.Errorf("%s: not in the solution tree", p)
	}
	if f.data != nil || f.doc == nil {
		return f.data, nil
	}
	return f.render(p, treeFraming(p))
}

// render serialises the file's document with the given framing, once.
func (f *treeFile) render(p string, fr framing) ([]byte, error) {
	if b, ok := f.rendered[fr]; ok {
		return b, nil
	}
	b, err := marshalXML(f.doc, fr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if f.rendered == nil {
		f.rendered = map[framing][]byte{}
	}
	f.rendered[fr] = b
	return b, nil
}

// treeFraming is how SolutionPackager frames a file of the unpacked tree:
// XAML and environment variable definitions have neither BOM nor
// declaration, every other XML file has both.
func treeFraming(p string) framing {
	lp := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lp, ".xaml"):
		return bare
	case strings.HasPrefix(lp, "environmentvariabledefinitions/"):
		return bare
	case strings.HasSuffix(lp, ".xml"):
		return declared
	}
	return bare
}

// WriteDir writes every file of the tree under dir, creating directories
// (0755) and files (0644). It does not remove anything already there.
func (t *Tree) WriteDir(dir string) error {
	for _, p := range t.Paths() {
		b, err := t.Bytes(p)
		if err != nil {
			return err
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ReadTree reads an unpacked solution from dir (ours or SolutionPackager's)
// as verbatim files. Hidden files and directories (names starting with ".")
// are skipped; symbolic links and other non-regular files are refused, as
// are trees over the archive limits.
func ReadTree(dir string) (*Tree, error) {
	t := NewTree()
	var total int64
	err := filepath.WalkDir(dir, func(full string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if full == dir {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, full)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (symbolic links are not followed)", rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if len(t.files) >= maxEntries {
			return fmt.Errorf("more than %d files", maxEntries)
		}
		if total += info.Size(); total > maxTotalSize {
			return fmt.Errorf("more than %d bytes in all", maxTotalSize)
		}
		data, err := os.ReadFile(full)
		if err != nil {
			return err
		}
		return t.AddBytes(rel, data)
	})
	if err != nil {
		return nil, fmt.Errorf("reading solution tree %s: %w", dir, err)
	}
	return t, nil
}

// checkRelPath accepts only clean, relative, slash-separated paths.
func checkRelPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty path")
	case strings.ContainsAny(p, "\\\x00"):
		return fmt.Errorf("%q: backslash or NUL in path", p)
	case strings.HasPrefix(p, "/"), len(p) >= 2 && p[1] == ':':
		return fmt.Errorf("%q: absolute path", p)
	case path.Clean(p) != p:
		return fmt.Errorf("%q: path is not clean", p)
	case p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("%q: path escapes the solution root", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%q: control character in path", p)
		}
	}
	return nil
}

// parseXML parses one XML file the way every reader here does: a leading
// BOM is dropped; DTDs (and so entity declarations) are refused; encodings
// other than UTF-8 are refused; nesting is bounded. It keeps what a
// faithful round trip needs and etree's own reader loses: an element written
// with an end tag (`<a></a>`) gets an empty text token, so that it is written
// back the same way, and CDATA sections stay CDATA. Comments are kept;
// processing instructions (the declaration) are dropped.
func parseXML(data []byte, budget *int) (*etree.Document, error) {
	// spend counts a node against the budget: a document of tiny elements
	// (a few bytes each, compressed 200:1) would otherwise take some 60
	// bytes of memory per byte of XML, gigabytes from an archive of one.
	spend := func(n int) error {
		if *budget -= n; *budget < 0 {
			return fmt.Errorf("more elements, attributes and texts than bpfc reads (%d in a document, %d per byte of an archive in its documents together); a solution's XML holds far fewer", maxXMLNodes, nodesPerByte)
		}
		return nil
	}
	data = bytes.TrimPrefix(data, []byte(bom))
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(charset string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("encoding %q is not supported (UTF-8 only)", charset)
	}
	doc := etree.NewDocument()
	type open struct {
		e   *etree.Element
		end int64 // input offset just after the start tag
	}
	var stack []open
	for {
		start := dec.InputOffset()
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("elements nested deeper than %d", maxXMLDepth)
			}
			if len(stack) == 0 && doc.Root() != nil {
				return nil, fmt.Errorf("more than one root element")
			}
			e := etree.NewElement(qname(t.Name))
			if len(t.Attr) > maxXMLAttrs {
				return nil, fmt.Errorf("<%s>: %d attributes, more than %d", e.FullTag(), len(t.Attr), maxXMLAttrs)
			}
			if err := spend(1 + len(t.Attr)); err != nil {
				return nil, err
			}
			// A set, not SelectAttr per attribute: that is quadratic.
			seen := make(map[string]bool, len(t.Attr))
			for _, a := range t.Attr {
				n := qname(a.Name)
				if seen[n] {
					return nil, fmt.Errorf("<%s>: duplicate attribute %s", e.FullTag(), n)
				}
				seen[n] = true
				e.CreateAttr(n, a.Value)
			}
			if len(stack) == 0 {
				doc.SetRoot(e)
			} else {
				stack[len(stack)-1].e.AddChild(e)
			}
			stack = append(stack, open{e, dec.InputOffset()})
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, fmt.Errorf("unexpected end tag </%s>", qname(t.Name))
			}
			top := stack[len(stack)-1]
			if qname(t.Name) != top.e.FullTag() {
				return nil, fmt.Errorf("end tag </%s> does not match <%s>", qname(t.Name), top.e.FullTag())
			}
			if len(top.e.Child) == 0 && dec.InputOffset() != top.end {
				top.e.AddChild(etree.NewText("")) // written as <a></a>
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("text outside the root element")
				}
				continue
			}
			if err := spend(1); err != nil {
				return nil, err
			}
			var cd *etree.CharData
			if bytes.HasPrefix(data[start:], []byte("<![CDATA[")) {
				cd = etree.NewCData(string(t))
			} else {
				cd = etree.NewText(string(t))
			}
			stack[len(stack)-1].e.AddChild(cd)
		case xml.Comment:
			if err := spend(1); err != nil {
				return nil, err
			}
			if len(stack) > 0 {
				stack[len(stack)-1].e.AddChild(etree.NewComment(string(t)))
			}
		case xml.Directive:
			return nil, fmt.Errorf("DTDs and other directives are not allowed")
		case xml.ProcInst:
			// the declaration; writers add their own
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("unexpected end of file inside <%s>", stack[len(stack)-1].e.FullTag())
	}
	if doc.Root() == nil {
		return nil, fmt.Errorf("no root element")
	}
	return doc, nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}
