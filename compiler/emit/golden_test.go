package emit

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/emit")

const goldenDir = "../../testdata/emit"

// render serializes a document as the golden files hold it, indented as
// Dataverse writes (Files' documents carry no indentation; a copy is
// indented, the document is the caller's).
func render(t *testing.T, doc *etree.Document) string {
	t.Helper()
	doc = doc.Copy()
	doc.IndentWithSettings(&etree.IndentSettings{Spaces: 2, PreserveLeafWhitespace: true, SuppressTrailingWhitespace: true})
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s + "\n"
}

// outputs renders everything the package produces for the test project,
// keyed by golden file path.
func outputs(t *testing.T) map[string]string {
	tp := newTestProject()
	out := map[string]string{}
	for _, f := range Files(tp.p) {
		out[f.Path] = render(t, f.Doc)
	}
	schema, err := json.MarshalIndent(Schema(tp.p), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out["schema.json"] = string(schema) + "\n"
	var w strings.Builder
	for _, x := range DataverseWarnings(tp.p) {
		where := "workflow " + x.Workflow
		if x.Flow != "" {
			where = "flow " + x.Flow + ", stage " + x.Stage
		}
		fmt.Fprintf(&w, "%s:%d: %s: %s\n", x.Range.Filename, x.Range.Start.Line, where, x.Message)
	}
	out["warnings.txt"] = w.String()
	return out
}

func TestGolden(t *testing.T) {
	got := outputs(t)
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		for path, content := range got {
			full := filepath.Join(goldenDir, filepath.FromSlash(path))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string]string{}
	err := filepath.WalkDir(goldenDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(goldenDir, path)
		want[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatalf("reading golden files (run go test ./compiler/emit -update): %v", err)
	}
	for path := range want {
		if _, ok := got[path]; !ok {
			t.Errorf("%s: golden file no longer produced", path)
		}
	}
	for path, content := range got {
		if diff := cmp.Diff(want[path], content); diff != "" {
			t.Errorf("%s differs from the golden file (-want +got):\n%s", path, diff)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := outputs(t), outputs(t)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two builds differ:\n%s", diff)
	}
}

func TestOutputsParse(t *testing.T) {
	for path, content := range outputs(t) {
		if !strings.HasSuffix(path, ".xml") && !strings.HasSuffix(path, ".xaml") {
			continue
		}
		if err := etree.NewDocument().ReadFromString(content); err != nil {
			t.Errorf("%s: not well-formed XML: %v", path, err)
		}
	}
}

func TestFileName(t *testing.T) {
	for _, c := range []struct{ name, id, want string }{
		{"Package Review Process", "c9064d35-616b-ed11-81ac-000d3af4f400", "PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400"},
		{"Internal Purchase Requisition (OF95)!", "{d036abae-41da-ee11-904d-00224804912f}", "InternalPurchaseRequisitionOF95-D036ABAE-41DA-EE11-904D-00224804912F"},
		{"a_b-c d.e", "x", "a_b-cde-X"},
		{strings.Repeat("Ab", 30), "1", strings.Repeat("Ab", 25) + "-1"},
	} {
		if got := FileName(c.name, c.id); got != c.want {
			t.Errorf("FileName(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// isNameExtension reports whether a is a bpfc attribute that only carries a
// name (bpfc:Name anywhere, bpfc:Owner on the root Activity): Dataverse loses
// nothing by skipping it, so it has no warning.
func isNameExtension(e *etree.Element, a etree.Attr) bool {
	return a.Space == "bpfc" && (a.Key == "Name" || a.Key == "Owner" && e.Parent() != nil && e.Parent().Parent() == nil)
}

// withoutNames removes the name-carrying extension attributes from a copy of
// doc, and the extension's declarations when nothing else uses it: the
// document Dataverse reads.
func withoutNames(doc *etree.Document) *etree.Document {
	doc = doc.Copy()
	used := false
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if e.Space == "bpfc" {
			used = true
		}
		for _, a := range slices.Clone(e.Attr) {
			switch {
			case isNameExtension(e, a):
				e.RemoveAttr(a.FullKey())
			case a.Space == "bpfc":
				used = true
			}
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	root := doc.Root()
	walk(root)
	if !used {
		for _, k := range []string{"xmlns:bpfc", "xmlns:mc", "mc:Ignorable"} {
			root.RemoveAttr(k)
		}
	}
	return doc
}

// TestWarningsMatchExtensions: every DataverseWarnings entry but those
// Dataverse would refuse is one use of the bpfc extension in the files, and every use has its warning; names carried
// in the extension are no warning.
func TestWarningsMatchExtensions(t *testing.T) {
	tp := newTestProject()
	uses := 0
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if e.Space == "bpfc" {
			uses++
		}
		for _, a := range e.Attr {
			if a.Space == "bpfc" && !isNameExtension(e, a) {
				uses++
			}
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	for _, f := range Files(tp.p) {
		walk(f.Doc.Root())
	}
	n := 0
	for _, w := range DataverseWarnings(tp.p) {
		if !w.Refused {
			n++
		}
	}
	if n != uses || n == 0 {
		t.Errorf("%d warnings for %d uses of the bpfc extension", n, uses)
	}
}

// TestNamesCarried: every process XAML carries the names of its flow, stages
// and steps (and the flow's owner), or of its workflow and workflow steps, in
// document order; no other file uses the extension.
func TestNamesCarried(t *testing.T) {
	tp := newTestProject()
	names := func(root *etree.Element, match func(e *etree.Element) bool) []string {
		var out []string
		var walk func(e *etree.Element)
		walk = func(e *etree.Element) {
			if match(e) {
				out = append(out, e.SelectAttrValue("bpfc:Name", "<none>"))
			}
			for _, c := range e.ChildElements() {
				walk(c)
			}
		}
		walk(root)
		return out
	}
	class := func(c string) func(e *etree.Element) bool {
		return func(e *etree.Element) bool {
			return strings.HasPrefix(e.SelectAttrValue("AssemblyQualifiedName", ""), "Microsoft.Crm.Workflow.Activities."+c+",")
		}
	}
	for _, f := range tp.p.Flows {
		root := FlowXAML(tp.p, f).Root()
		if got := root.SelectAttrValue("bpfc:Name", ""); got != f.Name {
			t.Errorf("flow %s: bpfc:Name %q", f.Name, got)
		}
		if got := root.SelectAttrValue("bpfc:Owner", ""); got != f.Owner {
			t.Errorf("flow %s: bpfc:Owner %q, want %q", f.Name, got, f.Owner)
		}
		var stages, steps []string
		for _, s := range f.Stages {
			stages = append(stages, s.Name)
			for _, st := range s.Steps {
				steps = append(steps, st.Name)
			}
		}
		if diff := cmp.Diff(stages, names(root, class("StageComposite"))); diff != "" {
			t.Errorf("flow %s: stage names (-want +got):\n%s", f.Name, diff)
		}
		if diff := cmp.Diff(steps, names(root, class("StepComposite"))); diff != "" {
			t.Errorf("flow %s: step names (-want +got):\n%s", f.Name, diff)
		}
	}
	if tp.p.Flows[0].Owner == "" {
		t.Error("the test project's first flow should have an owner")
	}
	for _, w := range tp.p.Workflows {
		root := WorkflowXAML(tp.p, w).Root()
		if got := root.SelectAttrValue("bpfc:Name", ""); got != w.Name {
			t.Errorf("workflow %s: bpfc:Name %q", w.Name, got)
		}
		var want []string
		for _, st := range w.Steps {
			want = append(want, st.Name)
		}
		got := names(root, func(e *etree.Element) bool { return e != root && e.SelectAttr("bpfc:Name") != nil })
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("workflow %s: step names (-want +got):\n%s", w.Name, diff)
		}
	}
	for _, f := range Files(tp.p) {
		if !strings.HasSuffix(f.Path, ".xaml") {
			s, err := f.Doc.WriteToString()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(s, ExtensionNamespace) || strings.Contains(s, "bpfc:") {
				t.Errorf("%s uses the bpfc extension, which only XAML can carry", f.Path)
			}
		}
	}
}

// TestFormatsEncodings: the encodings formats.md names for a stage's entry
// trigger (STAGEENTRY) and an action step's button (ActionType 0 inside
// its StepComposite; a stage's own workflows ActionType 3).
func TestFormatsEncodings(t *testing.T) {
	tp := newTestProject()
	var entry, button, stageWorkflow bool
	for _, f := range Files(tp.p) {
		for _, e := range f.Doc.FindElements("//mcwo:ProcessTriggerData") {
			switch ev := e.SelectAttrValue("Event", ""); ev {
			case "STAGEENTRY":
				entry = true
			case "STAGEEXIT", "PROCESSSTATUSCHANGE":
			default:
				t.Errorf("%s: trigger event %q, not one of formats.md's", f.Path, ev)
			}
		}
		for _, e := range f.Doc.FindElements("//x:Int32[@x:Key='ActionType']") {
			inStep := false
			for p := e.Parent(); p != nil; p = p.Parent() {
				if p.Tag == "ActivityReference" && strings.Contains(p.SelectAttrValue("AssemblyQualifiedName", ""), "StepComposite") {
					inStep = true
					break
				}
			}
			switch {
			case inStep && e.Text() == "0":
				button = true
			case !inStep && e.Text() == "3":
				stageWorkflow = true
			default:
				t.Errorf("%s: ActionType %s %s a step", f.Path, e.Text(), map[bool]string{true: "inside", false: "outside"}[inStep])
			}
		}
	}
	if !entry || !button || !stageWorkflow {
		t.Errorf("the test project's flows have an entry trigger %t, an action button %t, a stage workflow %t; want each", entry, button, stageWorkflow)
	}
}
