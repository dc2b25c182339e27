package webapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Rows as the Web API shows and takes them.

func isLookup(c store.Column) bool { return c.Type == "lookup" || c.Type == "customer" }

// propertyName is how the API names a column: _<name>_value for lookups.
func propertyName(c store.Column) string {
	if isLookup(c) {
		return "_" + c.Name + "_value"
	}
	return c.Name
}

// lookupValueName is x for a property named as a lookup's value,
// _x_value (propertyName's form).
func lookupValueName(prop string) (string, bool) {
	if !strings.HasPrefix(prop, "_") || !strings.HasSuffix(prop, "_value") || len(prop) <= len("__value") {
		return "", false
	}
	return prop[1 : len(prop)-len("_value")], true
}

// column resolves a property name of a query ($select, $filter, $orderby)
// to a column: _x_value for a lookup x. x itself is refused, as Dataverse
// refuses it (400): there it is the lookup's navigation property, a row,
// which $expand takes, not a value to select, compare or sort by.
func column(t store.Table, prop string) (store.Column, error) {
	if name, ok := lookupValueName(prop); ok {
		if c, ok := t.Column(name); ok && isLookup(c) {
			return c, nil
		}
	}
	if c, ok := t.Column(prop); ok {
		if isLookup(c) {
			return store.Column{}, badRequest("%s is the lookup %s's navigation property (for $expand=%s), not a value: the lookup's id is the property %s, as in $select=%s or $filter=%s eq <id>",
				prop, t.Name+"."+c.Name, prop, propertyName(c), propertyName(c), propertyName(c))
		}
		return c, nil
	}
	if nav, _, isPath := strings.Cut(prop, "/"); isPath {
		if p, ok := processPaths[prop]; ok && t.EntitySetName == "processstages" {
			return column(t, p)
		}
		lookup := nav
		if lc, _, ok := typedNav(t, nav); ok {
			lookup = lc.Name // its id is the lookup's: _parentcustomerid_value
		}
		return store.Column{}, badRequest("%s: paths through a lookup are not supported; compare the lookup's id, _%s_value, or use $expand=%s to read the row it names",
			prop, lookup, nav)
	}
	return store.Column{}, badRequest("%s has no property %q%s", t.EntitySetName, prop, suggest(t, prop))
}

// suggest names the closest property, for a misspelt one (the compiler's
// rule of a likely typo, whatever the case: NAME is name misspelt by its
// case alone, and so is isbpfentity EntityDefinitions' IsBPFEntity).
func suggest(t store.Table, prop string) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = propertyName(c)
	}
	if best := closestFold(prop, names); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	return ""
}

// etag is a row's entity tag: its row version, weak as Dataverse's.
func etag(row store.Row) string {
	return `W/"` + strconv.FormatInt(rowVersion(row), 10) + `"`
}

// rowVersion is a row's version, what its ETag says.
func rowVersion(row store.Row) int64 {
	v, _ := row[store.RowVersionColumn].(int64)
	return v
}

// jsonValue is a column value as JSON shows it: times in UTC to the second,
// as Dataverse shows them.
func jsonValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return v
}

// columnJSON is a value of column c as JSON shows it: a date-only column's
// as its date (2026-01-31, Edm.Date), others as jsonValue.
func columnJSON(c store.Column, v any) any {
	if t, ok := v.(time.Time); ok && c.DateOnly() {
		return t.UTC().Format(compiler.DateOnlyLayout)
	}
	return jsonValue(v)
}

// rowJSON is a row as an entity: @odata.etag, then the selected columns
// (every column when sel is empty) by property name; the primary key is
// always there.
func rowJSON(t store.Table, row store.Row, sel []string) map[string]any {
	out := map[string]any{"@odata.etag": etag(row)}
	if len(sel) == 0 {
		for _, c := range t.Columns {
			out[propertyName(c)] = columnJSON(c, row[c.Name])
		}
		return out
	}
	for _, name := range sel {
		if c, ok := t.Column(name); ok {
			out[propertyName(c)] = columnJSON(c, row[c.Name])
		}
	}
	out[t.PrimaryKey] = row[t.PrimaryKey]
	return out
}

