package solution

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
)

// EmittedFile is one file the emitters produce for the unpacked tree
// (emit.File): Workflows/*.xaml and *.xaml.data.xml,
// Entities/<table>/Entity.xml, forms and formulas. A file has a document,
// or, for XAML, which is only ever written out as it is, the bytes of its
// document already serialised (Data).
type EmittedFile struct {
	Path string
	Doc  *etree.Document
	Data []byte
}

// Emitted is everything the emitters produce for a project.
type Emitted struct {
	Files  []EmittedFile
	Schema any // the runtime schema, written as schema.json
}

// emitProject runs the emitters: emit.EachFile and emit.Schema. XAML is
// serialised as each document is emitted, and the document let go: a
// flow's XAML tree is many times its bytes (some 8 KB per clause of a
// long condition against 4 KB written), and the tree and the archives
// need only the bytes. (Tests build from hand-made file lists by calling
// build directly.)
func emitProject(p *compiler.Project) (*Emitted, error) {
	em := &Emitted{Schema: emit.Schema(p)}
	for f := range emit.EachFile(p) {
		if !isXAML(f.Path) {
			em.Files = append(em.Files, EmittedFile{Path: f.Path, Doc: f.Doc})
			continue
		}
		b, err := marshalXML(f.Doc, treeFraming(f.Path))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		em.Files = append(em.Files, EmittedFile{Path: f.Path, Data: b})
	}
	return em, nil
}

// isXAML reports whether p is a XAML file: written to the tree and the
// archive as serialised, never merged or read back by a build.
func isXAML(p string) bool { return strings.HasSuffix(strings.ToLower(p), ".xaml") }
