package webapi

import (
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The JSON types a body's values take, as Dataverse's OData reader takes
// them: a choice, state, status or whole-number column (Edm.Int32) takes a
// JSON number, or a string holding a whole number; a yes/no column
// (Edm.Boolean) true or false, or the string "true" or "false"; a decimal
// or money column (Edm.Decimal) a JSON number, and a string only when the
// body's Content-Type says IEEE754Compatible=true (and then only a string);
// a text, id or date-and-time column a JSON string. Anything else is
// refused with Dataverse's "Cannot convert the literal …" and what to send
// instead: a choice's label is not its value. bpfc's own client, which
// sends the CLI's text values (--set decisionmaker=yes), asks for them to
// be read as the CLI reads them with BPFC-Values: text.

// valuesHeader is the header by which a client asks for a body's strings
// to be read as the CLI reads --set values (labels, yes/no, amounts).
const valuesHeader = "BPFC-Values"

// textValues reports whether the request asks for CLI text values.
func textValues(r *http.Request) (bool, error) {
	switch h := r.Header.Get(valuesHeader); {
	case h == "":
		return false, nil
	case strings.EqualFold(strings.TrimSpace(h), "text"):
		return true, nil
	default:
		return false, badRequest("%s: %q is not a way of reading values; text (read strings as the CLI reads --set values) is, or no header (JSON types, as Dataverse)",
			valuesHeader, h)
	}
}

// ieee754Compatible reports whether the body's Content-Type says
// IEEE754Compatible=true: Edm.Int64 and Edm.Decimal values come as strings.
func ieee754Compatible(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if !strings.Contains(ct, ";") {
		return false // no parameters
	}
	_, params, err := mime.ParseMediaType(ct)
	return err == nil && strings.EqualFold(params["ieee754compatible"], "true")
}

// typedValues refuses a value whose JSON type does not fit its column, and
// reads the strings Dataverse converts (a whole number for a choice,
// "true" for yes/no, an amount under IEEE754Compatible) as their values.
// Lookups (bound, or refused elsewhere), null and properties the table has
// no column for are left to the other checks; ieee is the body's
// IEEE754Compatible=true.
func typedValues(t store.Table, fields []field, ieee bool) error {
	for i, f := range fields {
		c, ok := t.Column(f.column)
		if !ok || f.bind != "" || f.value == nil {
			continue
		}
		if isLookup(c) {
			if err := plainLookup(c, f); err != nil {
				return err
			}
			continue
		}
		v, err := typedValue(c, f.value, ieee)
		if err != nil {
			return err
		}
		fields[i].value = v
	}
	return nil
}

// plainLookup refuses a lookup's id written as a plain property, which
// Dataverse reads as its navigation property (an entity, not an id):
// a lookup is bound (x@odata.bind). An instance's activestageid and
// processid may be plain ids (or a stage's name), as bpfc documents.
func plainLookup(c store.Column, f field) error {
	if f.prop != c.Name || c.Name == "activestageid" || c.Name == "processid" {
		return nil
	}
	return badRequest("A primitive value was given for %s, a lookup (a navigation property): bind it instead, %s", c.Name, bindHint(c))
}

// bindHint is how lookup c is written: its navigation property bound to
// a row, or for a lookup to several tables the one of the row's table.
func bindHint(c store.Column) string {
	if len(c.Targets) <= 1 {
		return c.Name + "@odata.bind: \"/<entityset>(<id>)\""
	}
	return strings.Join(bindProperties(c), " or ") + " (the table the row is of), \"/<entityset>(<id>)\""
}

// bindProperties are the properties that bind lookup c: x@odata.bind, or
// for a lookup to several tables (a customer) one per table,
// x_<table>@odata.bind.
func bindProperties(c store.Column) []string {
	if len(c.Targets) <= 1 {
		return []string{c.Name + "@odata.bind"}
	}
	var navs []string
	for _, target := range c.Targets {
		navs = append(navs, c.Name+"_"+target+"@odata.bind")
	}
	return navs
}

// decimalText is a number as JSON writes it (Decimal.Parse takes it).
var decimalText = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)

