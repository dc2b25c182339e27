package compiler

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// JSONText is the value of a json variable as Dataverse stores it: a string
// is JSON text already and stays as written; any other value is encoded
// (object keys sorted) without encoding/json's HTML escapes.
func JSONText(v cty.Value) (string, error) {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return "", errors.New("no value")
	}
	if v.Type() == cty.String {
		if !json.Valid([]byte(v.AsString())) {
			return "", errors.New("not valid JSON")
		}
		return v.AsString(), nil
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return "", err
	}
	return unescapeHTML(b)
}

// unescapeHTML re-encodes JSON without encoding/json's HTML escaping
// (\u003c for <, ...), keeping numbers exactly as they were written.
func unescapeHTML(b []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(out.String(), "\n"), nil
}

// jsonTextValue is a json variable's value written as JSON text, as the
// object or list it encodes when JSONText gives that very text back:
// `"{\"a\":1}"` and `{ a = 1 }` ship the same definition, so they are one
// value (one digest; unpack, which reads the text back, writes the object).
// Other text (spaced, keys unsorted, a scalar) stays the string it is.
func jsonTextValue(val cty.Value) cty.Value {
	text := val.AsString()
	t, err := ctyjson.ImpliedType([]byte(text))
	if err != nil || !(t.IsObjectType() || t.IsTupleType()) {
		return val
	}
	v, err := ctyjson.Unmarshal([]byte(text), t)
	if err != nil {
		return val
	}
	if again, err := JSONText(v); err != nil || again != text {
		return val
	}
	return v
}
