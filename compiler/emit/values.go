package emit

import (
	"strconv"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

var ctyTrue = cty.True

// crmValue is a literal as CreateCrmType takes it: the WorkflowPropertyType,
// the value as text, the attribute-type marker and the .NET target type.
type crmValue struct {
	propertyType, value, marker, target string
	lookup                              string // lookups: the target table; value is the record id
}

// crmLiteral converts a literal to the CRM value of a column's type. A nil
// column takes the literal's own kind. ok is false when Dataverse has no
// literal of that type for the value (a label that is no option, a bad date).
func crmLiteral(col *compiler.Column, lit *compiler.Literal) (crmValue, bool) {
	if lit == nil || lit.Kind == compiler.KindNull || lit.Value == cty.NilVal || lit.Value.IsNull() {
		return crmValue{}, false
	}
	colType := ""
	if col != nil {
		colType = col.Type
	} else {
		colType = map[compiler.Kind]string{compiler.KindString: compiler.TypeString, compiler.KindNumber: compiler.TypeDecimal, compiler.KindBool: compiler.TypeBoolean}[lit.Kind]
	}
	str := func() (string, bool) {
		if lit.Value.Type() == cty.String {
			return lit.Value.AsString(), true
		}
		return "", false
	}
	num := func() (string, bool) {
		if lit.Value.Type() == cty.Number {
			return lit.Value.AsBigFloat().Text('f', -1), true
		}
		return "", false
	}
	v := crmValue{target: xamlType(colType)}
	var ok bool
	switch colType {
	case compiler.TypeString, compiler.TypeMemo, compiler.TypeEmail:
		v.propertyType, v.marker = "String", "String"
		v.value, ok = str()
	case compiler.TypeInteger:
		v.propertyType, v.marker = "Integer", "Integer"
		v.value, ok = num()
		ok = ok && !strings.Contains(v.value, ".")
	case compiler.TypeDecimal:
		v.propertyType, v.marker = "Decimal", "Decimal"
		v.value, ok = num()
	case compiler.TypeMoney:
		v.propertyType, v.marker = "Money", "Money"
		v.value, ok = num()
	case compiler.TypeBoolean:
		v.propertyType = "Boolean" // the designer writes no marker for two options
		if ok = lit.Value.Type() == cty.Bool; ok {
			v.value = strings.ToLower(boolText(lit.Value.True()))
		}
	case compiler.TypeDateTime:
		v.propertyType, v.marker = "DateTime", "DateTime"
		if s, isStr := str(); isStr {
			var t time.Time
			t, ok = parseDate(s)
			v.value = t.Format("2006-01-02T15:04:05Z")
		}
	case compiler.TypeChoice, compiler.TypeState, compiler.TypeStatus:
		v.propertyType = "OptionSetValue"
		v.marker = map[string]string{compiler.TypeChoice: "Picklist", compiler.TypeState: "State", compiler.TypeStatus: "Status"}[colType]
		var n int
		n, ok = optionValue(col, lit)
		v.value = strconv.Itoa(n)
	case compiler.TypeLookup, compiler.TypeCustomer:
		v.value, ok = str()
		v.value = compiler.CanonicalID(v.value) // an owner's id meets no column in the checker
		v.lookup = col.Target
		ok = ok && v.lookup != ""
	case compiler.TypeUniqueID:
		v.propertyType, v.marker = "Guid", "UniqueIdentifier"
		v.value, ok = str()
		v.value = compiler.CanonicalID(v.value)
	}
	return v, ok
}

// optionValue resolves a choice literal: an option value, or an option label.
func optionValue(col *compiler.Column, lit *compiler.Literal) (int, bool) {
	switch lit.Value.Type() {
	case cty.Number:
		f := lit.Value.AsBigFloat()
		if !f.IsInt() {
			return 0, false
		}
		n, _ := f.Int64()
		return int(n), true
	case cty.String:
		if col == nil {
			return 0, false
		}
		for _, o := range col.Options {
			if o.Label == lit.Value.AsString() {
				return o.Value, true
			}
		}
		for _, o := range col.Options {
			if strings.EqualFold(o.Label, lit.Value.AsString()) {
				return o.Value, true
			}
		}
	}
	return 0, false
}

// parseDate reads the date literals conditions accept.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// xamlType is the .NET type of a column's values in workflow XAML.
func xamlType(colType string) string {
	switch colType {
	case compiler.TypeInteger:
		return "x:Int32"
	case compiler.TypeDecimal:
		return "x:Decimal"
	case compiler.TypeMoney:
		return "mxs:Money"
	case compiler.TypeBoolean:
		return "x:Boolean"
	case compiler.TypeDateTime:
		return "s:DateTime"
	case compiler.TypeChoice, compiler.TypeState, compiler.TypeStatus:
		return "mxs:OptionSetValue"
	case compiler.TypeLookup, compiler.TypeCustomer:
		return "mxs:EntityReference"
	case compiler.TypeUniqueID:
		return "s:Guid"
	}
	return "x:String"
}

// controlClassIDs are the form control classes of process steps by column type.
var controlClassIDs = map[string]string{
	compiler.TypeString:   "4273edbd-ac1d-40d3-9fb2-095c621b552d",
	compiler.TypeMemo:     "e0dece4b-6fc8-4a8f-a065-082708572369",
	compiler.TypeInteger:  "c6d124ca-7eda-4a60-aea9-7fb8d318b68f",
	compiler.TypeDecimal:  "c3efe0c3-0ec6-42be-8349-cbd9079dfd8e",
	compiler.TypeMoney:    "533b9e00-756b-4312-95a0-dc888637ac78",
	compiler.TypeBoolean:  "67fac785-cd58-4f9f-abb3-4b7ddc6ed5ed",
	compiler.TypeDateTime: "5b773807-9fb2-42db-97c3-7a91eff8adff",
	compiler.TypeChoice:   "3ef39988-22bb-4f0b-bbbe-64b5a3748aee",
	compiler.TypeLookup:   "270bd3db-d9af-4782-9025-509e298dec0a",
	compiler.TypeCustomer: "270bd3db-d9af-4782-9025-509e298dec0a",
	compiler.TypeEmail:    "ada2203e-b4cd-49be-9ddf-234642b43b52",
	compiler.TypeState:    "5d68b988-0661-4db2-bc3e-17598ad3be6c",
	compiler.TypeStatus:   "5d68b988-0661-4db2-bc3e-17598ad3be6c",
}

// actionButtonClassID is the control class of an action step's button.
const actionButtonClassID = "00ad73da-bd4d-49c6-88a8-2f4f4cad4a20"

// controlClassID returns the control class for a column type; text for unknown types.
func controlClassID(colType string) string {
	if id, ok := controlClassIDs[colType]; ok {
		return id
	}
	return controlClassIDs[compiler.TypeString]
}

// exprText renders an expression as bpfc source text.
func exprText(e compiler.Expr) string { return compiler.FormatExpr(e) }