// field is one property of a request body: the column it writes, and
// whether it came as a lookup binding.
type field struct {
	prop   string // as written
	column string
	value  any
	bind   string // "<set>" of an @odata.bind
	// bindKey is the key's property the binding named, if it did
	// (/accounts(accountid=ID)).
	bindKey string
	// bindTable is the table of a binding of a lookup to several tables
	// (a customer's /contacts(ID)), which the store keeps with the id.
	bindTable string
	// half is the table of the navigation property of a lookup to several
	// tables the field was bound through (customerid_account: account).
	half string
}

// notAnObject says what a row's body, which does not begin a JSON object,
// is instead: empty, not JSON, or another JSON value (tok, its first).
func notAnObject(body []byte, tok json.Token, err error) error {
	const send = "send a row as one JSON object of its columns, {\"<column>\": <value>, …}"
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("the body is empty: %s", send)
	}
	if err != nil {
		return badRequest("the body is not valid JSON (%s): %s", jsonProblem(err), send)
	}
	kind := "null"
	switch tok.(type) {
	case json.Delim: // '[': '{' and the closing ones are no first token here
		// Several rows in one request, as some APIs take them.
		return badRequest("the body is a JSON array: a request writes one row; %s", send)
	case string:
		kind = "a string"
	case json.Number:
		kind = "a number"
	case bool:
		kind = "true or false"
	}
	return badRequest("the body is %s, not a JSON object: %s", kind, send)
}

// readBody decodes a JSON object body into fields, in the order written,
// and the row's @odata.type if the body names one (rowType checks it).
// Other annotations (@…) are skipped; "x@odata.bind": "/set(id)" binds
// lookup x (_x_value, its read-only value, is refused by lookupValues);
// numbers become int64 when whole, else float64.
func readBody(r *http.Request) ([]field, string, error) {
	if err := jsonContent(r.Header.Get("Content-Type")); err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", err // 413
		}
		// The client sent less than it announced, or went away: its
		// request, not the server, is at fault.
		return nil, "", badRequest("the body could not be read: %v", err)
	}
	if err := jsonText(buf.Bytes()); err != nil {
		return nil, "", err
	}
	body := bytes.TrimPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")) // a UTF-8 mark some clients write
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, "", notAnObject(body, tok, err)
	}
	var out []field
	var odataType string
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, "", badRequest("the body is not valid JSON (%s): send a row as one JSON object of its columns", jsonProblem(err))
		}
		key := kt.(string)
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return nil, "", badRequest("the body is not valid JSON (%s): send a row as one JSON object of its columns", jsonProblem(err))
		}
		f := field{prop: key, column: key}
		switch {
		case strings.HasSuffix(key, "@odata.bind"):
			f.column = strings.TrimSuffix(key, "@odata.bind")
			s, ok := raw.(string)
			if !ok && raw != nil {
				return nil, "", badRequest("%s: a binding is a string, \"/<entityset>(<id>)\"", key)
			}
			if raw != nil {
				set, prop, id, err := parseBinding(s)
				if err != nil {
					return nil, "", badRequest("%s: %v", key, err)
				}
				f.bind, f.bindKey, raw = set, prop, id
			}
		case key == "@odata.type":
			// The row's type: kept for rowType, as Dataverse refuses one
			// that is not the entity set's.
			s, ok := raw.(string)
			if !ok {
				return nil, "", badRequest("@odata.type: the type is a string, \"Microsoft.Dynamics.CRM.<table>\"")
			}
			odataType = s
			continue
		case strings.HasPrefix(key, "@") || strings.Contains(key, "@"):
			continue // an annotation
		}
		switch v := raw.(type) {
		case json.Number:
			if n, err := v.Int64(); err == nil {
				f.value = n
			} else if _, err := v.Float64(); err == nil || errors.Is(err, strconv.ErrRange) {
				f.value = engine.Number(v) // exact until its column reads it, which refuses 1e400 as out of its range
			} else {
				return nil, "", badRequest("%s: %s is not a number", key, v)
			}
		case string, bool, nil:
			f.value = v
		default:
			return nil, "", badRequest("%s: objects and arrays are not values (write a lookup as %s@odata.bind)", key, f.column)
		}
		if seen[f.column] {
			return nil, "", badRequest("%s is given twice", f.column)
		}
		seen[f.column] = true
		out = append(out, f)
	}
	if _, err := dec.Token(); err != nil {
		return nil, "", badRequest("the body is not valid JSON (%s): send a row as one JSON object of its columns", jsonProblem(err))
	}
	if dec.More() {
		return nil, "", badRequest("the body holds more than one JSON value")
	}
	return out, odataType, nil
}

