package sqlstore

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// QueryRows: store.Query rendered as one SELECT. Every column is checked
// against the table's metadata and quoted; every value is a bind
// parameter. The SQL is portable between SQLite and PostgreSQL: comparisons
// are two-valued (an empty column never makes a condition unknown), empty
// columns sort first ascending and last descending on both, and times,
// stored as RFC 3339 text with a variable number of fraction digits, are
// compared and sorted in a fixed-width form.

var _ store.QueryTx = (*tx)(nil)

// kinds of column, as a query compares them.
const (
	kText = iota
	kInt
	kNum
	kBool
	kTime
)

func kindOf(c store.Column) int {
	switch c.Type {
	case "integer", "choice", "state", "status", store.TypeRowVersion:
		return kInt
	case "decimal", "money":
		return kNum
	case "boolean":
		return kBool
	case "datetime":
		return kTime
	}
	return kText
}

// timeLayout is the fixed-width form times are compared in:
// 2006-01-02T15:04:05.000000000.
const timeLayout = "2006-01-02T15:04:05.000000000"

type queryBuilder struct {
	tb    store.Table
	d     Dialect
	args  []any
	depth int // of the condition being built
}

func badQuery(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrBadQuery)
}

func (b *queryBuilder) column(name string) (store.Column, string, error) {
	c, ok := b.tb.Column(name)
	if !ok {
		return c, "", badQuery("table %s has no column %q", b.tb.Name, name)
	}
	qc, err := quote(name)
	if err != nil {
		return c, "", badQuery("%v", err)
	}
	if folded(c) {
		// Dataverse compares and sorts text without regard to case; the
		// values compared with it are lowered the same way (param).
		qc = b.d.Lower(qc)
	}
	if kindOf(c) == kTime {
		qc = timeKey(qc)
	}
	return c, qc, nil
}

// timeKey is the SQL expression a time column qc (quoted) is compared and
// sorted by: its text in timeLayout's fixed width, NULL for empty text.
// Times are stored as formatTime writes them, RFC 3339 in UTC with zero to
// nine fraction digits (trailing zeros dropped), whose text sorts out of
// time order ("05.5Z" before "05Z", "05.50001Z" before "05.5Z"); the
// fixed width sorts in it. It calls only functions built into both
// databases (deterministic in SQLite, immutable in PostgreSQL), so that an
// index can be made on it (indexCreated) and any program can open the
// database.
func timeKey(qc string) string {
	v := "NULLIF(" + qc + ", '')"
	r := "replace(" + v + ", 'Z', '')"
	return "substr(CASE WHEN length(" + r + ") = 19 THEN " + r + " || '.' ELSE " + r + " END || '000000000', 1, 29)"
}

