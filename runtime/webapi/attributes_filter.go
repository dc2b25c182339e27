package webapi

import (
	"maps"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/runtime/odata"
	"github.com/bpfc/bpfc/runtime/store"
)

// A $filter on a table's Attributes, as clients find a table's columns of
// one type or its key and primary name:
//
//	…/Attributes?$filter=AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'
//	…/Attributes?$filter=IsCustomAttribute eq true and startswith(LogicalName,'cts_')
//
// It compares the attributes' scalar properties (attributesTable) with
// the parser and the in-memory evaluator that EntityDefinitions' $filter
// uses; the complex ones (DisplayName, RequiredLevel, …) are not
// comparable.

// attributesTable describes the properties of attribute metadata that a
// $filter compares.
var attributesTable = store.Table{Name: "Attributes", EntitySetName: "Attributes", PrimaryKey: "MetadataId",
	Columns: []store.Column{
		{Name: "MetadataId", Type: "uniqueidentifier"}, {Name: "LogicalName", Type: "string"}, {Name: "AttributeType", Type: "string"},
		{Name: "IsPrimaryId", Type: "boolean"}, {Name: "IsPrimaryName", Type: "boolean"}, {Name: "IsCustomAttribute", Type: "boolean"},
	}}

// attributeTypeCode is the enum type of AttributeType, as a $filter
// writes its values: Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'.
const attributeTypeCode = crmNS + "AttributeTypeCode"

// attributeFilter reads the $filter of an attribute list.
func attributeFilter(s string) (store.Cond, error) {
	e, err := odata.ParseFilter(s)
	if err != nil {
		return nil, badRequest("$filter %v", err)
	}
	if e, err = attributeExpr(e); err != nil {
		return nil, err
	}
	return condition(attributesTable, e)
}

// attributeExpr checks the properties a $filter names against
// attributesTable, in Dataverse's words, and reads AttributeType's enum
// values as the text they name (a quoted 'Picklist' is read so too).
func attributeExpr(e odata.Expr) (odata.Expr, error) {
	switch x := e.(type) {
	case odata.Logical:
		l, err := attributeExpr(x.L)
		if err != nil {
			return nil, err
		}
		r, err := attributeExpr(x.R)
		if err != nil {
			return nil, err
		}
		return odata.Logical{Op: x.Op, L: l, R: r}, nil
	case odata.Not:
		inner, err := attributeExpr(x.X)
		if err != nil {
			return nil, err
		}
		return odata.Not{X: inner}, nil
	case odata.Func:
		if err := filterableAttributeProperty(x.Column); err != nil {
			return nil, err
		}
		if lit, _ := x.Arg.(odata.Literal); isEnum(lit.Value) {
			return nil, badRequest("%s(%s, …) takes a text value in quotes, not an enum value", x.Name, x.Column)
		}
		return x, nil
	case odata.QueryFunc:
		return nil, badRequest("Microsoft.Dynamics.CRM.%s is a query function of tables' rows, not of metadata: compare %s with eq", x.Name, x.Column)
	case odata.Compare:
		l, err := attributeOperand(x.Left, x.Right)
		if err != nil {
			return nil, err
		}
		r, err := attributeOperand(x.Right, x.Left)
		if err != nil {
			return nil, err
		}
		return odata.Compare{Op: x.Op, Left: l, Right: r}, nil
	}
	return e, nil
}

// attributeOperand checks one side of a comparison whose other side is
// other: a property is one attributesTable has; a value compared with
// AttributeType one of its AttributeTypeCodes, as text.
func attributeOperand(o, other odata.Operand) (odata.Operand, error) {
	if c, ok := o.(odata.Column); ok {
		return o, filterableAttributeProperty(c.Name)
	}
	lit, _ := o.(odata.Literal)
	enum, isEnum := lit.Value.(odata.Enum)
	if c, ok := other.(odata.Column); !ok || c.Name != "AttributeType" {
		if isEnum {
			return nil, badRequest("%s'%s' is an enum value: only AttributeType compares with one (%s'Picklist')", enum.Type, enum.Member, attributeTypeCode)
		}
		return o, nil
	}
	text, isText := lit.Value.(string)
	if isEnum {
		// The type by the namespace or its alias (mscrm.AttributeTypeCode).
		if name, ok := crmType(enum.Type); ok && crmNS+name == attributeTypeCode {
			enum.Type = attributeTypeCode
		}
		if enum.Type != attributeTypeCode {
			return nil, badRequest("AttributeType is a %s, not a %s: write %s'%s'", attributeTypeCode, enum.Type, attributeTypeCode, enum.Member)
		}
		text, isText = enum.Member, true
	}
	if !isText {
		return o, nil // condition says what AttributeType compares with
	}
	// A code bpfc has not may be Dataverse's (Owner, Virtual, …) and
	// matches nothing; one close to bpfc's is a typo, which would too.
	codes := slices.Compact(slices.Sorted(maps.Values(attributeTypes)))
	if !slices.Contains(codes, text) {
		if best := closestFold(text, codes); best != "" {
			return nil, badRequest("AttributeType has no value '%s' (did you mean %s?)", text, best)
		}
	}
	return odata.Literal{Value: text}, nil
}

func isEnum(v any) bool {
	_, ok := v.(odata.Enum)
	return ok
}

// filterableAttributeProperty is nil for a property a $filter on
// attributes compares, else a 400 saying why it does not.
func filterableAttributeProperty(p string) error {
	var names []string
	for _, c := range attributesTable.Columns {
		if c.Name == p {
			return nil
		}
		names = append(names, c.Name)
	}
	if slices.Contains(attributeProperties, p) {
		return badRequest("$filter on attribute metadata compares %s; %s is not one of those properties", strings.Join(names, ", "), p)
	}
	return unknownProperty(p, "AttributeMetadata", names)
}

// filterAttributes keeps the attributes that cond matches, in their order.
func filterAttributes(attrs []AttributeDefinition, cond store.Cond) ([]AttributeDefinition, error) {
	if cond == nil {
		return attrs, nil
	}
	rows := make([]store.Row, len(attrs))
	for i, a := range attrs {
		rows[i] = store.Row{"MetadataId": a.MetadataId, "LogicalName": a.LogicalName, "AttributeType": a.AttributeType,
			"IsPrimaryId": a.IsPrimaryId, "IsPrimaryName": a.IsPrimaryName, "IsCustomAttribute": a.IsCustomAttribute}
	}
	matched, err := store.Query{Table: attributesTable, Where: cond}.Run(rows)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	keep := map[string]bool{}
	for _, row := range matched {
		keep[row["MetadataId"].(string)] = true
	}
	return slices.DeleteFunc(slices.Clone(attrs), func(a AttributeDefinition) bool { return !keep[a.MetadataId] }), nil
}