// jsonContent refuses (415) a body whose Content-Type is not JSON:
// application/json, whatever its parameters (odata.metadata,
// IEEE754Compatible) but a charset other than UTF-8 (jsonCharset); a body
// without a Content-Type is read as JSON. Only the type itself counts:
// application/jsonx or application/json-patch+json is not JSON's.
func jsonContent(ct string) error {
	if strings.TrimSpace(ct) == "" {
		return nil
	}
	if typ, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(typ), "application/json") {
		return errorf(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "send JSON (Content-Type: application/json), not %s", ct)
	}
	return jsonCharset(ct)
}

// jsonCharset refuses a Content-Type's charset other than UTF-8: JSON is
// UTF-8, and text of another charset would be stored garbled.
func jsonCharset(ct string) error {
	if _, params, err := mime.ParseMediaType(ct); err == nil && params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8") &&
		!strings.EqualFold(params["charset"], "utf8") {
		return errorf(http.StatusUnsupportedMediaType, "UnsupportedMediaType", "send JSON in UTF-8 (charset=utf-8), not charset=%s", params["charset"])
	}
	return nil
}

// jsonText refuses a JSON body the decoder would read as other text than
// was sent: bytes that are no UTF-8 (utf8Text) and lone surrogates
// (loneSurrogate), each of which it would store as U+FFFD.
func jsonText(body []byte) error {
	if err := utf8Text(body); err != nil {
		return err
	}
	return loneSurrogate(body)
}

