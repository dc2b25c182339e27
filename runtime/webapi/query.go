package webapi

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/odata"
	"github.com/bpfc/bpfc/runtime/store"
)

// listOptions are the query options of a list request.
type listOptions struct {
	sel      []string // properties as written
	filter   odata.Expr
	orderBy  []odata.Order
	top      int // noTop: none ($top=0 is a page of no rows)
	after    []any
	pageSize int
	count    bool // $count=true
}

// noTop is listOptions.top without $top.
const noTop = -1

// maxCount is the most rows $count counts, as in Dataverse: a larger
// total is answered as maxCount with totalrecordcountlimitexceeded.
const maxCount = 5000

// queryOptions are the system query options a list takes.
var queryOptions = map[string]bool{"$select": true, "$filter": true, "$orderby": true, "$top": true, "$skiptoken": true, "$count": true}

// dataverseQueries are Dataverse's query parameters that stand for a
// whole query (lower case).
var dataverseQueries = map[string]bool{"fetchxml": true, "savedquery": true, "userquery": true}

// parseList reads a list request's query options.
func parseList(q url.Values, pageSize int) (*listOptions, error) {
	o := &listOptions{pageSize: pageSize, top: noTop}
	for k, v := range q {
		if !queryOptions[k] {
			if strings.HasPrefix(k, "$") {
				return nil, badRequest("query option %s is not supported; use $select, $filter, $orderby, $top, $count and $expand", k)
			}
			if dataverseQueries[strings.ToLower(k)] {
				// Answered with every row, a client would take them for
				// the query's.
				return nil, badRequest("%s is not supported: FetchXML and saved or user queries do not run here; use $filter, $orderby, $select and $top", k)
			}
			continue // parameters aliases and the like are ignored
		}
		if len(v) != 1 {
			return nil, badRequest("query option %s is given %d times", k, len(v))
		}
		if strings.TrimSpace(v[0]) == "" {
			// Answered as if absent, $filter= would be every row.
			return nil, badRequest("query option %s is empty: give it a value or leave it out", k)
		}
	}
	var err error
	if s := q.Get("$select"); s != "" {
		if o.sel, err = odata.ParseSelect(s); err != nil {
			return nil, badRequest("%v", err)
		}
	}
	if s := q.Get("$filter"); s != "" {
		if o.filter, err = odata.ParseFilter(s); err != nil {
			return nil, badRequest("$filter %v", err)
		}
	}
	if s := q.Get("$orderby"); s != "" {
		if o.orderBy, err = odata.ParseOrderBy(s); err != nil {
			return nil, badRequest("%v", err)
		}
	}
	if s := q.Get("$top"); s != "" {
		if o.top, err = odata.ParseTop(s); err != nil {
			return nil, badRequest("%v", err)
		}
	}
	switch q.Get("$count") {
	case "", "false":
	case "true":
		o.count = true
	default:
		return nil, badRequest("$count is true or false, not %q", q.Get("$count"))
	}
	if s := q.Get("$skiptoken"); s != "" {
		tok, err := decodeSkipToken(s)
		if err != nil {
			return nil, badRequest("$skiptoken is not one this server gave out: %v", err)
		}
		o.after, o.pageSize = tok.Key, min(max(tok.PageSize, 1), pageSize)
	}
	return o, nil
}

// query builds the store query of a list on table t, reading one row more
// than it returns, to know whether there is a next page.
func (o *listOptions) query(t store.Table) (store.Query, []string, error) {
	q := store.Query{Table: t}
	var sel []string
	for _, p := range o.sel {
		c, err := column(t, p)
		if err != nil {
			return q, nil, err
		}
		sel = append(sel, c.Name)
	}
	q.Select = sel
	if o.filter != nil {
		cond, err := condition(t, o.filter)
		if err != nil {
			return q, nil, err
		}
		q.Where = cond
	}
	for _, ob := range o.orderBy {
		c, err := column(t, ob.Column)
		if err != nil {
			return q, nil, err
		}
		q.OrderBy = append(q.OrderBy, store.Order{Column: c.Name, Desc: ob.Desc})
	}
	if o.after != nil {
		key, err := typedKey(t, q.OrderBy, o.after)
		if err != nil {
			return q, nil, badRequest("$skiptoken does not fit this query: %v", err)
		}
		q.After = key
	}
	q.Limit = o.limit() + 1
	return q, sel, nil
}

