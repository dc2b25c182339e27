package webapi

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestDefinitionMetadataIds: tables and columns carry a MetadataId
// derived from their names (the same in every environment), and
// EntityDefinitions(<MetadataId>) reads the table as its LogicalName does.
func TestDefinitionMetadataIds(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("GET", "EntityDefinitions(LogicalName='lead')", f.admin, nil).must(t, 200)
	id := r.str("MetadataId")
	if _, err := uuid.Parse(id); err != nil || id != entityMetadataID("lead") {
		t.Fatalf("lead's MetadataId %q", id)
	}
	seen := map[string]bool{id: true}
	for _, a := range r.body["Attributes"].([]any) {
		aid, _ := a.(map[string]any)["MetadataId"].(string)
		if _, err := uuid.Parse(aid); err != nil || seen[aid] {
			t.Errorf("attribute MetadataId %q (invalid or repeated): %v", aid, a)
		}
		seen[aid] = true
	}
	if r := f.do("GET", "EntityDefinitions("+id+")?$select=LogicalName", f.admin, nil).must(t, 200); r.str("LogicalName") != "lead" {
		t.Errorf("EntityDefinitions(<MetadataId>): %s", r.raw)
	}
	r = f.do("GET", "EntityDefinitions?$select=LogicalName&$filter="+url.QueryEscape("MetadataId eq "+id), f.admin, nil).must(t, 200)
	if rows := r.rows(); len(rows) != 1 || rows[0]["LogicalName"] != "lead" {
		t.Errorf("$filter on MetadataId: %s", r.raw)
	}
}

