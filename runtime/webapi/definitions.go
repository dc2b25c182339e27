package webapi

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Table metadata in the shape of Dataverse's EntityDefinitions (a subset of
// EntityMetadata and AttributeMetadata), what a client reads to know the
// entity set, key, primary name and column types of a table:
//
//	GET EntityDefinitions                       every table, with its Attributes
//	GET EntityDefinitions(LogicalName='lead')   one table (or EntityDefinitions(<MetadataId>))
//	GET EntityDefinitions(LogicalName='lead')/Attributes…   its columns (attributes.go)
//
// Without $select the Attributes come with every definition; with one,
// with $expand=Attributes (whose own $select keeps some of their
// properties), as Dataverse reads a definition's properties.

// EntityDefinition is one table.
type EntityDefinition struct {
	MetadataId           string                `json:"MetadataId"` // derived from the name: entityMetadataID
	LogicalName          string                `json:"LogicalName"`
	EntitySetName        string                `json:"EntitySetName"`
	DisplayName          Label                 `json:"DisplayName"` // the table's, as a column's
	PrimaryIdAttribute   string                `json:"PrimaryIdAttribute"`
	PrimaryNameAttribute string                `json:"PrimaryNameAttribute"`
	IsBPFEntity          bool                  `json:"IsBPFEntity"` // a flow's instance table
	IsCustomEntity       bool                  `json:"IsCustomEntity"`
	Attributes           []AttributeDefinition `json:"Attributes"`
}

// AttributeDefinition is one column. AttributeType is Dataverse's
// AttributeTypeCode: String, Memo, Integer, BigInt, Decimal, Money,
// Boolean, DateTime, Picklist, State, Status, Lookup, Customer,
// Uniqueidentifier.
type AttributeDefinition struct {
	MetadataId    string        `json:"MetadataId"` // derived from the names: attributeMetadataID
	LogicalName   string        `json:"LogicalName"`
	AttributeType string        `json:"AttributeType"`
	DisplayName   Label         `json:"DisplayName"`
	RequiredLevel RequiredLevel `json:"RequiredLevel"`
	Targets       []string      `json:"Targets,omitempty"` // lookups
	// DateTimeBehavior is a DateTime column's behavior as Dataverse's
	// metadata names it: UserLocal, DateOnly or TimeZoneIndependent.
	DateTimeBehavior *DateTimeBehavior `json:"DateTimeBehavior,omitempty"`
	IsPrimaryId      bool              `json:"IsPrimaryId"`
	IsPrimaryName    bool              `json:"IsPrimaryName"`
	// IsCustomAttribute: a column a solution added, not the platform's.
	IsCustomAttribute bool `json:"IsCustomAttribute"`
}

// attributeTypes maps column types to AttributeTypeCode names.
var attributeTypes = map[string]string{
	"string": "String", "email": "String", "memo": "Memo", "integer": "Integer", store.TypeRowVersion: "BigInt",
	"decimal": "Decimal", "money": "Money", "boolean": "Boolean", "datetime": "DateTime", "choice": "Picklist",
	"state": "State", "status": "Status", "lookup": "Lookup", "customer": "Customer", "uniqueidentifier": "Uniqueidentifier",
}

func definitionOf(t store.Table) EntityDefinition {
	d := EntityDefinition{MetadataId: entityMetadataID(t.Name), LogicalName: t.Name, EntitySetName: t.EntitySetName,
		DisplayName: labelOf(t.DisplayName, compiler.ID("label", "entity", t.Name)), PrimaryIdAttribute: t.PrimaryKey,
		PrimaryNameAttribute: t.PrimaryColumn, IsBPFEntity: t.Kind == store.TableInstance, IsCustomEntity: t.Kind == store.TableCustom,
		Attributes: []AttributeDefinition{}}
	for _, c := range t.Columns {
		typ, ok := attributeTypes[c.Type]
		if !ok {
			typ = c.Type
		}
		a := AttributeDefinition{MetadataId: attributeMetadataID(t.Name, c.Name), LogicalName: c.Name, AttributeType: typ,
			DisplayName: labelOf(c.DisplayName, compiler.ID("label", "attribute", t.Name, c.Name)), RequiredLevel: requiredLevelOf(t, c),
			Targets: c.Targets, IsPrimaryId: c.Name == t.PrimaryKey, IsPrimaryName: c.Name == t.PrimaryColumn, IsCustomAttribute: isCustomColumn(t, c)}
		if c.Type == compiler.TypeDateTime {
			_, name := compiler.DataverseBehavior(c.Behavior)
			a.DateTimeBehavior = &DateTimeBehavior{Value: name}
		}
		d.Attributes = append(d.Attributes, a)
	}
	return d
}

