package store

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Run applies q to rows held in memory, with the meaning the stores give
// it in SQL (QueryTx): the rows that match Where, in OrderBy's order (the
// primary key last; empty values first ascending and last descending),
// after After, at most Limit. Text that holds no ids compares and sorts
// without regard to case. It serves the few rows that are no table of a
// store (the Web API's process records); rows is not changed.
func (q Query) Run(rows []Row) ([]Row, error) {
	for _, name := range q.Select {
		if _, ok := q.Table.Column(name); !ok {
			return nil, q.bad("no column %q", name)
		}
	}
	order := append(slices.Clone(q.OrderBy), Order{Column: q.Table.PrimaryKey})
	cols := make([]Column, len(order))
	for i, o := range order {
		c, ok := q.Table.Column(o.Column)
		if !ok {
			return nil, q.bad("no column %q", o.Column)
		}
		cols[i] = c
	}
	if q.After != nil && len(q.After) != len(order) {
		return nil, q.bad("a key of %d values for an order of %d", len(q.After), len(order))
	}
	var out []Row
	m := &matcher{q: q}
	for _, row := range rows {
		ok, err := m.matches(q.Where, row)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, row)
		}
	}
	key := func(row Row) []any {
		k := make([]any, len(order))
		for i, o := range order {
			k[i] = row[o.Column]
		}
		return k
	}
	compareKeys := func(a, b []any) int {
		for i, o := range order {
			c := compareSorted(cols[i], a[i], b[i])
			if o.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b Row) int { return compareKeys(key(a), key(b)) })
	if q.After != nil {
		out = slices.DeleteFunc(out, func(row Row) bool { return compareKeys(key(row), q.After) <= 0 })
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func (q Query) bad(format string, args ...any) error {
	return fmt.Errorf("table %s: %s: %w", q.Table.Name, fmt.Sprintf(format, args...), ErrBadQuery)
}

// matcher tests rows against a query's conditions, compiling each LIKE
// pattern once for all of them.
type matcher struct {
	q     Query
	likes map[likeKey]*regexp.Regexp
}

// likeKey is a LIKE pattern (lower case) as a Match's kind places it.
type likeKey struct{ kind, pattern string }

func (m *matcher) matches(c Cond, row Row) (bool, error) {
	q := m.q
	switch c := c.(type) {
	case nil:
		return true, nil
	case All:
		for _, x := range c {
			if ok, err := m.matches(x, row); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case Any:
		for _, x := range c {
			if ok, err := m.matches(x, row); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case Not:
		ok, err := m.matches(c.X, row)
		return !ok, err
	case Match:
		col, ok := q.Table.Column(c.Column)
		if !ok {
			return false, q.bad("no column %q", c.Column)
		}
		s, _ := row[col.Name].(string)
		s, text := strings.ToLower(s), strings.ToLower(c.Text)
		if c.Like {
			if _, isText := row[col.Name].(string); !isText {
				return false, nil
			}
			re, err := m.like(c, text)
			if err != nil {
				return false, err
			}
			return re.MatchString(s), nil
		}
		switch c.Kind {
		case MatchContains:
			return strings.Contains(s, text), nil
		case MatchStartsWith:
			return strings.HasPrefix(s, text), nil
		case MatchEndsWith:
			return strings.HasSuffix(s, text), nil
		}
		return false, q.bad("unknown match %q", c.Kind)
	case Compare:
		col, ok := q.Table.Column(c.Column)
		if !ok {
			return false, q.bad("no column %q", c.Column)
		}
		a, b := row[col.Name], c.Value
		if c.OtherColumn != "" {
			other, ok := q.Table.Column(c.OtherColumn)
			if !ok {
				return false, q.bad("no column %q", c.OtherColumn)
			}
			if !col.Comparable(other) {
				return false, q.bad("%s (%s) and %s (%s) cannot be compared", col.Name, col.Type, other.Name, other.Type)
			}
			b = row[other.Name]
		}
		// Two-valued: an empty value equals only an empty one and is
		// neither greater nor less than anything.
		ea, eb := isEmpty(a), isEmpty(b)
		if ea || eb {
			switch c.Op {
			case OpEq:
				return ea && eb, nil
			case OpNe:
				return ea != eb, nil
			}
			return false, nil
		}
		n := compareValues(col, a, b)
		switch c.Op {
		case OpEq:
			return n == 0, nil
		case OpNe:
			return n != 0, nil
		case OpGt:
			return n > 0, nil
		case OpGe:
			return n >= 0, nil
		case OpLt:
			return n < 0, nil
		case OpLe:
			return n <= 0, nil
		}
		return false, q.bad("unknown operator %q", c.Op)
	}
	return false, q.bad("unknown condition %T", c)
}

// like is the regexp of c's LIKE pattern (pattern, lower case) as c's
// kind places it, compiled at its first use.
func (m *matcher) like(c Match, pattern string) (*regexp.Regexp, error) {
	k := likeKey{c.Kind, pattern}
	if re, ok := m.likes[k]; ok {
		return re, nil
	}
	parts, err := ParseLike(pattern)
	if err != nil {
		return nil, err
	}
	re, err := likeRegexp(c.Kind, parts)
	if err != nil {
		return nil, m.q.bad("%s(%s, %q): %v", c.Kind, c.Column, c.Text, err)
	}
	if m.likes == nil {
		m.likes = map[likeKey]*regexp.Regexp{}
	}
	m.likes[k] = re
	return re, nil
}

// isEmpty says that v is an empty column, as the stores' NULL: empty text
// and the zero time are values, as in SQL.
func isEmpty(v any) bool { return v == nil }

// compareSorted orders two values of column c, empty ones first.
func compareSorted(c Column, a, b any) int {
	ea, eb := isEmpty(a), isEmpty(b)
	switch {
	case ea && eb:
		return 0
	case ea:
		return -1
	case eb:
		return 1
	}
	return compareValues(c, a, b)
}

// compareValues orders two values that are not empty: numbers by value
// (whole or not), times by instant, false before true, text without
// regard to case unless it holds ids.
func compareValues(c Column, a, b any) int {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			return cmp.Compare(x, y)
		}
	}
	switch x := a.(type) {
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	}
	sa, sb := fmt.Sprint(a), fmt.Sprint(b)
	if !c.HoldsIDs() {
		sa, sb = strings.ToLower(sa), strings.ToLower(sb)
	}
	return strings.Compare(sa, sb)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
