package webapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// exactMembers refuses a member of the JSON object body whose name differs
// from one of v's only in case. OData's member names are case-sensitive,
// as Dataverse reads them, but encoding/json matches them regardless of
// case: {"processinstanceid": …} would be taken for ProcessInstanceId, and
// of two spellings of one member the later would win unseen. Members v
// has no field for at all are left to the decoder's DisallowUnknownFields.
func exactMembers(body []byte, v any) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil // not an object: the decoder says what is wrong
	}
	names := fieldNames(reflect.TypeOf(v))
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(names, k) {
			continue
		}
		for _, n := range names {
			if strings.EqualFold(k, n) {
				return fmt.Errorf("member %q is spelt %q: member names are case-sensitive", k, n)
			}
		}
	}
	return nil
}

// fieldNames are the JSON member names of the struct t points to.
func fieldNames(t reflect.Type) []string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}
