package emit

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
)

// These tests hold the output against real Dataverse exports in
// shared/conformance: whole documents rebuilt from the same definitions, and
// structural rules over everything the test project produces.

// conformanceDir finds shared/conformance in the package directory's ancestors.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		c := filepath.Join(dir, "shared", "conformance")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/conformance not found")
		}
		dir = parent
	}
}

func readDoc(t *testing.T, path string) *etree.Document {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func glob(t *testing.T, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) != 1 {
		t.Fatalf("%s: want one match, got %v %v", pattern, m, err)
	}
	return m[0]
}

var stepNumber = regexp.MustCompile(`([A-Za-z])Step\d+`)

// canon renders a tree with attributes in order and trimmed text, numbering
// of DisplayNames and variables normalized (Dataverse's counters are not in
// document order), DisplayName descriptions and branch descriptions dropped.
func canon(e *etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element, depth int)
	walk = func(e *etree.Element, depth int) {
		b.WriteString(strings.Repeat(" ", depth) + "<" + e.FullTag())
		for _, a := range e.Attr {
			v := stepNumber.ReplaceAllString(a.Value, "${1}Step#")
			if a.Key == "DisplayName" {
				v, _, _ = strings.Cut(v, ":")
			}
			b.WriteString(" " + a.FullKey() + "=" + v)
		}
		b.WriteString(">")
		if !(e.FullTag() == "x:String" && e.SelectAttrValue("x:Key", "") == "Description") {
			b.WriteString(stepNumber.ReplaceAllString(strings.TrimSpace(e.Text()), "${1}Step#"))
		}
		b.WriteString("\n")
		for _, c := range e.ChildElements() {
			walk(c, depth+1)
		}
	}
	walk(e, 0)
	return b.String()
}

// remap renders doc and replaces ids (both cases) as ids says, then re-parses it.
func remap(t *testing.T, doc *etree.Document, ids map[string]string) *etree.Document {
	t.Helper()
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	for from, to := range ids {
		s = strings.ReplaceAll(s, from, to)
		s = strings.ReplaceAll(s, strings.ToUpper(from), strings.ToUpper(to))
		s = strings.ReplaceAll(s, strings.ReplaceAll(from, "-", ""), strings.ReplaceAll(to, "-", ""))
	}
	out := etree.NewDocument()
	if err := out.ReadFromString(s); err != nil {
		t.Fatal(err)
	}
	return out
}

// realIDs maps the project's flow, stage and step ids to a real export's, in
// document order.
func realIDs(t *testing.T, p *compiler.Project, f *compiler.Flow, real *etree.Document) map[string]string {
	t.Helper()
	ids := map[string]string{p.FlowID(f): canonicalID(strings.TrimPrefix(real.Root().SelectAttrValue("x:Class", ""), "XrmWorkflow"))}
	stages := keyed(real.Root(), "StageId")
	steps := keyed(real.Root(), "ProcessStepId")
	i := 0
	for si, s := range f.Stages {
		ids[p.StageID(f, s)] = stages[si]
		for _, st := range s.Steps {
			ids[p.StepID(f, s, st)] = steps[i]
			i++
		}
	}
	if len(stages) != len(f.Stages) || i != len(steps) {
		t.Fatalf("project has %d stages, %d steps; export %d, %d", len(f.Stages), i, len(stages), len(steps))
	}
	return ids
}

func canonicalID(hex string) string {
	return hex[0:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:]
}

// keyed returns the texts of every x:String with the given x:Key, in document order.
func keyed(root *etree.Element, key string) []string {
	var out []string
	for _, e := range root.FindElements("//x:String") {
		if e.SelectAttrValue("x:Key", "") == key {
			out = append(out, e.Text())
		}
	}
	return out
}

func TestConformancePackageReview(t *testing.T) {
	dir := filepath.Join(conformanceDir(t), "powerplatform-rules-engine", "Workflows")
	realXAML := readDoc(t, glob(t, filepath.Join(dir, "*.xaml")))
	realData := readDoc(t, glob(t, filepath.Join(dir, "*.xaml.data.xml")))
	p, f := packageReviewProject()
	ids := realIDs(t, p, f, realXAML)
	if diff := cmp.Diff(canon(realXAML.Root()), canon(remap(t, withoutNames(FlowXAML(p, f)), ids).Root())); diff != "" {
		t.Errorf("XAML differs from the export (-export +bpfc):\n%s", diff)
	}
	if diff := cmp.Diff(canon(realData.Root()), canon(remap(t, FlowData(p, f), ids).Root())); diff != "" {
		t.Errorf("data.xml differs from the export (-export +bpfc):\n%s", diff)
	}
}

func TestConformanceAppApproval(t *testing.T) {
	dir := filepath.Join(conformanceDir(t), "coe-starter-kit", "CenterofExcellenceCoreComponents", "SolutionPackage", "Workflows")
	realXAML := readDoc(t, glob(t, filepath.Join(dir, "*.xaml")))
	realData := readDoc(t, glob(t, filepath.Join(dir, "*.xaml.data.xml")))
	p, f := appApprovalProject()
	ids := realIDs(t, p, f, realXAML)
	if diff := cmp.Diff(canon(realXAML.Root()), canon(remap(t, withoutNames(FlowXAML(p, f)), ids).Root())); diff != "" {
		t.Errorf("XAML differs from the export (-export +bpfc):\n%s", diff)
	}
	// This export predates bpfc's conventions in two places: a role assignment
	// (bpfc writes none) and IntroducedVersion "1.0".
	root := realData.Root()
	root.RemoveChild(root.SelectElement("processroleassignment"))
	root.SelectElement("IntroducedVersion").SetText(introducedVersion)
	if diff := cmp.Diff(canon(root), canon(remap(t, FlowData(p, f), ids).Root())); diff != "" {
		t.Errorf("data.xml differs from the export (-export +bpfc):\n%s", diff)
	}
}

