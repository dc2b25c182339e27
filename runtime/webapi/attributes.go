package webapi

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
	"github.com/bpfc/bpfc/runtime/internal/valuetext"
	"github.com/bpfc/bpfc/runtime/store"
)

// A table's columns as Dataverse's attribute metadata, below its
// definition:
//
//	GET EntityDefinitions(LogicalName='lead')/Attributes                   every column
//	GET EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='x')  one (or Attributes(<MetadataId>))
//	GET …/Attributes(LogicalName='x')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet
//	GET …/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata      the columns of that type
//	GET …/Attributes?$filter=IsCustomAttribute eq true                       some of them (attributes_filter.go)
//
// A cast to the column's own type (or to AttributeMetadata, or to
// EnumAttributeMetadata for a choice, status or state) may $expand its
// OptionSet and GlobalOptionSet: a choice's (Picklist), status reason's
// (Status, each option with its State) and state's (State, each with its
// DefaultStatus) options, a yes/no column's TrueOption and FalseOption,
// each option with its Value and Label (LocalizedLabels, en-US, and
// UserLocalizedLabel, labels.go, as a column's DisplayName). bpfc's
// option sets are the columns' own, never global: GlobalOptionSet is
// null. Every definition has a MetadataId, derived from the names
// (compiler.ID), the same in every environment.

// crmNS is the namespace of Dataverse's types, and crmAlias its alias
// ($metadata's Schema Alias), which a client may write instead.
const (
	crmNS    = "Microsoft.Dynamics.CRM."
	crmAlias = "mscrm"
)

// crmType is the name of a type of Dataverse's namespace that an
// @odata.type value names ("#Microsoft.Dynamics.CRM.account",
// "mscrm.account", …): false if it names another namespace's.
func crmType(odataType string) (string, bool) {
	q := strings.TrimPrefix(odataType, "#")
	if name, ok := strings.CutPrefix(q, crmNS); ok {
		return name, true
	}
	return strings.CutPrefix(q, crmAlias+".")
}

// castType is the type a path's cast segment names, in either form
// (Microsoft.Dynamics.CRM.PicklistAttributeMetadata or
// mscrm.PicklistAttributeMetadata), as $metadata's alias lets a client
// write it: false for another namespace's, or for an @odata.type's '#',
// which a path never has.
func castType(seg string) (string, bool) {
	if strings.HasPrefix(seg, "#") {
		return "", false
	}
	return crmType(seg)
}

// attributeMetadataTypes are the AttributeMetadata types of the
// AttributeTypeCodes (AttributeDefinition.AttributeType).
var attributeMetadataTypes = map[string]string{
	"String": "StringAttributeMetadata", "Memo": "MemoAttributeMetadata", "Integer": "IntegerAttributeMetadata",
	"BigInt": "BigIntAttributeMetadata", "Decimal": "DecimalAttributeMetadata", "Money": "MoneyAttributeMetadata",
	"Boolean": "BooleanAttributeMetadata", "DateTime": "DateTimeAttributeMetadata", "Picklist": "PicklistAttributeMetadata",
	"State": "StateAttributeMetadata", "Status": "StatusAttributeMetadata", "Lookup": "LookupAttributeMetadata",
	"Customer": "LookupAttributeMetadata", "Uniqueidentifier": "UniqueIdentifierAttributeMetadata",
}

// metadataType is the AttributeMetadata type of an attribute.
func metadataType(a AttributeDefinition) string {
	return cmp.Or(attributeMetadataTypes[a.AttributeType], "AttributeMetadata")
}

// castsTo reports whether an attribute is of the type a cast names
// (without the namespace).
func castsTo(a AttributeDefinition, typ string) bool {
	switch typ {
	case "AttributeMetadata":
		return true
	case "EnumAttributeMetadata":
		return a.AttributeType == "Picklist" || a.AttributeType == "State" || a.AttributeType == "Status"
	}
	return metadataType(a) == typ
}

