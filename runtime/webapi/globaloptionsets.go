package webapi

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/runtime/odata"
)

// Dataverse's global choices, which bpfc has none of: its choice columns
// are local, each with its own option set, which its attribute's
// OptionSet expands (attributes.go). So the organisation answers as a
// Dataverse one would without global choices:
//
//	GET GlobalOptionSetDefinitions                    an empty list
//	GET GlobalOptionSetDefinitions/…OptionSetMetadata  an empty list of that type
//	GET GlobalOptionSetDefinitions(Name='x')          404, naming the column x is the option set of
//
// The options are still checked, so that a misspelt one is told at once
// rather than when a global choice would make it matter.

// globalOptionSetProperties are the properties of OptionSetMetadataBase,
// which a list's $select and $filter may name.
var globalOptionSetProperties = []string{"MetadataId", "Name", "DisplayName", "Description", "IsGlobal", "IsCustomOptionSet", "OptionSetType"}

// globalOptionSetCasts are the types a list may be cast to.
var globalOptionSetCasts = []string{"OptionSetMetadataBase", "OptionSetMetadata", "BooleanOptionSetMetadata"}

// globalOptionSets serves GlobalOptionSetDefinitions, one by its key
// (seg's), and a cast of the list (rest, "" for none).
func (s *Server) globalOptionSets(w http.ResponseWriter, r *http.Request, seg, rest string) {
	_, key, keyed := splitKeyRaw(seg)
	if keyed {
		s.fail(w, r, s.noGlobalOptionSet(r, key))
		return
	}
	ctxPath, cast := "#GlobalOptionSetDefinitions", ""
	if rest != "" {
		var ok bool
		cast, ok = castType(rest)
		if !ok || !slices.Contains(globalOptionSetCasts, cast) {
			s.fail(w, r, errorf(http.StatusNotImplemented, "NotImplemented",
				"GlobalOptionSetDefinitions/%s: bpfc serves the list and its casts to %s%s only (it has no global choices)",
				rest, crmNS, strings.Join(globalOptionSetCasts, ", "+crmNS)))
			return
		}
		ctxPath += "/" + crmNS + cast
	}
	if err := checkGlobalOptionSetQuery(r, cast); err != nil {
		s.fail(w, r, err)
		return
	}
	body := map[string]any{"value": []any{}}
	setContext(w, r, body, ctxPath+selected(r))
	writeJSON(w, http.StatusOK, body)
}

// checkGlobalOptionSetQuery checks a list's query options: $select and
// $filter name properties an option set has. A list cast to a type
// (OptionSetMetadata, BooleanOptionSetMetadata; "" for none) may $select
// that type's own properties too (Options; TrueOption and FalseOption),
// as a client reading the global choices' options does.
func checkGlobalOptionSetQuery(r *http.Request, cast string) error {
	q := r.URL.Query()
	for k, v := range q {
		if k != "$select" && k != "$filter" && strings.HasPrefix(k, "$") {
			return badRequest("GlobalOptionSetDefinitions takes $select and $filter only, not %s", k)
		}
		if strings.HasPrefix(k, "$") && strings.TrimSpace(v[0]) == "" {
			return badRequest("query option %s is empty: give it a value or leave it out", k)
		}
	}
	typ, selectable := "OptionSetMetadataBase", globalOptionSetProperties
	switch cast {
	case "OptionSetMetadata":
		typ, selectable = cast, optionSetProperties
	case "BooleanOptionSetMetadata":
		typ, selectable = cast, booleanOptionSetProperties
	}
	if v := q.Get("$select"); v != "" {
		sel, err := odata.ParseSelect(v)
		if err != nil {
			return badRequest("%v", err)
		}
		for _, p := range sel {
			if !slices.Contains(selectable, p) {
				return unknownProperty(p, typ, selectable)
			}
		}
	}
	if v := q.Get("$filter"); v != "" {
		e, err := odata.ParseFilter(v)
		if err != nil {
			return badRequest("$filter %v", err)
		}
		for _, p := range exprProperties(e) {
			if !slices.Contains(globalOptionSetProperties, p) {
				return unknownProperty(p, "OptionSetMetadataBase", globalOptionSetProperties)
			}
		}
	}
	return nil
}

// exprProperties are the properties a $filter names, in its order.
func exprProperties(e odata.Expr) []string {
	var out []string
	operand := func(o odata.Operand) {
		if c, ok := o.(odata.Column); ok {
			out = append(out, c.Name)
		}
	}
	var walk func(odata.Expr)
	walk = func(e odata.Expr) {
		switch x := e.(type) {
		case odata.Logical:
			walk(x.L)
			walk(x.R)
		case odata.Not:
			walk(x.X)
		case odata.Compare:
			operand(x.Left)
			operand(x.Right)
		case odata.Func:
			out = append(out, x.Column)
			operand(x.Arg)
		case odata.QueryFunc:
			out = append(out, x.Column)
		}
	}
	walk(e)
	return out
}

// noGlobalOptionSet is the 404 of GlobalOptionSetDefinitions(Name='x')
// or (<MetadataId>): bpfc has no global choices. When x is a column's
// own option set (its Name or MetadataId), it names the path to read it.
func (s *Server) noGlobalOptionSet(r *http.Request, key string) error {
	name, id := "", ""
	if u, err := uuid.Parse(strings.TrimSpace(key)); err == nil {
		id = u.String()
	} else {
		params, err := functionParams("GlobalOptionSetDefinitions("+key+")", r.URL.Query())
		if err != nil {
			return err
		}
		if len(params) != 1 || params["Name"] == "" {
			return badRequest("write GlobalOptionSetDefinitions(Name='<option set>') or GlobalOptionSetDefinitions(<MetadataId>)")
		}
		name = params["Name"]
	}
	msg := "bpfc has no global choice " + cmp.Or(name, id) + ": its choice columns are local, each with its own option set, read as its column's OptionSet"
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		return err
	}
	for _, t := range tables {
		def := definitionOf(t)
		for _, a := range def.Attributes {
			set := optionSetOf(t, a)
			if set == nil || (set["Name"] != name && set["MetadataId"] != id) {
				continue
			}
			return errorf(http.StatusNotFound, "NotFound", "%s: GET %sEntityDefinitions(LogicalName='%s')/Attributes(LogicalName='%s')/%s%s?$expand=OptionSet",
				msg, Prefix, t.Name, a.LogicalName, crmNS, metadataType(a))
		}
	}
	return errorf(http.StatusNotFound, "NotFound",
		"%s (GET %sEntityDefinitions(LogicalName='<table>')/Attributes(LogicalName='<column>')/%sPicklistAttributeMetadata?$expand=OptionSet)",
		msg, Prefix, crmNS)
}
