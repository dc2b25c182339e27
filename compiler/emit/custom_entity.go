package emit

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// CustomEntity returns the <Entity> of a table the solution ships: a custom
// table (t.Custom) with its primary key, its declared columns and the columns
// Dataverse adds to every user-owned (or organization-owned) table; or, for a standard table the
// project extends, a shell holding only the added columns (unmodified="1",
// as Dataverse exports one). A custom table's collection name is its
// display name in the plural. Tables are enabled
// for business process flows (IsBusinessProcessEnabled 1).
func CustomEntity(p *compiler.Project, t *compiler.Table) *etree.Element {
	display := t.DisplayName
	if display == "" {
		display = t.Name
	}
	schema := TableSchemaName(t.Name)
	e := etree.NewElement("Entity")
	if !t.Custom {
		// A shell, as Dataverse exports a table whose metadata the solution
		// does not include (root behavior 2): unmodified, no names, so
		// that an import leaves the table's labels as they are.
		textEl(e, "Name", schema, "LocalizedName", display, "OriginalName", display)
		info := el(e.CreateElement("EntityInfo"), "entity", "Name", schema, "unmodified", "1")
		var attrs []attrSpec
		for _, c := range t.Columns {
			if !c.Standard {
				attrs = append(attrs, columnAttr(t, c))
			}
		}
		writeAttrs(info, attrs)
		emptyEntityParts(e)
		return e
	}
	info := entityHeader(e, schema, display, compiler.EntitySetName(display), display)
	attrs := []attrSpec{{physical: schema + "Id", logical: t.PrimaryKey, typ: "primarykey", required: "systemrequired",
		mask: "ValidForAdvancedFind|RequiredForGrid", ime: "auto", create: true, fixedRequirement: true, filter: true, fetch: true,
		display: display, description: "Unique identifier for entity instances"}}
	for _, c := range t.Columns {
		if !c.Standard {
			attrs = append(attrs, columnAttr(t, c))
		}
	}
	sys := systemAttrs(t.Name, display)
	for _, name := range []string{"createdby", "createdon", "createdonbehalfby", "importsequencenumber", "modifiedby", "modifiedon",
		"modifiedonbehalfby", "overriddencreatedon", "timezoneruleversionnumber", "utcconversiontimezonecode"} {
		attrs = append(attrs, sys[name])
	}
	if t.Ownership == compiler.OwnershipOrganization {
		attrs = append(attrs, sys["organizationid"])
	} else {
		attrs = append(attrs, ownerAttrs()...)
	}
	states, statuses := []option{{0, "Active", 1}, {1, "Inactive", 2}}, []option{{1, "Active", 0}, {2, "Inactive", 1}}
	if c := t.Column("statuscode"); c != nil && len(c.Options) > 0 {
		statuses = nil
		for _, o := range c.Options {
			statuses = append(statuses, option{o.Value, o.Label, defaultStatusStates[o.Value]})
		}
	}
	attrs = append(attrs, stateAttrs(t.Name, display, states, statuses)...)
	writeAttrs(info, attrs)
	entityFlags(info, compiler.EntitySetName(t.Name), false, t.Ownership == compiler.OwnershipOrganization)
	emptyEntityParts(e)
	return e
}

func emptyEntityParts(e *etree.Element) {
	e.CreateElement("FormXml")
	e.CreateElement("SavedQueries")
	e.CreateElement("RibbonDiffXml")
}

