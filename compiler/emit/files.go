package emit

import (
	"iter"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// File is one file of the unpacked solution tree (SolutionPackager layout),
// by its slash-separated path under the tree's root.
type File struct {
	Path string
	Doc  *etree.Document
}

// Files returns every file this package owns, sorted by path:
//
//	Workflows/<FileName>.xaml and .xaml.data.xml   per flow and per workflow
//	Entities/<instance table>/Entity.xml           per flow (FormXml empty, as unpacked)
//	Entities/<instance table>/FormXml/main/{<form id>}.xml
//	Entities/<instance table>/Formulas/<instance table>-bpf_duration.xaml
//	Entities/<schema name>/Entity.xml              per custom or extended table
//	Other/Relationships/<referenced table>.xml     the relationships behind lookups (Relationships)
//	Other/Relationships.xml                        their names
//
// Documents carry no XML declaration and no indentation; the solution
// package adds BOMs, declarations, indentation and line endings as Dataverse
// writes them.
func Files(p *compiler.Project) []File {
	return slices.SortedFunc(EachFile(p), func(a, b File) int { return strings.Compare(a.Path, b.Path) })
}

// EachFile yields the files Files returns, in no particular order, each
// document built as it is yielded: a caller that serialises each one and
// lets it go holds one flow's XAML tree at a time, not every flow's (the
// XAML of a long condition is tens of megabytes of tree).
func EachFile(p *compiler.Project) iter.Seq[File] {
	return func(yield func(File) bool) {
		for _, f := range p.Flows {
			base := "Workflows/" + FileName(f.DisplayName, p.FlowID(f))
			if !yield(File{base + ".xaml", FlowXAML(p, f)}) || !yield(File{base + ".xaml.data.xml", FlowData(p, f)}) {
				return
			}
			dir := "Entities/" + f.InstanceTable + "/"
			entity := InstanceEntity(p, f)
			form := etree.NewDocument()
			forms := el(&form.Element, "forms", "xmlns:xsi", nsXSI)
			if fx := entity.SelectElement("FormXml"); fx != nil {
				for _, sf := range fx.FindElements("forms/systemform") {
					forms.AddChild(sf)
				}
				for _, c := range fx.ChildElements() {
					fx.RemoveChild(c)
				}
			}
			if !yield(File{dir + "Entity.xml", entityDoc(entity)}) ||
				!yield(File{dir + "FormXml/main/{" + FormID(p, f) + "}.xml", finish(form)}) ||
				!yield(File{dir + "Formulas/" + f.InstanceTable + "-bpf_duration.xaml", DurationFormula(p, f)}) {
				return
			}
		}
		for _, w := range p.Workflows {
			base := "Workflows/" + FileName(displayName(w), p.WorkflowID(w))
			if !yield(File{base + ".xaml", WorkflowXAML(p, w)}) || !yield(File{base + ".xaml.data.xml", WorkflowData(p, w)}) {
				return
			}
		}
		for _, t := range p.Tables {
			if ships(t) && !yield(File{"Entities/" + TableSchemaName(t.Name) + "/Entity.xml", entityDoc(CustomEntity(p, t))}) {
				return
			}
		}
		for _, f := range relationshipFiles(p) {
			if !yield(f) {
				return
			}
		}
	}
}

// ships reports whether the solution carries a table: custom tables, and
// standard tables the project adds columns to; never external ones.
func ships(t *compiler.Table) bool {
	if t.External {
		return false
	}
	if t.Custom {
		return true
	}
	if !t.Extended {
		return false
	}
	for _, c := range t.Columns {
		if !c.Standard {
			return true
		}
	}
	return false
}

// entityDoc wraps an <Entity> as the root of an unpacked Entity.xml.
func entityDoc(e *etree.Element) *etree.Document {
	doc := etree.NewDocument()
	e.Attr = append([]etree.Attr{{Space: "xmlns", Key: "xsi", Value: nsXSI}}, e.Attr...)
	doc.SetRoot(e)
	return finish(doc)
}
