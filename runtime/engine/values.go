package engine

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Values are column values as a caller gives them: text as typed on a
// command line (parsed by the column's type), or typed values as the Web
// API's JSON has them (string, float64, int64, int, bool, time.Time). nil or
// "" empties a column.
type Values map[string]any

// systemColumns are filled by the engine, never by callers.
var systemColumns = map[string]bool{
	"createdon": true, "createdby": true, "modifiedon": true, "modifiedby": true, store.RowVersionColumn: true,
}

// column finds a column a caller names, suggesting the closest one.
func column(t store.Table, name string) (store.Column, error) {
	if c, ok := t.Column(name); ok {
		return c, nil
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	hint := ""
	if best := closest(name, names); best != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", best)
	}
	return store.Column{}, invalid("table %s has no column %q%s", t.Name, name, hint)
}

// closest returns the known name closest to a mistyped one, or "" when
// none is close enough to be a likely typo: the compiler's rule, so that a
// name misspelt at run time gets the suggestion it gets in a project. Case
// does not count: logical names are lower case, SUBJECT means subject.
func closest(name string, known []string) string {
	return compiler.ClosestName(strings.ToLower(name), known)
}

// values checks and converts a caller's values for table t: every value
// against its column's type, choice labels to their values, and lookups to
// rows that exist, which it returns as links (for the privileges setting
// them needs). creating allows the primary key. Every value is checked: a
// caller who set several that do not fit hears of them all at once (one
// error as it is, more as a *ValuesError).
func (o *op) values(t store.Table, in Values, creating bool) (map[string]any, []Link, error) {
	out := make(map[string]any, len(in))
	var links []Link
	var bad []error
	for _, name := range sortedKeys(in) {
		c, err := column(t, name)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		if systemColumns[name] || name == t.PrimaryKey && !creating {
			bad = append(bad, invalid("%s.%s is set by the system and cannot be written", t.Name, name))
			continue
		}
		v, l, err := o.value(t, c, in[name])
		if errors.Is(err, ErrInvalid) {
			bad = append(bad, err)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		out[name] = v
		if l != nil {
			links = append(links, *l)
		}
	}
	switch len(bad) {
	case 0:
		return out, links, nil
	case 1:
		return nil, nil, bad[0]
	}
	return nil, nil, &ValuesError{Table: t.Name, Errs: bad}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)

// value converts one value for column c of t; a lookup's also returns
// the row it points at.
func (o *op) value(t store.Table, c store.Column, in any) (any, *Link, error) {
	if in == nil {
		return nil, nil, nil
	}
	text, isText := in.(string)
	if isText && strings.TrimSpace(text) == "" {
		return nil, nil, nil
	}
	if c.Type == compiler.TypeLookup || c.Type == compiler.TypeCustomer {
		bad := func(reason string, args ...any) error {
			return &ValueError{Table: t.Name, Column: c.Name, Type: c.Type, Value: display(in), Reason: fmt.Sprintf(reason, args...)}
		}
		if ref, ok := in.(Ref); ok {
			return o.lookup(c, ref.Table, strings.TrimSpace(ref.ID), bad)
		}
		if !isText {
			return nil, nil, bad("is not a row id")
		}
		table, id := splitRef(c, strings.TrimSpace(text))
		return o.lookup(c, table, id, bad)
	}
	v, err := o.scalar(t, c, in)
	return v, nil, err
}

// scalar converts a value that is not a lookup for column c of t.
func (o *op) scalar(t store.Table, c store.Column, in any) (any, error) {
	text, isText := in.(string)
	bad := func(reason string, args ...any) error {
		return &ValueError{Table: t.Name, Column: c.Name, Type: c.Type, Value: display(in), Reason: fmt.Sprintf(reason, args...)}
	}
	switch c.Type {
	case compiler.TypeString, compiler.TypeMemo, compiler.TypeEmail:
		if !isText {
			return nil, bad("is not text")
		}
		if c.MaxLength > 0 && len([]rune(text)) > c.MaxLength {
			return nil, bad("is longer than %d characters", c.MaxLength)
		}
		if c.Type == compiler.TypeEmail && !emailRe.MatchString(text) {
			return nil, bad("is not an email address")
		}
		return text, nil
	case compiler.TypeInteger:
		n, ok := integer(in)
		if !ok {
			return nil, bad("is not a whole number")
		}
		if _, err := compiler.StoredNumber(c.Type, float64(n)); err != nil {
			return nil, bad("%v", err)
		}
		return n, nil
	case compiler.TypeDecimal, compiler.TypeMoney:
		f, ok := number(in)
		if !ok {
			return nil, bad("is not a number")
		}
		exact, isExact := exactNumber(in, c.Type)
		if isExact {
			f, _ = exact.Float64()
		}
		f, err := compiler.StoredNumber(c.Type, f)
		if err != nil {
			return nil, bad("%v", err)
		}
		// What is accepted reads back as written: a float keeps about 15
		// significant digits, and a large amount's cents would change.
		if got, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'f', -1, 64)); isExact && (!ok || got.Cmp(exact) != 0) {
			return nil, bad("has more digits than a %s column keeps exactly (15 significant digits in all)", c.Type)
		}
		return f, nil
	case compiler.TypeBoolean:
		switch x := in.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "yes", "1":
				return true, nil
			case "false", "no", "0":
				return false, nil
			}
		}
		return nil, bad("is not yes or no (true/false, yes/no, 1/0)")
	case compiler.TypeDateTime:
		if c.DateOnly() {
			return dateOnly(in, bad)
		}
		var tm time.Time
		switch x := in.(type) {
		case time.Time:
			tm = x.UTC()
		case string:
			t, ok := compiler.ParseDate(strings.TrimSpace(x))
			if !ok {
				return nil, bad("is not a date (2026-12-31 or 2026-12-31T17:00:00Z)")
			}
			tm = t
		default:
			return nil, bad("is not a date (2026-12-31 or 2026-12-31T17:00:00Z)")
		}
		if err := inDateRange(tm, bad); err != nil {
			return nil, err
		}
		// Whole seconds, as Dataverse keeps them: a client's milliseconds
		// (JavaScript's toISOString) are dropped, not refused; kept, they
		// read back without them and eq the time shown missed the row.
		return tm.Truncate(time.Second), nil
	case compiler.TypeChoice, compiler.TypeState, compiler.TypeStatus:
		return choice(c, in, bad)
	case compiler.TypeUniqueID:
		if !isText {
			return nil, bad("is not an id")
		}
		u, err := uuid.Parse(strings.TrimSpace(text))
		if err != nil {
			return nil, bad("is not an id (a GUID)")
		}
		return u.String(), nil
	}
	return nil, bad("cannot be written")
}