func TestConformanceInstanceEntity(t *testing.T) {
	dir := filepath.Join(conformanceDir(t), "PurchaseRequisitionData", "Entities", "cttech_internalpurchaserequisitionof95")
	real := readDoc(t, filepath.Join(dir, "Entity.xml"))
	realFormula := readDoc(t, filepath.Join(dir, "Formulas", "cttech_internalpurchaserequisitionof95-bpf_duration.xaml"))
	p, f := purchaseRequisitionProject()
	// The export's table was renamed after it was created; bpfc writes one name.
	root := real.Root()
	root.SelectElement("Name").SelectAttr("LocalizedName").Value = f.DisplayName
	root.FindElement("EntityInfo/entity/LocalizedNames/LocalizedName").SelectAttr("description").Value = f.DisplayName
	root.FindElement("EntityInfo/entity/LocalizedCollectionNames/LocalizedCollectionName").SelectAttr("description").Value = f.DisplayName
	var got *etree.Document
	for _, file := range Files(p) {
		if file.Path == "Entities/"+f.InstanceTable+"/Entity.xml" {
			got = file.Doc
		}
	}
	if diff := cmp.Diff(canon(root), canon(got.Root())); diff != "" {
		t.Errorf("Entity.xml differs from the export (-export +bpfc):\n%s", diff)
	}
	if diff := cmp.Diff(canon(realFormula.Root()), canon(DurationFormula(p, f).Root())); diff != "" {
		t.Errorf("bpf_duration formula differs from the export (-export +bpfc):\n%s", diff)
	}
}

// TestConformanceIDs checks the id cross-references of every BPF, the real
// exports first (so the check itself is right), then bpfc's.
func TestConformanceIDs(t *testing.T) {
	conf := conformanceDir(t)
	xamls, _ := filepath.Glob(filepath.Join(conf, "*", "Workflows", "*.xaml"))
	more, _ := filepath.Glob(filepath.Join(conf, "*", "*", "SolutionPackage", "Workflows", "*.xaml"))
	xamls = append(xamls, more...)
	if len(xamls) < 3 {
		t.Fatalf("found %d real BPF exports, want 3", len(xamls))
	}
	for _, x := range xamls {
		for _, problem := range idProblems(readDoc(t, x), readDoc(t, x+".data.xml")) {
			t.Errorf("%s: %s", filepath.Base(x), problem)
		}
	}
	tp := newTestProject()
	for _, f := range tp.p.Flows {
		for _, problem := range idProblems(FlowXAML(tp.p, f), FlowData(tp.p, f)) {
			t.Errorf("flow %s: %s", f.Name, problem)
		}
	}
}

// idProblems applies the id rules of formats.md: StageId and ProcessStepId
// equal their StepLabel and the data file's labels (same order, both ways);
// every SetNextStage, NextStageId, StageRelationship and stage trigger names a stage.
func idProblems(xaml, data *etree.Document) []string {
	var problems []string
	var order []string
	stages := map[string]bool{}
	// Pre-order: a stage's id, then the ids of the steps inside it.
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if e.FullTag() == "mxswa:ActivityReference.Properties" {
			for _, key := range []string{"StageId", "ProcessStepId"} {
				for _, c := range e.ChildElements() {
					if c.SelectAttrValue("x:Key", "") != key {
						continue
					}
					id := c.Text()
					order = append(order, id)
					if key == "StageId" {
						stages[id] = true
					}
					if l := e.FindElement("sco:Collection/mcwo:StepLabel"); l == nil || l.SelectAttrValue("LabelId", "") != id {
						problems = append(problems, key+" "+id+" has no StepLabel with its id")
					}
				}
			}
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(xaml.Root())
	var labels []string
	for _, l := range data.FindElements("//labels/steplabels") {
		labels = append(labels, strings.Trim(l.SelectAttrValue("id", ""), "{}"))
	}
	if !slices.Equal(order, labels) {
		problems = append(problems, "stage and step ids "+strings.Join(order, ",")+" differ from the data file's labels "+strings.Join(labels, ","))
	}
	refer := func(what, id string) {
		if !stages[id] {
			problems = append(problems, what+" "+id+" names no stage")
		}
	}
	for _, e := range xaml.FindElements("//mcwc:SetNextStage") {
		refer("SetNextStage ParentStageId", e.SelectAttrValue("ParentStageId", ""))
		refer("SetNextStage StageId", e.SelectAttrValue("StageId", ""))
	}
	for _, id := range keyed(xaml.Root(), "NextStageId") {
		refer("NextStageId", id)
	}
	for _, e := range xaml.FindElements("//mcwb:StageRelationship") {
		refer("StageRelationship SourceStageId", e.SelectAttrValue("SourceStageId", ""))
		refer("StageRelationship TargetStageId", e.SelectAttrValue("TargetStageId", ""))
	}
	for _, e := range xaml.FindElements("//mcwo:ProcessTriggerData") {
		if strings.HasPrefix(e.SelectAttrValue("Event", ""), "STAGE") {
			refer("ProcessTriggerData FilterId", e.SelectAttrValue("FilterId", ""))
		}
	}
	return problems
}