// TestAttributeDefinitions: one column's metadata, by LogicalName or
// MetadataId, and the casts to a choice's, yes/no's, status's and
// state's type with their options expanded, as Dataverse answers them.
func TestAttributeDefinitions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const lead = "EntityDefinitions(LogicalName='lead')/Attributes"
	r := f.do("GET", lead+"(LogicalName='subject')", f.admin, nil).must(t, 200)
	if r.str("LogicalName") != "subject" || r.str("AttributeType") != "String" || r.str("MetadataId") != attributeMetadataID("lead", "subject") ||
		r.str("@odata.type") != "#Microsoft.Dynamics.CRM.StringAttributeMetadata" || !strings.Contains(r.str("@odata.context"), "/Attributes") {
		t.Errorf("subject: %s", r.raw)
	}
	if r := f.do("GET", lead+"("+attributeMetadataID("lead", "subject")+")?$select=LogicalName", f.admin, nil).must(t, 200); r.str("LogicalName") != "subject" || len(r.body) != 4 {
		t.Errorf("Attributes(<MetadataId>)?$select=LogicalName: %s", r.raw)
	}

	// A choice: its options, their values and labels.
	r = f.do("GET", lead+"(LogicalName='budgetstatus')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet,GlobalOptionSet",
		f.admin, nil).must(t, 200)
	if r.str("LogicalName") != "budgetstatus" || r.str("MetadataId") == "" || r.body["GlobalOptionSet"] != nil || r.body["AttributeType"] != nil ||
		r.body["@odata.type"] != nil {
		t.Errorf("budgetstatus: %s", r.raw)
	}
	set, _ := r.body["OptionSet"].(map[string]any)
	if set["OptionSetType"] != "Picklist" || set["IsGlobal"] != false || set["MetadataId"] == nil {
		t.Errorf("budgetstatus's OptionSet: %v", set)
	}
	want := map[float64]string{0: "No Committed Budget", 1: "May Buy", 2: "Can Buy", 3: "Will Buy"}
	if got := optionLabels(t, set["Options"]); len(got) != len(want) {
		t.Errorf("budgetstatus's options %v, want %v", got, want)
	} else {
		for v, l := range want {
			if got[v] != l {
				t.Errorf("budgetstatus option %v: %q, want %q", v, got[v], l)
			}
		}
	}
	// OptionSet($select=…) keeps those (and the key).
	r = f.do("GET", lead+"(LogicalName='budgetstatus')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand="+
		url.QueryEscape("OptionSet($select=Options)"), f.admin, nil).must(t, 200)
	if set, _ := r.body["OptionSet"].(map[string]any); len(set) != 2 || set["Options"] == nil || set["MetadataId"] == nil {
		t.Errorf("OptionSet($select=Options): %s", r.raw)
	}
	// The choices of a table, cast as a list.
	r = f.do("GET", lead+"/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName", f.admin, nil).must(t, 200)
	names := map[string]bool{}
	for _, a := range r.rows() {
		names[a["LogicalName"].(string)] = true
	}
	if !names["budgetstatus"] || !names["leadsourcecode"] || names["subject"] || names["statecode"] {
		t.Errorf("lead's picklists: %v", names)
	}

	// Yes/no: TrueOption and FalseOption.
	r = f.do("GET", lead+"(LogicalName='decisionmaker')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$select=LogicalName&$expand=OptionSet",
		f.admin, nil).must(t, 200)
	set, _ = r.body["OptionSet"].(map[string]any)
	yes, _ := set["TrueOption"].(map[string]any)
	no, _ := set["FalseOption"].(map[string]any)
	if set["OptionSetType"] != "Boolean" || yes["Value"] != 1.0 || labelText(yes) != "Yes" || no["Value"] != 0.0 || labelText(no) != "No" {
		t.Errorf("decisionmaker's OptionSet: %s", r.raw)
	}

	// Status reasons with their state; states with their default status.
	r = f.do("GET", lead+"(LogicalName='statuscode')/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$expand=OptionSet", f.admin, nil).must(t, 200)
	set, _ = r.body["OptionSet"].(map[string]any)
	if set["OptionSetType"] != "Status" || r.str("AttributeType") != "Status" {
		t.Errorf("lead.statuscode: %s", r.raw)
	}
	if got := optionField(set["Options"], "State"); got[1] != 0.0 || got[3] != 1.0 || got[4] != 2.0 || len(got) != 7 {
		t.Errorf("lead's status reasons' states: %v", got)
	}
	r = f.do("GET", lead+"(LogicalName='statecode')/Microsoft.Dynamics.CRM.StateAttributeMetadata?$expand=OptionSet", f.admin, nil).must(t, 200)
	set, _ = r.body["OptionSet"].(map[string]any)
	if got := optionField(set["Options"], "DefaultStatus"); set["OptionSetType"] != "State" || got[0] != 1.0 || got[1] != 3.0 || got[2] != 4.0 {
		t.Errorf("lead's states' default status: %v: %s", got, r.raw)
	}
	if got := optionLabels(t, set["Options"]); got[1] != "Qualified" {
		t.Errorf("lead's states: %v", got)
	}
	// An instance table's: Finished and Aborted are Inactive.
	inst := "EntityDefinitions(LogicalName='cts_leadtoopportunity')/Attributes"
	r = f.do("GET", inst+"(LogicalName='statuscode')/Microsoft.Dynamics.CRM.StatusAttributeMetadata?$expand=OptionSet", f.admin, nil).must(t, 200)
	set, _ = r.body["OptionSet"].(map[string]any)
	if got := optionField(set["Options"], "State"); got[1] != 0.0 || got[2] != 1.0 || got[3] != 1.0 {
		t.Errorf("instance status reasons' states: %v", got)
	}
	r = f.do("GET", inst+"(LogicalName='statecode')/Microsoft.Dynamics.CRM.EnumAttributeMetadata?$expand=OptionSet", f.admin, nil).must(t, 200)
	set, _ = r.body["OptionSet"].(map[string]any)
	if got := optionField(set["Options"], "DefaultStatus"); got[0] != 1.0 || got[1] != 2.0 {
		t.Errorf("instance states' default status: %v", got)
	}

	// Under odata.metadata=none: no context, no type.
	r = f.do("GET", lead+"(LogicalName='subject')", f.admin, nil, "Accept", "application/json;odata.metadata=none").must(t, 200)
	if r.body["@odata.context"] != nil || r.body["@odata.type"] != nil {
		t.Errorf("under none: %s", r.raw)
	}

	// Errors.
	r = f.do("GET", lead+"(LogicalName='nosuch')", f.admin, nil).must(t, 404)
	if msg := errMessage(r); msg != "'lead' entity doesn't contain attribute with Name = 'nosuch' and NameMapping = 'Logical'." {
		t.Errorf("unknown attribute: %s", r.raw)
	}
	f.do("GET", lead+"(LogicalName='nosuch')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata", f.admin, nil).must(t, 404)
	f.do("GET", "EntityDefinitions(LogicalName='nosuch')/Attributes(LogicalName='x')", f.admin, nil).must(t, 404)
	f.do("GET", lead+"(LogicalName='subject')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata", f.admin, nil).must(t, 404)
	f.do("GET", lead+"(LogicalName='subject')/Microsoft.Dynamics.CRM.NosuchAttributeMetadata", f.admin, nil).must(t, 400)
	f.do("GET", lead+"(LogicalName='budgetstatus')?$expand=OptionSet", f.admin, nil).must(t, 400)
	f.do("GET", lead+"(LogicalName='budgetstatus')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=Nosuch", f.admin, nil).must(t, 400)
	f.do("GET", lead+"(LogicalName='budgetstatus')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$filter=x", f.admin, nil).must(t, 400)
	f.do("GET", lead+"(LogicalName='budgetstatus')", "", nil).must(t, 401)
}