// dateOnly converts a value for a date-only column: a date without a time
// (2026-12-31), held as midnight UTC. Text with a time, even midnight, is
// refused: the column has none, and Dataverse's Web API refuses one too. A
// typed time (a date a workflow copies) is taken when it is midnight UTC.
func dateOnly(in any, bad func(string, ...any) error) (any, error) {
	const want = "is not a date: the column is date-only; write a date without a time, such as 2026-12-31"
	var tm time.Time
	switch x := in.(type) {
	case time.Time:
		x = x.UTC()
		if x.Hour() != 0 || x.Minute() != 0 || x.Second() != 0 || x.Nanosecond() != 0 {
			return nil, bad(want)
		}
		tm = x
	case string:
		t, ok := compiler.ParseDateOnly(strings.TrimSpace(x))
		if !ok {
			return nil, bad(want)
		}
		tm = t
	default:
		return nil, bad(want)
	}
	if err := inDateRange(tm, bad); err != nil {
		return nil, err
	}
	return tm, nil
}

// inDateRange refuses a time outside Dataverse's date and time range.
func inDateRange(tm time.Time, bad func(string, ...any) error) error {
	if tm.Before(minDate) || !tm.Before(maxDate) {
		return bad("is outside the dates a column holds (1753-01-01 to 9999-12-31)")
	}
	return nil
}

// display is a value as a message quotes it.
func display(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case time.Time:
		return x.Format(time.RFC3339)
	case Ref:
		return x.Table + ":" + x.ID
	}
	return fmt.Sprint(v)
}