// limit is how many rows this page returns at most.
func (o *listOptions) limit() int {
	if o.top != noTop && o.top < o.pageSize {
		return o.top
	}
	return o.pageSize
}

// condition turns a $filter into a store condition, checking every
// property against t and typing every value by its column.
func condition(t store.Table, e odata.Expr) (store.Cond, error) {
	return conditionUnder(t, e, false)
}

// conditionUnder is condition of e where negated says whether an odd
// number of nots encloses it, which In and NotIn need (queryFunction).
func conditionUnder(t store.Table, e odata.Expr, negated bool) (store.Cond, error) {
	switch e := e.(type) {
	case odata.Logical:
		l, err := conditionUnder(t, e.L, negated)
		if err != nil {
			return nil, err
		}
		r, err := conditionUnder(t, e.R, negated)
		if err != nil {
			return nil, err
		}
		if e.Op == "and" {
			return store.All{l, r}, nil
		}
		return store.Any{l, r}, nil
	case odata.Not:
		x, err := conditionUnder(t, e.X, !negated)
		if err != nil {
			return nil, err
		}
		return store.Not{X: x}, nil
	case odata.Func:
		c, err := column(t, e.Column)
		if err != nil {
			return nil, err
		}
		lit, ok := e.Arg.(odata.Literal)
		s, isText := lit.Value.(string)
		if !ok || !isText {
			return nil, badRequest("%s(%s, …) takes a text value in quotes", e.Name, e.Column)
		}
		if kindOf(c) != "text" {
			return nil, badRequest("%s(%s, …): %s is %s %s column, not text", e.Name, e.Column, e.Column, compiler.Article(c.Type), c.Type)
		}
		pat, err := likePattern(s)
		if err != nil {
			return nil, badRequest("%s(%s, '%s'): %v", e.Name, e.Column, s, err)
		}
		return store.Match{Column: c.Name, Kind: e.Name, Text: pat, Like: true}, nil
	case odata.Compare:
		return compare(t, e)
	case odata.QueryFunc:
		return queryFunction(t, e, negated)
	}
	return nil, badRequest("unsupported $filter expression %T", e)
}

// queryFunction is a Dataverse query function as the comparisons it
// stands for: In as eq of each value joined by or, NotIn its negation,
// Null and NotNull eq and ne null. Its values are text, as Dataverse's
// PropertyValues are, read by the column's type.
//
// In and NotIn are FetchXML's in and not-in, SQL's IN and NOT IN: a row
// without a value is in neither. FetchXML has no not, so Dataverse turns
// a negated one into the other (not In is not-in, not NotIn is in), and
// the row is in neither negation either. The store's Not is two-valued,
// so under an odd number of nots (negated) the function holds for such a
// row, and the enclosing Not leaves it out.
func queryFunction(t store.Table, e odata.QueryFunc, negated bool) (store.Cond, error) {
	// PropertyName is the column's logical name, as a FetchXML condition's
	// attribute is: a lookup by its own name (parentaccountid), where a
	// comparison says _parentaccountid_value; either is taken.
	c, ok := t.Column(e.Column)
	if !ok {
		var err error
		if c, err = column(t, e.Column); err != nil {
			return nil, err
		}
	}
	switch e.Name {
	case "Null":
		return store.Compare{Column: c.Name, Op: store.OpEq, Value: nil}, nil
	case "NotNull":
		return store.Compare{Column: c.Name, Op: store.OpNe, Value: nil}, nil
	}
	var either store.Any
	for _, text := range e.Values {
		var v any = text
		switch kindOf(c) {
		case "number":
			if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
				v = f
			}
		case "boolean":
			if b, err := strconv.ParseBool(strings.TrimSpace(text)); err == nil {
				v = b
			}
		}
		typed, err := literal(c, store.OpEq, v)
		if err != nil {
			return nil, badRequest("Microsoft.Dynamics.CRM.%s(PropertyName='%s'): %v", e.Name, e.Column, err)
		}
		if tm, ok := typed.(time.Time); ok && !c.DateOnly() {
			either = append(either, toTheSecond(c, store.OpEq, tm))
			continue
		}
		either = append(either, store.Compare{Column: c.Name, Op: store.OpEq, Value: typed})
	}
	empty := store.Compare{Column: c.Name, Op: store.OpEq, Value: nil}
	switch {
	case e.Name == "In" && negated:
		return append(either, empty), nil
	case e.Name == "NotIn" && negated:
		return store.Not{X: either}, nil
	case e.Name == "NotIn":
		return store.All{store.Not{X: either}, store.Not{X: empty}}, nil
	}
	return either, nil
}