func errMessage(r *response) string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// labelText is an option's label: its UserLocalizedLabel's, which its
// one en-US LocalizedLabel repeats.
func labelText(o map[string]any) string {
	l, _ := o["Label"].(map[string]any)
	user, _ := l["UserLocalizedLabel"].(map[string]any)
	locs, _ := l["LocalizedLabels"].([]any)
	if len(locs) != 1 || locs[0].(map[string]any)["Label"] != user["Label"] || locs[0].(map[string]any)["LanguageCode"] != 1033.0 {
		return "<labels " + strings.Repeat("?", len(locs)) + ">"
	}
	s, _ := user["Label"].(string)
	return s
}

func optionLabels(t *testing.T, options any) map[float64]string {
	t.Helper()
	out := map[float64]string{}
	list, _ := options.([]any)
	for _, o := range list {
		m := o.(map[string]any)
		out[m["Value"].(float64)] = labelText(m)
	}
	return out
}

func optionField(options any, field string) map[float64]any {
	out := map[float64]any{}
	list, _ := options.([]any)
	for _, o := range list {
		m := o.(map[string]any)
		out[m["Value"].(float64)] = m[field]
	}
	return out
}

// TestAttributeDisplayNameAndRequiredLevel: each column's metadata has
// its DisplayName as a Label (en-US) and its RequiredLevel as Dataverse's
// managed property: the key SystemRequired and fixed, ownerid and
// statecode SystemRequired, a required column and a custom table's
// primary name ApplicationRequired, others None; $select keeps them, in
// a list, one column, a cast and EntityDefinitions' expanded Attributes.
func TestAttributeDisplayNameAndRequiredLevel(t *testing.T) {
	p := project(t, "claims")
	testenv.Deploy(t, p, "dev", build(t, p))
	f := serveEnv(t, p, "dev", fixtureOptions{})
	const policy = "EntityDefinitions(LogicalName='nwi_policy')/Attributes"
	r := f.do("GET", policy+"?$select=LogicalName,DisplayName,RequiredLevel,IsCustomAttribute", f.admin, nil).must(t, 200)
	type want struct {
		display, level string
		fixed, custom  bool
	}
	wants := map[string]want{
		"nwi_policyid": {"Policy", "SystemRequired", true, false},
		"nwi_name":     {"Policy Number", "ApplicationRequired", false, true},
		"nwi_holderid": {"Policy Holder", "ApplicationRequired", false, true},
		"nwi_product":  {"Product", "None", false, true},
		"ownerid":      {"Owner", "SystemRequired", false, false},
		"statecode":    {"Status", "SystemRequired", false, false},
		"statuscode":   {"Status Reason", "None", false, false},
	}
	seen := 0
	for _, a := range r.rows() {
		w, ok := wants[a["LogicalName"].(string)]
		if !ok {
			continue
		}
		seen++
		rl, _ := a["RequiredLevel"].(map[string]any)
		if rl["Value"] != w.level || rl["CanBeChanged"] != !w.fixed || rl["ManagedPropertyLogicalName"] != "canmodifyrequirementlevelsettings" ||
			a["IsCustomAttribute"] != w.custom {
			t.Errorf("%s: RequiredLevel %v, IsCustomAttribute %v; want %s (fixed %v), custom %v", a["LogicalName"], rl, a["IsCustomAttribute"], w.level, w.fixed, w.custom)
		}
		if labelText(map[string]any{"Label": a["DisplayName"]}) != w.display {
			t.Errorf("%s: DisplayName %v, want %q", a["LogicalName"], a["DisplayName"], w.display)
		}
		if len(a) != 6 { // the four, the key and @odata.type
			t.Errorf("%s: $select kept %v", a["LogicalName"], a)
		}
	}
	if seen != len(wants) {
		t.Errorf("%d of the %d columns looked for: %s", seen, len(wants), r.raw)
	}

	// One column, cast, with every property: the label's shape.
	r = f.do("GET", policy+"(LogicalName='nwi_product')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata", f.admin, nil).must(t, 200)
	dn, _ := r.body["DisplayName"].(map[string]any)
	locs, _ := dn["LocalizedLabels"].([]any)
	if len(locs) != 1 {
		t.Fatalf("nwi_product's DisplayName: %s", r.raw)
	}
	l := locs[0].(map[string]any)
	if l["Label"] != "Product" || l["LanguageCode"] != 1033.0 || l["IsManaged"] != false || l["HasChanged"] != nil || len(l) != 5 {
		t.Errorf("nwi_product's LocalizedLabel: %v", l)
	}
	if _, err := uuid.Parse(l["MetadataId"].(string)); err != nil {
		t.Errorf("label MetadataId: %v", l["MetadataId"])
	}
	if rl, _ := r.body["RequiredLevel"].(map[string]any); rl["Value"] != "None" {
		t.Errorf("nwi_product's RequiredLevel: %s", r.raw)
	}

	// A standard table's required column; EntityDefinitions' Attributes.
	r = f.do("GET", "EntityDefinitions(LogicalName='contact')?$select=LogicalName&$expand="+url.QueryEscape("Attributes($select=LogicalName,RequiredLevel,DisplayName)"),
		f.admin, nil).must(t, 200)
	found := false
	for _, a := range r.body["Attributes"].([]any) {
		a := a.(map[string]any)
		if a["LogicalName"] == "lastname" {
			found = true
			rl, _ := a["RequiredLevel"].(map[string]any)
			if rl["Value"] != "ApplicationRequired" || labelText(map[string]any{"Label": a["DisplayName"]}) != "Last Name" {
				t.Errorf("contact.lastname: %v", a)
			}
		}
	}
	if !found {
		t.Errorf("contact has no lastname: %s", r.raw)
	}
	f.do("GET", policy+"(LogicalName='nwi_name')?$select=RequiredLevl", f.admin, nil).must(t, 400)
}

