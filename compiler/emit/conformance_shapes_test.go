package emit

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"
)

// Structural rules over everything the test project produces, against every
// BPF export in shared/conformance: element kinds, attribute lists and
// property orders, and namespace declarations.

// kind names an element for shape comparison: its tag, refined by the class of
// an ActivityReference, an x:Key, or (for controls) whether it is a button.
func kind(e *etree.Element) string {
	k := e.FullTag()
	if e.Space == "this" { // this:XrmWorkflow<id>.InputEntities
		k = "this:XrmWorkflow#" + e.Tag[strings.LastIndex(e.Tag, "."):]
	}
	if aqn := e.SelectAttrValue("AssemblyQualifiedName", ""); aqn != "" {
		class, _, _ := strings.Cut(aqn, ",")
		k += "[" + class[strings.LastIndex(class, ".")+1:] + "]"
	}
	if key := e.SelectAttrValue("x:Key", ""); key != "" {
		k += "{" + key + "}"
	}
	if k == "mcwb:Control" && e.SelectAttrValue("IsUnbound", "") == "True" {
		k += "(button)"
	}
	return k
}

// attrNames lists an element's attribute names in order, without bpfc's.
func attrNames(e *etree.Element) string {
	var names []string
	for _, a := range e.Attr {
		if a.Space != "bpfc" && !(a.Space == "xmlns" || a.Key == "xmlns" || a.FullKey() == "mc:Ignorable") {
			names = append(names, a.FullKey())
		}
	}
	return strings.Join(names, " ")
}

// propertyKeys lists the x:Keys of an ActivityReference's properties, in order.
func propertyKeys(e *etree.Element) string {
	var keys []string
	if props := e.SelectElement("mxswa:ActivityReference.Properties"); props != nil {
		for _, c := range props.ChildElements() {
			keys = append(keys, c.SelectAttrValue("x:Key", ""))
		}
	}
	return strings.Join(keys, " ")
}

// shapes collects, per element kind, the attribute lists and property orders seen.
func shapes(root *etree.Element, attrs, props map[string]map[string]bool) {
	add := func(m map[string]map[string]bool, k, v string) {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		m[k][v] = true
	}
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		add(attrs, kind(e), attrNames(e))
		if e.FullTag() == "mxswa:ActivityReference" {
			add(props, kind(e), propertyKeys(e))
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(root)
}

// newKinds are the constructs bpfc writes that no export in shared/conformance
// contains (action steps, triggers, cross-table relationships, logical and
// null conditions); their shapes follow formats.md and are covered by the golden files.
var newKinds = map[string]bool{
	"mxswa:ActivityReference[ActionComposite]": true, "x:Int32{ActionType}": true, "s:Guid{ProcessId}": true,
	"x:String{ActionId}": true, "x:String{UniqueName}": true, "x:Null{TriggerEvents}": true, "x:Null{ActionControl}": true,
	"x:Array{TriggerEvents}": true, "mcwo:ProcessTriggerData": true, "Sequence{ActionControl}": true,
	"mcwb:Control(button)": true, "mcwb:Control.DataFieldName": true, "mcwb:StageRelationship": true,
	"x:Null{Parameters}": true,
}

func TestConformanceShapes(t *testing.T) {
	conf := conformanceDir(t)
	xamls, _ := filepath.Glob(filepath.Join(conf, "*", "Workflows", "*.xaml"))
	more, _ := filepath.Glob(filepath.Join(conf, "*", "*", "SolutionPackage", "Workflows", "*.xaml"))
	realAttrs, realProps := map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, x := range append(xamls, more...) {
		shapes(readDoc(t, x).Root(), realAttrs, realProps)
	}
	tp := newTestProject()
	for _, f := range tp.p.Flows {
		attrs, props := map[string]map[string]bool{}, map[string]map[string]bool{}
		shapes(FlowXAML(tp.p, f).Root(), attrs, props)
		for k, lists := range attrs {
			if realAttrs[k] == nil {
				if !newKinds[k] && !strings.HasPrefix(k, "bpfc:") {
					t.Errorf("flow %s: element %s appears in no export", f.Name, k)
				}
				continue
			}
			for l := range lists {
				if !realAttrs[k][l] {
					t.Errorf("flow %s: %s has attributes [%s]; exports have %v", f.Name, k, l, keys(realAttrs[k]))
				}
			}
		}
		for k, lists := range props {
			for l := range lists {
				if realProps[k] != nil && !realProps[k][l] {
					t.Errorf("flow %s: %s has properties [%s]; exports have %v", f.Name, k, l, keys(realProps[k]))
				}
			}
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, "["+k+"]")
	}
	slices.Sort(out)
	return out
}

// TestConformanceNamespaces: a flow declares the namespaces an export with the
// same constructs declares, plus the bpfc extension (which every flow uses for
// its names).
func TestConformanceNamespaces(t *testing.T) {
	conf := conformanceDir(t)
	declared := func(root *etree.Element) []string {
		var out []string
		for _, a := range root.Attr {
			if a.Space == "xmlns" || a.Key == "xmlns" || a.FullKey() == "mc:Ignorable" {
				out = append(out, a.FullKey()+"="+a.Value)
			}
		}
		return out
	}
	plain := declared(readDoc(t, glob(t, filepath.Join(conf, "powerplatform-rules-engine", "Workflows", "*.xaml"))).Root())
	branching := declared(readDoc(t, glob(t, filepath.Join(conf, "coe-starter-kit", "*", "SolutionPackage", "Workflows", "*.xaml"))).Root())
	tp := newTestProject()
	quick := FlowXAML(tp.p, tp.p.Flow("quick_contact_update"))
	if diff := cmp.Diff(plain, declared(withoutNames(quick).Root())); diff != "" {
		t.Errorf("flow without branches, names aside (-export +bpfc):\n%s", diff)
	}
	// The names every flow carries declare the extension.
	want := []string{plain[0], "xmlns:bpfc=" + ExtensionNamespace, "xmlns:mc=" + nsMarkupCompat}
	want = append(want, plain[1:]...)
	want = append(want, "mc:Ignorable=bpfc")
	if diff := cmp.Diff(want, declared(quick.Root())); diff != "" {
		t.Errorf("flow without branches (-want +bpfc):\n%s", diff)
	}
	want = []string{branching[0], "xmlns:bpfc=" + ExtensionNamespace, "xmlns:mc=" + nsMarkupCompat}
	want = append(want, branching[1:]...)
	want = append(want, "mc:Ignorable=bpfc")
	if diff := cmp.Diff(want, declared(FlowXAML(tp.p, tp.p.Flow("lead_to_opportunity")).Root())); diff != "" {
		t.Errorf("flow with branches and extensions (-want +bpfc):\n%s", diff)
	}
}