// mirror is the operator with its operands swapped.
var mirror = map[string]string{"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}

func compare(t store.Table, e odata.Compare) (store.Cond, error) {
	lc, lIsCol := e.Left.(odata.Column)
	rc, rIsCol := e.Right.(odata.Column)
	switch {
	case lIsCol && rIsCol:
		a, err := column(t, lc.Name)
		if err != nil {
			return nil, err
		}
		b, err := column(t, rc.Name)
		if _, known := t.Column(rc.Name); err != nil && !known && kindOf(a) == "text" {
			// name eq Smith: text meant, written without its quotes.
			return nil, badRequest("%v; text is written in single quotes: %s %s '%s'", err, lc.Name, e.Op, rc.Name)
		}
		if err != nil {
			return nil, err
		}
		return store.Compare{Column: a.Name, Op: e.Op, OtherColumn: b.Name}, nil
	case !lIsCol && !rIsCol:
		return nil, badRequest("a comparison needs a property on one side")
	case !lIsCol:
		e = odata.Compare{Op: mirror[e.Op], Left: e.Right, Right: e.Left}
		lc = e.Left.(odata.Column)
	}
	c, err := column(t, lc.Name)
	if err != nil {
		return nil, err
	}
	v, err := literal(c, e.Op, e.Right.(odata.Literal).Value)
	if err != nil {
		return nil, err
	}
	if tm, ok := v.(time.Time); ok && !c.DateOnly() {
		return toTheSecond(c, e.Op, tm), nil
	}
	return store.Compare{Column: c.Name, Op: e.Op, Value: v}, nil
}

// toTheSecond compares time column c as rows show it, to the second,
// with tm: the store keeps fractions of a second (createdon, modifiedon,
// a move's times), which no answer shows, so that compared as stored a
// row's own createdon, read from it, was not eq (nor le) its createdon.
// The row's time is cut to its second, then compared with tm.
func toTheSecond(c store.Column, op string, tm time.Time) store.Cond {
	second := tm.Truncate(time.Second)
	next := second.Add(time.Second)
	first := second // the first time whose second is not before tm
	if !second.Equal(tm) {
		first = next
	}
	ge := func(t time.Time) store.Cond { return store.Compare{Column: c.Name, Op: store.OpGe, Value: t} }
	lt := func(t time.Time) store.Cond { return store.Compare{Column: c.Name, Op: store.OpLt, Value: t} }
	switch op {
	case store.OpEq:
		return store.All{ge(first), lt(next)} // nothing when tm has a fraction
	case store.OpNe:
		return store.Not{X: store.All{ge(first), lt(next)}}
	case store.OpGt:
		return ge(next)
	case store.OpGe:
		return ge(first)
	case store.OpLt:
		return lt(first)
	}
	return lt(next) // le
}

// kindOf is how a column's values are written in a $filter.
func kindOf(c store.Column) string {
	switch c.Type {
	case "integer", "choice", "state", "status", store.TypeRowVersion, "decimal", "money":
		return "number"
	case "boolean":
		return "boolean"
	case "datetime":
		return "date"
	}
	return "text"
}

// literal checks a $filter value against its column and types it.
func literal(c store.Column, op string, v any) (any, error) {
	if v == nil {
		if op != "eq" && op != "ne" {
			return nil, badRequest("%s %s null: only eq and ne compare with null", propertyName(c), op)
		}
		return nil, nil
	}
	bad := func(want string) error {
		return badRequest("%s is %s %s column: compare it with %s, not %s", propertyName(c), compiler.Article(c.Type), c.Type, want, describe(v))
	}
	if g, ok := v.(odata.GUID); ok {
		// An unquoted GUID compares with ids (lookups and keys), as in Dataverse.
		if !c.HoldsIDs() {
			return nil, badRequest("%s is %s %s column, not an id: compare it with %s, not %s", propertyName(c), compiler.Article(c.Type), c.Type, want(c), describe(v))
		}
		return string(g), nil
	}
	switch kindOf(c) {
	case "number":
		if f, ok := v.(float64); ok {
			return f, nil
		}
		if s, ok := v.(string); ok && len(c.Options) > 0 {
			return nil, optionLabel(c, s)
		}
		return nil, bad("a number")
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, bad("true or false")
	case "date":
		if c.DateOnly() {
			// A date, unquoted or quoted; a time is never one of its values.
			switch x := v.(type) {
			case odata.Date:
				return x.Time, nil
			case string:
				if tm, ok := compiler.ParseDateOnly(x); ok {
					return tm, nil
				}
			}
			return nil, badRequest("%s is a date-only column: compare it with a date without a time, such as 2026-01-31, not %s", propertyName(c), describe(v))
		}
		switch x := v.(type) {
		case odata.Date:
			return x.Time, nil
		case time.Time:
			return x, nil
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
				if tm, err := time.Parse(layout, x); err == nil {
					return tm.UTC(), nil
				}
			}
			return nil, quotedTime(c, op, x)
		}
		return nil, bad("a date (2026-01-31 or 2026-01-31T10:00:00Z)")
	}
	if s, ok := v.(string); ok {
		if c.HoldsIDs() && (op == "eq" || op == "ne") {
			// An id quoted: a GUID in any case or braces; anything else
			// matches nothing, which Dataverse refuses.
			if id := engine.CanonicalID(s); id != s || uuid.Validate(s) == nil {
				return id, nil
			}
			return nil, badRequest("%s holds ids: compare it with a GUID, not %q", propertyName(c), s)
		}
		return s, nil
	}
	return nil, bad("text in quotes")
}

