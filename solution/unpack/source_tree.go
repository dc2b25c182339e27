package unpack

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/solution"
)

// fromTree sorts the files of an unpacked tree (SolutionPackager's layout).
func fromTree(t *solution.Tree, w *warnings) (*source, error) {
	fs := treeFiles{t}
	s := &source{optionsets: map[string]*etree.Element{}, optionFiles: map[string]string{}, warnings: w}
	used := map[string]bool{}
	if n, ok := lookup(fs, "Other/Solution.xml"); ok {
		doc, err := parse(fs, n)
		if err != nil {
			return nil, err
		}
		s.manifest, s.manifestFile = doc.FindElement("/ImportExportXml/SolutionManifest"), n
		used[strings.ToLower(n)] = true
	} else {
		s.warnings.add("solution", "Other/Solution.xml", "the tree has no Other/Solution.xml: the solution and publisher are made up and must be checked")
	}
	if n, ok := lookup(fs, "Other/Customizations.xml"); ok {
		doc, err := parse(fs, n)
		if err != nil {
			return nil, err
		}
		if doc.Root() != nil {
			s.readCustomizations(doc.Root(), n)
		}
		used[strings.ToLower(n)] = true
	}
	entities := map[string]*entitySrc{}
	var entityDirs []string
	for _, n := range fs.names() {
		seg := strings.Split(n, "/")
		low := strings.ToLower(n)
		switch {
		case used[low]:
		case len(seg) >= 3 && strings.EqualFold(seg[0], "Entities"):
			e := entities[seg[1]]
			if e == nil {
				e = &entitySrc{}
				entities[seg[1]] = e
				entityDirs = append(entityDirs, seg[1])
			}
			if len(seg) == 3 && strings.EqualFold(seg[2], "Entity.xml") {
				doc, err := parse(fs, n)
				if err != nil {
					return nil, err
				}
				e.elem, e.file = doc.Root(), n
			} else {
				e.parts = append(e.parts, n)
			}
			used[low] = true
		case len(seg) == 2 && strings.EqualFold(seg[0], "Roles") && strings.HasSuffix(low, ".xml"):
			doc, err := parse(fs, n)
			if err != nil {
				return nil, err
			}
			s.roles = append(s.roles, &elemSrc{doc.Root(), n})
			used[low] = true
		case len(seg) == 2 && strings.EqualFold(seg[0], "Workflows") && strings.HasSuffix(low, ".data.xml"):
			doc, err := parse(fs, n)
			if err != nil {
				return nil, err
			}
			s.workflows = append(s.workflows, &workflowSrc{data: doc.Root(), dataFile: n})
			used[low] = true
		case len(seg) == 2 && strings.EqualFold(seg[0], "OptionSets") && strings.HasSuffix(low, ".xml"):
			doc, err := parse(fs, n)
			if err != nil {
				return nil, err
			}
			if r := doc.Root(); r != nil {
				s.addOptionSet(r, n)
			}
			used[low] = true
		case len(seg) == 3 && strings.EqualFold(seg[0], "Other") && strings.EqualFold(seg[1], "Relationships") && strings.HasSuffix(low, ".xml"):
			doc, err := parse(fs, n)
			if err != nil {
				return nil, err
			}
			if r := doc.Root(); r != nil {
				if r.Tag == "EntityRelationships" {
					for _, e := range r.ChildElements() {
						s.rels = append(s.rels, &elemSrc{e, n})
					}
				} else {
					s.rels = append(s.rels, &elemSrc{r, n})
				}
			}
			used[low] = true
		case low == "other/relationships.xml", low == "[content_types].xml":
			used[low] = true
		}
	}
	for _, d := range entityDirs {
		e := entities[d]
		if e.elem == nil {
			s.warnings.add("table "+d, "Entities/"+d, "forms, views or formulas without an Entity.xml were left out")
			continue
		}
		s.entities = append(s.entities, e)
	}
	for _, wf := range s.workflows {
		if err := s.attachXAML(fs, wf, used); err != nil {
			return nil, err
		}
		if wf.xamlFile == "" && strings.HasSuffix(strings.ToLower(wf.dataFile), ".data.xml") {
			// SolutionPackager keeps the XAML beside its record.
			base := strings.TrimSuffix(wf.dataFile, wf.dataFile[len(wf.dataFile)-len(".data.xml"):])
			if n, ok := lookup(fs, base); ok {
				used[strings.ToLower(n)] = true
				wf.xamlFile = n
				if strings.EqualFold(path.Ext(n), ".xaml") {
					doc, err := parse(fs, n)
					if err != nil {
						return nil, err
					}
					wf.xaml = doc
				}
			}
		}
	}
	if err := s.readVariableFiles(fs, used); err != nil {
		return nil, err
	}
	for _, n := range fs.names() {
		if !used[strings.ToLower(n)] {
			s.warnings.add("tree", n, "this file is not expressed in bpfc and was left out")
		}
	}
	s.missingComponents(fs.names())
	return s, nil
}