// TestAttributeMetadataUnknownProperties: a property that attribute or
// option set metadata has not is a 400 naming it and the one most likely
// meant (an option set's $select was kept silently, answering the set
// without it); the option sets' property lists are what they answer.
func TestAttributeMetadataUnknownProperties(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const lead = "EntityDefinitions(LogicalName='lead')/Attributes"
	const picklist = lead + "(LogicalName='budgetstatus')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"
	const boolean = lead + "(LogicalName='decisionmaker')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata"
	for _, c := range []struct{ path, want string }{
		{picklist + "?$expand=" + url.QueryEscape("OptionSet($select=Bogus)"),
			"Could not find a property named 'Bogus' on type 'Microsoft.Dynamics.CRM.OptionSetMetadata' (bpfc's have MetadataId, Name,"},
		{picklist + "?$expand=" + url.QueryEscape("OptionSet($select=Optons)"), "'Optons' on type 'Microsoft.Dynamics.CRM.OptionSetMetadata' (did you mean Options?)"},
		{picklist + "?$expand=" + url.QueryEscape("GlobalOptionSet($select=OptionSetTyp)"), "(did you mean OptionSetType?)"},
		{boolean + "?$expand=" + url.QueryEscape("OptionSet($select=TrueOptoin)"), "'TrueOptoin' on type 'Microsoft.Dynamics.CRM.BooleanOptionSetMetadata' (did you mean TrueOption?)"},
		{picklist + "?$select=displayname", "'displayname' on type 'Microsoft.Dynamics.CRM.PicklistAttributeMetadata' (did you mean DisplayName?)"},
		{picklist + "?$select=OptinSet", "(did you mean OptionSet?)"},
		{lead + "?$select=RequiredLvel", "'RequiredLvel' on type 'Microsoft.Dynamics.CRM.AttributeMetadata' (did you mean RequiredLevel?)"},
		{"EntityDefinitions(LogicalName='lead')?$select=LogicalName&$expand=" + url.QueryEscape("Attributes($select=IsCustomAtribute)"),
			"(did you mean IsCustomAttribute?)"},
	} {
		r := f.do("GET", c.path, f.admin, nil).must(t, 400)
		if msg := errMessage(r); !strings.Contains(msg, c.want) {
			t.Errorf("GET %s: %q, want it to say %q", c.path, msg, c.want)
		}
	}

	// Every property an option set answers is one its $select takes.
	for path, props := range map[string][]string{picklist: optionSetProperties, boolean: booleanOptionSetProperties} {
		r := f.do("GET", path+"?$expand=OptionSet", f.admin, nil).must(t, 200)
		set, _ := r.body["OptionSet"].(map[string]any)
		got := slices.Sorted(maps.Keys(set))
		if want := slices.Sorted(slices.Values(props)); !slices.Equal(got, want) {
			t.Errorf("%s's OptionSet has %v; its $select takes %v", path, got, want)
		}
		sel := f.do("GET", path+"?$expand="+url.QueryEscape("OptionSet($select="+strings.Join(props, ",")+")"), f.admin, nil).must(t, 200)
		if kept, _ := sel.body["OptionSet"].(map[string]any); len(kept) != len(props) {
			t.Errorf("%s: OptionSet($select=every property) kept %v", path, kept)
		}
	}
}

