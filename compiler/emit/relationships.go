package emit

import (
	"sort"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// Relationship is one 1:N relationship the solution carries: the lookup
// column ReferencingAttribute on ReferencingEntity points at ReferencedEntity.
// Entity names are as Dataverse writes them (schema names; an instance table
// by its logical name); the attribute is the lookup's physical name.
type Relationship struct {
	Name                 string
	ReferencingEntity    string
	ReferencedEntity     string
	ReferencingAttribute string
	NavigationProperty   string // the referencing side's navigation property
	CascadeDelete        string // RemoveLink for declared lookups, Cascade for instance lookups
	IntroducedVersion    string
}

// Relationships returns every relationship the solution carries, sorted as
// Dataverse sorts them (by name, ignoring case): one per lookup column a
// shipped table declares (custom tables, and the columns added to standard
// tables), two per customer column (to account and to contact), and one per
// instance-table lookup bpf_<table>id (cascade delete).
func Relationships(p *compiler.Project) []Relationship {
	var out []Relationship
	for _, t := range p.Tables {
		if !ships(t) {
			continue
		}
		for _, c := range t.Columns {
			if c.Standard || (c.Type != compiler.TypeLookup && c.Type != compiler.TypeCustomer) {
				continue
			}
			polymorphic := c.Type == compiler.TypeCustomer
			for _, target := range targets(c) {
				attr := schemaCase(c.Name)
				nav := attr
				if polymorphic {
					nav = attr + "_" + target
				}
				out = append(out, Relationship{
					Name:                 LookupRelationship(t.Name, c.Name, target),
					ReferencingEntity:    entityName(p, t.Name),
					ReferencedEntity:     entityName(p, target),
					ReferencingAttribute: attr,
					NavigationProperty:   nav,
					CascadeDelete:        "RemoveLink",
					IntroducedVersion:    introducedVersion,
				})
			}
		}
	}
	for _, f := range p.Flows {
		for _, t := range f.Tables() {
			col := InstanceLookup(t)
			out = append(out, Relationship{
				Name:                 InstanceRelationship(t, f.InstanceTable),
				ReferencingEntity:    f.InstanceTable,
				ReferencedEntity:     entityName(p, t),
				ReferencingAttribute: col,
				NavigationProperty:   col,
				CascadeDelete:        "Cascade",
				IntroducedVersion:    "1.0", // created with the instance table, like its columns
			})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lessFold(out[i].Name, out[j].Name) })
	return out
}

// LookupRelationship names the relationship behind a declared lookup column
// as the maker portal does: the column's publisher prefix, the referencing
// table, the column's schema name without its prefix, and the referenced
// table (bac_bac_assignment_Rule_bac_rule for bac_assignment.bac_rule ->
// bac_rule). A customer column has one per target (…_account, …_contact).
func LookupRelationship(table, column, target string) string {
	prefix, rest, ok := strings.Cut(schemaCase(column), "_")
	if !ok {
		return table + "_" + column + "_" + target
	}
	return prefix + "_" + table + "_" + rest + "_" + target
}

// entityName is how relationships name a table: an instance table by its
// logical name, any other by its schema name.
func entityName(p *compiler.Project, table string) string {
	for _, f := range p.Flows {
		if f.InstanceTable == table {
			return table
		}
	}
	return TableSchemaName(table)
}

// lessFold orders names as Dataverse does: by their lower-case form, then
// byte order to break ties.
func lessFold(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

// RelationshipElement returns the <EntityRelationship> of r, with its
// children in the order Dataverse exports them.
func RelationshipElement(r Relationship) *etree.Element {
	e := etree.NewElement("EntityRelationship")
	e.CreateAttr("Name", r.Name)
	texts(e,
		"EntityRelationshipType", "OneToMany", "IsCustomizable", "1", "IntroducedVersion", r.IntroducedVersion,
		"IsHierarchical", "0", "ReferencingEntityName", r.ReferencingEntity, "ReferencedEntityName", r.ReferencedEntity,
		"CascadeAssign", "NoCascade", "CascadeDelete", r.CascadeDelete, "CascadeArchive", "RemoveLink",
		"CascadeReparent", "NoCascade", "CascadeShare", "NoCascade", "CascadeUnshare", "NoCascade",
		"CascadeRollupView", "NoCascade", "IsValidForAdvancedFind", "1", "ReferencingAttributeName", r.ReferencingAttribute)
	localized(e.CreateElement("RelationshipDescription"), "Descriptions", "Description", "")
	roles := e.CreateElement("EntityRelationshipRoles")
	texts(roles.CreateElement("EntityRelationshipRole"),
		"NavPaneDisplayOption", "UseCollectionName", "NavPaneArea", "Details", "NavPaneOrder", "10000",
		"NavigationPropertyName", r.NavigationProperty, "RelationshipRoleType", "1")
	texts(roles.CreateElement("EntityRelationshipRole"),
		"NavigationPropertyName", r.Name, "RelationshipRoleType", "0")
	return e
}

// relationshipFiles lays the relationships out as SolutionPackager unpacks
// them: Other/Relationships/<referenced entity>.xml holding the full
// definitions of the 1:N relationships that point at that table (real trees
// have SystemUser.xml, ProcessStage.xml, … for the lookups to those tables),
// and Other/Relationships.xml listing every name. Packing merges them back
// into customizations.xml's <EntityRelationships>, sorted by name.
func relationshipFiles(p *compiler.Project) []File {
	rels := Relationships(p)
	if len(rels) == 0 {
		return nil
	}
	index := etree.NewDocument()
	list := el(&index.Element, "EntityRelationships", "xmlns:xsi", nsXSI)
	byEntity := map[string]*etree.Document{}
	var entities []string
	for _, r := range rels {
		el(list, "EntityRelationship", "Name", r.Name)
		doc := byEntity[r.ReferencedEntity]
		if doc == nil {
			doc = etree.NewDocument()
			el(&doc.Element, "EntityRelationships", "xmlns:xsi", nsXSI)
			byEntity[r.ReferencedEntity] = doc
			entities = append(entities, r.ReferencedEntity)
		}
		doc.Root().AddChild(RelationshipElement(r))
	}
	out := []File{{"Other/Relationships.xml", finish(index)}}
	for _, n := range entities {
		out = append(out, File{"Other/Relationships/" + n + ".xml", finish(byEntity[n])})
	}
	return out
}
