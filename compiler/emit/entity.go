package emit

import (
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// InstanceEntity returns the <Entity> of a flow's instance table, in the form
// customizations.xml holds it (the main form inline in FormXml; Files writes
// the unpacked layout). Organisation-owned, IsBPFEntity 1, with the columns
// Dataverse creates for a process: businessprocessflowinstanceid, bpf_name,
// activestageid, activestagestartedon, completedon, traversedpath, processid,
// bpf_duration (a formula), statecode/statuscode, one bpf_<table>id lookup per
// participating table, and the usual audit columns.
func InstanceEntity(p *compiler.Project, f *compiler.Flow) *etree.Element {
	n, display := f.InstanceTable, f.DisplayName
	attrs := []attrSpec{
		{physical: "ActiveStageId", logical: "activestageid", typ: "lookup", mask: maskStandard, ime: "auto", update: true, create: true, audit: true,
			tail: lookupTail, display: "Active Stage", description: "Unique identifier of the active stage for the Business Process Flow instance."},
		{physical: "ActiveStageStartedOn", logical: "activestagestartedon", typ: "datetime", mask: maskStandard, ime: "inactive", update: true, create: true, audit: true,
			tail: dateTail("date", true), display: "Active Stage Started On", description: "Date and time when current active stage is started"},
		{physical: "bpf_Duration", logical: "bpf_duration", typ: "int", mask: maskStandard, ime: "auto", custom: true, calculated: true,
			tail: intTail("duration", 0, maxInt), display: "Duration", description: "Duration of Business Process Flow",
			formula: "/Formulas/" + n + "-bpf_duration.xaml"},
		{physical: "bpf_name", logical: "bpf_name", typ: "nvarchar", required: "required", mask: maskPrimary, ime: "auto", update: true, create: true,
			custom: true, audit: true, search: true, fetch: true, tail: textTail("text", 100), display: "Name", description: "Description"},
		{physical: "BusinessProcessFlowInstanceId", logical: "businessprocessflowinstanceid", typ: "primarykey", required: "systemrequired",
			mask: "ValidForAdvancedFind|RequiredForGrid", ime: "auto", create: true, fixedRequirement: true, filter: true, fetch: true,
			display: display, description: "Unique identifier for entity instances"},
		{physical: "CompletedOn", logical: "completedon", typ: "datetime", mask: maskStandard, ime: "inactive", update: true, create: true, audit: true,
			tail: dateTail("date", true), display: "Completed On", description: "Date and time when Business Process Flow instance is completed."},
		{physical: "ProcessId", logical: "processid", typ: "lookup", mask: maskStandard, ime: "auto", update: true, create: true, audit: true,
			tail: lookupTail, display: "Process", description: "Unique identifier of the workflow associated to the Business Process Flow instance."},
		{physical: "TraversedPath", logical: "traversedpath", typ: "nvarchar", mask: maskStandard, ime: "auto", update: true, create: true, audit: true,
			tail: textTail("text", 1250), display: "Traversed Path", description: "Comma delimited string of process stage ids that represent visited stages of the Business Process Flow instance."},
	}
	for _, t := range f.Tables() {
		col := InstanceLookup(t)
		// Dataverse (2025 exports) writes these lookups without ImeMode.
		attrs = append(attrs, attrSpec{physical: col, logical: col, typ: "lookup", mask: maskStandard, update: true, create: true, custom: true,
			tail: lookupTail, display: titleUnderscored(t), description: ""})
	}
	sys := systemAttrs(n, display)
	for _, name := range []string{"createdby", "createdon", "createdonbehalfby", "importsequencenumber", "modifiedby", "modifiedon",
		"modifiedonbehalfby", "organizationid", "overriddencreatedon", "timezoneruleversionnumber", "utcconversiontimezonecode"} {
		attrs = append(attrs, sys[name])
	}
	attrs = append(attrs, stateAttrs(n, display,
		[]option{{0, "Active", 1}, {1, "Inactive", 2}},
		[]option{{1, "Active", 0}, {2, "Finished", 1}, {3, "Aborted", 1}})...)

	e := etree.NewElement("Entity")
	info := entityHeader(e, n, display, display, "Base entity for process "+display)
	writeAttrs(info, attrs)
	entityFlags(info, compiler.EntitySetName(n), true, true)
	el(e.CreateElement("FormXml"), "forms", "type", "main").AddChild(mainForm(p, f))
	e.CreateElement("SavedQueries")
	e.CreateElement("RibbonDiffXml")
	return e
}

// InstanceLookup is the lookup column of a flow's instance table pointing at
// a participating table: bpf_<table>id.
func InstanceLookup(table string) string { return "bpf_" + table + "id" }

// InstanceRelationship names the relationship behind an instance lookup:
// bpf_<table>_<instance table> (cascade delete).
func InstanceRelationship(table, instanceTable string) string {
	return "bpf_" + table + "_" + instanceTable
}

// entityHeader writes <Name> and <EntityInfo><entity> with its names and
// returns the <entity> element.
func entityHeader(e *etree.Element, name, display, collection, description string) *etree.Element {
	textEl(e, "Name", name, "LocalizedName", display, "OriginalName", display)
	info := el(e.CreateElement("EntityInfo"), "entity", "Name", name)
	localized(info, "LocalizedNames", "LocalizedName", display)
	localized(info, "LocalizedCollectionNames", "LocalizedCollectionName", collection)
	localized(info, "Descriptions", "Description", description)
	return info
}

// writeAttrs writes <attributes> sorted by physical name, as Dataverse exports them.
func writeAttrs(info *etree.Element, attrs []attrSpec) {
	sort.SliceStable(attrs, func(i, j int) bool {
		return strings.ToLower(attrs[i].physical) < strings.ToLower(attrs[j].physical)
	})
	list := info.CreateElement("attributes")
	for _, a := range attrs {
		a.write(list)
	}
}

// entityFlags writes the table-level settings after <attributes>. A process's
// instance table is organisation-owned; a custom table is user-owned (or
// organisation-owned, orgOwned) and enabled for business process flows.
func entityFlags(info *etree.Element, setName string, bpf, orgOwned bool) {
	ownership, bpfEnabled, isBPF := "UserOwned", "1", "0"
	if bpf {
		ownership, bpfEnabled, isBPF = "OrgOwned", "0", "1"
	} else if orgOwned {
		ownership = "OrgOwned"
	}
	texts(info,
		"EntitySetName", setName, "IsDuplicateCheckSupported", "0", "IsBusinessProcessEnabled", bpfEnabled,
		"IsRequiredOffline", "0", "IsInteractionCentricEnabled", "0", "IsCollaboration", "0", "AutoRouteToOwnerQueue", "0",
		"IsConnectionsEnabled", "0", "EntityColor", "", "IsDocumentManagementEnabled", "0", "AutoCreateAccessTeams", "0",
		"IsOneNoteIntegrationEnabled", "0", "IsKnowledgeManagementEnabled", "0", "IsSLAEnabled", "0",
		"IsDocumentRecommendationsEnabled", "0", "IsBPFEntity", isBPF, "OwnershipTypeMask", ownership, "IsAuditEnabled", "0",
		"IsRetrieveAuditEnabled", "0", "IsRetrieveMultipleAuditEnabled", "0", "IsActivity", "0", "ActivityTypeMask", "",
		"IsActivityParty", "0", "IsReplicated", "1", "IsReplicationUserFiltered", "0", "IsMailMergeEnabled", "0",
		"IsVisibleInMobile", "0", "IsVisibleInMobileClient", "1", "IsReadOnlyInMobileClient", "0", "IsOfflineInMobileClient", "1",
		"DaysSinceRecordLastModified", "0", "MobileOfflineFilters", "", "IsMapiGridEnabled", "0", "IsReadingPaneEnabled", "0",
		"IsQuickCreateEnabled", "0", "SyncToExternalSearchIndex", "0", "IntroducedVersion", "1.0", "IsCustomizable", "1",
		"IsRenameable", "1", "IsMappable", "1", "CanModifyAuditSettings", "1", "CanModifyMobileVisibility", "1",
		"CanModifyMobileClientVisibility", "0", "CanModifyMobileClientReadOnly", "1", "CanModifyMobileClientOffline", "1",
		"CanModifyConnectionSettings", "1", "CanModifyDuplicateDetectionSettings", "1", "CanModifyMailMergeSettings", "1",
		"CanModifyQueueSettings", "1", "CanCreateAttributes", "1", "CanCreateForms", "1", "CanCreateCharts", "1",
		"CanCreateViews", "1", "CanModifyAdditionalSettings", "1", "CanEnableSyncToExternalSearchIndex", "1",
		"IconVectorName", "", "EnforceStateTransitions", "0", "CanChangeHierarchicalRelationship", "1",
		"EntityHelpUrlEnabled", "0", "EntityHelpUrl", "", "ChangeTrackingEnabled", "1", "CanChangeTrackingBeEnabled", "1",
		"IsEnabledForExternalChannels", "0", "IsMSTeamsIntegrationEnabled", "0", "IsSolutionAware", "0")
}

// titleUnderscored capitalizes each underscore-separated word and keeps
// the underscores: "bac_package" -> "Bac_Package".
func titleUnderscored(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "_")
}