// TestAttributeFilter: a table's Attributes take a $filter on their
// scalar properties, eq and ne, and, or and not, startswith and contains,
// AttributeType's values written as Dataverse's enum values or as text;
// the columns keep their order. A property not filterable or unknown, or
// an AttributeType misspelt, is a 400 saying so.
func TestAttributeFilter(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const lead = "EntityDefinitions(LogicalName='lead')/Attributes"
	names := func(filter string, path ...string) []string {
		t.Helper()
		p := lead
		if len(path) > 0 {
			p = path[0]
		}
		r := f.do("GET", p+"?$select=LogicalName&$filter="+url.QueryEscape(filter), f.admin, nil).must(t, 200)
		var out []string
		for _, a := range r.rows() {
			out = append(out, a["LogicalName"].(string))
		}
		return out
	}
	all := names("LogicalName ne 'nosuch'")
	picklists := names("AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'")
	if !slices.Contains(picklists, "budgetstatus") || !slices.Contains(picklists, "leadsourcecode") || slices.Contains(picklists, "statecode") {
		t.Errorf("lead's picklists: %v", picklists)
	}
	if got := names("AttributeType eq 'Picklist'"); !slices.Equal(got, picklists) {
		t.Errorf("AttributeType eq 'Picklist': %v, want %v", got, picklists)
	}
	if got := names("AttributeType eq mscrm.AttributeTypeCode'Picklist'"); !slices.Equal(got, picklists) { // $metadata's alias
		t.Errorf("by the alias: %v, want %v", got, picklists)
	}
	if got := names("not (AttributeType ne Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist')"); !slices.Equal(got, picklists) {
		t.Errorf("not ne: %v, want %v", got, picklists)
	}
	// In the columns' order, as without a $filter.
	var ordered []string
	for _, n := range all {
		if slices.Contains(picklists, n) {
			ordered = append(ordered, n)
		}
	}
	if !slices.Equal(picklists, ordered) || len(all) < 10 {
		t.Errorf("picklists %v, not in the columns' order %v", picklists, all)
	}
	if got := names("IsPrimaryId eq true or IsPrimaryName eq true"); !slices.Equal(got, []string{"leadid", "fullname"}) {
		t.Errorf("key and primary name: %v", got)
	}
	if got := names("LogicalName eq 'subject' and IsCustomAttribute eq false"); !slices.Equal(got, []string{"subject"}) {
		t.Errorf("subject: %v", got)
	}
	if got := names("startswith(LogicalName,'budget') or contains(LogicalName,'sourcecod')"); !slices.Equal(got, []string{"budgetamount", "budgetstatus", "leadsourcecode"}) {
		t.Errorf("startswith/contains: %v", got)
	}
	if got := names("AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Owner'"); len(got) != 0 {
		t.Errorf("a type bpfc has not: %v", got)
	}
	// A cast list, and its custom columns (opportunity has Contoso's).
	if got := names("LogicalName eq 'budgetstatus'", lead+"/Microsoft.Dynamics.CRM.PicklistAttributeMetadata"); !slices.Equal(got, []string{"budgetstatus"}) {
		t.Errorf("a cast list's $filter: %v", got)
	}
	opp := "EntityDefinitions(LogicalName='opportunity')/Attributes"
	if got := names("IsCustomAttribute eq true", opp); !slices.Equal(got, []string{"cts_approverid", "cts_dealapproved", "cts_approvalcomments"}) {
		t.Errorf("opportunity's custom columns: %v", got)
	}

	for filter, want := range map[string]string{
		"LogicalNam eq 'subject'":    "Could not find a property named 'LogicalNam' on type 'Microsoft.Dynamics.CRM.AttributeMetadata' (did you mean LogicalName?)",
		"isprimaryid eq true":        "(did you mean IsPrimaryId?)",
		"Bogus eq 1":                 "(bpfc's have MetadataId, LogicalName, AttributeType, IsPrimaryId, IsPrimaryName, IsCustomAttribute)",
		"RequiredLevel eq 'None'":    "$filter on attribute metadata compares MetadataId, LogicalName, AttributeType, IsPrimaryId, IsPrimaryName, IsCustomAttribute; RequiredLevel is not one",
		"AttributeType eq 'Picklst'": "AttributeType has no value 'Picklst' (did you mean Picklist?)",
		"AttributeType eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'None'": "AttributeType is a Microsoft.Dynamics.CRM.AttributeTypeCode, not a Microsoft.Dynamics.CRM.AttributeRequiredLevel",
		"LogicalName eq Microsoft.Dynamics.CRM.AttributeTypeCode'String'":      "only AttributeType compares with one",
		"IsPrimaryId eq 'yes'":    "IsPrimaryId is a boolean column: compare it with true or false",
		"startswith(Targets,'a')": "Targets is not one",
		"LogicalName eq":          "$filter at position",
	} {
		r := f.do("GET", lead+"?$filter="+url.QueryEscape(filter), f.admin, nil).must(t, 400)
		if msg := errMessage(r); !strings.Contains(msg, want) {
			t.Errorf("$filter=%s: %q, want it to say %q", filter, msg, want)
		}
	}
	f.do("GET", lead+"?$filter=", f.admin, nil).must(t, 400)
	f.do("GET", lead+"(LogicalName='subject')?$filter="+url.QueryEscape("IsPrimaryId eq true"), f.admin, nil).must(t, 400)
	// Tables' enum-free columns say what an enum value is.
	r := f.do("GET", "leads?$filter="+url.QueryEscape("subject eq Microsoft.Dynamics.CRM.AttributeTypeCode'String'"), f.admin, nil).must(t, 400)
	if msg := errMessage(r); !strings.Contains(msg, "not the enum value Microsoft.Dynamics.CRM.AttributeTypeCode'String'") {
		t.Errorf("an enum value on a row's column: %q", msg)
	}
}

