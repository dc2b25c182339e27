package unpack

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// Fuzz targets: whatever the input, reading it never panics, and a project
// it gives always validates.

func seedArchives(f *testing.F) {
	c := conformanceDirOrEmpty(f)
	if c != "" {
		for _, rel := range []string{
			rulesZip,
			"terraform-provider-power-platform/examples/resources/powerplatform_solution/TerraformTestSolution_Complex_1_1_0_0.zip",
			"terraform-provider-power-platform/examples/resources/powerplatform_managed_solution/TerraformSolutionExample_1_0_0_1_managed.zip",
		} {
			if b, err := os.ReadFile(filepath.Join(c, filepath.FromSlash(rel))); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(zipOf(f, solutionWith()...))
	f.Add(zipOf(f, solutionWith(entry{name: "../evil.xml", data: []byte("x")})...))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
}

// conformanceDirOrEmpty is conformanceDir without skipping.
func conformanceDirOrEmpty(t testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "shared", "conformance")); err == nil && st.IsDir() {
			return filepath.Join(d, "shared", "conformance")
		}
	}
	return ""
}

func FuzzReadArchive(f *testing.F) {
	seedArchives(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := ReadArchive(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		checkValid(t, p)
	})
}

// checkValid asserts a project renders to HCL that loads without errors.
func checkValid(t *testing.T, p *compiler.Project) {
	t.Helper()
	files, err := Render(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, diags := compiler.LoadSources(files); diags.HasErrors() {
		t.Fatalf("a project Read returned does not validate: %v", diags)
	}
}

const fuzzManifest = `<ImportExportXml><SolutionManifest><UniqueName>Fuzz</UniqueName><Version>1.0.0.0</Version>` +
	`<Publisher><UniqueName>fuzz</UniqueName><CustomizationPrefix>fz</CustomizationPrefix></Publisher></SolutionManifest></ImportExportXml>`

// readXAML reads one process's XAML as a solution whose only component it
// is: a business process flow (category 4) or a classic workflow (0).
func readXAML(xaml []byte, category string) (*compiler.Project, []Warning, error) {
	doc, err := solution.ParseXML(xaml)
	if err != nil {
		return nil, nil, err
	}
	man, _ := solution.ParseXML([]byte(fuzzManifest))
	rec := etree.NewElement("Workflow")
	rec.CreateAttr("WorkflowId", "{9f0c1d7e-2a3b-4c5d-8e6f-7a8b9c0d1e2f}")
	rec.CreateAttr("Name", "Fuzzed")
	rec.CreateElement("Category").SetText(category)
	rec.CreateElement("OnDemand").SetText("1")
	rec.CreateElement("PrimaryEntity").SetText("lead")
	w := &warnings{}
	src := &source{manifest: man.FindElement("//SolutionManifest"), manifestFile: "solution.xml", optionsets: map[string]*etree.Element{}, optionFiles: map[string]string{}, warnings: w,
		workflows: []*workflowSrc{{data: rec, dataFile: "customizations.xml", xaml: doc, xamlFile: "Workflows/Fuzzed.xaml"}}}
	return build(src, w)
}

func FuzzReadXAML(f *testing.F) {
	if c := conformanceDirOrEmpty(f); c != "" {
		for _, rel := range []string{coeXAML, prXAML, rulesXML} {
			if b, err := os.ReadFile(filepath.Join(c, filepath.FromSlash(rel))); err == nil {
				f.Add(b, "4")
			}
		}
	}
	for _, name := range []string{"LeadtoOpportunitySalesProcess-EC262E65-604D-5C7B-80CF-0EB49BEB402C.xaml", "Openprojectfolder-333784EA-53ED-5FF3-8551-87CD05CFA00F.xaml",
		"Verifylead-BFFF66B1-C814-5AC1-A8F3-C57CE3653ADF.xaml"} {
		b, err := os.ReadFile(filepath.Join(repoRootOrDot(), "testdata", "emit", "Workflows", name))
		if err == nil {
			cat := "0"
			if strings.HasPrefix(name, "Lead") {
				cat = "4"
			}
			f.Add(b, cat)
		}
	}
	f.Add([]byte(`<Activity><mxswa:Workflow xmlns:mxswa="x"/></Activity>`), "4")
	f.Fuzz(func(t *testing.T, xaml []byte, category string) {
		if category != "0" {
			category = "4"
		}
		p, _, err := readXAML(xaml, category)
		if err != nil {
			return
		}
		checkValid(t, p)
	})
}

func repoRootOrDot() string {
	dir, _ := os.Getwd()
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	return "."
}

// TestReadXAMLSeeds: the fuzz seeds read to valid projects with the flows
// and workflows they hold.
func TestReadXAMLSeeds(t *testing.T) {
	for _, rel := range []string{coeXAML, prXAML, rulesXML} {
		b, err := os.ReadFile(conformanceFile(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := readXAML(b, "4")
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if len(p.Flows) != 1 {
			t.Errorf("%s: %d flows", rel, len(p.Flows))
		}
	}
}
