package emit

import (
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
)

// exportRelationships returns the <EntityRelationship> elements of the
// rules-engine export's customizations.xml, in the export's order.
func exportRelationships(t *testing.T) []*etree.Element {
	t.Helper()
	rels := exportCustomizations(t).FindElements("/ImportExportXml/EntityRelationships/EntityRelationship")
	if len(rels) == 0 {
		t.Fatal("the export has no <EntityRelationship>")
	}
	return rels
}

// shape renders an element's tree of tags and attribute names, without text.
func shape(e *etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element, depth int)
	walk = func(e *etree.Element, depth int) {
		b.WriteString(strings.Repeat(" ", depth) + e.FullTag())
		for _, a := range e.Attr {
			b.WriteString(" @" + a.FullKey())
		}
		b.WriteString("\n")
		for _, c := range e.ChildElements() {
			walk(c, depth+1)
		}
	}
	walk(e, 0)
	return b.String()
}

// TestRelationshipShape: every relationship bpfc writes has the element
// names, order and attributes of the export's lookup relationships (those
// with navigation roles: custom lookups and the instance-table lookup).
func TestRelationshipShape(t *testing.T) {
	want := ""
	for _, e := range exportRelationships(t) {
		if e.SelectElement("EntityRelationshipRoles") == nil {
			continue // a system relationship (lk_*, owner_*, …): bpfc writes none
		}
		if want == "" {
			want = shape(e)
		} else if s := shape(e); s != want {
			t.Fatalf("the export's lookup relationships differ in shape:\n%s", cmp.Diff(want, s))
		}
	}
	rels := Relationships(newTestProject().p)
	if len(rels) == 0 {
		t.Fatal("the test project has no relationships")
	}
	for _, r := range rels {
		if diff := cmp.Diff(want, shape(RelationshipElement(r))); diff != "" {
			t.Errorf("%s (-export +bpfc):\n%s", r.Name, diff)
		}
	}
}

// TestRelationshipOrder: Dataverse lists relationships by name ignoring
// case ('_' before letters), and so does bpfc.
func TestRelationshipOrder(t *testing.T) {
	var names []string
	for _, e := range exportRelationships(t) {
		names = append(names, e.SelectAttrValue("Name", ""))
	}
	sorted := slices.Clone(names)
	slices.SortStableFunc(sorted, func(a, b string) int {
		if lessFold(a, b) {
			return -1
		}
		if lessFold(b, a) {
			return 1
		}
		return 0
	})
	if diff := cmp.Diff(names, sorted); diff != "" {
		t.Errorf("the export's order is not lessFold's (-export +sorted):\n%s", diff)
	}
}

// TestConformanceRelationships rebuilds relationships of the rules-engine
// export from the same definitions: two custom lookups (one to a table
// outside the solution) and the instance table's lookup.
func TestConformanceRelationships(t *testing.T) {
	real := map[string]*etree.Element{}
	for _, e := range exportRelationships(t) {
		real[e.SelectAttrValue("Name", "")] = e
	}
	p, _ := packageReviewProject()
	p.Tables = append(p.Tables,
		table("bac_rule", "Rule", col("bac_name", "Name", compiler.TypeString)),
		table("bac_assignment", "Assignment",
			&compiler.Column{Name: "bac_rule", DisplayName: "Rule", Type: compiler.TypeLookup, Target: "bac_rule"},
			&compiler.Column{Name: "bac_person", DisplayName: "Person", Type: compiler.TypeLookup, Target: "aaduser"}))
	got := map[string]Relationship{}
	for _, r := range Relationships(p) {
		got[r.Name] = r
	}
	for _, name := range []string{"bac_bac_assignment_Rule_bac_rule", "bac_bac_assignment_Person_aaduser", "bpf_bac_package_bac_packagereviewprocess"} {
		r, ok := got[name]
		if !ok {
			t.Errorf("no relationship %s; bpfc wrote %v", name, keysOf(got))
			continue
		}
		if diff := cmp.Diff(canon(real[name]), canon(RelationshipElement(r))); diff != "" {
			t.Errorf("%s differs from the export (-export +bpfc):\n%s", name, diff)
		}
	}
	if len(got) != 3 {
		t.Errorf("relationships %v, want the three above", keysOf(got))
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestRelationshipFiles: SolutionPackager's layout. Each file holds the
// relationships pointing at the table it is named after, sorted; the index
// names them all; every declared lookup and customer column and every
// instance lookup has its relationships; every stage relationship through a
// shipped lookup names one of them.
func TestRelationshipFiles(t *testing.T) {
	tp := newTestProject()
	files := map[string]*etree.Document{}
	for _, f := range Files(tp.p) {
		if strings.HasPrefix(f.Path, "Other/") {
			files[f.Path] = f.Doc
		}
	}
	var all []string
	for path, doc := range files {
		if path == "Other/Relationships.xml" {
			continue
		}
		entity := strings.TrimSuffix(strings.TrimPrefix(path, "Other/Relationships/"), ".xml")
		var names []string
		for _, e := range doc.Root().SelectElements("EntityRelationship") {
			names = append(names, e.SelectAttrValue("Name", ""))
			if got := e.SelectElement("ReferencedEntityName").Text(); got != entity {
				t.Errorf("%s: %s points at %s", path, names[len(names)-1], got)
			}
		}
		if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
			t.Errorf("%s: not sorted: %v", path, names)
		}
		all = append(all, names...)
	}
	slices.SortFunc(all, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	var index []string
	for _, e := range files["Other/Relationships.xml"].Root().SelectElements("EntityRelationship") {
		index = append(index, e.SelectAttrValue("Name", ""))
	}
	if diff := cmp.Diff(all, index); diff != "" {
		t.Errorf("Other/Relationships.xml lists (-files +index):\n%s", diff)
	}
	want := []string{
		"bpf_contact_cts_quickcontactupdate", "bpf_cts_project_cts_leadtoopportunity", "bpf_lead_cts_leadtoopportunity",
		"bpf_opportunity_cts_leadtoopportunity", "cts_cts_project_Customer_account", "cts_cts_project_Customer_contact",
		"cts_cts_project_Opportunityid_opportunity", "cts_cts_project_Sponsor_contact",
	}
	if diff := cmp.Diff(want, index); diff != "" {
		t.Errorf("relationships (-want +got):\n%s", diff)
	}
	for _, f := range tp.p.Flows {
		for _, e := range FlowXAML(tp.p, f).FindElements("//mcwb:StageRelationship") {
			col := e.SelectAttrValue("AttributeName", "")
			name := e.SelectAttrValue("RelationshipName", "")
			if strings.HasPrefix(col, "cts_") && !slices.Contains(index, name) {
				t.Errorf("flow %s: StageRelationship through %s names %s, which the solution does not carry", f.Name, col, name)
			}
		}
	}
}