// FormID is the id of a flow's main form on its instance table.
func FormID(p *compiler.Project, f *compiler.Flow) string {
	return compiler.ID("form", p.Solution.Name, f.Name)
}

// mainForm is the instance table's main form: one hidden tab per stage (tab
// id = stage id) with one cell per step (cell id = step id), each data
// step's control bound to its column through the relationship of the
// stage table's bpf_<table>id lookup.
func mainForm(p *compiler.Project, f *compiler.Flow) *etree.Element {
	sf := etree.NewElement("systemform")
	texts(sf, "formid", "{"+FormID(p, f)+"}", "IntroducedVersion", "1.0", "FormPresentation", "1", "FormActivationState", "1")
	tabs := sf.CreateElement("form").CreateElement("tabs")
	for _, s := range f.Stages {
		tab := el(tabs, "tab", "name", s.Name, "id", "{"+p.StageID(f, s)+"}", "IsUserDefined", "0", "locklevel", "0",
			"showlabel", "true", "expanded", "true", "visible", "false")
		label(tab, s.DisplayName)
		tabColumn := el(tab.CreateElement("columns"), "column", "width", "100%")
		sec := el(tabColumn.CreateElement("sections"), "section", "name", s.Name+"_section", "showlabel", "false", "showbar", "false",
			"locklevel", "0", "id", "{"+compiler.ID("section", p.Solution.Name, f.Name, s.Name)+"}", "IsUserDefined", "0", "columns", "1")
		label(sec, s.DisplayName)
		rows := sec.CreateElement("rows")
		for _, st := range s.Steps {
			cell := el(rows.CreateElement("row"), "cell", "id", "{"+p.StepID(f, s, st)+"}", "showlabel", "true", "locklevel", "0")
			label(cell, st.DisplayName)
			if st.Action {
				el(cell, "control", "id", "action_"+st.Name, "classid", "{"+actionButtonClassID+"}", "disabled", "false")
				continue
			}
			colType := ""
			if col := column(p, s.Table, st.Column); col != nil {
				colType = col.Type
			}
			// Bound through the instance table's lookup to the stage's
			// table, as Dataverse writes a step's control: the column is
			// the stage record's, not the instance table's.
			rel := InstanceRelationship(s.Table, f.InstanceTable)
			el(cell, "control", "id", rel+":"+st.Column, "classid", "{"+controlClassID(colType)+"}", "datafieldname", st.Column,
				"relationship", rel, "isrequired", strconv.FormatBool(st.Required), "disabled", "false")
		}
	}
	texts(sf, "IsCustomizable", "1", "CanBeDeleted", "1")
	localized(sf, "LocalizedNames", "LocalizedName", "Information")
	localized(sf, "Descriptions", "Description", "A form for this entity.")
	return sf
}

func label(parent *etree.Element, text string) {
	el(parent.CreateElement("labels"), "label", "description", text, "languagecode", languageCode)
}