// isCustomColumn reports whether c is a custom column of t: one a
// solution declared, or a flow's own columns of its instance table
// (bpf_name, bpf_duration, the lookups bpf_<table>id), which Dataverse
// makes as the flow's custom fields (compiler/emit writes them so).
func isCustomColumn(t store.Table, c store.Column) bool {
	return !c.System || (t.Kind == store.TableInstance && strings.HasPrefix(c.Name, "bpf_"))
}

// DateTimeBehavior is Dataverse's {"Value": "DateOnly"}.
type DateTimeBehavior struct {
	Value string `json:"Value"`
}

// dateOnly reports whether a is a date-only column.
func (a AttributeDefinition) dateOnly() bool {
	return a.DateTimeBehavior != nil && a.DateTimeBehavior.Value == "DateOnly"
}

// entityDefinitions serves GET EntityDefinitions and
// EntityDefinitions(LogicalName='x').
func (s *Server) entityDefinitions(w http.ResponseWriter, r *http.Request, seg string) {
	one, oneID := "", ""
	if _, _, ok := splitKeyRaw(seg); ok {
		var err error
		if one, oneID, err = definitionKey(seg, r.URL.Query()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defs := []EntityDefinition{}
	for _, t := range tables {
		if one == "" && oneID == "" {
			defs = append(defs, definitionOf(t))
			continue
		}
		if t.Name == one || (oneID != "" && entityMetadataID(t.Name) == oneID) {
			// $select and $expand apply to one definition as to the list
			// (Dataverse answers only the properties a $select names).
			q := url.Values{}
			for _, k := range []string{"$select", "$expand"} {
				if v, ok := r.URL.Query()[k]; ok {
					q[k] = v
				}
			}
			value, err := queryDefinitions(q, []EntityDefinition{definitionOf(t)})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			body := map[string]any{}
			setContext(w, r, body, "#EntityDefinitions"+selected(r)+"/$entity")
			maps.Copy(body, value[0])
			writeJSON(w, http.StatusOK, body)
			return
		}
	}
	if one != "" || oneID != "" {
		s.fail(w, r, errorf(http.StatusNotFound, "NotFound", "no table %q (GET %sEntityDefinitions lists them)", cmp.Or(one, oneID), Prefix))
		return
	}
	value, err := queryDefinitions(r.URL.Query(), defs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	body := map[string]any{"value": value}
	setContext(w, r, body, "#EntityDefinitions"+selected(r))
	writeJSON(w, http.StatusOK, body)
}

// definitionsTable describes the table properties of EntityDefinitions
// for a query ($filter, $select, $orderby, $top), as Dataverse's clients
// query them (IsBPFEntity eq true lists the flows' instance tables).
var definitionsTable = store.Table{Name: "EntityDefinitions", EntitySetName: "EntityDefinitions", PrimaryKey: "LogicalName",
	Columns: []store.Column{
		{Name: "MetadataId", Type: "uniqueidentifier"}, {Name: "LogicalName", Type: "string"}, {Name: "EntitySetName", Type: "string"}, {Name: "PrimaryIdAttribute", Type: "string"},
		{Name: "PrimaryNameAttribute", Type: "string"}, {Name: "IsBPFEntity", Type: "boolean"}, {Name: "IsCustomEntity", Type: "boolean"},
	}}

// queryDefinitions applies a list's query options to the definitions:
// the rows $filter keeps, in $orderby's order, $top of them, with the
// properties $select names (every one, Attributes included, without it;
// $expand=Attributes adds them to a $select).
func queryDefinitions(q url.Values, defs []EntityDefinition) ([]map[string]any, error) {
	expanded := false
	var attrSel []string // Attributes($select=…): the attribute properties kept
	if x := q.Get("$expand"); x != "" {
		inner, ok := strings.CutPrefix(x, "Attributes")
		if !ok || (inner != "" && (!strings.HasPrefix(inner, "(") || !strings.HasSuffix(inner, ")"))) {
			return nil, badRequest("EntityDefinitions takes $expand=Attributes only, with at most a $select: Attributes($select=LogicalName,AttributeType)")
		}
		if inner != "" {
			v, ok := strings.CutPrefix(inner[1:len(inner)-1], "$select=")
			if !ok || strings.ContainsAny(v, ";()") {
				return nil, badRequest("$expand=Attributes(…) takes $select only: Attributes($select=LogicalName,AttributeType)")
			}
			for _, p := range strings.Split(v, ",") {
				p = strings.TrimSpace(p)
				if !slices.Contains(attributeProperties, p) {
					return nil, unknownProperty(p, "AttributeMetadata", attributeProperties)
				}
				attrSel = append(attrSel, p)
			}
		}
		q = maps.Clone(q)
		q.Del("$expand")
		expanded = true
	}
	// DisplayName is no column of definitionsTable: a Label, which
	// $select may name but $filter and $orderby do not compare.
	withDisplay := false
	if v := q.Get("$select"); v != "" {
		var rest []string
		for _, p := range strings.Split(v, ",") {
			if strings.TrimSpace(p) == "DisplayName" {
				withDisplay = true
			} else {
				rest = append(rest, p)
			}
		}
		if withDisplay {
			q = maps.Clone(q)
			q.Set("$select", cmp.Or(strings.Join(rest, ","), "LogicalName")) // which every answer has
		}
	}
	opts, err := parseList(q, len(defs)+1)
	if err != nil {
		return nil, err
	}
	query, sel, err := opts.query(definitionsTable)
	if err != nil {
		return nil, err
	}
	withAttrs := len(sel) == 0 || expanded
	byName := map[string]EntityDefinition{}
	rows := make([]store.Row, 0, len(defs))
	for _, d := range defs {
		byName[d.LogicalName] = d
		rows = append(rows, store.Row{"MetadataId": d.MetadataId, "LogicalName": d.LogicalName, "EntitySetName": d.EntitySetName, "PrimaryIdAttribute": d.PrimaryIdAttribute,
			"PrimaryNameAttribute": d.PrimaryNameAttribute, "IsBPFEntity": d.IsBPFEntity, "IsCustomEntity": d.IsCustomEntity})
	}
	query.Table, query.Limit = definitionsTable, max(opts.top, 0)
	rows, err = query.Run(rows)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	if opts.top == 0 {
		rows = nil // Limit 0 is every row; $top=0 none
	}
	out := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		m := map[string]any{}
		if len(sel) == 0 {
			for k, v := range row {
				m[k] = v
			}
		} else {
			for _, c := range sel {
				m[c] = row[c]
			}
			m["LogicalName"] = row["LogicalName"]
			m["MetadataId"] = row["MetadataId"] // the key: always there, as in Dataverse
		}
		d := byName[row["LogicalName"].(string)]
		if len(sel) == 0 || withDisplay {
			m["DisplayName"] = d.DisplayName
		}
		if withAttrs {
			m["Attributes"] = selectAttributes(d.Attributes, attrSel)
		}
		out = append(out, m)
	}
	return out, nil
}

// attributeProperties are the properties of an AttributeDefinition, as an
// $expand=Attributes($select=…) names them.
var attributeProperties = []string{"MetadataId", "LogicalName", "AttributeType", "DisplayName", "RequiredLevel", "Targets", "DateTimeBehavior",
	"IsPrimaryId", "IsPrimaryName", "IsCustomAttribute"}

// selectAttributes keeps the properties sel names of each attribute (all
// of them without sel).
func selectAttributes(attrs []AttributeDefinition, sel []string) any {
	if len(sel) == 0 {
		return attrs
	}
	out := make([]map[string]any, 0, len(attrs))
	for _, a := range attrs {
		all := attributeValues(a)
		m := map[string]any{"MetadataId": a.MetadataId}
		for _, p := range sel {
			m[p] = all[p]
		}
		out = append(out, m)
	}
	return out
}