// missingComponents warns of the tables, processes and option sets the
// manifest lists that the tree does not hold (a partial copy, or files
// removed by hand): an archive holds what its manifest lists, a folder
// may not, and what is not there cannot be unpacked.
func (s *source) missingComponents(names []string) {
	if s.manifest == nil {
		return
	}
	// What the tree holds, read once: tables with an Entity.xml, option
	// sets, and the process files (named <Name>-<ID>.xaml…).
	entities, optionSets := map[string]bool{}, map[string]bool{}
	var processFiles []string
	for _, n := range names {
		switch seg := strings.Split(strings.ToLower(n), "/"); {
		case len(seg) == 3 && seg[0] == "entities" && seg[2] == "entity.xml":
			entities[seg[1]] = true
		case len(seg) == 2 && seg[0] == "optionsets":
			optionSets[strings.TrimSuffix(seg[1], path.Ext(seg[1]))] = true
		case len(seg) == 2 && seg[0] == "workflows":
			processFiles = append(processFiles, seg[1])
		}
	}
	var tables, processes, sets []string
	for _, rc := range s.manifest.FindElements("RootComponents/RootComponent") {
		name, id := rc.SelectAttrValue("schemaName", ""), strings.Trim(rc.SelectAttrValue("id", ""), "{}")
		key, lowID := strings.ToLower(name), strings.ToLower(id)
		switch rc.SelectAttrValue("type", "") {
		case "1": // a table: its Entity.xml (a shell, for behavior 2)
			if name != "" && !entities[key] {
				tables = append(tables, name)
				if s.unheld == nil {
					s.unheld = map[string]bool{}
				}
				s.unheld[key] = true
			}
		case "29": // a process: Workflows/<Name>-<ID>.xaml.data.xml
			if id != "" && !slices.ContainsFunc(processFiles, func(f string) bool { return strings.Contains(f, lowID) }) {
				processes = append(processes, id)
			}
		case "9": // a global option set: OptionSets/<name>.xml
			if name != "" && !optionSets[key] {
				sets = append(sets, name)
			}
		}
	}
	var parts []string
	for _, l := range []struct {
		what  string
		items []string
	}{{"table", tables}, {"process", processes}, {"option set", sets}} {
		switch n := len(l.items); {
		case n == 1:
			parts = append(parts, l.what+" "+l.items[0])
		case n > 1:
			word := l.what + "s"
			if l.what == "process" {
				word = "processes"
			}
			parts = append(parts, fmt.Sprintf("%d %s (%s)", n, word, strings.Join(l.items, ", ")))
		}
	}
	if len(parts) > 0 {
		them := "them"
		if len(tables)+len(processes)+len(sets) == 1 {
			them = "it"
		}
		s.warnings.add("solution", s.manifestFile, "the manifest lists %s that the folder does not hold (a partial copy?): left out; unpack the exported archive to have %s",
			strings.Join(parts, ", "), them)
	}
}
