package solution

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Paths of the manifest and the customizations in the unpacked tree.
const (
	SolutionXMLPath       = "Other/Solution.xml"
	CustomizationsXMLPath = "Other/Customizations.xml"
)

// part is one entry of an archive.
type part struct {
	name string
	data []byte
}

// entityParts collects one table's files from the unpacked tree.
type entityParts struct {
	dir     string
	entity  *etree.Element
	forms   map[string][]*etree.Element // form type (main, quick, card, ...) -> systemform
	queries []*etree.Element            // savedquery
	ribbon  *etree.Element              // RibbonDiffXml
}

// merged is the unpacked tree folded back into archive form.
type merged struct {
	solution, customizations *etree.Document
	parts                    []part // every entry besides customizations.xml and solution.xml
}

// mergeTree folds the split files of an unpacked tree back into
// customizations.xml, as SolutionPackager's pack does: tables (Entity.xml with
// its forms, views and ribbon), roles, workflow metadata, relationships and
// option sets become sections of customizations.xml; XAML, formulas, JSON and
// environment variable definitions become entries of their own. managed sets
// <Managed>; nil keeps the tree's value (2, SolutionPackager's "both", packs
// as unmanaged). Files named *_managed.xml (SolutionPackager's managed-only
// variants) are used instead of their unmanaged twin in a managed archive and
// skipped in an unmanaged one. Component folders bpfc does not know are an
// error rather than an archive Dataverse would reject.
func mergeTree(t *Tree, managed *bool) (*merged, error) {
	solSrc, err := t.XML(SolutionXMLPath)
	if err != nil {
		return nil, err
	}
	custSrc, err := t.XML(CustomizationsXMLPath)
	if err != nil {
		return nil, err
	}
	sol := solSrc.Copy()
	isManaged, err := setManaged(sol, managed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SolutionXMLPath, err)
	}
	sortRootComponents(sol)
	cust := custSrc.Copy()
	croot := cust.Root()
	if croot == nil || croot.Tag != "ImportExportXml" {
		return nil, fmt.Errorf("%s: root element is not ImportExportXml", CustomizationsXMLPath)
	}

	m := &merged{solution: sol, customizations: cust}
	entities := map[string]*entityParts{}
	entity := func(dir string) *entityParts {
		if e := entities[dir]; e != nil {
			return e
		}
		e := &entityParts{dir: dir, forms: map[string][]*etree.Element{}}
		entities[dir] = e
		return e
	}
	var roles, workflows, relationships, optionsets []*etree.Element
	partNames := map[string]string{}
	addPart := func(name, from string, data []byte) error {
		if prev, dup := partNames[strings.ToLower(name)]; dup {
			return fmt.Errorf("%s and %s both become archive entry %s", prev, from, name)
		}
		partNames[strings.ToLower(name)] = from
		m.parts = append(m.parts, part{name: name, data: data})
		return nil
	}
	root := func(p string) (*etree.Element, error) {
		doc, err := t.XML(p)
		if err != nil {
			return nil, err
		}
		return doc.Root(), nil
	}

	for _, p := range t.Paths() {
		if skipVariant(t, p, isManaged) {
			continue
		}
		seg := strings.Split(p, "/")
		lower := strings.ToLower(p)
		switch {
		case p == SolutionXMLPath, p == CustomizationsXMLPath,
			p == "[Content_Types].xml", p == "Other/Relationships.xml":
			// the manifest and customizations are handled above; the content
			// types are regenerated; Relationships.xml only lists names.

		case seg[0] == "Other" && len(seg) == 3 && seg[1] == "Relationships" && isXML(p):
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			relationships = append(relationships, childrenOrSelf(r, "EntityRelationships")...)

		case seg[0] == "Entities" && len(seg) == 3 && seg[2] == "Entity.xml":
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			if r.Tag != "Entity" {
				return nil, fmt.Errorf("%s: root element is <%s>, want <Entity>", p, r.Tag)
			}
			entity(seg[1]).entity = r
		case seg[0] == "Entities" && len(seg) == 3 && seg[2] == "RibbonDiff.xml":
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			entity(seg[1]).ribbon = r
		case seg[0] == "Entities" && len(seg) == 5 && seg[2] == "FormXml" && isXML(p):
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			e := entity(seg[1])
			e.forms[seg[3]] = append(e.forms[seg[3]], childrenOrSelf(r, "forms")...)
		case seg[0] == "Entities" && len(seg) == 4 && seg[2] == "SavedQueries" && isXML(p):
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			e := entity(seg[1])
			e.queries = append(e.queries, childrenOrSelf(r, "savedqueries")...)
		case seg[0] == "Entities" && len(seg) == 4 && seg[2] == "Formulas":
			data, err := t.archiveBytes(p)
			if err != nil {
				return nil, err
			}
			if err := addPart("Formulas/"+seg[3], p, data); err != nil {
				return nil, err
			}

		case seg[0] == "Roles" && len(seg) == 2 && isXML(p):
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			roles = append(roles, r)

		case seg[0] == "OptionSets" && len(seg) == 2 && isXML(p):
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			optionsets = append(optionsets, r)

		case seg[0] == "Workflows" && len(seg) == 2 && strings.HasSuffix(lower, ".data.xml"):
			r, err := root(p)
			if err != nil {
				return nil, err
			}
			if r.Tag != "Workflow" {
				return nil, fmt.Errorf("%s: root element is <%s>, want <Workflow>", p, r.Tag)
			}
			workflows = append(workflows, r)
		case seg[0] == "Workflows" && len(seg) == 2:
			data, err := t.archiveBytes(p)
			if err != nil {
				return nil, err
			}
			if err := addPart(p, p, data); err != nil {
				return nil, err
			}

		case strings.EqualFold(seg[0], "environmentvariabledefinitions") && len(seg) == 3:
			data, err := t.archiveBytes(p)
			if err != nil {
				return nil, err
			}
			if err := addPart(p, p, data); err != nil {
				return nil, err
			}

		default:
			return nil, fmt.Errorf("%s: unsupported file in a solution tree (bpfc packs tables with their forms, views, ribbons and formulas, roles, workflows, relationships, option sets and environment variables)", p)
		}
	}

	// Tables, in case-insensitive order of their folder names.
	dirs := make([]string, 0, len(entities))
	for d := range entities {
		dirs = append(dirs, d)
	}
	slices.SortFunc(dirs, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b))
	})
	ents := section(croot, "Entities")
	for _, d := range dirs {
		ep := entities[d]
		if ep.entity == nil {
			return nil, fmt.Errorf("Entities/%s: forms, views or ribbon without an Entity.xml", d)
		}
		ents.AddChild(assembleEntity(ep))
	}
	appendAll(section(croot, "Roles"), roles)
	appendAll(section(croot, "Workflows"), workflows)
	if len(relationships) > 0 {
		// SolutionPackager files relationships by table; customizations.xml
		// holds them all in one list, ordered by name ignoring case.
		slices.SortStableFunc(relationships, func(a, b *etree.Element) int {
			return cmp.Compare(strings.ToLower(a.SelectAttrValue("Name", "")), strings.ToLower(b.SelectAttrValue("Name", "")))
		})
		appendAll(section(croot, "EntityRelationships"), relationships)
	}
	if len(optionsets) > 0 {
		appendAll(section(croot, "optionsets"), optionsets)
	}
	// Every file the customizations name (a workflow's XAML, a formula)
	// ships: Dataverse refuses an archive that names a file it lacks.
	for _, ref := range append(croot.FindElements("//XamlFileName"), croot.FindElements("//FormulaDefinitionFileName")...) {
		name := strings.TrimPrefix(strings.TrimSpace(ref.Text()), "/")
		if name == "" {
			continue
		}
		if _, ok := partNames[strings.ToLower(name)]; !ok {
			return nil, fmt.Errorf("%s names /%s, which the tree does not have: add the file, or remove what names it", ref.Tag, name)
		}
	}
	sort.SliceStable(m.parts, func(i, j int) bool { return m.parts[i].name < m.parts[j].name })
	return m, nil
}

