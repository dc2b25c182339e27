package solution

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// Environment variable definition types, as Dataverse numbers them.
var variableTypes = map[string]string{
	compiler.VarString:  "100000000",
	compiler.VarNumber:  "100000001",
	compiler.VarBoolean: "100000002",
	compiler.VarJSON:    "100000003",
	compiler.VarSecret:  "100000005",
}

// VariableType is the bpfc type of Dataverse's environment variable
// definition type code (100000000 …), and whether bpfc has one: the
// inverse of what VariableXML writes.
func VariableType(code string) (string, bool) {
	for typ, c := range variableTypes {
		if c == code {
			return typ, true
		}
	}
	return "", false
}

// introducedVersion is written on every definition. Dataverse records the
// solution version a component first shipped in; bpfc has no history, and a
// value that followed the solution version would change every definition on
// every release, so it is fixed.
const introducedVersion = "1.0.0.0"

// VariablePath is where a variable's definition lives, in the unpacked tree
// and in archives alike.
func VariablePath(v *compiler.Variable) string {
	return "environmentvariabledefinitions/" + v.SchemaName + "/environmentvariabledefinition.xml"
}

// VariableXML builds a variable's environmentvariabledefinition.xml: children
// in alphabetical order as Dataverse writes them, a default only when the
// variable declares one (never for secrets, whose secretstore is 0 = the value
// is supplied per environment). No current value is ever written
// (environmentvariablevalues.json): a build goes to several environments.
func VariableXML(v *compiler.Variable) (*etree.Document, error) {
	typ, ok := variableTypes[v.Type]
	if !ok {
		return nil, fmt.Errorf("variable %s: unknown type %q", v.Name, v.Type)
	}
	doc, root := newDoc("environmentvariabledefinition", "schemaname", v.SchemaName)
	if v.Type != compiler.VarSecret && v.GivesDefault() {
		s, err := VariableValueText(v.Type, v.Default)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		textElem(root, "defaultvalue", s)
	}
	if v.Description != "" {
		label(root, "description", v.Description)
	}
	label(root, "displayname", cmp.Or(v.DisplayName, v.Name))
	textElem(root, "introducedversion", introducedVersion)
	textElem(root, "iscustomizable", "1")
	// Required: the import needs a value, which bpfc's deploy asks of a
	// variable without default unless it is optional (required = false).
	textElem(root, "isrequired", map[bool]string{true: "1", false: "0"}[!v.Optional && !v.GivesDefault()])
	textElem(root, "secretstore", "0")
	textElem(root, "type", typ)
	return doc, nil
}

// label writes <tag default=text><label description=text languagecode=1033 /></tag>.
func label(parent *etree.Element, tag, text string) {
	e := elem(parent, tag, "default", text)
	elem(e, "label", "description", text, "languagecode", languageCode)
}

// NoVariableValue reports whether v is no value for a variable: none, null,
// not wholly known, or empty text (the compiler refuses "" as a value, and a
// deploy asks for one in its place).
func NoVariableValue(v cty.Value) bool {
	return v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() || (v.Type() == cty.String && v.AsString() == "")
}

// VariableValueText is a variable value as Dataverse stores it: strings as
// they are, numbers in plain decimal, booleans as yes/no, JSON as JSON text
// without HTML escapes (a string value must be JSON text already). A build's
// defaults and a deploy's stored values are both this text.
func VariableValueText(varType string, v cty.Value) (string, error) {
	if NoVariableValue(v) {
		return "", errors.New("no value")
	}
	switch varType {
	case compiler.VarString, compiler.VarSecret:
		if v.Type() != cty.String {
			return "", fmt.Errorf("want a string, got %s", v.Type().FriendlyName())
		}
		return v.AsString(), nil
	case compiler.VarNumber:
		if v.Type() != cty.Number {
			return "", fmt.Errorf("want a number, got %s", v.Type().FriendlyName())
		}
		return v.AsBigFloat().Text('f', -1), nil
	case compiler.VarBoolean:
		if v.Type() != cty.Bool {
			return "", fmt.Errorf("want a bool, got %s", v.Type().FriendlyName())
		}
		if v.True() {
			return "yes", nil
		}
		return "no", nil
	case compiler.VarJSON:
		return compiler.JSONText(v)
	}
	return "", fmt.Errorf("unknown variable type %q", varType)
}

// CurrentValues are the current values the solution archive data ships
// (environmentvariabledefinitions/<schema>/environmentvariablevalues.json,
// which Dataverse exports when the source environment had one), by the
// schema name of the folder they are in. bpfc's builds ship none.
func CurrentValues(data []byte) (map[string]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		seg := strings.Split(strings.ReplaceAll(f.Name, "\\", "/"), "/")
		if len(seg) != 3 || !strings.EqualFold(seg[0], "environmentvariabledefinitions") ||
			!strings.EqualFold(seg[2], "environmentvariablevalues.json") {
			continue
		}
		if f.UncompressedSize64 > maxValueFile {
			return nil, fmt.Errorf("%s: larger than %d bytes", f.Name, maxValueFile)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxValueFile+1))
		rc.Close()
		if err == nil {
			out[seg[1]], err = currentValue(b)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return out, nil
}

// maxValueFile bounds a current value's file: a variable's value is at
// most 2,000 characters in Dataverse; JSON ones can be larger.
const maxValueFile = 4 << 20

// currentValue reads environmentvariablevalues.json: its one
// environmentvariablevalue (an object, or a list of one) and its value.
func currentValue(data []byte) (string, error) {
	var doc struct {
		Values struct {
			Value json.RawMessage `json:"environmentvariablevalue"`
		} `json:"environmentvariablevalues"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &doc); err != nil {
		return "", fmt.Errorf("not the JSON of a current value: %w", err)
	}
	type entry struct {
		Value *string `json:"value"`
	}
	var one entry
	raw := bytes.TrimSpace(doc.Values.Value)
	if len(raw) > 0 && raw[0] == '[' {
		var list []entry
		if err := json.Unmarshal(raw, &list); err != nil || len(list) != 1 {
			return "", fmt.Errorf("environmentvariablevalues must hold one environmentvariablevalue")
		}
		one = list[0]
	} else if err := json.Unmarshal(raw, &one); err != nil {
		return "", fmt.Errorf("environmentvariablevalues must hold one environmentvariablevalue")
	}
	if one.Value == nil {
		return "", fmt.Errorf("the environmentvariablevalue has no value")
	}
	return *one.Value, nil
}