func (b *queryBuilder) bind(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// folded reports whether c's text is compared and sorted without regard to
// case: text that is no id.
func folded(c store.Column) bool { return kindOf(c) == kText && !c.HoldsIDs() }

// param binds v, a value compared with column c: lowered by the database,
// as the column is, when c is folded.
func (b *queryBuilder) param(c store.Column, v any) string {
	p := b.bind(v)
	if folded(c) {
		p = b.d.Lower(p)
	}
	return p
}

const (
	sqlTrue  = "(1 = 1)"
	sqlFalse = "(1 = 0)"
)

// maxCondDepth bounds how deeply conditions nest (not(not(…)), brackets
// in brackets): SQLite refuses expressions deeper than 1000 as a whole.
const maxCondDepth = 100

func (b *queryBuilder) cond(c store.Cond) (string, error) {
	if b.depth++; b.depth > maxCondDepth {
		return "", badQuery("the conditions nest more than %d deep", maxCondDepth)
	}
	defer func() { b.depth-- }()
	switch c := c.(type) {
	case nil:
		return sqlTrue, nil
	case store.All, store.Any:
		var parts []string
		list, join, empty := []store.Cond(nil), " AND ", sqlTrue
		if all, ok := c.(store.All); ok {
			list = all
		} else {
			list, join, empty = c.(store.Any), " OR ", sqlFalse
		}
		terms := flatten(list, join == " AND ")
		if join == " OR " {
			if in, ok, err := b.in(terms); ok || err != nil {
				return in, err
			}
		}
		for _, x := range terms {
			s, err := b.cond(x)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		if len(parts) == 0 {
			return empty, nil
		}
		return balanced(parts, join), nil
	case store.Not:
		s, err := b.cond(c.X)
		if err != nil {
			return "", err
		}
		return "(NOT " + s + ")", nil
	case store.Compare:
		return b.compare(c)
	case store.Match:
		return b.match(c)
	}
	return "", badQuery("unknown condition %T", c)
}

// in is terms, an Any's, as one IN list when each is a column equal to a
// value, the same column (ids or'ed together: a page's lookups, the
// records of a list of instances): the databases look an IN list up in an
// index at once, where they plan an OR of as many terms one by one. ok is
// false for any other Any, which cond writes term by term.
func (b *queryBuilder) in(terms []store.Cond) (sql string, ok bool, err error) {
	if len(terms) < 2 || b.depth >= maxCondDepth {
		// Nested as deep as conditions may be, the terms are refused one
		// by one as they would be on any other columns.
		return "", false, nil
	}
	first, isCompare := terms[0].(store.Compare)
	if !isCompare {
		return "", false, nil
	}
	for _, t := range terms {
		c, isCompare := t.(store.Compare)
		if !isCompare || c.Op != store.OpEq || c.Value == nil || c.OtherColumn != "" || c.Column != first.Column {
			return "", false, nil
		}
	}
	col, qc, err := b.column(first.Column)
	if err != nil {
		return "", false, err
	}
	mark := len(b.args)
	params := make([]string, 0, len(terms))
	for _, t := range terms {
		v, err := b.value(col, store.OpEq, t.(store.Compare).Value)
		if err != nil {
			return "", false, err
		}
		if _, decided := v.(constCond); decided {
			b.args = b.args[:mark] // term by term, as cond writes them
			return "", false, nil
		}
		params = append(params, b.param(col, v))
	}
	// IS NOT NULL as each term has it: under a NOT, a NULL must be false
	// here, not unknown.
	return "(" + qc + " IS NOT NULL AND " + qc + " IN (" + strings.Join(params, ", ") + "))", true, nil
}

// flatten lists the terms of an All (all) or Any with the terms of the
// All or Any of the same kind among them in their place: a and b and c
// comes from OData parsed as (a and b) and c, a thousand deep for a
// thousand terms.
func flatten(list []store.Cond, all bool) []store.Cond {
	var out []store.Cond
	for _, x := range list {
		switch y := x.(type) {
		case store.All:
			if all {
				out = append(out, flatten(y, all)...)
				continue
			}
		case store.Any:
			if !all {
				out = append(out, flatten(y, all)...)
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// balanced joins parts as a balanced tree of brackets: a list of a
// thousand terms (ids or'ed together) nests ten deep, not a thousand, as
// SQLite's parser would nest "a OR b OR c …" (it refuses past 1000).
func balanced(parts []string, join string) string {
	if len(parts) <= 4 {
		return "(" + strings.Join(parts, join) + ")"
	}
	mid := len(parts) / 2
	return "(" + balanced(parts[:mid], join) + join + balanced(parts[mid:], join) + ")"
}

var sqlOps = map[string]string{store.OpEq: "=", store.OpNe: "<>", store.OpGt: ">", store.OpGe: ">=", store.OpLt: "<", store.OpLe: "<="}

func (b *queryBuilder) compare(c store.Compare) (string, error) {
	col, qc, err := b.column(c.Column)
	if err != nil {
		return "", err
	}
	op, ok := sqlOps[c.Op]
	if !ok {
		return "", badQuery("unknown operator %q", c.Op)
	}
	if c.OtherColumn != "" {
		other, qo, err := b.column(c.OtherColumn)
		if err != nil {
			return "", err
		}
		if !col.Comparable(other) {
			return "", badQuery("%s (%s) and %s (%s) cannot be compared", col.Name, col.Type, other.Name, other.Type)
		}
		both := "(" + qc + " IS NOT NULL AND " + qo + " IS NOT NULL AND " + qc + " " + op + " " + qo + ")"
		switch c.Op {
		case store.OpEq:
			return "((" + qc + " IS NULL AND " + qo + " IS NULL) OR " + both + ")", nil
		case store.OpNe:
			return "(NOT ((" + qc + " IS NULL AND " + qo + " IS NULL) OR (" + qc + " IS NOT NULL AND " + qo + " IS NOT NULL AND " +
				qc + " = " + qo + ")))", nil
		}
		return both, nil
	}
	if c.Value == nil {
		switch c.Op {
		case store.OpEq:
			return "(" + qc + " IS NULL)", nil
		case store.OpNe:
			return "(" + qc + " IS NOT NULL)", nil
		}
		return "", badQuery("%s %s null: only eq and ne compare with null", col.Name, c.Op)
	}
	v, err := b.value(col, c.Op, c.Value)
	if err != nil {
		return "", err
	}
	if k, ok := v.(constCond); ok {
		return string(k), nil
	}
	p := b.param(col, v)
	if c.Op == store.OpNe {
		return "(" + qc + " IS NULL OR " + qc + " <> " + p + ")", nil
	}
	return "(" + qc + " IS NOT NULL AND " + qc + " " + op + " " + p + ")", nil
}

// constCond is a comparison decided without the database (an integer
// column against a fraction).
type constCond string

// value converts a comparison's value for column c: the Go type the
// column's SQL type binds.
func (b *queryBuilder) value(c store.Column, op string, v any) (any, error) {
	bad := func() error {
		return badQuery("%s is a %s column: %v (%T) does not fit it", c.Name, c.Type, v, v)
	}
	switch kindOf(c) {
	case kText:
		if s, ok := v.(string); ok {
			return s, nil // lowered in the database (param)
		}
	case kInt:
		var f float64
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case float64:
			f = x
		default:
			return nil, bad()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<62 {
			return nil, bad()
		}
		if f == math.Trunc(f) {
			return int64(f), nil
		}
		// An integer column against a fraction: exact, and portable (a
		// PostgreSQL BIGINT parameter takes no fraction).
		switch op {
		case store.OpEq:
			return constCond(sqlFalse), nil
		case store.OpNe:
			return constCond(sqlTrue), nil
		case store.OpGt, store.OpLe:
			return int64(math.Floor(f)), nil
		default: // ge, lt
			return int64(math.Ceil(f)), nil
		}
	case kNum:
		switch x := v.(type) {
		case float64:
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				return x, nil
			}
		case int64:
			return float64(x), nil
		case int:
			return float64(x), nil
		}
	case kBool:
		if x, ok := v.(bool); ok {
			return int64(b2i(x)), nil
		}
	case kTime:
		if x, ok := v.(time.Time); ok {
			return x.UTC().Format(timeLayout), nil
		}
	}
	return nil, bad()
}

// likeEscape escapes LIKE's wildcards with backslash.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (b *queryBuilder) match(m store.Match) (string, error) {
	col, qc, err := b.column(m.Column)
	if err != nil {
		return "", err
	}
	if kindOf(col) != kText {
		return "", badQuery("%s(%s, ...): %s is a %s column, not text", m.Kind, col.Name, col.Name, col.Type)
	}
	pat := m.Text
	if !m.Like {
		pat = likeEscape.Replace(m.Text)
	} else {
		// A folded column's pattern is read lowered, as Query.Run reads
		// it: a range's ends fold before it is a range ([a-Z] is [a-z],
		// [Z-a] holds no character), where lowering the dialect's pattern
		// afterwards turned [a-Z] into no character and [Z-a] into a range
		// PostgreSQL refuses.
		text := m.Text
		if folded(col) {
			text = strings.ToLower(text)
		}
		parts, err := store.ParseLike(text)
		if err != nil {
			return "", err
		}
		if store.HasSets(parts) {
			return b.matchSets(m.Kind, col, qc, parts)
		}
	}
	switch m.Kind {
	case store.MatchContains:
		pat = "%" + pat + "%"
	case store.MatchStartsWith:
		pat += "%"
	case store.MatchEndsWith:
		pat = "%" + pat
	default:
		return "", badQuery("unknown function %q", m.Kind)
	}
	return "(" + qc + " IS NOT NULL AND " + qc + " LIKE " + b.param(col, pat) + ` ESCAPE '\')`, nil
}

// matchSets is match for a LIKE pattern with sets of characters: the
// dialect's pattern match, as kind places the pattern.
func (b *queryBuilder) matchSets(kind string, col store.Column, qc string, parts []store.LikePart) (string, error) {
	for _, p := range parts {
		if p.Kind == store.LikeSet && len(p.Ranges) == 0 && !p.Negate {
			return sqlFalse, nil // a set of no characters matches none
		}
	}
	parts, ok := store.PlaceLike(kind, parts)
	if !ok {
		return "", badQuery("unknown function %q", kind)
	}
	param := func(pattern string) string { return b.param(col, pattern) }
	return "(" + qc + " IS NOT NULL AND " + b.d.MatchSets(qc, parts, param) + ")", nil
}

// after is the keyset condition: rows that sort strictly after key under
// order (the order's terms, then the primary key ascending).
func (b *queryBuilder) after(order []store.Order, key []any) (string, error) {
	if len(key) != len(order) {
		return "", badQuery("a page key has %d values; the order has %d terms", len(key), len(order))
	}
	var alts []string
	var equal []string
	for i, o := range order {
		col, qc, err := b.column(o.Column)
		if err != nil {
			return "", err
		}
		var strictly, same string
		if key[i] == nil {
			same = "(" + qc + " IS NULL)"
			if o.Desc {
				strictly = sqlFalse // empty sorts last descending
			} else {
				strictly = "(" + qc + " IS NOT NULL)"
			}
		} else {
			v, err := b.value(col, store.OpEq, key[i])
			if err != nil {
				return "", err
			}
			if _, ok := v.(constCond); ok {
				return "", badQuery("a page key value %v does not fit %s", key[i], col.Name)
			}
			p := b.param(col, v)
			same = "(" + qc + " IS NOT NULL AND " + qc + " = " + p + ")"
			if o.Desc {
				strictly = "(" + qc + " IS NULL OR " + qc + " < " + p + ")"
			} else {
				strictly = "(" + qc + " IS NOT NULL AND " + qc + " > " + p + ")"
			}
		}
		alts = append(alts, "("+strings.Join(append(slices.Clone(equal), strictly), " AND ")+")")
		equal = append(equal, same)
	}
	return "(" + strings.Join(alts, " OR ") + ")", nil
}

// QueryRows reads rows by a query.
func (t *tx) QueryRows(q store.Query) ([]store.Row, error) {
	tb := q.Table
	if _, ok := tb.Column(tb.PrimaryKey); !ok {
		return nil, badQuery("table %s has no primary key column", tb.Name)
	}
	b := &queryBuilder{tb: tb, d: t.d}
	// The columns read: the selection, the sort columns and the key.
	want := map[string]bool{tb.PrimaryKey: true}
	if _, ok := tb.Column(store.RowVersionColumn); ok {
		want[store.RowVersionColumn] = true
	}
	for _, name := range q.Select {
		if _, _, err := b.column(name); err != nil {
			return nil, err
		}
		want[name] = true
	}
	order := slices.Clone(q.OrderBy)
	for _, o := range order {
		want[o.Column] = true
	}
	order = append(order, store.Order{Column: tb.PrimaryKey})
	sub := tb
	sub.Columns = nil
	for _, c := range tb.Columns {
		if len(q.Select) == 0 || want[c.Name] {
			sub.Columns = append(sub.Columns, c)
		}
	}
	sel, err := selectRows(sub)
	if err != nil {
		return nil, err
	}
	var where []string
	if q.Where != nil {
		s, err := b.cond(q.Where)
		if err != nil {
			return nil, err
		}
		where = append(where, s)
	}
	if q.After != nil {
		s, err := b.after(order, q.After)
		if err != nil {
			return nil, err
		}
		where = append(where, s)
	}
	if len(where) > 0 {
		sel += " WHERE " + strings.Join(where, " AND ")
	}
	var terms []string
	for _, o := range order {
		_, qc, err := b.column(o.Column)
		if err != nil {
			return nil, err
		}
		// The key is never empty: its terms name no NULLS, so that
		// PostgreSQL reads them in the key's index order (ASC NULLS FIRST
		// made it sort the whole table for every page).
		key := o.Column == tb.PrimaryKey
		switch {
		case key && o.Desc:
			terms = append(terms, qc+" DESC")
		case key:
			terms = append(terms, qc+" ASC")
		case o.Desc:
			terms = append(terms, qc+" DESC NULLS LAST")
		default:
			terms = append(terms, qc+" ASC NULLS FIRST")
		}
	}
	sel += " ORDER BY " + strings.Join(terms, ", ")
	if q.Limit > 0 {
		sel += " LIMIT " + b.bind(int64(q.Limit))
	}
	rows, err := t.query(sel, b.args...)
	if err != nil {
		return nil, err
	}
	return scanRows(sub, rows)
}

func (t *tx) CountQuery(q store.Query) (int, error) {
	tb := q.Table
	qt, err := quote(tb.Name)
	if err != nil {
		return 0, err
	}
	sel := "SELECT COUNT(*) FROM " + qt
	b := &queryBuilder{tb: tb, d: t.d}
	if q.Where != nil {
		s, err := b.cond(q.Where)
		if err != nil {
			return 0, err
		}
		sel += " WHERE " + s
	}
	var n int
	err = t.queryRow(sel, b.args...).Scan(&n)
	return n, err
}