// loneSurrogate refuses a \uXXXX escape in a JSON string that is half of
// a UTF-16 surrogate pair without its other half: it names no character.
// Outside strings it looks at nothing (the decoder judges the rest).
func loneSurrogate(body []byte) error {
	hex := func(i int) (rune, bool) {
		if i+6 > len(body) || body[i] != '\\' || body[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	inString := false
	for i := 0; i < len(body); i++ {
		switch {
		case body[i] == '"':
			inString = !inString
		case !inString || body[i] != '\\':
		case i+1 < len(body) && body[i+1] != 'u':
			i++ // a one-character escape: \" is no end of the string
		default:
			r, ok := hex(i)
			if !ok {
				continue // not JSON: the decoder says so
			}
			if r >= 0xd800 && r < 0xdc00 {
				if low, ok := hex(i + 6); ok && low >= 0xdc00 && low < 0xe000 {
					i += 11 // a pair: one character
					continue
				}
			}
			if r >= 0xd800 && r < 0xe000 {
				return badRequest("the body is not valid JSON: the string escape %s at offset %d is half of a UTF-16 surrogate pair, "+
					"which is no character (it would be stored as U+FFFD): send the whole pair, or the character itself in UTF-8", body[i:i+6], i)
			}
			i += 5
		}
	}
	return nil
}

// utf8Text refuses a body that is no UTF-8 text, naming the offset of its
// first bad byte: the decoder would store U+FFFD in place of each.
func utf8Text(body []byte) error {
	if utf8.Valid(body) {
		return nil
	}
	n := 0
	for n < len(body) {
		r, size := utf8.DecodeRune(body[n:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		n += size
	}
	return badRequest("the body is not UTF-8 text (the byte at offset %d is no UTF-8): send JSON in UTF-8", n)
}

// parseBinding reads "/accounts(ID)", "accounts(ID)" or a full URL, the
// key's property named or not (prop: checked by bindings).
func parseBinding(s string) (set, prop, id string, err error) {
	if u, perr := url.Parse(s); perr == nil && u.Scheme != "" {
		s = u.Path
	}
	for _, p := range append([]string{Prefix}, olderPrefixes...) {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "/")
	set, prop, key, ok := namedKey(s)
	if !ok || key == "" {
		return "", "", "", fmt.Errorf("%q is not \"/<entityset>(<id>)\"", s)
	}
	if set != "processstages" && prop == "" { // (a stage may be named; a named key: bindings)
		if err := checkKey(set, key); err != nil {
			return "", "", "", err
		}
	}
	return set, prop, key, nil
}

// bindings checks the entity sets of a body's @odata.bind fields against
// their lookups' targets, as Dataverse does, and reads a multi-table
// lookup bound by its navigation property (customerid_account@odata.bind
// is customerid, bound to an account). Targets without an entity set
// (an instance's process stage) take the binding as it is.
func (s *Server) bindings(r *http.Request, t store.Table, fields []field) error {
	for i := range fields {
		f := &fields[i]
		if !strings.HasSuffix(f.prop, "@odata.bind") {
			continue
		}
		// A navigation property of a multi-table lookup, <lookup>_<table>,
		// is its lookup, to a row of that table: null clears it.
		navTable := ""
		if _, ok := t.Column(f.column); !ok {
			if lc, table, ok := typedNav(t, f.column); ok {
				navTable, f.column, f.half = table, lc.Name, table
			}
		}
		if c, ok := t.Column(f.column); ok && !isLookup(c) {
			// Else its value, the row's id (or null), would be written
			// to the column as if given as the plain property.
			return badRequest("%s: %s is %s %s column, not a lookup: only a lookup is bound; write it as %s", f.prop, c.Name, compiler.Article(c.Type), c.Type, c.Name)
		}
		if f.bind == "" {
			continue // null: the lookup is cleared
		}
		if f.bindKey != "" {
			err := s.checkKeyName(r, f.bind, f.bindKey)
			if id, _ := f.value.(string); err == nil && f.bind != "processstages" {
				err = checkKey(f.bind, id)
			}
			var e *apiError
			if errors.As(err, &e) && e.status == http.StatusBadRequest {
				return badRequest("%s: %s", f.prop, e.msg)
			}
			if err != nil && (!errors.As(err, &e) || e.status != http.StatusNotFound) {
				return err
			}
		}
		c, ok := t.Column(f.column)
		if !ok || !isLookup(c) {
			continue // the engine names the column it does not know
		}
		targets := c.Targets
		if navTable != "" {
			targets = []string{navTable} // the navigation property names one
		}
		var targetSets []string
		for _, target := range targets {
			set, err := s.setOfTable(r, target)
			if err != nil {
				return err
			}
			if set != "" {
				targetSets = append(targetSets, set)
			}
		}
		if len(targetSets) == 0 {
			continue // a process or its stage: no set to check
		}
		bt, err := s.tableOf(r, f.bind)
		var unknown *apiError // no such entity set
		if err != nil && !errors.As(err, &unknown) {
			return err
		}
		if err != nil || !slices.Contains(targets, bt.Name) {
			slices.Sort(targetSets)
			what := c.Name
			if navTable != "" {
				what = strings.TrimSuffix(f.prop, "@odata.bind") + " (" + c.Name + " to a row of " + navTable + ")"
			}
			return badRequest("%s: %s looks up %s; bind it to /%s(<id>), not /%s(…)", f.prop, what, strings.Join(targets, " or "),
				strings.Join(targetSets, "(<id>) or /"), f.bind)
		}
		if c.Polymorphic() {
			f.bindTable = bt.Name
		}
	}
	// A navigation property is its lookup: two fields may now name one.
	given := map[string]string{}
	for _, f := range fields {
		if prev, dup := given[f.column]; dup {
			return badRequest("%s and %s both set %s: give it once", prev, f.prop, f.column)
		}
		given[f.column] = f.prop
	}
	return nil
}

// typedNav reads name as the navigation property of a multi-table lookup
// to one of its tables, <lookup>_<table> (parentcustomerid_account).
func typedNav(t store.Table, name string) (store.Column, string, bool) {
	for _, lc := range t.Columns {
		if table, ok := strings.CutPrefix(name, lc.Name+"_"); ok && isLookup(lc) && len(lc.Targets) > 1 && slices.Contains(lc.Targets, table) {
			return lc, table, true
		}
	}
	return store.Column{}, "", false
}

// splitKey splits "leads(ID)" into "leads" and "ID" (quotes removed, a
// GUID in canonical form); "leads(leadid=ID)" too (namedKey).
func splitKey(seg string) (name, key string, ok bool) {
	name, _, key, ok = namedKey(seg)
	return name, key, ok
}

// namedKey splits "leads(ID)" as splitKey does, and "leads(leadid=ID)",
// OData's key with its property named, into "leads", "leadid" and "ID"
// (prop is "" for the first form). Whether prop is the table's key is
// its caller's to check (checkKey): the table is not known here.
func namedKey(seg string) (name, prop, key string, ok bool) {
	name, raw, ok := splitKeyRaw(seg)
	if i := strings.IndexByte(raw, '='); i > 0 && isIdentifier(raw[:i]) {
		prop, raw = raw[:i], raw[i+1:]
	}
	return name, prop, engine.CanonicalID(unquote(raw)), ok
}

// isIdentifier: s is a property's name (letters, digits, _).
func isIdentifier(s string) bool {
	for i, c := range s {
		if c != '_' && !unicode.IsLetter(c) && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return s != ""
}

// unquote reads an OData text literal ('O”Brien' is O'Brien); anything
// not in single quotes stays as it is.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return s
}

// values are the fields of a body as engine values.
func values(fs []field) engine.Values {
	out := engine.Values{}
	for _, f := range fs {
		out[f.column] = f.value
		if id, ok := f.value.(string); ok && f.bindTable != "" {
			out[f.column] = engine.Ref{Table: f.bindTable, ID: id}
		}
	}
	return out
}

// ifMatch reads If-Match: W/"12" or "12" is version 12; * or nothing is
// any version (0). A list of tags (RFC 9110) matches any of them: * among
// them is any version, the same version listed twice is that one; of
// several versions the row's (current, called only then) is the one
// matched, and 412 when it is none of them. An entity tag that is none
// of this API's (W/"x") matches no row: 412 when all are such. The write
// is then made at that version, so that a change in between is still a
// conflict.
func ifMatch(r *http.Request, current func() (int64, error)) (int64, error) {
	versions, anyVersion, err := matchTags(r)
	if anyVersion || err != nil {
		return 0, err
	}
	if len(versions) == 0 {
		if _, err := current(); err != nil {
			return 0, err // no such row, or no If-Match here
		}
		return 0, errorf(http.StatusPreconditionFailed, "PreconditionFailed",
			"If-Match %s names no version of this API's rows (W/\"<version>\"): read the row again for its @odata.etag; nothing was changed", ifMatchValue(r))
	}
	if !slices.ContainsFunc(versions[1:], func(v int64) bool { return v != versions[0] }) {
		return versions[0], nil
	}
	v, err := current()
	if err != nil {
		return 0, err
	}
	if !slices.Contains(versions, v) {
		return 0, errorf(http.StatusPreconditionFailed, "PreconditionFailed",
			"the row is at W/\"%d\", none of If-Match's %s: read the row again for its @odata.etag; nothing was changed", v, ifMatchValue(r))
	}
	return v, nil
}

// matchTags reads If-Match's tags: the versions they name (none when
// every tag is another server's), or any (none given, or * among them),
// or the 400 of a value that is no entity tag at all (RFC 9110: 12
// without quotes), as for If-None-Match.
func matchTags(r *http.Request) (versions []int64, anyVersion bool, err error) {
	h := ifMatchValue(r)
	if h == "" {
		return nil, true, nil
	}
	return etagList("If-Match", h, false)
}

// noneMatchTags reads If-None-Match's tags (RFC 9110: a list, or *):
// the versions they name, or any when * is among them. An entity tag
// that is none of this API's matches no row, and so does null, which
// Dataverse's samples send; a value that is no entity tag is a 400, as it
// is in If-Match.
func noneMatchTags(r *http.Request) (versions []int64, anyVersion bool, err error) {
	h := strings.TrimSpace(strings.Join(r.Header.Values("If-None-Match"), ","))
	if h == "" {
		return nil, false, nil
	}
	return etagList("If-None-Match", h, true)
}

// etagList reads the list of entity tags h of header name: the versions
// of this API's tags, or any when * is among them; null is taken (as no
// tag) where orNull says so.
func etagList(name, h string, orNull bool) (versions []int64, anyVersion bool, err error) {
	// A comma inside quotes is part of its tag (W/"a,b"), not a separator.
	for _, tag := range splitUnquoted(h, ',') {
		tag = strings.TrimSpace(tag)
		switch v, ok := parseETag(tag); {
		case tag == "*":
			return nil, true, nil
		case ok:
			versions = append(versions, v)
		case orNull && tag == "null", entityTag(tag):
		default:
			return nil, false, badRequest("%s %q is not an entity tag: send the row's @odata.etag as it came, W/\"<version>\" in double quotes, or *", name, tag)
		}
	}
	return versions, false, nil
}

// entityTag reports whether tag has RFC 9110's syntax of an entity tag,
// [W/]"<characters but '"', spaces and controls>".
func entityTag(tag string) bool {
	tag = strings.TrimPrefix(tag, "W/")
	if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return false
	}
	for _, c := range []byte(tag[1 : len(tag)-1]) {
		if c <= 0x20 || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

// ifMatchValue is If-Match's value, its fields joined (RFC 9110 lets a
// list come in several).
func ifMatchValue(r *http.Request) string {
	return strings.TrimSpace(strings.Join(r.Header.Values("If-Match"), ", "))
}

// staleZeroTag is 412 for If-Match W/"0" on a row of t when t's rows have
// versions (they start at 1): "0" is the tag of rows without one
// (systemusers), and matching it as any version let a stale client write.
func staleZeroTag(r *http.Request, t store.Table) error {
	_, versioned := t.Column(store.RowVersionColumn)
	return staleZero(r, "a row of "+t.Name, versioned)
}

// staleZero is staleZeroTag for rows described as what, versioned or not.
func staleZero(r *http.Request, what string, versioned bool) error {
	versions, anyVersion, err := matchTags(r)
	if anyVersion || err != nil || !versioned || slices.ContainsFunc(versions, func(v int64) bool { return v != 0 }) {
		return nil // every tag of a list W/"0" is
	}
	return errorf(http.StatusPreconditionFailed, "PreconditionFailed",
		"If-Match %s matches no version of %s (they start at 1): read the row again for its @odata.etag; nothing was changed",
		ifMatchValue(r), what)
}

func parseETag(h string) (int64, bool) {
	h = strings.TrimPrefix(strings.TrimSpace(h), "W/")
	if len(h) < 3 || h[0] != '"' || h[len(h)-1] != '"' {
		return 0, false
	}
	v, err := strconv.ParseInt(h[1:len(h)-1], 10, 64)
	// W/"0" is the tag of a row without a version (systemusers): it
	// matches any version, as * does.
	return v, err == nil && v >= 0
}
