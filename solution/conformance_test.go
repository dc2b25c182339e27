package solution

import (
	"bytes"
	"cmp"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// The conformance corpus: real Dataverse exports (see its README.md);
// BPFC_CONFORMANCE overrides where it is.
var conformance = cmp.Or(os.Getenv("BPFC_CONFORMANCE"), "../../shared/conformance")

func conformancePath(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(conformance, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skipf("conformance corpus not available: %v", err)
	}
	return p
}

func conformanceXML(t *testing.T, rel string) *etree.Document {
	t.Helper()
	b, err := os.ReadFile(conformancePath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseXML(b)
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return doc
}

func conformanceArchive(t *testing.T, rel string) *Archive {
	t.Helper()
	a, err := ReadArchiveFile(conformancePath(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// childTags lists the element children of e, repeated siblings collapsed.
func childTags(e *etree.Element) []string {
	var out []string
	for _, c := range e.ChildElements() {
		if len(out) == 0 || out[len(out)-1] != c.FullTag() {
			out = append(out, c.FullTag())
		}
	}
	return out
}

func attrKeys(e *etree.Element) []string {
	var out []string
	for _, a := range e.Attr {
		out = append(out, a.FullKey())
	}
	return out
}

// isSubsequence reports whether every element of sub appears in seq, in order.
func isSubsequence(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}

const (
	rulesZip      = "powerplatform-rules-engine/OrganizationalPackageReview_1_0_0_4.zip"
	managedZip    = "terraform-provider-power-platform/examples/resources/powerplatform_managed_solution/TerraformSolutionExample_1_0_0_1_managed.zip"
	complexZip    = "terraform-provider-power-platform/examples/resources/powerplatform_solution/TerraformTestSolution_Complex_1_1_0_0.zip"
	rulesSolution = "powerplatform-rules-engine/Other/Solution.xml"
)

func TestSolutionXMLMatchesConformance(t *testing.T) {
	ours := SolutionXML(testProject(), false).Root()
	for _, src := range []string{rulesSolution, "PurchaseRequisitionData/Other/Solution.xml"} {
		real := conformanceXML(t, src).Root()
		if !isSubsequence(attrKeys(ours), attrKeys(real)) {
			t.Errorf("%s: ImportExportXml attributes %v not in the order of %v", src, attrKeys(ours), attrKeys(real))
		}
		for _, path := range []string{"SolutionManifest", "SolutionManifest/Publisher", "SolutionManifest/Publisher/Addresses/Address"} {
			o, r := ours.FindElement(path), real.FindElement(path)
			if diff := gocmp.Diff(childTags(r), childTags(o)); diff != "" {
				t.Errorf("%s: children of %s differ (-real +ours):\n%s", src, path, diff)
			}
		}
	}
	// Root component and missing dependency shapes.
	real := conformanceXML(t, "PurchaseRequisitionData/Other/Solution.xml").Root()
	rc := real.FindElement("SolutionManifest/RootComponents/RootComponent")
	for _, e := range ours.FindElements("SolutionManifest/RootComponents/RootComponent") {
		keys := attrKeys(e)
		if !slices.Equal(keys, attrKeys(rc)) && !slices.Equal(keys, []string{"type", "id", "behavior"}) {
			t.Errorf("RootComponent attributes %v", keys)
		}
	}
	mdReal := conformanceXML(t, rulesSolution).Root().FindElement("SolutionManifest/MissingDependencies/MissingDependency")
	mdOurs := ours.FindElement("SolutionManifest/MissingDependencies/MissingDependency")
	if mdOurs == nil || !slices.Equal(childTags(mdOurs), childTags(mdReal)) {
		t.Errorf("MissingDependency shape %v, want %v", childTags(mdOurs), childTags(mdReal))
	}
}

func TestCustomizationsXMLMatchesConformance(t *testing.T) {
	ours := childTags(CustomizationsXML().Root())
	real := childTags(conformanceXML(t, "powerplatform-rules-engine/Other/Customizations.xml").Root())
	if !isSubsequence(ours, real) {
		t.Errorf("sections %v are not in Dataverse's order %v", ours, real)
	}
	for _, z := range []string{rulesZip, managedZip, complexZip} {
		doc, err := conformanceArchive(t, z).XML("customizations.xml")
		if err != nil {
			t.Fatal(err)
		}
		real := childTags(doc.Root())
		if !isSubsequence(ours, real) {
			t.Errorf("%s: sections %v are not in the export's order %v", z, ours, real)
		}
		// Every section an export has is placed in order when a packed tree brings it.
		if !isSubsequence(real, customizationSections) {
			t.Errorf("%s: customizationSections %v lacks or misorders %v", z, customizationSections, real)
		}
	}
	// Without connection references, the terraform exports have exactly our sections.
	doc, _ := conformanceArchive(t, managedZip).XML("customizations.xml")
	want := slices.DeleteFunc(childTags(doc.Root()), func(s string) bool { return s == "connectionreferences" })
	if diff := gocmp.Diff(want, ours); diff != "" {
		t.Errorf("sections differ from the managed export (-real +ours):\n%s", diff)
	}
}

func TestContentTypesMatchConformance(t *testing.T) {
	a := conformanceArchive(t, managedZip)
	var parts []part
	for _, n := range a.Names() {
		if n != "[Content_Types].xml" {
			parts = append(parts, part{name: n})
		}
	}
	if got, want := contentTypes(parts), a.File("[Content_Types].xml"); !bytes.Equal(got, want) {
		t.Errorf("[Content_Types].xml:\n got %q\nwant %q", got, want)
	}
	// The rules engine export: xml, xaml, json, msapp and an extensionless part.
	r := conformanceArchive(t, rulesZip)
	parts = nil
	for _, n := range r.Names() {
		if n != "[Content_Types].xml" {
			parts = append(parts, part{name: n})
		}
	}
	if got, want := contentTypes(parts), r.File("[Content_Types].xml"); !bytes.Equal(got, want) {
		t.Errorf("[Content_Types].xml:\n got %q\nwant %q", got, want)
	}
}

// TestVariableXMLMatchesConformance renders variables like the real
// definitions and compares bytes (line endings aside: the unpacked files in
// the corpus have LF, archive entries CRLF).
func TestVariableXMLMatchesConformance(t *testing.T) {
	for _, tc := range []struct {
		src string
		v   compiler.Variable
		fix func(string) string
	}{
		{src: "powercat-business-approvals-kit/BusinessApprovalKit/SolutionPackage/src/environmentvariabledefinitions/cat_ApprovalKitOrgUrl/environmentvariabledefinition.xml",
			// No default and isrequired 0: an optional variable (required = false).
			v: compiler.Variable{SchemaName: "cat_ApprovalKitOrgUrl", Type: compiler.VarString, DisplayName: "Approval Kit Org Url",
				Description: "InstanceUrl of the installed Approval Kit to connect to", Optional: true}},
		{src: "powercat-business-approvals-kit/BusinessApprovalKit/SolutionPackage/src/environmentvariabledefinitions/cat_EnableOffice365MailboxSettings/environmentvariabledefinition.xml",
			v: compiler.Variable{SchemaName: "cat_EnableOffice365MailboxSettings", Type: compiler.VarBoolean, Default: cty.False,
				DisplayName: "Enable Office 365 Mailbox Settings",
				Description: "Activate this feature by setting it to 'Yes' to retrieve Out-of-Office (OOF) and Working Hours settings from users' mailbox configurations."},
			fix: func(s string) string { return strings.Replace(s, "1.1.0.13", introducedVersion, 1) }},
		{src: "powercat-business-approvals-kit/BusinessApprovalKit/SolutionPackage/src/environmentvariabledefinitions/cat_OutOfOfficeCheckDays/environmentvariabledefinition.xml",
			v: compiler.Variable{SchemaName: "cat_OutOfOfficeCheckDays", Type: compiler.VarNumber, Default: cty.NumberIntVal(0),
				DisplayName: "Out Of Office Check Days",
				Description: "This variable will hold the difference in days permitted between a user's Out of Office (OOF) end date and the current date."},
			fix: func(s string) string { return strings.Replace(s, "1.1.0.13", introducedVersion, 1) }},
		{src: "coe-starter-kit/CenterofExcellenceCoreComponents/SolutionPackage/environmentvariabledefinitions/admin_CommandCenterClientAzureSecret/environmentvariabledefinition.xml",
			v: compiler.Variable{SchemaName: "admin_CommandCenterClientAzureSecret", Type: compiler.VarSecret,
				Default:     cty.StringVal("never written"),
				DisplayName: "Command Center - Client Azure Secret",
				Description: "Azure Key Vault ID of the Client Secret for the app registered to fetch M365 Service Messages. Use only if you have stored your secret in Azure Key Vault. Leave empty otherwise."},
			fix: func(s string) string { return strings.Replace(s, "3.20.8", introducedVersion, 1) }},
	} {
		t.Run(tc.v.SchemaName, func(t *testing.T) {
			want, err := os.ReadFile(conformancePath(t, tc.src))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := VariableXML(&tc.v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := marshalXML(doc, treeFraming(VariablePath(&tc.v)))
			if err != nil {
				t.Fatal(err)
			}
			w := string(want)
			if tc.fix != nil {
				w = tc.fix(w)
			}
			if diff := gocmp.Diff(w, strings.ReplaceAll(string(got), "\r\n", "\n")); diff != "" {
				t.Errorf("(-real +ours):\n%s", diff)
			}
		})
	}
	// Archive entries of the managed export, CRLF and all: byte-identical.
	a := conformanceArchive(t, managedZip)
	for _, v := range []compiler.Variable{
		{SchemaName: "terr_SolutionVariableText", Type: compiler.VarString, DisplayName: "SolutionVariableText", Optional: true},
		{SchemaName: "terr_SolutionVariableJson", Type: compiler.VarJSON, DisplayName: "SolutionVariableJson", Optional: true},
	} {
		doc, err := VariableXML(&v)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := marshalXML(doc, bare)
		if want := a.File(VariablePath(&v)); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", v.SchemaName, got, want)
		}
	}
}

// rulesEngineTree is the part of the rules engine's unpacked tree that the
// corpus holds: the manifest, the customizations skeleton, the BPF's instance
// table and the BPF itself.
func rulesEngineTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, rel := range []string{
		"Other/Solution.xml",
		"Other/Customizations.xml",
		"Entities/bac_packagereviewprocess/Entity.xml",
		"Workflows/PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400.xaml",
		"Workflows/PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400.xaml.data.xml",
	} {
		b, err := os.ReadFile(conformancePath(t, "powerplatform-rules-engine/"+rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The table's formula, which the corpus's tree lacks and its Entity.xml
	// names: from the exported archive, where SolutionPackager would have
	// put it.
	f := conformanceArchive(t, rulesZip).File(rulesFormula)
	if f == nil {
		t.Fatalf("%s is not in the export", rulesFormula)
	}
	p := filepath.Join(dir, "Entities", "bac_packagereviewprocess", filepath.FromSlash(rulesFormula))
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, f, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rulesFormula is the rules engine's BPF duration formula, as its archive
// names it.
const rulesFormula = "Formulas/bac_packagereviewprocess-bpf_duration.xaml"

// TestPackRealTree packs SolutionPackager files of a real export and compares
// the result with the archive Dataverse exported for the same solution.
func TestPackRealTree(t *testing.T) {
	dir := rulesEngineTree(t)
	var buf bytes.Buffer
	if err := Pack(dir, &buf); err != nil {
		t.Fatal(err)
	}
	ours, err := ReadArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	real := conformanceArchive(t, rulesZip)

	// solution.xml: byte-identical (RootComponents re-sorted numerically, CRLF, no BOM).
	if diff := gocmp.Diff(string(real.File("solution.xml")), string(ours.File("solution.xml"))); diff != "" {
		t.Errorf("solution.xml (-dataverse +packed):\n%s", diff)
	}
	// The XAML entry is the tree's file, byte for byte, as in the export.
	x := "Workflows/PackageReviewProcess-C9064D35-616B-ED11-81AC-000D3AF4F400.xaml"
	if !bytes.Equal(real.File(x), ours.File(x)) {
		t.Errorf("%s differs from the export", x)
	}
	if got := ours.Names(); !slices.Equal(got, []string{"customizations.xml", "solution.xml", rulesFormula, x, "[Content_Types].xml"}) {
		t.Errorf("entries %v", got)
	}
	if !bytes.Equal(real.File(rulesFormula), ours.File(rulesFormula)) {
		t.Errorf("%s differs from the export", rulesFormula)
	}

	// Without the formula its Entity.xml names, the tree does not pack.
	if err := os.Remove(filepath.Join(dir, "Entities", "bac_packagereviewprocess", filepath.FromSlash(rulesFormula))); err != nil {
		t.Fatal(err)
	}
	if err := Pack(dir, io.Discard); err == nil || !strings.Contains(err.Error(), "names /"+rulesFormula+", which the tree does not have") {
		t.Errorf("a tree without the formula its table names: %v", err)
	}

	// The merged workflow and the table's definition equal the export's.
	oc, _ := ours.XML("customizations.xml")
	rc, _ := real.XML("customizations.xml")
	subtree := func(doc *etree.Document, path string) string {
		e := doc.FindElement(path)
		if e == nil {
			t.Fatalf("%s not found", path)
		}
		d := etree.NewDocument()
		d.SetRoot(e.Copy())
		b, err := marshalXML(d, bare)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	wf := "/ImportExportXml/Workflows/Workflow[@WorkflowId='{c9064d35-616b-ed11-81ac-000d3af4f400}']"
	if diff := gocmp.Diff(subtree(rc, wf), subtree(oc, wf)); diff != "" {
		t.Errorf("Workflow (-dataverse +packed):\n%s", diff)
	}
	ent := "/ImportExportXml/Entities/Entity[Name='bac_packagereviewprocess']/EntityInfo"
	if diff := gocmp.Diff(subtree(rc, ent), subtree(oc, ent)); diff != "" {
		t.Errorf("EntityInfo (-dataverse +packed):\n%s", diff)
	}
	if got, want := childTags(oc.Root()), childTags(rc.Root()); !slices.Equal(got, want) {
		t.Errorf("sections %v, want %v", got, want)
	}
}

func TestReadConformanceArchives(t *testing.T) {
	for _, z := range []string{rulesZip, managedZip, complexZip} {
		a := conformanceArchive(t, z)
		if n := a.Names(); n[0] != "customizations.xml" {
			t.Errorf("%s: first entry %s", z, n[0])
		}
		// Every XML entry of a real export survives a parse and re-serialisation
		// unchanged: the writer is Dataverse's format.
		for _, n := range a.Names() {
			if !strings.HasSuffix(n, ".xml") || n == "[Content_Types].xml" {
				continue
			}
			doc, err := a.XML(n)
			if err != nil {
				t.Fatalf("%s %s: %v", z, n, err)
			}
			got, err := marshalXML(doc, bare)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, a.File(n)) {
				t.Errorf("%s %s: re-serialised bytes differ:\n%s", z, n, gocmp.Diff(string(a.File(n)), string(got)))
			}
		}
	}
}
