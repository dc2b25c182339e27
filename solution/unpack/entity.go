package unpack

import (
	"sort"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
)

// tinfo is a table as its Entity.xml (or <Entity> in customizations.xml)
// describes it.
type tinfo struct {
	name, display, file string
	primary             string // primary name column
	bpf                 bool   // a business process flow's instance table
	orgOwned            bool   // OwnershipTypeMask OrgOwned
	shell               bool   // Dataverse's shell of a table the solution does not change
	attrs               map[string]*attrInfo
	order               []string // attribute logical names as written
	parts               []string // forms, views, ... beside Entity.xml
	sections            []string // forms, views, ribbon inside the Entity element
	views               int      // saved queries, inside or beside
	ribbon              bool     // a ribbon with customisations (not Dataverse's empty skeleton)
}

type attrInfo struct {
	name, typ, format, display string
	behavior                   string // a datetime's: compiler.Behavior*, "" user local
	maxLength                  int
	required, custom           bool
	options                    []compiler.Option
	optionSet                  string // global option set name
	lookupTypes                []string
}

// readEntity reads an <Entity>.
func readEntity(e *entitySrc) *tinfo {
	ent := e.elem.FindElement("EntityInfo/entity")
	name := text(e.elem, "Name")
	if ent != nil && name == "" {
		name = ent.SelectAttrValue("Name", "")
	}
	t := &tinfo{name: strings.ToLower(name), file: e.file, attrs: map[string]*attrInfo{}, parts: e.parts}
	if n := e.elem.SelectElement("Name"); n != nil {
		t.display = n.SelectAttrValue("LocalizedName", "")
	}
	if ent == nil {
		t.shell = true
		return t
	}
	if d := localized(ent, "LocalizedNames"); d != "" {
		t.display = d
	}
	t.bpf = text(ent, "IsBPFEntity") == "1"
	t.orgOwned = text(ent, "OwnershipTypeMask") == "OrgOwned"
	t.shell = ent.SelectAttrValue("unmodified", "") == "1"
	for _, sec := range []string{"FormXml", "SavedQueries", "RibbonDiffXml"} {
		if s := e.elem.SelectElement(sec); s != nil && len(s.ChildElements()) > 0 {
			t.sections = append(t.sections, sec)
		}
	}
	t.views = len(e.elem.FindElements("SavedQueries/savedqueries/savedquery"))
	for _, p := range e.parts {
		if seg := strings.Split(p, "/"); len(seg) == 4 && strings.EqualFold(seg[2], "SavedQueries") {
			t.views++
		}
	}
	// Dataverse writes an empty skeleton of a ribbon (templates, rule
	// lists) for every table; these hold what someone added.
	for _, what := range []string{"CustomAction", "HideCustomAction", "CommandDefinition", "RibbonTemplates/*", "DisplayRule", "EnableRule", "LocLabel"} {
		if e.elem.FindElement("RibbonDiffXml//"+what) != nil {
			t.ribbon = true
		}
	}
	if list := ent.SelectElement("attributes"); list != nil {
		for _, a := range list.SelectElements("attribute") {
			ai := readAttribute(a)
			if ai.name == "" {
				continue
			}
			if _, dup := t.attrs[ai.name]; dup {
				continue
			}
			t.attrs[ai.name] = ai
			t.order = append(t.order, ai.name)
			if strings.Contains(text(a, "DisplayMask"), "PrimaryName") && t.primary == "" {
				t.primary = ai.name
			}
		}
	}
	return t
}

func readAttribute(a *etree.Element) *attrInfo {
	name := text(a, "LogicalName")
	if name == "" {
		name = text(a, "Name")
	}
	ai := &attrInfo{
		name:     strings.ToLower(name),
		typ:      strings.ToLower(text(a, "Type")),
		format:   strings.ToLower(text(a, "Format")),
		display:  localized(a, "displaynames"),
		custom:   text(a, "IsCustomField") == "1",
		required: strings.EqualFold(text(a, "RequiredLevel"), "required") || strings.EqualFold(text(a, "RequiredLevel"), "applicationrequired"),
	}
	if n, err := strconv.Atoi(text(a, "MaxLength")); err == nil {
		ai.maxLength = n
	}
	ai.behavior = compiler.BehaviorFromDataverse(text(a, "Behavior"))
	ai.optionSet = strings.ToLower(text(a, "OptionSetName"))
	if os := a.SelectElement("optionset"); os != nil {
		if ai.optionSet == "" {
			ai.optionSet = strings.ToLower(os.SelectAttrValue("Name", ""))
		}
		if opts := os.SelectElement("options"); opts != nil {
			ai.options = readOptions(os)
		}
	}
	if lt := a.SelectElement("LookupTypes"); lt != nil {
		// Dataverse writes the object type code as the text and an empty
		// id (all zeros) as the attribute: the text is the code.
		for _, c := range lt.ChildElements() {
			code := strings.TrimSpace(c.Text())
			if code == "" {
				code = c.SelectAttrValue("id", "")
			}
			if code != "" {
				ai.lookupTypes = append(ai.lookupTypes, code)
			}
		}
	}
	return ai
}