// entityMetadataID and attributeMetadataID are the MetadataIds of a table
// and of a column.
func entityMetadataID(table string) string { return compiler.ID("entitymetadata", table) }

func attributeMetadataID(table, column string) string {
	return compiler.ID("attributemetadata", table, column)
}

// attributeDefinitions serves the paths below EntityDefinitions(…):
// rest is what follows the definition's segment.
func (s *Server) attributeDefinitions(w http.ResponseWriter, r *http.Request, seg, rest string) {
	t, err := s.definedTable(r, seg)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	parts := strings.Split(rest, "/")
	nav, key, keyed := splitKeyRaw(parts[0])
	if nav != "Attributes" || len(parts) > 2 || (keyed && key == "") {
		s.fail(w, r, errorf(http.StatusNotImplemented, "NotImplemented",
			"EntityDefinitions(…)/%s: below a table's definition bpfc serves Attributes, Attributes(LogicalName='<column>') and a cast of them (…/Microsoft.Dynamics.CRM.PicklistAttributeMetadata)", rest))
		return
	}
	cast := ""
	if len(parts) == 2 {
		var ok bool
		if cast, ok = castType(parts[1]); !ok || !strings.HasSuffix(cast, "AttributeMetadata") {
			s.fail(w, r, errorf(http.StatusNotImplemented, "NotImplemented",
				"%s: below an attribute bpfc serves a cast to its type only (Microsoft.Dynamics.CRM.PicklistAttributeMetadata, …)", parts[1]))
			return
		}
		if !slices.Contains(slices.Collect(maps.Values(attributeMetadataTypes)), cast) && cast != "AttributeMetadata" && cast != "EnumAttributeMetadata" {
			s.fail(w, r, badRequest("no type %s%s: the attribute types are Microsoft.Dynamics.CRM.<Type>AttributeMetadata (Picklist, Boolean, Status, State, String, …)", crmNS, cast))
			return
		}
	}
	def := definitionOf(t)
	q, err := parseAttributeQuery(r.URL.Query(), cmp.Or(cast, "AttributeMetadata"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctxPath := "#EntityDefinitions(" + def.MetadataId + ")/Attributes"
	if cast != "" {
		ctxPath += "/" + crmNS + cast
	}
	ctxPath += q.contextSelect()
	if !keyed {
		attrs, err := filterAttributes(def.Attributes, q.where)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		value := []map[string]any{}
		for _, a := range attrs {
			if cast == "" || castsTo(a, cast) {
				value = append(value, q.attribute(r, t, a, cast == ""))
			}
		}
		body := map[string]any{"value": value}
		setContext(w, r, body, ctxPath)
		writeJSON(w, http.StatusOK, body)
		return
	}
	if q.where != nil {
		s.fail(w, r, badRequest("$filter applies to a list of attributes (…/Attributes?$filter=…), not to one"))
		return
	}
	a, err := attributeByKey(def, key, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if cast != "" && !castsTo(a, cast) {
		s.fail(w, r, errorf(http.StatusNotFound, "NotFound", "%s is a %s%s, not a %s%s", a.LogicalName, crmNS, metadataType(a), crmNS, cast))
		return
	}
	body := q.attribute(r, t, a, cast == "")
	setContext(w, r, body, ctxPath+"/$entity")
	writeJSON(w, http.StatusOK, body)
}

// definedTable is the table a definition's segment names:
// EntityDefinitions(LogicalName='lead') or EntityDefinitions(<MetadataId>).
func (s *Server) definedTable(r *http.Request, seg string) (store.Table, error) {
	logical, id, err := definitionKey(seg, r.URL.Query())
	if err != nil {
		return store.Table{}, err
	}
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		return store.Table{}, err
	}
	for _, t := range tables {
		if t.Name == logical || (id != "" && entityMetadataID(t.Name) == id) {
			return t, nil
		}
	}
	return store.Table{}, errorf(http.StatusNotFound, "NotFound", "Could not find entity with name '%s' (GET %sEntityDefinitions lists them)",
		cmp.Or(logical, id), Prefix)
}

// definitionKey reads the key of EntityDefinitions(…): a LogicalName or
// a MetadataId.
func definitionKey(seg string, query url.Values) (logical, id string, err error) {
	_, inner, ok := splitKeyRaw(seg)
	if !ok {
		return "", "", badRequest("write EntityDefinitions(LogicalName='<table>')")
	}
	if u, err := uuid.Parse(strings.TrimSpace(inner)); err == nil {
		return "", u.String(), nil
	}
	params, err := functionParams(seg, query)
	if err != nil {
		return "", "", err
	}
	if len(params) != 1 || params["LogicalName"] == "" {
		return "", "", badRequest("write EntityDefinitions(LogicalName='<table>') or EntityDefinitions(<MetadataId>)")
	}
	return params["LogicalName"], "", nil
}

// attributeByKey is the attribute of Attributes(LogicalName='x') or
// Attributes(<MetadataId>); 404 in Dataverse's words when def has none.
func attributeByKey(def EntityDefinition, key string, query url.Values) (AttributeDefinition, error) {
	name, id := "", ""
	if u, err := uuid.Parse(strings.TrimSpace(key)); err == nil {
		id = u.String()
	} else {
		params, err := functionParams("Attributes("+key+")", query)
		if err != nil {
			return AttributeDefinition{}, err
		}
		if len(params) != 1 || params["LogicalName"] == "" {
			return AttributeDefinition{}, badRequest("write Attributes(LogicalName='<column>') or Attributes(<MetadataId>)")
		}
		name = params["LogicalName"]
	}
	for _, a := range def.Attributes {
		if a.LogicalName == name || a.MetadataId == id {
			return a, nil
		}
	}
	if id != "" {
		return AttributeDefinition{}, errorf(http.StatusNotFound, "NotFound", "Could not find attribute with MetadataId = '%s' on entity '%s'", id, def.LogicalName)
	}
	return AttributeDefinition{}, errorf(http.StatusNotFound, "NotFound",
		"'%s' entity doesn't contain attribute with Name = '%s' and NameMapping = 'Logical'.", def.LogicalName, name)
}

// optionSetOf is the option set of a choice, status, state or yes/no
// column in Dataverse's OptionSetMetadata (BooleanOptionSetMetadata) shape;
// nil for a column of another type.
func optionSetOf(t store.Table, a AttributeDefinition) map[string]any {
	c, ok := t.Column(a.LogicalName)
	if !ok {
		return nil
	}
	setID := compiler.ID("optionsetmetadata", t.Name, c.Name)
	option := func(value int, label string) map[string]any {
		return map[string]any{"Value": value, "Label": labelOf(label, compiler.ID("label", t.Name, c.Name, strconv.Itoa(value))),
			"Description": labelOf("", ""), "Color": nil, "IsManaged": false, "ExternalValue": nil, "ParentValues": []int{},
			"Tag": nil, "IsHidden": false, "MetadataId": nil, "HasChanged": nil}
	}
	set := map[string]any{"MetadataId": setID, "Name": t.Name + "_" + c.Name, "IsGlobal": false, "IsCustomOptionSet": t.Kind == store.TableCustom,
		"DisplayName": labelOf(c.DisplayName, compiler.ID("label", t.Name, c.Name)), "Description": labelOf("", "")}
	switch c.Type {
	case compiler.TypeBoolean:
		set["OptionSetType"] = "Boolean"
		yes, _ := valuetext.Label(c, true)
		no, _ := valuetext.Label(c, false)
		set["TrueOption"], set["FalseOption"] = option(1, yes), option(0, no)
		return set
	case compiler.TypeChoice, compiler.TypeStatus, compiler.TypeState:
	default:
		return nil
	}
	set["OptionSetType"] = map[string]string{compiler.TypeChoice: "Picklist", compiler.TypeStatus: "Status", compiler.TypeState: "State"}[c.Type]
	var statuses []store.Option // the table's, for a state's DefaultStatus
	if sc, ok := t.Column("statuscode"); ok {
		statuses = sc.Options
	}
	options := []map[string]any{}
	for _, o := range c.Options {
		m := option(o.Value, o.Label)
		switch c.Type {
		case compiler.TypeStatus:
			if st, ok := stateOfStatus(t, o.Value); ok {
				m["State"] = st
			}
		case compiler.TypeState:
			m["InvariantName"] = strings.ReplaceAll(o.Label, " ", "")
			m["DefaultStatus"] = nil
			for _, st := range statuses { // the first status reason of the state
				if s, ok := stateOfStatus(t, st.Value); ok && s == o.Value {
					m["DefaultStatus"] = st.Value
					break
				}
			}
		}
		options = append(options, m)
	}
	set["Options"] = options
	return set
}

// stateOfStatus is the state a status reason of t belongs to: a flow's
// instance table's are Active (state 0) and Finished and Aborted (1).
func stateOfStatus(t store.Table, status int) (int, bool) {
	if t.Kind == store.TableInstance {
		st, ok := map[int]int{1: 0, 2: 1, 3: 1}[status]
		return st, ok
	}
	return emit.StateOfStatus(t.Name, status)
}

// attrQuery is what $select and $expand ask of attribute metadata.
type attrQuery struct {
	typ    string              // the type the path casts to, AttributeMetadata without a cast
	sel    []string            // the attribute's properties kept (all without)
	expand map[string][]string // OptionSet, GlobalOptionSet: the properties kept of each (all without)
	order  []string            // expand's keys, in the query's order
	where  store.Cond          // $filter's, of a list; nil without one
}

// optionSetProperties and booleanOptionSetProperties are the properties
// of an option set (optionSetOf), as $expand=OptionSet($select=…) names
// them: a choice's, status reason's or state's, and a yes/no column's.
var (
	optionSetProperties        = []string{"MetadataId", "Name", "DisplayName", "Description", "IsGlobal", "IsCustomOptionSet", "OptionSetType", "Options"}
	booleanOptionSetProperties = []string{"MetadataId", "Name", "DisplayName", "Description", "IsGlobal", "IsCustomOptionSet", "OptionSetType",
		"TrueOption", "FalseOption"}
)

// optionSetNavs are the navigation properties of the attribute types that
// have options.
var optionSetNavs = []string{"OptionSet", "GlobalOptionSet"}

// parseAttributeQuery reads $select and $expand of an attribute path
// that casts to typ.
func parseAttributeQuery(q url.Values, typ string) (attrQuery, error) {
	aq := attrQuery{typ: typ, expand: map[string][]string{}}
	hasOptions := typ == "PicklistAttributeMetadata" || typ == "StatusAttributeMetadata" || typ == "StateAttributeMetadata" ||
		typ == "BooleanAttributeMetadata" || typ == "EnumAttributeMetadata"
	for k, v := range q {
		if k != "$select" && k != "$expand" && k != "$filter" && strings.HasPrefix(k, "$") {
			return aq, badRequest("attribute metadata takes $select, $expand and (a list) $filter only, not %s", k)
		}
		if k == "$filter" && strings.TrimSpace(v[0]) == "" {
			// Answered as if absent, $filter= would be every column.
			return aq, badRequest("query option $filter is empty: give it a value or leave it out")
		}
	}
	if v := q.Get("$filter"); v != "" {
		var err error
		if aq.where, err = attributeFilter(v); err != nil {
			return aq, err
		}
	}
	if v := q.Get("$select"); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			switch {
			case slices.Contains(attributeProperties, p):
				aq.sel = append(aq.sel, p)
			case hasOptions && slices.Contains(optionSetNavs, p):
				// A navigation property: selected, it adds nothing under
				// minimal metadata; $expand reads it.
			default:
				known := attributeProperties
				if hasOptions {
					known = append(slices.Clone(known), optionSetNavs...)
				}
				return aq, unknownProperty(p, typ, known)
			}
		}
	}
	if v := q.Get("$expand"); v != "" {
		items, err := splitTop(v, ',')
		if err != nil {
			return aq, err
		}
		for _, item := range items {
			name, inner, _ := strings.Cut(strings.TrimSpace(item), "(")
			if !hasOptions || !slices.Contains(optionSetNavs, name) {
				if slices.Contains(optionSetNavs, name) {
					return aq, badRequest("Could not find a property named '%s' on type '%s%s': cast the attribute to its type to expand its options (…/Attributes(LogicalName='<column>')/%sPicklistAttributeMetadata?$expand=OptionSet)",
						name, crmNS, typ, crmNS)
				}
				return aq, unknownProperty(name, typ, nil)
			}
			var keep []string
			if inner != "" {
				inner, ok := strings.CutSuffix(inner, ")")
				sel, isSel := strings.CutPrefix(inner, "$select=")
				if !ok || !isSel || strings.ContainsAny(sel, "();") {
					return aq, badRequest("$expand=%s(…) takes $select only: %s($select=Options)", name, name)
				}
				setType, known := "OptionSetMetadata", optionSetProperties
				if typ == "BooleanAttributeMetadata" {
					setType, known = "BooleanOptionSetMetadata", booleanOptionSetProperties
				}
				for _, p := range strings.Split(sel, ",") {
					p = strings.TrimSpace(p)
					if !slices.Contains(known, p) {
						// Kept silently, it would answer the set without it.
						return aq, unknownProperty(p, setType, known)
					}
					keep = append(keep, p)
				}
			}
			if _, dup := aq.expand[name]; !dup {
				aq.order = append(aq.order, name)
			}
			aq.expand[name] = keep
		}
	}
	return aq, nil
}

