package emit

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// attrSpec describes one <attribute> of an Entity.xml; write lays its
// children out in the order Dataverse exports them.
type attrSpec struct {
	physical, logical, typ string
	required               string // RequiredLevel: none, required, systemrequired
	mask                   string // DisplayMask; "" writes none
	ime                    string // ImeMode; "" writes none
	update, create         bool   // ValidForUpdateApi, ValidForCreateApi
	custom, audit          bool   // IsCustomField, IsAuditEnabled
	virtual                bool   // IsLogical 1: a column with no storage of its own
	calculated             bool   // SourceType 1
	fixedRequirement       bool   // CanModifyRequirementLevelSettings 0
	search, filter, fetch  bool   // IsSearchable, IsFilterable, IsRetrievable
	tail                   func(a *etree.Element)
	display, description   string
	formula                string // FormulaDefinitionFileName
}

const (
	maskStandard = "ValidForAdvancedFind|ValidForForm|ValidForGrid"
	maskPrimary  = "PrimaryName|ValidForAdvancedFind|ValidForForm|ValidForGrid|RequiredForForm"
	maxInt       = 2147483647
)

func bit(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func (a attrSpec) write(parent *etree.Element) {
	e := el(parent, "attribute", "PhysicalName", a.physical)
	required := a.required
	if required == "" {
		required = "none"
	}
	kv := [][2]string{{"Type", a.typ}, {"Name", a.logical}, {"LogicalName", a.logical}, {"RequiredLevel", required}}
	if a.mask != "" {
		kv = append(kv, [2]string{"DisplayMask", a.mask})
	}
	if a.ime != "" {
		kv = append(kv, [2]string{"ImeMode", a.ime})
	}
	kv = append(kv, [][2]string{
		{"ValidForUpdateApi", bit(a.update)}, {"ValidForReadApi", "1"}, {"ValidForCreateApi", bit(a.create)},
		{"IsCustomField", bit(a.custom)}, {"IsAuditEnabled", bit(a.audit)},
	}...)
	if a.virtual {
		kv = append(kv, [2]string{"IsLogical", "1"})
	}
	kv = append(kv, [][2]string{
		{"IsSecured", "0"}, {"IntroducedVersion", "1.0"}, {"IsCustomizable", "1"}, {"IsRenameable", "1"}, {"CanModifySearchSettings", "1"},
		{"CanModifyRequirementLevelSettings", bit(!a.fixedRequirement)}, {"CanModifyAdditionalSettings", "1"},
		{"SourceType", bit(a.calculated)}, {"IsGlobalFilterEnabled", "0"}, {"IsSortableEnabled", "0"},
		{"CanModifyGlobalFilterSettings", "1"}, {"CanModifyIsSortableSettings", "1"}, {"IsDataSourceSecret", "0"},
		{"AutoNumberFormat", ""}, {"IsSearchable", bit(a.search)}, {"IsFilterable", bit(a.filter)},
		{"IsRetrievable", bit(a.fetch)}, {"IsLocalizable", "0"},
	}...)
	for _, x := range kv {
		textEl(e, x[0], x[1])
	}
	if a.tail != nil {
		a.tail(e)
	}
	localized(e, "displaynames", "displayname", a.display)
	localized(e, "Descriptions", "Description", a.description)
	if a.formula != "" {
		textEl(e, "FormulaDefinitionFileName", a.formula)
	}
}

// localized writes <list><item description="…" languagecode="1033" /></list>.
func localized(parent *etree.Element, list, item, text string) {
	el(parent.CreateElement(list), item, "description", text, "languagecode", languageCode)
}

func texts(e *etree.Element, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		textEl(e, kv[i], kv[i+1])
	}
}

func lookupTail(e *etree.Element) {
	textEl(e, "LookupStyle", "single")
	e.CreateElement("LookupTypes")
}

func dateTail(format string, changeable bool) func(*etree.Element) {
	return behaviorTail(format, changeable, "")
}

// behaviorTail writes a datetime attribute's Format, CanChangeDateTimeBehavior
// and Behavior: Dataverse's DateTimeBehavior as its number (1 user local, 2
// date only, 3 time-zone independent). A date-only column's format is date.
func behaviorTail(format string, changeable bool, behavior string) func(*etree.Element) {
	number, _ := compiler.DataverseBehavior(behavior)
	if behavior == compiler.BehaviorDateOnly {
		format = "date"
	}
	return func(e *etree.Element) {
		texts(e, "Format", format, "CanChangeDateTimeBehavior", bit(changeable), "Behavior", strconv.Itoa(number))
	}
}

func intTail(format string, min, max int64) func(*etree.Element) {
	return func(e *etree.Element) {
		texts(e, "Format", format, "MinValue", strconv.FormatInt(min, 10), "MaxValue", strconv.FormatInt(max, 10))
	}
}

func textTail(format string, maxLength int) func(*etree.Element) {
	return func(e *etree.Element) {
		texts(e, "Format", format, "MaxLength", strconv.Itoa(maxLength), "Length", strconv.Itoa(2*maxLength))
	}
}

// option is one value of an option set: its value, label and (for states)
// the default status, or (for statuses) the state.
type option struct {
	value int
	label string
	pair  int
}