// TestAttributeCastTakesTheAlias: a cast in the path may name its type
// by $metadata's alias, mscrm, as an @odata.type may: the same answer as
// the full namespace, its context in the full one; another namespace's
// prefix is still refused.
func TestAttributeCastTakesTheAlias(t *testing.T) {
	f := serve(t, fixtureOptions{})
	const lead = "EntityDefinitions(LogicalName='lead')/Attributes"
	r := f.do("GET", lead+"/mscrm.PicklistAttributeMetadata?$select=LogicalName", f.admin, nil).must(t, 200)
	names := map[string]bool{}
	for _, a := range r.rows() {
		names[a["LogicalName"].(string)] = true
	}
	if !names["budgetstatus"] || names["subject"] || !strings.Contains(r.str("@odata.context"), "/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata(LogicalName)") {
		t.Errorf("Attributes/mscrm.PicklistAttributeMetadata: %s", r.raw)
	}
	r = f.do("GET", lead+"(LogicalName='budgetstatus')/mscrm.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet", f.admin, nil).must(t, 200)
	if set, _ := r.body["OptionSet"].(map[string]any); r.str("LogicalName") != "budgetstatus" || set["Options"] == nil {
		t.Errorf("Attributes(LogicalName='budgetstatus')/mscrm.PicklistAttributeMetadata: %s", r.raw)
	}
	f.do("GET", lead+"(LogicalName='subject')/mscrm.PicklistAttributeMetadata", f.admin, nil).must(t, 404)
	f.do("GET", lead+"/mscrm.NosuchAttributeMetadata", f.admin, nil).must(t, 400)
	f.do("GET", lead+"/other.PicklistAttributeMetadata", f.admin, nil).must(t, 501)
}