// typedValue checks one value for column c: the value to write, or why
// its JSON type does not fit.
func typedValue(c store.Column, v any, ieee bool) (any, error) {
	edm := edmTypes[attributeTypes[c.Type]]
	if c.DateOnly() {
		edm = "Edm.Date" // as $metadata types it
	}
	s, isText := v.(string)
	refuse := func(hint string, args ...any) error {
		return badRequest("Cannot convert the literal '%s' to the expected type '%s': %s %s", shownLiteral(v), edm, c.Name, fmt.Sprintf(hint, args...))
	}
	switch edm {
	case "Edm.String":
		if !isText {
			return nil, refuse("is text: send a JSON string, %s", strconv.Quote(shownLiteral(v)))
		}
	case "Edm.Guid":
		if !isText {
			return nil, refuse("is an id: send it as a JSON string")
		}
		if strings.TrimSpace(s) == "" {
			return nil, refuse("is an id: send a GUID, or null to clear it")
		}
	case "Edm.DateTimeOffset":
		if !isText {
			return nil, refuse("is a date and time: send an ISO 8601 string, \"2026-12-31T17:00:00Z\"")
		}
		if strings.TrimSpace(s) == "" {
			return nil, refuse("is a date and time: send an ISO 8601 string, \"2026-12-31T17:00:00Z\", or null to clear it")
		}
		return dateTimeOffset(s, refuse)
	case "Edm.Date":
		if !isText {
			return nil, refuse("is date-only: send a date as a JSON string, \"2026-12-31\"")
		}
		if strings.TrimSpace(s) == "" {
			return nil, refuse("is date-only: send a date as a JSON string, \"2026-12-31\", or null to clear it")
		}
	case "Edm.Boolean":
		if isText {
			// Boolean.Parse: true or false in any case.
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
		if _, ok := v.(bool); !ok {
			return nil, refuse("is yes/no: send true or false")
		}
	case "Edm.Int32":
		if isText {
			if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32); err == nil {
				return n, nil
			}
		}
		if _, isBool := v.(bool); !isText && !isBool {
			return v, nil // a JSON number: the engine checks that it is whole and an option
		}
		if len(c.Options) == 0 {
			return nil, refuse("is a whole number: send a JSON number")
		}
		kind := map[string]string{"choice": "a choice", "state": "a state", "status": "a status"}[c.Type]
		if isText {
			for _, o := range c.Options {
				if strings.EqualFold(o.Label, strings.TrimSpace(s)) {
					return nil, refuse("is %s: send its value, %d (%s), not the label", kind, o.Value, o.Label)
				}
			}
		}
		var opts []string
		for _, o := range c.Options {
			opts = append(opts, fmt.Sprintf("%d (%s)", o.Value, o.Label))
		}
		hint := ""
		if o, ok := engine.ClosestOption(c.Options, s); isText && ok {
			hint = fmt.Sprintf("; did you mean %d (%s)?", o.Value, o.Label)
		}
		return nil, refuse("is %s: send one of its values as a JSON number: %s%s", kind, strings.Join(opts, ", "), hint)
	case "Edm.Decimal", "Edm.Int64":
		kind := map[string]string{"money": "money", "decimal": "a decimal number"}[c.Type]
		if kind == "" {
			kind = "a whole number"
		}
		_, isBool := v.(bool)
		switch {
		case isBool:
			return nil, refuse("is %s: send a JSON number", kind)
		case isText && !ieee:
			if decimalText.MatchString(strings.TrimSpace(s)) {
				return nil, refuse("is %s: send a JSON number, %s (a string only under Content-Type: application/json; IEEE754Compatible=true)",
					kind, strings.TrimSpace(s))
			}
			return nil, refuse("is %s: send a JSON number", kind)
		case isText:
			if !decimalText.MatchString(strings.TrimSpace(s)) {
				return nil, refuse("is %s: send a number, as a string", kind)
			}
			return engine.Number(strings.TrimSpace(s)), nil
		case ieee:
			return nil, refuse("is %s, and the body says IEEE754Compatible=true: send it as a string, \"%s\"", kind, shownLiteral(v))
		}
	}
	return v, nil
}

// shownLiteral is a JSON value as the refusal quotes it.
func shownLiteral(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// dateTimeOffset reads a date and time as Dataverse's OData reader reads an
// Edm.DateTimeOffset: a time without its seconds (2026-12-31T17:00Z) has
// them added, and a time needs its offset (Z or +02:00): without one it
// would be read in no known zone, and Dataverse refuses it. A date alone
// (2026-12-31) is taken, as midnight UTC.
func dateTimeOffset(s string, refuse func(string, ...any) error) (any, error) {
	s = strings.TrimSpace(s)
	date, clock, hasTime := strings.Cut(s, "T")
	if !hasTime {
		return s, nil
	}
	// hh:mm then the offset, or nothing: the seconds are missing.
	if len(clock) == 5 || (len(clock) > 5 && clock[5] != ':') {
		clock = clock[:5] + ":00" + clock[5:]
	}
	if strings.HasSuffix(clock, "z") {
		clock = strings.TrimSuffix(clock, "z") + "Z"
	}
	zoned := strings.HasSuffix(clock, "Z") ||
		(len(clock) > 6 && (clock[len(clock)-6] == '+' || clock[len(clock)-6] == '-'))
	if !zoned {
		return nil, refuse("is a date and time: give its offset, \"%sZ\" (UTC) or \"%s+02:00\"", s, s)
	}
	return date + "T" + clock, nil
}
