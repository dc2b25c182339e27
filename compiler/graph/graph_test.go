package graph

import (
	"bytes"
	"encoding/xml"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

var update = flag.Bool("update", false, "rewrite the golden files and examples/sales/strategic_deal.svg")

const (
	goldenDir   = "../../testdata/graph"
	salesDir    = "../../examples/sales"
	exampleFlow = "strategic_deal" // a branch on a variable and a cross-table stage
)

func loadProject(t *testing.T, dir string) *compiler.Project {
	t.Helper()
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("loading %s: %v", dir, diags)
	}
	return p
}

func draw(t *testing.T, p *compiler.Project, flow, format string) []byte {
	t.Helper()
	f := p.Flow(flow)
	if f == nil {
		t.Fatalf("no flow %s", flow)
	}
	var b bytes.Buffer
	if err := Write(&b, p, f, format); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func checkFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./compiler/graph -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: go test ./compiler/graph -update rewrites it", path)
	}
}

// TestGolden draws strategic_deal of examples/sales in every format.
func TestGolden(t *testing.T) {
	p := loadProject(t, salesDir)
	for _, format := range Formats {
		ext := map[string]string{"svg": "svg", "dot": "dot", "mermaid": "mmd"}[format]
		got := draw(t, p, exampleFlow, format)
		checkFile(t, filepath.Join(goldenDir, exampleFlow+"."+ext), got)
		// Drawing is deterministic.
		if again := draw(t, p, exampleFlow, format); !bytes.Equal(got, again) {
			t.Errorf("%s: two drawings differ", format)
		}
	}
}

// TestExampleGraph keeps the graph checked in beside the example (and shown
// in the README) in step with the example's sources.
func TestExampleGraph(t *testing.T) {
	p := loadProject(t, salesDir)
	checkFile(t, filepath.Join(salesDir, exampleFlow+".svg"), draw(t, p, exampleFlow, "svg"))
}

// svgText parses an SVG document as XML and returns its character data.
func svgText(t *testing.T, b []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var text strings.Builder
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Space + " " + tok.Name.Local
			}
			for _, a := range tok.Attr {
				if a.Name.Local == "href" {
					t.Errorf("SVG references %s: it must be self-contained", a.Value)
				}
			}
		case xml.CharData:
			text.Write(tok)
			text.WriteString("\n")
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Fatalf("root element is %q", root)
	}
	return text.String()
}

func TestSVGContent(t *testing.T) {
	p := loadProject(t, salesDir)
	text := svgText(t, draw(t, p, exampleFlow, "svg"))
	for _, want := range []string{
		"Strategic Deal Process",
		"1. Qualify", "2. Develop", "3. Approval", "4. Propose", "5. Close",
		"↳ cross-table from lead via originatingleadid",   // the cross-table stage
		"if self.estimatedvalue > var.approval_threshold", // the branch and its condition
		"otherwise",
		"Estimated Budget", "budgetamount", "*", // a required step
		"runs verify_lead",  // an action step
		"category approval", // a category
		"on enter: request_deal_approval",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG has no text %q", want)
		}
	}
}

