package workflow

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// plain is an evaluated value as a Go value: string, float64, int64, bool,
// time.Time, or nil for null and an empty column.
func plain(v any) any {
	switch v.(type) {
	case string, float64, int64, bool, time.Time:
		return v
	}
	return nil
}

// text is a value as an email or a message shows it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// columnValue converts an evaluated value for column c of t, as the column
// stores it. The compiler checked the kinds; this checks what only the
// values can say (a whole number, a known option, an existing row). A
// lookup's value also returns the row it points at, for the privileges
// setting it needs; from is the table of that row when the value was
// copied from a lookup that knows it ("" otherwise; see sourceTable).
func (x *execution) columnValue(t store.Table, c store.Column, v any, from string) (any, *engine.Link, error) {
	if v == nil {
		return nil, nil, nil
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s.%s (%s) cannot take %s: %s", t.Name, c.Name, c.Type, compiler.Shorten(text(v)), fmt.Sprintf(format, args...))
	}
	switch c.Type {
	case compiler.TypeString, compiler.TypeMemo, compiler.TypeEmail:
		s := text(v)
		if c.MaxLength > 0 && len([]rune(s)) > c.MaxLength {
			return nil, nil, bad("it is longer than %d characters", c.MaxLength)
		}
		return s, nil, nil
	case compiler.TypeInteger:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case float64:
			if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
				return nil, nil, bad("it is not a whole number")
			}
			n = int64(x)
		default:
			return nil, nil, bad("it is not a whole number")
		}
		if _, err := compiler.StoredNumber(c.Type, float64(n)); err != nil {
			return nil, nil, bad("it %v", err)
		}
		return n, nil, nil
	case compiler.TypeDecimal, compiler.TypeMoney:
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		default:
			return nil, nil, bad("it is not a number")
		}
		f, err := compiler.StoredNumber(c.Type, f)
		if err != nil {
			return nil, nil, bad("it %v", err)
		}
		return f, nil, nil
	case compiler.TypeBoolean:
		if b, ok := v.(bool); ok {
			return b, nil, nil
		}
		return nil, nil, bad("it is not true or false")
	case compiler.TypeDateTime:
		if c.DateOnly() {
			// A date and time copied into it keeps its date (UTC), as a
			// date-only column's time is always midnight; text must be a
			// date, as the engine takes it from a client.
			switch d := v.(type) {
			case time.Time:
				y, m, day := d.UTC().Date()
				return time.Date(y, m, day, 0, 0, 0, 0, time.UTC), nil, nil
			case string:
				if tm, ok := compiler.ParseDateOnly(d); ok {
					return tm, nil, nil
				}
			}
			return nil, nil, bad("the column is date-only; it takes a date such as 2026-12-31")
		}
		switch d := v.(type) {
		case time.Time:
			return d.UTC(), nil, nil
		case string:
			if tm, ok := compiler.ParseDate(d); ok {
				return tm, nil, nil
			}
		}
		return nil, nil, bad("it is not a date")
	case compiler.TypeChoice, compiler.TypeState, compiler.TypeStatus:
		if o, ok := option(c.Options, v); ok {
			return int64(o.Value), nil, nil
		}
		return nil, nil, bad("it is not one of the column's options")
	case compiler.TypeLookup, compiler.TypeCustomer:
		id, ok := v.(string)
		if !ok {
			return nil, nil, bad("it is not a row id")
		}
		return x.lookup(c, id, from, bad)
	case compiler.TypeUniqueID:
		if s, ok := v.(string); ok {
			if u, err := uuid.Parse(s); err == nil {
				return u.String(), nil, nil
			}
		}
		return nil, nil, bad("it is not an id")
	}
	return nil, nil, bad("the column cannot be written")
}

// option finds a choice's option by label (any case) or value. The label
// as written comes first: two options may differ only in case, and a
// condition names the one written so (process.alignSide).
func option(opts []store.Option, v any) (store.Option, bool) {
	if s, ok := v.(string); ok {
		for _, o := range opts {
			if o.Label == strings.TrimSpace(s) {
				return o, true
			}
		}
	}
	for _, o := range opts {
		switch x := v.(type) {
		case string:
			if strings.EqualFold(o.Label, strings.TrimSpace(x)) {
				return o, true
			}
		case float64:
			if float64(o.Value) == x {
				return o, true
			}
		case int64:
			if int64(o.Value) == x {
				return o, true
			}
		}
	}
	return store.Option{}, false
}

// lookup checks that id is a row of one of a lookup's target tables (a
// lookup to users also takes a user's name) and returns the row: of table
// from when the value names it, else of the first table holding id.
func (x *execution) lookup(c store.Column, id, from string, bad func(string, ...any) error) (any, *engine.Link, error) {
	targets := c.Targets
	if from != "" {
		// An account and a contact may share an id: the row copied is
		// the one of the source's table, or none.
		if !slices.Contains(c.Targets, from) {
			return nil, nil, bad("it is a row of %s, which %s does not look up (%s)", from, c.Name, strings.Join(c.Targets, " or "))
		}
		targets = []string{from}
	}
	for _, target := range targets {
		if target == "systemuser" {
			uid, err := x.userID(id)
			if err != nil {
				continue
			}
			l, err := x.userLink(c.Name, uid)
			return uid, &l, err
		}
		tt, err := x.tx.Table(target)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if row, err := x.tx.GetRow(tt, id); err == nil {
			return id, &engine.Link{Column: c.Name, Target: tt, Row: row}, nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, nil, err
		}
	}
	return nil, nil, bad("it is not the id of a %s row", strings.Join(targets, " or "))
}

