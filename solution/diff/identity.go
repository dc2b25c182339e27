package diff

import (
	"maps"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// identities compares the ids of the processes both sides' files declare
// (<Workflow WorkflowId Name> in customizations.xml or a tree's
// Workflows/*.data.xml), matched by unique name: a process whose id
// differs is another process to Dataverse, and importing the new side adds
// it beside the old one. The models cannot show it: bpfc derives ids from
// names, and reading an archive keeps the names.
func identities(old, new map[string][]byte) []Change {
	o, n := processIDs(old), processIDs(new)
	var out []Change
	for _, key := range slices.Sorted(maps.Keys(o)) {
		op := o[key]
		np, ok := n[key]
		if !ok || strings.EqualFold(op.id, np.id) {
			continue
		}
		out = append(out, Change{Kind: op.kind, Name: op.name, Change: Changed, Field: "id", Old: op.id, New: np.id})
	}
	return out
}

type processID struct {
	kind, name, id string
}

// processIDs reads the processes the files declare, by unique name (or,
// without one, name).
func processIDs(files map[string][]byte) map[string]processID {
	out := map[string]processID{}
	for path, b := range files {
		lower := strings.ToLower(path)
		if lower != "customizations.xml" && lower != "other/customizations.xml" && !strings.HasSuffix(lower, ".xaml.data.xml") {
			continue
		}
		doc := etree.NewDocument()
		if doc.ReadFromBytes(b) != nil {
			continue // the files' diff shows what does not read
		}
		for _, w := range doc.FindElements("//Workflow[@WorkflowId]") {
			id := strings.Trim(strings.ToLower(w.SelectAttrValue("WorkflowId", "")), "{}")
			key := strings.ToLower(elemText(w, "UniqueName"))
			if key == "" {
				key = strings.ToLower(w.SelectAttrValue("Name", ""))
			}
			kind := "workflow"
			if elemText(w, "Category") == "4" {
				kind = "flow"
			}
			out[key] = processID{kind: kind, name: w.SelectAttrValue("Name", key), id: id}
		}
	}
	return out
}

func elemText(e *etree.Element, tag string) string {
	if c := e.SelectElement(tag); c != nil {
		return strings.TrimSpace(c.Text())
	}
	return ""
}

// packaging compares whether each side's archive is managed (solution.xml's
// <Managed>): the same build's two archives differ in nothing else the
// models show, yet they import as different things (and an environment
// takes only one of them).
func packaging(name string, old, new map[string][]byte) []Change {
	o, n := managedFlag(old), managedFlag(new)
	if o == "" || n == "" || o == n {
		return nil
	}
	return []Change{{Kind: "solution", Name: name, Change: Changed, Field: "managed", Old: o, New: n}}
}

// managedFlag is "true" or "false" as the files' solution.xml says, or ""
// without one.
func managedFlag(files map[string][]byte) string {
	for path, b := range files {
		if lower := strings.ToLower(path); lower != "solution.xml" && lower != "other/solution.xml" {
			continue
		}
		doc := etree.NewDocument()
		if doc.ReadFromBytes(b) != nil {
			return ""
		}
		if m := doc.FindElement("//SolutionManifest/Managed"); m != nil {
			switch strings.TrimSpace(m.Text()) {
			case "1":
				return "true"
			case "0":
				return "false"
			}
		}
	}
	return ""
}
