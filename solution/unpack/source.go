package unpack

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/solution"
)

// source is a solution read from an archive or an unpacked tree, sorted into
// the components unpack understands. Everything else is reported as a
// warning naming its file.
type source struct {
	manifest     *etree.Element // SolutionManifest; nil when the tree has no Solution.xml
	manifestFile string
	unheld       map[string]bool // tables the manifest lists and a tree lacks (missingComponents)
	entities     []*entitySrc
	workflows    []*workflowSrc
	roles        []*elemSrc
	variables    []*variableSrc
	rels         []*elemSrc                // EntityRelationship
	optionsets   map[string]*etree.Element // global option sets by lowercase name
	optionFiles  map[string]string         // the file of each global option set
	warnings     *warnings
}

type elemSrc struct {
	elem *etree.Element
	file string
}

type entitySrc struct {
	elem  *etree.Element // <Entity>
	file  string
	parts []string // forms, views, ribbons, formulas beside it (trees)
}

type workflowSrc struct {
	data     *etree.Element // <Workflow>
	dataFile string
	xaml     *etree.Document // nil when the XAML is missing or not XAML (modern flows)
	xamlFile string
}

type variableSrc struct {
	def        *etree.Element // <environmentvariabledefinition>
	file       string
	values     []byte // environmentvariablevalues.json, when present
	valuesFile string
}

// files is what both inputs offer: paths, bytes and parsed XML.
type files interface {
	names() []string
	bytes(name string) []byte
}

type archiveFiles struct{ a *solution.Archive }

func (f archiveFiles) names() []string       { return f.a.Names() }
func (f archiveFiles) bytes(n string) []byte { return f.a.File(n) }

type treeFiles struct{ t *solution.Tree }

func (f treeFiles) names() []string { return f.t.Paths() }
func (f treeFiles) bytes(n string) []byte {
	b, _ := f.t.Bytes(n)
	return b
}

