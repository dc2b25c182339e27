package webapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

// exactMembers refuses a member of the JSON object body of action op that
// v, whose members are op's parameters, has not: one whose name differs
// from one of v's only in case (OData's member names are case-sensitive,
// as Dataverse reads them, but encoding/json matches them regardless of
// case: {"processinstanceid": …} would be taken for ProcessInstanceId, and
// of two spellings of one member the later would win unseen), and one v
// has no member for at all, as Dataverse words it. A body that is no
// object is left to the decoder (bodyError).
func exactMembers(body []byte, v any, op string) error {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return nil
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
				return badRequest("the body of %s: member %q is spelt %q: member names are case-sensitive", op, k, n)
			}
		}
		return unknownMember(op, k, names)
	}
	return nil
}

// unknownMember is Dataverse's answer to a member an action has no
// parameter for, with the one most likely meant and those it has.
func unknownMember(op, member string, fields []string) error {
	params := fields
	if o := operationNamed(op); o != nil {
		params = make([]string, len(o.Params))
		for i, p := range o.Params {
			params[i] = p.Name
		}
	}
	end := "."
	if c := compiler.ClosestName(member, params); c != "" {
		end = "; did you mean " + c + "?"
	}
	return badRequest("The property '%s' does not exist on type 'Microsoft.Dynamics.CRM.%s'%s Send only its parameters: %s",
		member, op, end, strings.Join(params, ", "))
}

// bodyError words an error of decoding the body of action op in the API's
// terms: which member has a value of which JSON type where op's parameter
// takes which, or where the body is no JSON object; never encoding/json's
// own wording.
func bodyError(op string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return badRequest("the body of %s is %s, not a JSON object: send its parameters as the members of one JSON object, e.g. %s",
			op, jsonKind(te.Value), example(op))
	case errors.As(err, &te) && te.Type.Kind() == reflect.String && paramType(op, te.Field) == "mscrm.bpfc_Settings":
		// A value in a map of names to values (the decoder names the
		// map, not the name).
		return badRequest("the body of %s: %s holds %s where a string is expected: %s maps names to string values, e.g. {\"cts_threshold\": \"5000\"}",
			op, te.Field, jsonKind(te.Value), te.Field)
	case errors.As(err, &te):
		return badRequest("the body of %s: %s is %s where %s is expected", op, te.Field, jsonKind(te.Value), expected(op, te.Field, te.Type))
	case errors.As(err, &se):
		return badRequest("the body of %s is not valid JSON (%s): send its parameters as the members of one JSON object, e.g. %s",
			op, jsonProblem(err), example(op))
	case errors.Is(err, io.EOF):
		return badRequest("the body of %s is empty: send its parameters as the members of one JSON object, e.g. %s", op, example(op))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the body of %s ends before its JSON object does: send the whole object, e.g. %s", op, example(op))
	}
	// DisallowUnknownFields has no error type of its own; exactMembers
	// finds the members first, so this is a safeguard.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			return unknownMember(op, n, nil)
		}
	}
	return badRequest("the body of %s could not be read as its parameters: send them as the members of one JSON object, e.g. %s", op, example(op))
}

// jsonProblem says where and why a body is not valid JSON, for a message:
// at which byte, or that it ends too soon.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("near byte %d: %s", se.Offset, se.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends before its JSON object does"
	}
	return err.Error()
}

// jsonKind names the kind of JSON value an UnmarshalTypeError's Value
// gives ("number", "number 1.5", "string", "bool", "array", "object").
func jsonKind(v string) string {
	kind, literal, _ := strings.Cut(v, " ")
	switch kind {
	case "number":
		if literal != "" {
			return "the number " + literal
		}
		return "a number"
	case "bool":
		return "true or false"
	case "array":
		return "an array"
	case "object":
		return "an object"
	case "string":
		return "a string"
	}
	return v
}

// paramType is the EDM type of op's parameter member, or "".
func paramType(op, member string) string {
	if o := operationNamed(op); o != nil {
		if p := o.param(member); p != nil {
			return p.Type
		}
	}
	return ""
}

// expected says what op's parameter member takes: its EDM type in words
// (t, the Go type, for a member of no parameter).
func expected(op, member string, t reflect.Type) string {
	switch typ := paramType(op, member); typ {
	case "":
		return goKind(t)
	case "Edm.String":
		return "a string (Edm.String)"
	case "Edm.Guid":
		return "a GUID in a string (Edm.Guid)"
	case "Edm.Binary":
		return "base64 in a string (Edm.Binary)"
	case "Edm.Boolean":
		return "true or false (Edm.Boolean)"
	case "Edm.Int32":
		return "a whole number (Edm.Int32)"
	case "mscrm.bpfc_Settings":
		return "an object of names to string values (mscrm.bpfc_Settings)"
	default:
		return typ
	}
}

// goKind says what a Go type takes as JSON.
func goKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "another value"
}

// example is an object of op's required parameters, for a message.
func example(op string) string {
	o := operationNamed(op)
	if o == nil {
		return "{…}"
	}
	var members []string
	for _, p := range o.Params {
		if !p.Optional {
			members = append(members, strconv.Quote(p.Name)+": …")
		}
	}
	return "{" + strings.Join(members, ", ") + "}"
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
