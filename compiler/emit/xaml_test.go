package emit

import (
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// TestXAMLWalksDoNotAllocatePerElement: declareNamespaces and pruneEmpty
// walk every element of a document, hundreds of thousands in the XAML of a
// long condition. Copying each element's children (ChildElements) and
// splitting each type reference into a slice made them allocate for every
// element; their allocations must not depend on the document's size.
func TestXAMLWalksDoNotAllocatePerElement(t *testing.T) {
	doc := func(n int) *etree.Element {
		root := etree.NewElement("Activity")
		seq := el(root, "Sequence", "DisplayName", "s")
		vars := seq.CreateElement("Sequence.Variables")
		for range n {
			el(vars, "Variable", "x:TypeArguments", "scg:IDictionary(x:String, mxs:Entity)", "Name", "v")
			inner := el(seq, "Sequence", "DisplayName", "t")
			inner.CreateElement("Sequence.Variables") // empty: pruned
			typeLiteral(refArgs(activityRef(inner, "EvaluateExpression", "e")), "TargetType", "")
		}
		return root
	}
	small, large := doc(10), doc(2_000)
	for _, walk := range []struct {
		name string
		f    func(*etree.Element)
	}{
		{"declareNamespaces", declareNamespaces},
		{"pruneEmpty", func(e *etree.Element) { pruneEmpty(e, "Sequence.Variables") }},
	} {
		a := testing.AllocsPerRun(5, func() { walk.f(small) })
		b := testing.AllocsPerRun(5, func() { walk.f(large) })
		if b != a {
			t.Errorf("%s allocates %v times on 10 sequences, %v on 2,000", walk.name, a, b)
		}
	}
	if got := len(large.FindElements("//Sequence.Variables")); got != 1 {
		t.Errorf("pruneEmpty left %d Sequence.Variables, want the one with variables", got)
	}
	want := map[string]bool{"xmlns": true, "xmlns:mxswa": true, "xmlns:scg": true, "xmlns:mxs": true, "xmlns:s": true, "xmlns:x": true, "xmlns:srs": true}
	got := map[string]bool{}
	for _, a := range large.Attr {
		got[a.FullKey()] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("declareNamespaces did not declare %s; declared %v", k, got)
		}
	}
}

// TestDocumentsCarryNoIndentation: the solution package's writer indents
// as it writes and skips whitespace between elements, so indentation tokens
// in Files' documents (one per element, a fifth of a build's allocations)
// are only work and memory thrown away.
func TestDocumentsCarryNoIndentation(t *testing.T) {
	for _, f := range Files(newTestProject().p) {
		var walk func(e *etree.Element)
		walk = func(e *etree.Element) {
			if len(e.ChildElements()) > 0 {
				for _, c := range e.Child {
					if cd, ok := c.(*etree.CharData); ok && isSpace(cd.Data) {
						t.Errorf("%s: <%s> has whitespace %q between its elements", f.Path, e.FullTag(), cd.Data)
						return
					}
				}
			}
			for c := range e.ChildElementsSeq() {
				walk(c)
			}
		}
		walk(f.Doc.Root())
	}
}

func isSpace(s string) bool { return strings.Trim(s, " \t\r\n") == "" }