// assembleEntity puts a table's forms, views and ribbon back into its Entity element.
func assembleEntity(ep *entityParts) *etree.Element {
	e := adopt(ep.entity)
	if len(ep.forms) > 0 {
		fx := replaceChild(e, "FormXml")
		types := make([]string, 0, len(ep.forms))
		for ft := range ep.forms {
			types = append(types, ft)
		}
		sort.Strings(types)
		for _, ft := range types {
			forms := elem(fx, "forms", "type", ft)
			appendAll(forms, ep.forms[ft])
		}
	}
	if len(ep.queries) > 0 {
		sq := replaceChild(e, "SavedQueries")
		appendAll(elem(sq, "savedqueries"), ep.queries)
	}
	if ep.ribbon != nil {
		old := e.SelectElement("RibbonDiffXml")
		r := adopt(ep.ribbon)
		if old != nil {
			e.InsertChildAt(old.Index(), r)
			e.RemoveChild(old)
		} else {
			e.AddChild(r)
		}
	}
	return e
}

// replaceChild empties the named child of e (creating it at the end when missing).
func replaceChild(e *etree.Element, tag string) *etree.Element {
	c := e.SelectElement(tag)
	if c == nil {
		return e.CreateElement(tag)
	}
	for len(c.Child) > 0 {
		c.RemoveChildAt(0)
	}
	return c
}