// TestEscaping draws a flow whose texts hold every character XML, DOT and
// Mermaid give a meaning to.
func TestEscaping(t *testing.T) {
	src := map[string][]byte{"bpfc.hcl": []byte(`
solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "pp" }
}
flow "odd" {
  display_name  = "Odd <flow> & \"quotes\" 'n' #1 \\ back"
  primary_table = "lead"
  stage "end" {
    display_name = "A <b>bold</b> & \"stage\""
    step "s" {
      display_name = "x < y & \"z\""
      column       = "subject"
      required     = true
    }
    branch {
      when = self.subject == "<&\">"
      next = stage.graph
    }
  }
  stage "graph" {}
}
`)}
	p, diags := compiler.LoadSources(src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	svg := draw(t, p, "odd", "svg")
	text := svgText(t, svg)
	for _, want := range []string{`Odd <flow> & "quotes" 'n' #1 \ back`, `1. A <b>bold</b> & "stage"`, `x < y & "z"`, `if self.subject == "<&\">"`} {
		if !strings.Contains(text, want) {
			t.Errorf("SVG text lacks %q:\n%s", want, text)
		}
	}
	dot := string(draw(t, p, "odd", "dot"))
	if !strings.Contains(dot, `label="if self.subject == \"<&\\\">\""`) || !strings.Contains(dot, `Odd <flow> & \"quotes\" 'n' #1 \\ back`) {
		t.Errorf("DOT escaping:\n%s", dot)
	}
	mmd := string(draw(t, p, "odd", "mermaid"))
	if !strings.Contains(mmd, `s_end -.->|"if self.subject == #quot;#lt;#amp;\#quot;#gt;#quot;"| s_graph`) {
		t.Errorf("Mermaid escaping:\n%s", mmd)
	}
	for _, line := range strings.Split(mmd, "\n")[4:] {
		if strings.Count(line, `"`)%2 != 0 || strings.Contains(line, "<flow>") {
			t.Errorf("Mermaid line with unbalanced quotes or raw markup: %s", line)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	p := loadProject(t, salesDir)
	if err := Write(io.Discard, p, p.Flow(exampleFlow), "png"); err == nil {
		t.Fatal("png accepted")
	}
}

func TestLanes(t *testing.T) {
	sides := []*sideEdge{
		{from: 0, to: 3, right: true},
		{from: 0, to: 1, right: true},
		{from: 1, to: 2, right: true},
		{from: 1, to: 3, right: true},
		{from: 0, to: 2, right: false},
	}
	assignLanes(sides)
	got := []int{}
	for _, s := range sides {
		got = append(got, s.lane)
	}
	want := []int{2, 0, 0, 1, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("lanes %v, want %v", got, want)
		}
	}
}

// TestCrossTableFromPredecessors: a stage is drawn as cross-table when a
// move to it comes from a stage on another table, not because the stage
// written before it is on one: here "resolve" follows "visit" in the file,
// but only "identify", on its own table, leads to it.
func TestCrossTableFromPredecessors(t *testing.T) {
	src := map[string][]byte{"bpfc.hcl": []byte(`
solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "pp" }
}
table "pp_visit" {
  column "pp_name" { type = "string" }
  column "pp_caseid" {
    type   = "lookup"
    target = "incident"
  }
}
flow "triage" {
  primary_table = "incident"
  stage "identify" {
    branch {
      when = self.prioritycode == "High"
      next = stage.visit
    }
    next = stage.resolve
  }
  stage "visit" {
    table = "pp_visit"
    next  = null
  }
  stage "resolve" {
    table = "incident"
  }
}
`)}
	p, diags := compiler.LoadSources(src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	g := New(p, p.Flow("triage"))
	for _, n := range g.Nodes {
		want := map[string]string{"visit": "incident"}[n.Name]
		if n.CrossTable != (want != "") || n.FromTable != want {
			t.Errorf("stage %s: CrossTable %v, FromTable %q; want %v, %q", n.Name, n.CrossTable, n.FromTable, want != "", want)
		}
	}
	mmd := string(draw(t, p, "triage", "mermaid"))
	if strings.Contains(mmd, "cross-table from pp_visit") || strings.Contains(mmd, "style s_resolve") {
		t.Errorf("resolve drawn as cross-table from pp_visit:\n%s", mmd)
	}
	if !strings.Contains(mmd, "cross-table from incident via pp_caseid") {
		t.Errorf("visit not drawn as cross-table from incident:\n%s", mmd)
	}
}

// A step named after its column, without a display name, is named once in
// the text formats, not "pp_note (pp_note)".
func TestStepNamedAfterItsColumn(t *testing.T) {
	p, diags := compiler.LoadSources(map[string][]byte{"bpfc.hcl": []byte(`
solution "S" {
  version = "1.0.0.0"
  publisher "p" { prefix = "pp" }
}
flow "f" {
  primary_table = "lead"
  stage "a" {
    step "pp_note" {
      column = "pp_note"
    }
    step "budget" {
      column   = "budgetamount"
      required = true
    }
  }
}
table "lead" {
  column "pp_note" {
    type       = "string"
    max_length = 100
  }
}
`)})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, format := range []string{"mermaid", "dot"} {
		out := string(draw(t, p, "f", format))
		if strings.Contains(out, "pp_note (pp_note)") || !strings.Contains(out, "pp_note") {
			t.Errorf("%s names the step pp_note twice or not at all:\n%s", format, out)
		}
		if !strings.Contains(out, "Budget Amount (budgetamount)") {
			t.Errorf("%s lacks the step budget with its column:\n%s", format, out)
		}
	}
}