// ownerAttrs are the ownership columns of a user-owned table, with the
// settings every real export of a user-owned custom table has (the
// rules-engine archive's bac_Package and bac_userrole): owningteam and
// owninguser are logical columns read through ownerid, which looks up users
// (8) and teams (9).
func ownerAttrs() []attrSpec {
	lookup := func(physical, mask, display, description string, virtual, filter bool) attrSpec {
		return attrSpec{physical: physical, logical: strings.ToLower(physical), typ: "lookup", mask: mask, ime: "auto",
			virtual: virtual, filter: filter, tail: lookupTail, display: display, description: description}
	}
	return []attrSpec{
		{physical: "OwnerId", logical: "ownerid", typ: "owner", required: "systemrequired", mask: maskStandard + "|RequiredForForm", ime: "auto",
			update: true, create: true, audit: true, filter: true, tail: ownerLookupTail, display: "Owner", description: "Owner Id"},
		lookup("OwningBusinessUnit", maskStandard, "Owning Business Unit", "Unique identifier for the business unit that owns the record", false, true),
		lookup("OwningTeam", "", "Owning Team", "Unique identifier for the team that owns the record.", true, false),
		lookup("OwningUser", "", "Owning User", "Unique identifier for the user that owns the record.", true, false),
	}
}

// ownerLookupTail lists ownerid's target types by object type code, with the
// empty ids Dataverse exports them with.
func ownerLookupTail(e *etree.Element) {
	textEl(e, "LookupStyle", "single")
	types := e.CreateElement("LookupTypes")
	for _, code := range []string{"8", "9"} {
		textEl(types, "LookupType", code, "id", "00000000-0000-0000-0000-000000000000")
	}
}

// columnAttr describes a declared column as an Entity.xml attribute.
func columnAttr(t *compiler.Table, c *compiler.Column) attrSpec {
	display := c.DisplayName
	if display == "" {
		display = c.Name
	}
	a := attrSpec{physical: schemaCase(c.Name), logical: c.Name, mask: maskStandard, ime: "auto", update: true, create: true,
		custom: true, audit: true, filter: true, fetch: true, display: display}
	if c.Required {
		a.required = "required"
	}
	if c.Name == t.PrimaryColumn {
		a.required, a.mask, a.search = "required", maskPrimary, true
	}
	maxLength := func(def int) int {
		if c.MaxLength > 0 {
			return c.MaxLength
		}
		return def
	}
	optionSet := t.Name + "_" + c.Name
	switch c.Type {
	case compiler.TypeEmail:
		a.typ, a.tail = "nvarchar", textTail("email", maxLength(100))
	case compiler.TypeMemo:
		a.typ = "ntext"
		a.tail = func(e *etree.Element) { texts(e, "Format", "textarea", "MaxLength", strconv.Itoa(maxLength(2000))) }
	case compiler.TypeInteger:
		a.typ, a.tail = "int", intTail("none", -maxInt-1, maxInt)
	case compiler.TypeDecimal:
		a.typ = "decimal"
		a.tail = func(e *etree.Element) {
			texts(e, "MinValue", "-100000000000", "MaxValue", "100000000000", "Accuracy", "2")
		}
	case compiler.TypeMoney:
		a.typ = "money"
		a.tail = func(e *etree.Element) {
			texts(e, "MinValue", "-922337203685477", "MaxValue", "922337203685477", "Accuracy", "2", "AccuracySource", "2", "IsBaseCurrency", "0")
		}
	case compiler.TypeBoolean:
		a.typ = "bit"
		set := optionSetTail(optionSet, "bool", display, "", []option{{1, "Yes", 0}, {0, "No", 0}})
		a.tail = func(e *etree.Element) { textEl(e, "AppDefaultValue", "0"); set(e) }
	case compiler.TypeDateTime:
		a.typ, a.ime, a.tail = "datetime", "inactive", behaviorTail("datetime", true, c.Behavior)
	case compiler.TypeChoice:
		a.typ = "picklist"
		var opts []option
		for _, o := range c.Options {
			opts = append(opts, option{o.Value, o.Label, 0})
		}
		set := optionSetTail(optionSet, "picklist", display, "", opts)
		a.tail = func(e *etree.Element) { textEl(e, "AppDefaultValue", "-1"); set(e) }
	case compiler.TypeLookup:
		a.typ, a.tail = "lookup", lookupTail
	case compiler.TypeCustomer:
		a.typ, a.tail = "customer", lookupTail
	default:
		a.typ, a.tail = "nvarchar", textTail("text", maxLength(100))
	}
	return a
}
