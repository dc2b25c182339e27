package solution

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// Fixed values of every manifest bpfc writes. importExportVersion is the
// Dataverse version the files claim to come from (a 2023 online release, the
// same schema the conformance exports use); an environment refuses solutions
// from a newer version than its own, so it is kept low and fixed.
const (
	importExportVersion = "9.2.23021.184"
	languageCode        = "1033"
)

// Solution component types and root component behaviours, as Dataverse numbers them.
const (
	ComponentEntity   = 1
	ComponentRole     = 20
	ComponentWorkflow = 29

	BehaviorInclude = 0 // the component and all its subcomponents
	BehaviorShell   = 2 // the table definition only (a standard table the solution extends)
)

// RootComponent is one entry of the manifest's RootComponents.
type RootComponent struct {
	Type       int
	SchemaName string // tables
	ID         string // roles and workflows: lowercase GUID without braces
	Behavior   int
}

// RootComponents lists the solution's root components in manifest order:
// by numeric type, then by schema name or id. Tables: every custom table and
// every flow's instance table (behaviour 0) and the standard tables the
// project adds columns to (shells, behaviour 2); external tables are not
// shipped. Roles (20) and every flow and classic workflow (29) by id.
func RootComponents(p *compiler.Project) []RootComponent {
	var out []RootComponent
	seen := map[string]bool{}
	addTable := func(name string, behavior int) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		out = append(out, RootComponent{Type: ComponentEntity, SchemaName: name, Behavior: behavior})
	}
	for _, t := range p.Tables {
		if t.External {
			continue
		}
		switch {
		case t.Custom:
			addTable(t.Name, BehaviorInclude)
		case t.Extended && t.Standard:
			addTable(t.Name, BehaviorShell)
		}
	}
	for _, f := range p.Flows {
		addTable(f.InstanceTable, BehaviorInclude)
	}
	for _, r := range p.Roles {
		if builtinRoles[r.Name] {
			continue
		}
		out = append(out, RootComponent{Type: ComponentRole, ID: p.RoleID(r)})
	}
	for _, f := range p.Flows {
		out = append(out, RootComponent{Type: ComponentWorkflow, ID: p.FlowID(f)})
	}
	for _, w := range p.Workflows {
		out = append(out, RootComponent{Type: ComponentWorkflow, ID: p.WorkflowID(w)})
	}
	slices.SortFunc(out, func(a, b RootComponent) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.SchemaName, b.SchemaName), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// missingDependency is one table the solution needs but does not ship.
type missingDependency struct {
	table, tableDisplay string
	dependentID         string // a flow or workflow
	dependentDisplay    string
}

// missingDependencies lists, for every external table, the flows and
// workflows that use it: Dataverse checks them before an import starts.
func missingDependencies(p *compiler.Project) []missingDependency {
	var out []missingDependency
	add := func(table, id, display string) {
		t := p.Table(table)
		if t == nil || !t.External {
			return
		}
		md := missingDependency{table: t.Name, tableDisplay: cmp.Or(t.DisplayName, t.Name), dependentID: id, dependentDisplay: display}
		if !slices.Contains(out, md) {
			out = append(out, md)
		}
	}
	for _, f := range p.Flows {
		for _, tb := range f.Tables() {
			add(tb, p.FlowID(f), cmp.Or(f.DisplayName, f.Name))
		}
	}
	for _, w := range p.Workflows {
		add(w.Table, p.WorkflowID(w), cmp.Or(w.DisplayName, w.Name))
	}
	slices.SortFunc(out, func(a, b missingDependency) int {
		return cmp.Or(cmp.Compare(a.table, b.table), cmp.Compare(a.dependentID, b.dependentID))
	})
	return out
}