// parse parses a file as XML, refusing what ParseXML refuses, and names the
// file in the error.
func parse(fs files, name string) (*etree.Document, error) {
	doc, err := solution.ParseXML(fs.bytes(name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return doc, nil
}

// lookup finds a file by path, ignoring case (SolutionPackager trees and
// archives differ in the case of the same names).
func lookup(fs files, name string) (string, bool) {
	for _, n := range fs.names() {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// customizations sections: those read, and those that hold nothing to express.
var (
	readSections   = map[string]bool{"entities": true, "roles": true, "workflows": true, "entityrelationships": true, "optionsets": true, "environmentvariabledefinitions": true}
	silentSections = map[string]bool{"languages": true}
)

// readCustomizations sorts the sections of a customizations document.
func (s *source) readCustomizations(root *etree.Element, file string) {
	for _, sec := range root.ChildElements() {
		name := strings.ToLower(sec.Tag)
		children := sec.ChildElements()
		switch {
		case name == "entities":
			for _, e := range children {
				s.entities = append(s.entities, &entitySrc{elem: e, file: file})
			}
		case name == "roles":
			for _, e := range children {
				s.roles = append(s.roles, &elemSrc{e, file})
			}
		case name == "workflows":
			for _, e := range children {
				s.workflows = append(s.workflows, &workflowSrc{data: e, dataFile: file})
			}
		case name == "entityrelationships":
			for _, e := range children {
				s.rels = append(s.rels, &elemSrc{e, file})
			}
		case name == "optionsets":
			for _, e := range children {
				s.addOptionSet(e, file)
			}
		case name == "environmentvariabledefinitions":
			for _, e := range children {
				s.variables = append(s.variables, &variableSrc{def: e, file: file})
			}
		case silentSections[name] || len(children) == 0:
		default:
			s.warnings.add("customizations", file, "%d %s component(s) (section <%s>) are not expressed in bpfc and were left out", len(children), sec.Tag, sec.Tag)
		}
	}
}

func (s *source) addOptionSet(e *etree.Element, file string) {
	n := strings.ToLower(e.SelectAttrValue("Name", ""))
	s.optionsets[n] = e
	s.optionFiles[n] = file
}

// fromArchive sorts an archive's entries.
func fromArchive(a *solution.Archive, w *warnings) (*source, error) {
	fs := archiveFiles{a}
	s := &source{optionsets: map[string]*etree.Element{}, optionFiles: map[string]string{}, warnings: w}
	sol, err := parse(fs, "solution.xml")
	if err != nil {
		return nil, err
	}
	s.manifest, s.manifestFile = sol.FindElement("/ImportExportXml/SolutionManifest"), "solution.xml"
	cust, err := parse(fs, "customizations.xml")
	if err != nil {
		return nil, err
	}
	if cust.Root() != nil {
		s.readCustomizations(cust.Root(), "customizations.xml")
	}
	used := map[string]bool{"solution.xml": true, "customizations.xml": true, "[content_types].xml": true}
	for _, wf := range s.workflows {
		if err := s.attachXAML(fs, wf, used); err != nil {
			return nil, err
		}
	}
	if err := s.readVariableFiles(fs, used); err != nil {
		return nil, err
	}
	for _, n := range fs.names() {
		if used[strings.ToLower(n)] {
			continue
		}
		if strings.HasPrefix(strings.ToLower(n), "formulas/") && strings.HasSuffix(strings.ToLower(n), "-bpf_duration.xaml") {
			continue // the duration formula of a flow's instance table: bpfc writes its own
		}
		s.warnings.add("archive", n, "this entry is not expressed in bpfc and was left out")
	}
	return s, nil
}

// attachXAML finds the XAML file a workflow record names.
func (s *source) attachXAML(fs files, wf *workflowSrc, used map[string]bool) error {
	x := strings.TrimPrefix(strings.TrimSpace(text(wf.data, "XamlFileName")), "/")
	if x == "" {
		return nil
	}
	name, ok := lookup(fs, x)
	if !ok {
		return nil
	}
	used[strings.ToLower(name)] = true
	wf.xamlFile = name
	if !strings.EqualFold(path.Ext(name), ".xaml") {
		return nil // a modern flow's JSON: reported with the record
	}
	doc, err := parse(fs, name)
	if err != nil {
		return err
	}
	wf.xaml = doc
	return nil
}

// readVariableFiles reads environmentvariabledefinitions/<schema>/*.
func (s *source) readVariableFiles(fs files, used map[string]bool) error {
	byDir := map[string]*variableSrc{}
	var dirs []string
	for _, n := range fs.names() {
		seg := strings.Split(n, "/")
		if len(seg) != 3 || !strings.EqualFold(seg[0], "environmentvariabledefinitions") {
			continue
		}
		v := byDir[seg[1]]
		if v == nil {
			v = &variableSrc{}
			byDir[seg[1]] = v
			dirs = append(dirs, seg[1])
		}
		switch strings.ToLower(seg[2]) {
		case "environmentvariabledefinition.xml":
			doc, err := parse(fs, n)
			if err != nil {
				return err
			}
			v.def, v.file = doc.Root(), n
			used[strings.ToLower(n)] = true
		case "environmentvariablevalues.json":
			v.values, v.valuesFile = fs.bytes(n), n
			used[strings.ToLower(n)] = true
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		v := byDir[d]
		if v.def == nil {
			if v.valuesFile != "" {
				s.warnings.add("variable "+d, v.valuesFile, "a current value without a definition was left out")
			}
			continue
		}
		s.variables = append(s.variables, v)
	}
	return nil
}

// text returns the trimmed text of e's first child named tag, or "".
func text(e *etree.Element, tag string) string {
	if e == nil {
		return ""
	}
	c := e.SelectElement(tag)
	if c == nil {
		for _, ch := range e.ChildElements() {
			if strings.EqualFold(ch.Tag, tag) {
				c = ch
				break
			}
		}
	}
	if c == nil {
		return ""
	}
	return strings.TrimSpace(c.Text())
}

// localized returns the first description of e's <list><item description=...>
// (LocalizedNames/LocalizedName, displaynames/displayname, ...), preferring
// language 1033.
func localized(e *etree.Element, list string) string {
	if e == nil {
		return ""
	}
	l := e.SelectElement(list)
	if l == nil {
		return ""
	}
	first := ""
	for _, it := range l.ChildElements() {
		d := it.SelectAttrValue("description", "")
		if it.SelectAttrValue("languagecode", "") == "1033" {
			return d
		}
		if first == "" {
			first = d
		}
	}
	return first
}