// quotedTime refuses text compared with a date and time column that is
// neither a date nor a time with its zone. When it is a time written
// another way (a space for the T, lower case, no zone) it says the
// unquoted literal to write, as OData writes one and Dataverse takes it.
func quotedTime(c store.Column, op, s string) error {
	name := propertyName(c)
	t := strings.ToUpper(strings.TrimSpace(s))
	if len(t) > 10 && t[10] == ' ' {
		t = t[:10] + "T" + t[11:]
	}
	var zone string
	switch _, ok := odata.ParseTime(t); {
	case odata.TimeWithoutZone(t):
		t, zone = t+"Z", " (a time needs its zone: Z for UTC, or an offset such as +02:00)"
	case !ok:
		return badRequest("%s is %s %s column: compare it with a date or a time, unquoted, such as %s %s 2026-01-31 or %s %s 2026-01-31T10:00:00Z, not %s",
			name, compiler.Article(c.Type), c.Type, name, op, name, op, describe(s))
	}
	return badRequest("%s is %s %s column: write %s %s %s, the time unquoted, not %s%s", name, compiler.Article(c.Type), c.Type, name, op, t, describe(s), zone)
}

// optionLabel refuses a choice, state or status column compared with
// text: it names the value of the label given, or the values there are.
func optionLabel(c store.Column, s string) error {
	for _, o := range c.Options {
		if strings.EqualFold(o.Label, strings.TrimSpace(s)) {
			return badRequest("%s is %s %s column: compare it with its value, %d (%s), not the label %s", propertyName(c), compiler.Article(c.Type), c.Type, o.Value, o.Label, describe(s))
		}
	}
	opts := make([]string, 0, len(c.Options))
	for _, o := range c.Options {
		opts = append(opts, fmt.Sprintf("%d (%s)", o.Value, o.Label))
	}
	hint := ""
	if o, ok := engine.ClosestOption(c.Options, s); ok {
		hint = fmt.Sprintf("; did you mean %d (%s)?", o.Value, o.Label)
	}
	return badRequest("%s is %s %s column: compare it with one of its values, %s, not %s%s", propertyName(c), compiler.Article(c.Type), c.Type, strings.Join(opts, ", "), describe(s), hint)
}

