package emit

import (
	"sort"

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
	var out []File
	for _, f := range p.Flows {
		base := "Workflows/" + FileName(f.DisplayName, p.FlowID(f))
		out = append(out, File{base + ".xaml", FlowXAML(p, f)}, File{base + ".xaml.data.xml", FlowData(p, f)})
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
		out = append(out,
			File{dir + "Entity.xml", entityDoc(entity)},
			File{dir + "FormXml/main/{" + FormID(p, f) + "}.xml", finish(form)},
			File{dir + "Formulas/" + f.InstanceTable + "-bpf_duration.xaml", DurationFormula(p, f)})
	}
	for _, w := range p.Workflows {
		base := "Workflows/" + FileName(displayName(w), p.WorkflowID(w))
		out = append(out, File{base + ".xaml", WorkflowXAML(p, w)}, File{base + ".xaml.data.xml", WorkflowData(p, w)})
	}
	for _, t := range p.Tables {
		if ships(t) {
			out = append(out, File{"Entities/" + TableSchemaName(t.Name) + "/Entity.xml", entityDoc(CustomEntity(p, t))})
		}
	}
	out = append(out, relationshipFiles(p)...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
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