// contextSelect is the context URL's part for the query's $select and
// $expand: (LogicalName,OptionSet).
func (aq attrQuery) contextSelect() string {
	if len(aq.sel)+len(aq.order) == 0 {
		return ""
	}
	return "(" + strings.Join(append(slices.Clone(aq.sel), aq.order...), ",") + ")"
}

// attribute is an attribute's metadata as aq asks for it; typed adds its
// @odata.type (a path without a cast answers several types).
func (aq attrQuery) attribute(r *http.Request, t store.Table, a AttributeDefinition, typed bool) map[string]any {
	all := attributeValues(a)
	out := map[string]any{}
	if len(aq.sel) == 0 {
		maps.Copy(out, all)
	} else {
		for _, p := range aq.sel {
			out[p] = all[p]
		}
		out["MetadataId"] = a.MetadataId // the key: always there, as in Dataverse
	}
	if typed && metadataLevel(r) != metadataNone {
		out["@odata.type"] = "#" + crmNS + metadataType(a)
	}
	for _, nav := range aq.order {
		if nav == "GlobalOptionSet" {
			out[nav] = nil // bpfc's option sets are the columns' own
			continue
		}
		set := optionSetOf(t, a)
		if set == nil {
			out[nav] = nil
			continue
		}
		if keep := aq.expand[nav]; len(keep) > 0 {
			kept := map[string]any{"MetadataId": set["MetadataId"]}
			for _, p := range keep {
				if v, ok := set[p]; ok {
					kept[p] = v
				}
			}
			set = kept
		}
		out[nav] = set
	}
	return out
}

// attributeValues are an attribute's properties by name (attributeProperties).
func attributeValues(a AttributeDefinition) map[string]any {
	return map[string]any{"MetadataId": a.MetadataId, "LogicalName": a.LogicalName, "AttributeType": a.AttributeType,
		"DisplayName": a.DisplayName, "RequiredLevel": a.RequiredLevel, "Targets": a.Targets, "DateTimeBehavior": a.DateTimeBehavior,
		"IsPrimaryId": a.IsPrimaryId, "IsPrimaryName": a.IsPrimaryName, "IsCustomAttribute": a.IsCustomAttribute}
}