// want says what a column's values are written as in a $filter.
func want(c store.Column) string {
	switch kindOf(c) {
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	case "date":
		return "a date (2026-01-31 or 2026-01-31T10:00:00Z)"
	}
	return "text in quotes"
}

func describe(v any) string {
	switch x := v.(type) {
	case odata.GUID:
		return "the GUID " + string(x)
	case string:
		return "'" + x + "'"
	case float64:
		// As a client writes it (20260504, not 2.0260504e+07), unless
		// that would take more digits than a float has.
		if a := math.Abs(x); a == 0 || a >= 1e-6 && a < 1e15 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case time.Time:
		return x.Format(time.RFC3339)
	case odata.Date:
		return x.Format("2006-01-02")
	case odata.Enum:
		return "the enum value " + x.Type + "'" + x.Member + "'"
	}
	return fmt.Sprint(v)
}

// withQuery is the query string raw with the options of set replaced by
// set's (added when raw has none), the others as the client wrote them: a
// next page's link is no longer than the query it follows and its token.
func withQuery(raw string, set url.Values) string {
	var parts []string
	for _, p := range strings.Split(raw, "&") {
		if key, ok := rawKey(p); p == "" || ok && set.Has(key) {
			continue
		}
		parts = append(parts, p)
	}
	keys := slices.Sorted(maps.Keys(set))
	for _, k := range keys {
		// $ as Dataverse writes it ($skiptoken=…), not %24: clients find
		// the token in the link by its name as written.
		key := strings.ReplaceAll(url.QueryEscape(k), "%24", "$")
		for _, v := range set[k] {
			parts = append(parts, key+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// queryLength is the length of the query string raw without its
// $skiptoken, which the server gave out: a page's link is never refused as
// too long when the query it follows was not.
func queryLength(raw string) int {
	n := len(raw)
	for _, p := range strings.Split(raw, "&") {
		if key, ok := rawKey(p); ok && key == "$skiptoken" {
			n -= len(p)
		}
	}
	return n
}

// rawKey is the key of one key=value part of a raw query string, unescaped.
func rawKey(part string) (string, bool) {
	k, _, _ := strings.Cut(part, "=")
	key, err := url.QueryUnescape(k)
	return key, err == nil
}

// likePattern reads the text of contains, startswith and endswith as
// Dataverse does, with T-SQL's wildcards: % is any run of characters, _
// any one character, [abc] one of the characters in brackets (a-c in them
// a range, ^ first: one not in them), so that a character in brackets is
// itself ([%], [_], [[]). It answers the store's LIKE pattern
// (store.ParseLike: the same wildcards, a backslash before a character
// that is itself). A [ that no ] closes is itself.
func likePattern(s string) (string, error) {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '%', '_':
			b.WriteRune(r)
		case '\\':
			b.WriteString(`\\`)
		case '[':
			end := -1
			if i+1 < len(rs) {
				// ] right after [ (or [^) is in the set, as in T-SQL.
				start := i + 2
				if rs[i+1] == '^' {
					start = i + 3
				}
				if j := slices.Index(rs[min(start, len(rs)):], ']'); j >= 0 {
					end = min(start, len(rs)) + j
				}
			}
			if end < 0 {
				b.WriteString(`\[`) // a bracket never closed is itself
				continue
			}
			set := rs[i+1 : end]
			if len(set) == 1 && set[0] != '^' {
				b.WriteString(`\` + string(set[0])) // one character: itself
				i = end
				continue
			}
			b.WriteByte('[')
			for k, c := range set {
				if c == '\\' || c == '[' || c == ']' || (c == '^' && k > 0) {
					b.WriteByte('\\')
				}
				b.WriteRune(c)
			}
			b.WriteByte(']')
			i = end
		default:
			b.WriteRune(r)
		}
	}
	if _, err := store.ParseLike(b.String()); err != nil {
		return "", errors.New(strings.TrimSuffix(err.Error(), ": "+store.ErrBadQuery.Error()))
	}
	return b.String(), nil
}
