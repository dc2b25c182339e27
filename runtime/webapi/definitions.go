package webapi

import (
	"maps"
	"net/http"
	"net/url"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Table metadata in the shape of Dataverse's EntityDefinitions (a subset of
// EntityMetadata and AttributeMetadata), what a client reads to know the
// entity set, key, primary name and column types of a table:
//
//	GET EntityDefinitions                       every table, with its Attributes
//	GET EntityDefinitions(LogicalName='lead')   one table
//
// Attributes are always expanded ($expand and $select are accepted and
// ignored).

// EntityDefinition is one table.
type EntityDefinition struct {
	LogicalName          string                `json:"LogicalName"`
	EntitySetName        string                `json:"EntitySetName"`
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
	LogicalName   string   `json:"LogicalName"`
	AttributeType string   `json:"AttributeType"`
	Targets       []string `json:"Targets,omitempty"` // lookups
	// DateTimeBehavior is a DateTime column's behavior as Dataverse's
	// metadata names it: UserLocal, DateOnly or TimeZoneIndependent.
	DateTimeBehavior *DateTimeBehavior `json:"DateTimeBehavior,omitempty"`
	IsPrimaryId      bool              `json:"IsPrimaryId"`
	IsPrimaryName    bool              `json:"IsPrimaryName"`
}

// attributeTypes maps column types to AttributeTypeCode names.
var attributeTypes = map[string]string{
	"string": "String", "email": "String", "memo": "Memo", "integer": "Integer", store.TypeRowVersion: "BigInt",
	"decimal": "Decimal", "money": "Money", "boolean": "Boolean", "datetime": "DateTime", "choice": "Picklist",
	"state": "State", "status": "Status", "lookup": "Lookup", "customer": "Customer", "uniqueidentifier": "Uniqueidentifier",
}

func definitionOf(t store.Table) EntityDefinition {
	d := EntityDefinition{LogicalName: t.Name, EntitySetName: t.EntitySetName, PrimaryIdAttribute: t.PrimaryKey,
		PrimaryNameAttribute: t.PrimaryColumn, IsBPFEntity: t.Kind == store.TableInstance, IsCustomEntity: t.Kind == store.TableCustom,
		Attributes: []AttributeDefinition{}}
	for _, c := range t.Columns {
		typ, ok := attributeTypes[c.Type]
		if !ok {
			typ = c.Type
		}
		a := AttributeDefinition{LogicalName: c.Name, AttributeType: typ, Targets: c.Targets,
			IsPrimaryId: c.Name == t.PrimaryKey, IsPrimaryName: c.Name == t.PrimaryColumn}
		if c.Type == compiler.TypeDateTime {
			a.DateTimeBehavior = &DateTimeBehavior{Value: dateTimeBehaviors[c.Behavior]}
		}
		d.Attributes = append(d.Attributes, a)
	}
	return d
}

// DateTimeBehavior is Dataverse's {"Value": "DateOnly"}.
type DateTimeBehavior struct {
	Value string `json:"Value"`
}

// dateTimeBehaviors names the behaviors as Dataverse's metadata does.
var dateTimeBehaviors = map[string]string{"": "UserLocal", compiler.BehaviorDateOnly: "DateOnly",
	compiler.BehaviorTimeZoneIndependent: "TimeZoneIndependent"}

// dateOnly reports whether a is a date-only column.
func (a AttributeDefinition) dateOnly() bool {
	return a.DateTimeBehavior != nil && a.DateTimeBehavior.Value == "DateOnly"
}

// entityDefinitions serves GET EntityDefinitions and
// EntityDefinitions(LogicalName='x').
func (s *Server) entityDefinitions(w http.ResponseWriter, r *http.Request, seg string) {
	one := ""
	if _, _, ok := splitKeyRaw(seg); ok {
		params, err := functionParams(seg, r.URL.Query())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(params) != 1 || params["LogicalName"] == "" {
			s.fail(w, r, badRequest("write EntityDefinitions(LogicalName='<table>')"))
			return
		}
		one = params["LogicalName"]
	}
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defs := []EntityDefinition{}
	for _, t := range tables {
		if one == "" {
			defs = append(defs, definitionOf(t))
			continue
		}
		if t.Name == one {
			body := map[string]any{"@odata.context": baseURL(r) + "$metadata#EntityDefinitions/$entity"}
			d := definitionOf(t)
			for k, v := range map[string]any{"LogicalName": d.LogicalName, "EntitySetName": d.EntitySetName,
				"PrimaryIdAttribute": d.PrimaryIdAttribute, "PrimaryNameAttribute": d.PrimaryNameAttribute,
				"IsBPFEntity": d.IsBPFEntity, "IsCustomEntity": d.IsCustomEntity, "Attributes": d.Attributes} {
				body[k] = v
			}
			writeJSON(w, http.StatusOK, body)
			return
		}
	}
	if one != "" {
		s.fail(w, r, errorf(http.StatusNotFound, "NotFound", "no table %q (GET %sEntityDefinitions lists them)", one, Prefix))
		return
	}
	value, err := queryDefinitions(r.URL.Query(), defs)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "$metadata#EntityDefinitions" + selected(r), "value": value})
}

// definitionsTable describes the table properties of EntityDefinitions
// for a query ($filter, $select, $orderby, $top), as Dataverse's clients
// query them (IsBPFEntity eq true lists the flows' instance tables).
var definitionsTable = store.Table{Name: "EntityDefinitions", EntitySetName: "EntityDefinitions", PrimaryKey: "LogicalName",
	Columns: []store.Column{
		{Name: "LogicalName", Type: "string"}, {Name: "EntitySetName", Type: "string"}, {Name: "PrimaryIdAttribute", Type: "string"},
		{Name: "PrimaryNameAttribute", Type: "string"}, {Name: "IsBPFEntity", Type: "boolean"}, {Name: "IsCustomEntity", Type: "boolean"},
	}}

// queryDefinitions applies a list's query options to the definitions:
// the rows $filter keeps, in $orderby's order, $top of them, with the
// properties $select names (every one, Attributes included, without it;
// $expand=Attributes adds them to a $select).
func queryDefinitions(q url.Values, defs []EntityDefinition) ([]map[string]any, error) {
	expanded := false
	if x := q.Get("$expand"); x != "" {
		if x != "Attributes" {
			return nil, badRequest("EntityDefinitions takes $expand=Attributes only")
		}
		q = maps.Clone(q)
		q.Del("$expand")
		expanded = true
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
		rows = append(rows, store.Row{"LogicalName": d.LogicalName, "EntitySetName": d.EntitySetName, "PrimaryIdAttribute": d.PrimaryIdAttribute,
			"PrimaryNameAttribute": d.PrimaryNameAttribute, "IsBPFEntity": d.IsBPFEntity, "IsCustomEntity": d.IsCustomEntity})
	}
	query.Table, query.Limit = definitionsTable, opts.top
	rows, err = query.Run(rows)
	if err != nil {
		return nil, badRequest("%v", err)
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
		}
		if withAttrs {
			m["Attributes"] = byName[row["LogicalName"].(string)].Attributes
		}
		out = append(out, m)
	}
	return out, nil
}