// readOptions reads <optionset><options><option value><labels><label description>.
func readOptions(os *etree.Element) []compiler.Option {
	var out []compiler.Option
	list := os.SelectElement("options")
	if list == nil {
		return nil
	}
	seen := map[int]bool{}
	for _, o := range list.SelectElements("option") {
		v, err := strconv.Atoi(o.SelectAttrValue("value", ""))
		if err != nil || seen[v] {
			continue
		}
		seen[v] = true
		label := localized(o, "labels")
		if label == "" {
			label = strconv.Itoa(v)
		}
		out = append(out, compiler.Option{Label: label, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	uniqueLabels(out)
	return out
}

// uniqueLabels makes options' labels unique, as HCL's object keys are: a
// label met again gets its value after it.
func uniqueLabels(opts []compiler.Option) {
	used := map[string]int{}
	for i := range opts {
		used[opts[i].Label]++
		if used[opts[i].Label] > 1 {
			opts[i].Label += " (" + strconv.Itoa(opts[i].Value) + ")"
		}
	}
}

// columnType maps an Entity.xml attribute type to a bpfc column type, or ""
// when bpfc has no such column type.
func columnType(ai *attrInfo) string {
	switch ai.typ {
	case "nvarchar", "string":
		if ai.format == "email" {
			return compiler.TypeEmail
		}
		return compiler.TypeString
	case "ntext", "memo":
		return compiler.TypeMemo
	case "int", "integer":
		return compiler.TypeInteger
	case "decimal", "float", "double":
		return compiler.TypeDecimal
	case "money":
		return compiler.TypeMoney
	case "bit", "boolean":
		return compiler.TypeBoolean
	case "datetime":
		return compiler.TypeDateTime
	case "picklist":
		return compiler.TypeChoice
	case "lookup":
		return compiler.TypeLookup
	case "customer":
		return compiler.TypeCustomer
	}
	return ""
}

// classTypes maps step control class ids to column types (formats.md).
var classTypes = map[string]string{
	"4273edbd-ac1d-40d3-9fb2-095c621b552d": compiler.TypeString,
	"3ef39988-22bb-4f0b-bbbe-64b5a3748aee": compiler.TypeChoice,
	"270bd3db-d9af-4782-9025-509e298dec0a": compiler.TypeLookup,
	"5b773807-9fb2-42db-97c3-7a91eff8adff": compiler.TypeDateTime,
	"5d68b988-0661-4db2-bc3e-17598ad3be6c": compiler.TypeStatus,
	"67fac785-cd58-4f9f-abb3-4b7ddc6ed5ed": compiler.TypeBoolean,
	"ada2203e-b4cd-49be-9ddf-234642b43b52": compiler.TypeEmail,
	"533b9e00-756b-4312-95a0-dc888637ac78": compiler.TypeMoney,
	"e0dece4b-6fc8-4a8f-a065-082708572369": compiler.TypeMemo,
	"c6d124ca-7eda-4a60-aea9-7fb8d318b68f": compiler.TypeInteger,
	"c3efe0c3-0ec6-42be-8349-cbd9079dfd8e": compiler.TypeDecimal,
}

// propertyTypes maps CreateCrmType property types to column types.
var propertyTypes = map[string]string{
	"String": compiler.TypeString, "Memo": compiler.TypeMemo, "Integer": compiler.TypeInteger, "Decimal": compiler.TypeDecimal,
	"Float": compiler.TypeDecimal, "Double": compiler.TypeDecimal, "Money": compiler.TypeMoney, "Boolean": compiler.TypeBoolean,
	"DateTime": compiler.TypeDateTime, "OptionSetValue": compiler.TypeChoice, "Picklist": compiler.TypeChoice,
	"EntityReference": compiler.TypeLookup, "Lookup": compiler.TypeLookup, "Customer": compiler.TypeCustomer,
}

// userColumns are system columns that look up systemuser.
var userColumns = map[string]bool{"createdby": true, "modifiedby": true, "createdonbehalfby": true, "modifiedonbehalfby": true, "owninguser": true, "ownerid": true}