// The dates a date and time column holds, as in Dataverse.
var (
	minDate = time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Number is a number as a client wrote it (a JSON number's text), kept
// exact until a column's type reads it: a float64 would round a large
// amount's cents away before anything could say so.
type Number string

// exactNumber reads a number written as text (the CLI's, a JSON number's)
// exactly: money rounded to the cent, half away from zero, as Dataverse
// keeps it. ok is false for anything else (a float64 was rounded before it
// came) and for text that is no plain decimal.
func exactNumber(in any, typ string) (*big.Rat, bool) {
	var text string
	switch x := in.(type) {
	case string:
		text = x
	case Number:
		text = string(x)
	default:
		return nil, false
	}
	r, ok := new(big.Rat).SetString(strings.TrimSpace(text))
	if !ok || typ != compiler.TypeMoney {
		return r, ok
	}
	cents := new(big.Rat).Mul(r, big.NewRat(100, 1))
	n := new(big.Int).Quo(cents.Num(), cents.Denom())
	rest := new(big.Rat).Sub(cents, new(big.Rat).SetInt(n))
	if rest.Abs(rest).Cmp(big.NewRat(1, 2)) >= 0 {
		n.Add(n, big.NewInt(int64(cents.Sign())))
	}
	return r.SetFrac(n, big.NewInt(100)), true
}

func integer(v any) (int64, bool) {
	switch x := v.(type) {
	case Number:
		return integer(string(x))
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case string:
		// Too many digits is a whole number out of range, not none: the
		// int64 it saturates to is outside every column's range.
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil || errors.Is(err, strconv.ErrRange)
	}
	return 0, false
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case Number:
		return number(string(x))
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case string:
		// 1e400 is a number out of range, not none: ParseFloat gives the
		// infinity (or, too small, 0) that the column's range refuses
		// (rounds); "Inf" and "NaN" written out are no numbers.
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if errors.Is(err, strconv.ErrRange) {
			return f, true
		}
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// choice accepts an option's label (any case) or its value. The label as
// written comes first: two options may differ only in case ("Hot", "hot"),
// and "hot" is the second one's, as a condition reads it.
func choice(c store.Column, in any, bad func(string, ...any) error) (any, error) {
	if s, ok := in.(string); ok {
		for _, opt := range c.Options {
			if opt.Label == strings.TrimSpace(s) {
				return int64(opt.Value), nil
			}
		}
		for _, opt := range c.Options {
			if strings.EqualFold(opt.Label, strings.TrimSpace(s)) {
				return int64(opt.Value), nil
			}
		}
	}
	if n, ok := integer(in); ok {
		for _, opt := range c.Options {
			if int64(opt.Value) == n {
				return n, nil
			}
		}
	}
	var opts []string
	for _, opt := range c.Options {
		opts = append(opts, fmt.Sprintf("%s (%d)", opt.Label, opt.Value))
	}
	hint := ""
	if s, ok := in.(string); ok {
		if opt, ok := ClosestOption(c.Options, s); ok {
			hint = "; did you mean " + opt.Label + "?"
		}
	}
	return nil, bad("is not one of its options: %s%s", strings.Join(opts, ", "), hint)
}

// ClosestOption is the option whose label a misspelt one most likely
// meant (compiler.ClosestName, case not counting), if any.
func ClosestOption(opts []store.Option, label string) (store.Option, bool) {
	labels := make([]string, len(opts))
	for i, o := range opts {
		labels[i] = strings.ToLower(o.Label)
	}
	best := compiler.ClosestName(strings.ToLower(strings.TrimSpace(label)), labels)
	for i, l := range labels {
		if best != "" && l == best {
			return opts[i], true
		}
	}
	return store.Option{}, false
}

// lookup checks that id is a row of one of the column's target tables
// (of table, when the caller named one: a Ref), the first that holds it.
// A lookup to users also takes a user's name.
func (o *op) lookup(c store.Column, table, id string, bad func(string, ...any) error) (any, *Link, error) {
	id = CanonicalID(id) // {BRACED} or upper case, as Dataverse takes them
	targets := c.Targets
	if table != "" {
		if !slices.Contains(c.Targets, table) {
			return nil, nil, bad("names table %s, which %s does not look up: give a row of %s", table, c.Name, strings.Join(c.Targets, " or "))
		}
		targets = []string{table}
	}
	for _, target := range targets {
		tt, ok := o.dep.tables[target]
		if !ok {
			continue
		}
		row, err := o.tx.GetRow(tt, id)
		if err == nil {
			return id, &Link{Column: c.Name, Target: tt, Row: row}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
		if target == "systemuser" {
			if u, err := o.tx.User(id); err == nil {
				return u.ID, &Link{Column: c.Name, Target: tt, Row: store.Row{tt.PrimaryKey: u.ID}}, nil
			}
		}
	}
	if !IsID(id) && !slices.Contains(targets, "systemuser") { // "Contoso": a name, where the id goes
		return nil, nil, bad("is not the id of a row of %s: a lookup is set to the row's id (a GUID such as 3f2c5b1e-0d4a-4c1e-9b8f-2a6d7e5c4b3a), not its name: list the rows of %s to find it",
			strings.Join(targets, " or "), strings.Join(targets, " or "))
	}
	return nil, nil, bad("is not the id of a row of %s", strings.Join(targets, " or "))
}