// sourceTable is the table of the row a step's value e points at when e
// copies a lookup of the record (src, row) that knows it: a lookup to one
// table, or one to several whose value's table the store kept. Else "":
// the value's id is looked up in the target's tables in order.
func (x *execution) sourceTable(src store.Table, row store.Row, e compiler.Expr) (string, error) {
	ref, ok := e.(*compiler.ColumnRef)
	if !ok {
		return "", nil
	}
	c, ok := src.Column(ref.Column)
	if !ok || c.Type != compiler.TypeLookup && c.Type != compiler.TypeCustomer {
		return "", nil
	}
	if !c.Polymorphic() {
		if len(c.Targets) == 1 {
			return c.Targets[0], nil
		}
		return "", nil
	}
	id, _ := row[src.PrimaryKey].(string)
	value, _ := row[c.Name].(string)
	if id == "" || value == "" {
		return "", nil
	}
	kept, err := x.tx.LookupTargets(src.Name, []string{id})
	if err != nil {
		return "", err
	}
	for _, lt := range kept {
		// A target kept for another value was left by a write that named
		// no table: it is not this value's.
		if lt.Column == c.Name && strings.EqualFold(lt.Value, value) {
			return lt.Target, nil
		}
	}
	return "", nil
}

// userLink is a lookup column set to the user uid (systemuser, which no
// one owns).
func (x *execution) userLink(column, uid string) (engine.Link, error) {
	users, err := x.tx.Table("systemuser")
	if errors.Is(err, store.ErrNotFound) {
		users, err = store.Table{Name: "systemuser", PrimaryKey: "systemuserid"}, nil
	}
	return engine.Link{Column: column, Target: users, Row: store.Row{users.PrimaryKey: uid}}, err
}

// defaultStatuses are the status reasons of a table without a statuscode
// column of its own: Dataverse's default pair.
var defaultStatuses = []store.Option{{Label: "Active", Value: 1}, {Label: "Inactive", Value: 2}}

// stateAndStatus resolves change_status's status (a status reason's label
// or value) to the state Dataverse pairs with it and the status.
func stateAndStatus(t store.Table, v any) (state, status int, label string, err error) {
	opts := defaultStatuses
	if c, ok := t.Column("statuscode"); ok && len(c.Options) > 0 {
		opts = c.Options
	}
	o, ok := option(opts, v)
	if !ok {
		var labels []string
		for _, o := range opts {
			labels = append(labels, o.Label)
		}
		return 0, 0, "", permanent(fmt.Errorf("%q is not a status reason of %s (%s)", text(v), t.Name, strings.Join(labels, ", ")))
	}
	state, ok = emit.StateOfStatus(t.Name, o.Value)
	if !ok {
		return 0, 0, "", permanent(fmt.Errorf("status reason %s of %s has no state", o.Label, t.Name))
	}
	if c, has := t.Column("statecode"); has && len(c.Options) > 0 {
		if _, known := option(c.Options, int64(state)); !known {
			return 0, 0, "", permanent(fmt.Errorf("status reason %s of %s pairs with state %d, which %s does not have", o.Label, t.Name, state, t.Name))
		}
	}
	return state, o.Value, o.Label, nil
}

// insert creates a record of t with the system columns filled, as the
// engine creates one: a new id, created and modified on and by, the owner,
// the first state and status, row version 1. A realtime step's insert
// needs the calling user's create privilege, and append and append_to for
// the lookups links it sets, as record create does.
func (x *execution) insert(t store.Table, vals map[string]any, links []engine.Link) (string, error) {
	if err := x.allowed(t, nil, engine.PrivCreate, "create a "+t.Name+" record"); err != nil {
		return "", err
	}
	owner := store.Row{"ownerid": x.user}
	if v, ok := vals["ownerid"]; ok && v != nil {
		owner["ownerid"] = v
	}
	if err := x.linked(t, owner, "", links); err != nil {
		return "", err
	}
	engine.FullName(t, nil, vals) // as every other path that creates a person
	id := uuid.NewString()
	row := map[string]any{t.PrimaryKey: id, store.RowVersionColumn: int64(1)}
	for k, v := range vals {
		if v != nil {
			row[k] = v
		}
	}
	system := map[string]any{"createdon": x.now, "modifiedon": x.now}
	if x.user != "" {
		system["createdby"], system["modifiedby"], system["ownerid"] = x.user, x.user, x.user
	}
	for name, v := range system {
		if _, ok := t.Column(name); ok && row[name] == nil {
			row[name] = v
		}
	}
	for _, name := range []string{"statecode", "statuscode"} {
		if c, ok := t.Column(name); ok && row[name] == nil && len(c.Options) > 0 {
			row[name] = int64(c.Options[0].Value)
		}
	}
	if err := x.tx.InsertRow(t.Name, row); err != nil {
		return "", err
	}
	return id, engine.KeepTargets(x.tx, t, id, vals, links)
}

// recordJSON is a record as a webhook posts it: every column by name,
// times in RFC 3339.
func recordJSON(row store.Row) map[string]any {
	out := make(map[string]any, len(row))
	for k, v := range row {
		if tm, ok := v.(time.Time); ok {
			v = tm.UTC().Format(time.RFC3339Nano)
		}
		out[k] = v
	}
	return out
}

// parseTimeout reads a workflow timeout such as "72h", "30m", "2d" or
// "1d12h".
func parseTimeout(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	for rest != "" {
		i := strings.IndexAny(rest, "dhms")
		if i <= 0 {
			return 0, fmt.Errorf("invalid timeout %q", s)
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid timeout %q", s)
		}
		unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}[rest[i]]
		total += time.Duration(n * float64(unit))
		rest = rest[i+1:]
	}
	if s == "" {
		return 0, fmt.Errorf("invalid timeout %q", s)
	}
	return total, nil
}