func appendAll(parent *etree.Element, es []*etree.Element) {
	for _, e := range es {
		parent.AddChild(adopt(e))
	}
}

// childrenOrSelf returns the element children of r when r is a wrapper
// (<forms>, <savedqueries>, <EntityRelationships>), else r itself.
func childrenOrSelf(r *etree.Element, wrapper string) []*etree.Element {
	if r.Tag == wrapper {
		return r.ChildElements()
	}
	return []*etree.Element{r}
}

// skipVariant applies SolutionPackager's managed/unmanaged file variants.
func skipVariant(t *Tree, p string, managed bool) bool {
	if strings.HasSuffix(p, "_managed.xml") {
		return !managed
	}
	if managed && isXML(p) {
		return t.Has(strings.TrimSuffix(p, path.Ext(p)) + "_managed.xml")
	}
	return false
}

// hasVariants reports whether the tree has managed-only files, which make
// its managed and unmanaged archives differ beyond the manifest.
func hasVariants(t *Tree) bool {
	for p := range t.files {
		if strings.HasSuffix(p, "_managed.xml") {
			return true
		}
	}
	return false
}

func isXML(p string) bool { return strings.EqualFold(path.Ext(p), ".xml") }

// archiveBytes is a file of the tree as an archive entry: XML documents
// without BOM or declaration (CRLF, two-space indent); XAML as in the tree
// (so the unpacked and archived XAML are byte-identical); anything else verbatim.
func (t *Tree) archiveBytes(p string) ([]byte, error) {
	f := t.files[p]
	if isXML(p) {
		if _, err := t.XML(p); err != nil {
			return nil, err
		}
		return f.render(p, bare)
	}
	if f.doc != nil {
		return t.Bytes(p)
	}
	return f.data, nil
}

// setManaged sets (or, with nil, normalises) the manifest's <Managed> and
// reports the result.
func setManaged(sol *etree.Document, managed *bool) (bool, error) {
	e := sol.FindElement("/ImportExportXml/SolutionManifest/Managed")
	if e == nil {
		return false, fmt.Errorf("no SolutionManifest/Managed element")
	}
	// The tree's own value is checked even when the caller chooses the
	// flavour: a value no tool writes says the manifest is not what it seems.
	var v bool
	switch strings.TrimSpace(e.Text()) {
	case "0", "2":
	case "1":
		v = true
	default:
		return false, fmt.Errorf("Managed is %q, want 0, 1 or 2", e.Text())
	}
	if managed != nil {
		v = *managed
	}
	e.SetText(boolDigit(v))
	return v, nil
}

// sortRootComponents orders RootComponents by numeric type, as Dataverse
// writes archives (SolutionPackager sorts them as strings when unpacking);
// the order within a type is kept.
func sortRootComponents(sol *etree.Document) {
	rcs := sol.FindElement("/ImportExportXml/SolutionManifest/RootComponents")
	if rcs == nil {
		return
	}
	list := rcs.SelectElements("RootComponent")
	typ := func(e *etree.Element) int {
		n, err := strconv.Atoi(e.SelectAttrValue("type", ""))
		if err != nil {
			return 1 << 30
		}
		return n
	}
	sorted := slices.Clone(list)
	slices.SortStableFunc(sorted, func(a, b *etree.Element) int { return cmp.Compare(typ(a), typ(b)) })
	for _, e := range list {
		rcs.RemoveChild(e)
	}
	for _, e := range sorted {
		rcs.AddChild(e)
	}
}