// SolutionXML builds Other/Solution.xml (solution.xml in archives): the
// manifest with the solution, its publisher, the root components and the
// missing dependencies. managed sets <Managed> (0 or 1), the only difference
// between a managed and an unmanaged manifest.
func SolutionXML(p *compiler.Project, managed bool) *etree.Document {
	s := p.Solution
	doc, root := newDoc("ImportExportXml",
		"version", importExportVersion,
		"SolutionPackageVersion", "9.2",
		"languagecode", languageCode,
		"generatedBy", "CrmLive",
		"xmlns:xsi", xsiNamespace)
	m := elem(root, "SolutionManifest")
	textElem(m, "UniqueName", s.Name)
	localizedNames(m, "LocalizedNames", "LocalizedName", cmp.Or(s.DisplayName, s.Name))
	localizedNames(m, "Descriptions", "Description", s.Description)
	textElem(m, "Version", VersionString(s))
	textElem(m, "Managed", boolDigit(managed))

	pub := elem(m, "Publisher")
	pb := s.Publisher
	if pb == nil {
		pb = &compiler.Publisher{}
	}
	textElem(pub, "UniqueName", pb.Name)
	localizedNames(pub, "LocalizedNames", "LocalizedName", cmp.Or(pb.DisplayName, pb.Name))
	elem(pub, "Descriptions")
	nilElem(pub, "EMailAddress")
	nilElem(pub, "SupportingWebsiteUrl")
	textElem(pub, "CustomizationPrefix", pb.Prefix)
	textElem(pub, "CustomizationOptionValuePrefix", strconv.Itoa(pb.OptionValuePrefix))
	addrs := elem(pub, "Addresses")
	for n := 1; n <= 2; n++ {
		publisherAddress(addrs, n)
	}

	rcs := elem(m, "RootComponents")
	for _, rc := range RootComponents(p) {
		e := elem(rcs, "RootComponent", "type", strconv.Itoa(rc.Type))
		if rc.SchemaName != "" {
			e.CreateAttr("schemaName", rc.SchemaName)
		} else {
			e.CreateAttr("id", braced(rc.ID))
		}
		e.CreateAttr("behavior", strconv.Itoa(rc.Behavior))
	}

	mds := elem(m, "MissingDependencies")
	for _, md := range missingDependencies(p) {
		e := elem(mds, "MissingDependency")
		elem(e, "Required", "type", strconv.Itoa(ComponentEntity), "schemaName", md.table, "displayName", md.tableDisplay)
		elem(e, "Dependent", "type", strconv.Itoa(ComponentWorkflow), "displayName", md.dependentDisplay, "id", braced(md.dependentID))
	}
	return doc
}

// publisherAddress writes one of the two empty addresses every publisher has.
func publisherAddress(parent *etree.Element, n int) {
	a := elem(parent, "Address")
	textElem(a, "AddressNumber", strconv.Itoa(n))
	textElem(a, "AddressTypeCode", "1")
	for _, tag := range []string{"City", "County", "Country", "Fax", "FreightTermsCode",
		"ImportSequenceNumber", "Latitude", "Line1", "Line2", "Line3", "Longitude", "Name",
		"PostalCode", "PostOfficeBox", "PrimaryContactName"} {
		nilElem(a, tag)
	}
	textElem(a, "ShippingMethodCode", "1")
	for _, tag := range []string{"StateOrProvince", "Telephone1", "Telephone2", "Telephone3",
		"TimeZoneRuleVersionNumber", "UPSZone", "UTCOffset", "UTCConversionTimeZoneCode"} {
		nilElem(a, tag)
	}
}

// localizedNames writes <outer><inner description=text languagecode=1033 /></outer>,
// or <outer /> when text is empty.
func localizedNames(parent *etree.Element, outer, inner, text string) {
	e := elem(parent, outer)
	if text != "" {
		elem(e, inner, "description", text, "languagecode", languageCode)
	}
}

// VersionString is the solution version in canonical form (no leading zeros).
func VersionString(s *compiler.Solution) string {
	v := s.VersionNums
	if v == [4]int{} && s.Version != "" {
		return s.Version
	}
	return fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3])
}

// ArchiveName is the file name Dataverse gives an export:
// <Solution>_<1>_<2>_<3>_<4>.zip, with _managed before .zip for managed.
func ArchiveName(s *compiler.Solution, managed bool) string {
	v := s.VersionNums
	name := fmt.Sprintf("%s_%d_%d_%d_%d", s.Name, v[0], v[1], v[2], v[3])
	if managed {
		name += "_managed"
	}
	return name + ".zip"
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func braced(id string) string { return "{" + id + "}" }
