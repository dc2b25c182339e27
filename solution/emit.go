package solution

import (
	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
)

// EmittedFile is one file the emitters produce for the unpacked tree
// (emit.File): Workflows/*.xaml and *.xaml.data.xml,
// Entities/<table>/Entity.xml, forms and formulas.
type EmittedFile struct {
	Path string
	Doc  *etree.Document
}

// Emitted is everything the emitters produce for a project.
type Emitted struct {
	Files  []EmittedFile
	Schema any // the runtime schema, written as schema.json
}

// emitProject runs the emitters: emit.Files and emit.Schema. (Tests build
// from hand-made file lists by calling build directly.)
func emitProject(p *compiler.Project) (*Emitted, error) {
	em := &Emitted{Schema: emit.Schema(p)}
	for _, f := range emit.Files(p) {
		em.Files = append(em.Files, EmittedFile{Path: f.Path, Doc: f.Doc})
	}
	return em, nil
}