// optionSetTail writes an <optionset> of type state, status, picklist or bool.
func optionSetTail(name, kind, display, description string, options []option) func(*etree.Element) {
	return func(e *etree.Element) {
		os := el(e, "optionset", "Name", name)
		texts(os, "OptionSetType", kind, "IntroducedVersion", "1.0", "IsCustomizable", "1")
		localized(os, "displaynames", "displayname", display)
		localized(os, "Descriptions", "Description", description)
		list := map[string]string{"state": "states", "status": "statuses"}[kind]
		if list == "" {
			list = "options"
		}
		l := os.CreateElement(list)
		for _, o := range options {
			var item *etree.Element
			switch kind {
			case "state":
				item = el(l, "state", "value", strconv.Itoa(o.value), "defaultstatus", strconv.Itoa(o.pair), "invariantname", o.label)
			case "status":
				item = el(l, "status", "value", strconv.Itoa(o.value), "state", strconv.Itoa(o.pair))
			default:
				item = el(l, "option", "value", strconv.Itoa(o.value))
			}
			el(item.CreateElement("labels"), "label", "description", o.label, "languagecode", languageCode)
		}
	}
}

// systemAttrs are the columns Dataverse adds to every table, keyed by logical
// name. entityDisplay names the table in descriptions.
func systemAttrs(table, entityDisplay string) map[string]attrSpec {
	lookup := func(physical, display, description string) attrSpec {
		return attrSpec{physical: physical, logical: strings.ToLower(physical), typ: "lookup", mask: maskStandard, ime: "auto",
			tail: lookupTail, display: display, description: description}
	}
	m := map[string]attrSpec{
		"createdby":          lookup("CreatedBy", "Created By", "Unique identifier of the user who created the record."),
		"createdonbehalfby":  lookup("CreatedOnBehalfBy", "Created By (Delegate)", "Unique identifier of the delegate user who created the record."),
		"modifiedby":         lookup("ModifiedBy", "Modified By", "Unique identifier of the user who modified the record."),
		"modifiedonbehalfby": lookup("ModifiedOnBehalfBy", "Modified By (Delegate)", "Unique identifier of the delegate user who modified the record."),
		"createdon": {physical: "CreatedOn", logical: "createdon", typ: "datetime", mask: maskStandard, ime: "inactive", filter: true, fetch: true,
			tail: dateTail("datetime", false), display: "Created On", description: "Date and time when the record was created."},
		"modifiedon": {physical: "ModifiedOn", logical: "modifiedon", typ: "datetime", mask: maskStandard, ime: "inactive", filter: true, fetch: true,
			tail: dateTail("datetime", false), display: "Modified On", description: "Date and time when the record was modified."},
		"importsequencenumber": {physical: "ImportSequenceNumber", logical: "importsequencenumber", typ: "int", mask: "ValidForAdvancedFind", ime: "disabled",
			create: true, audit: true, tail: intTail("", -maxInt-1, maxInt), display: "Import Sequence Number", description: "Sequence number of the import that created this record."},
		"organizationid": {physical: "OrganizationId", logical: "organizationid", typ: "lookup", ime: "auto", audit: true,
			tail: func(e *etree.Element) { e.CreateElement("LookupTypes") }, display: "Organization Id", description: "Unique identifier for the organization"},
		"overriddencreatedon": {physical: "OverriddenCreatedOn", logical: "overriddencreatedon", typ: "datetime", mask: "ValidForAdvancedFind|ValidForGrid", ime: "inactive",
			create: true, audit: true, tail: dateTail("date", false), display: "Record Created On", description: "Date and time that the record was migrated."},
		"timezoneruleversionnumber": {physical: "TimeZoneRuleVersionNumber", logical: "timezoneruleversionnumber", typ: "int", ime: "auto", update: true, create: true,
			tail: intTail("", -1, maxInt), display: "Time Zone Rule Version Number", description: "For internal use only."},
		"utcconversiontimezonecode": {physical: "UTCConversionTimeZoneCode", logical: "utcconversiontimezonecode", typ: "int", ime: "auto", update: true, create: true,
			tail: intTail("", -1, maxInt), display: "UTC Conversion Time Zone Code", description: "Time zone code that was in use when the record was created."},
	}
	return m
}

// stateAttrs are statecode and statuscode with the given states and statuses.
func stateAttrs(table, entityDisplay string, states, statuses []option) []attrSpec {
	return []attrSpec{
		{physical: "statecode", logical: "statecode", typ: "state", required: "systemrequired", mask: maskStandard, ime: "auto", update: true, audit: true, filter: true,
			tail:    optionSetTail(table+"_statecode", "state", "Status", "Status of the "+entityDisplay, states),
			display: "Status", description: "Status of the " + entityDisplay},
		{physical: "statuscode", logical: "statuscode", typ: "status", mask: maskStandard, ime: "auto", update: true, create: true, audit: true,
			tail:    optionSetTail(table+"_statuscode", "status", "Status Reason", "Reason for the status of the "+entityDisplay, statuses),
			display: "Status Reason", description: "Reason for the status of the " + entityDisplay},
	}
}
