package webui

import (
	"cmp"
	"context"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/valuetext"
	"github.com/bpfc/bpfc/runtime/store"
)

// Form fields: a column as an input of the right kind, its value as the
// input holds it, and the way back from what a form posts to the engine's
// Values (text, which the engine parses by the column's type).

// field is one input of a form.
type field struct {
	Name     string // the form's name: "f_" + column
	ID       string // the element id
	Column   string
	Label    string
	Type     string // the column's type
	Input    string // text, email, number, textarea, select, date, datetime-local
	Step     string // number inputs: "1" or "any"
	Max      int    // maxlength; 0 = none
	Value    string
	Options  []option
	Required bool // required to move on (a required step) or to create
	// Mandatory: the form cannot be sent without it (a create form's
	// required column); a required step may be left empty until the move.
	Mandatory bool
	Error     string
	Hint      string
	// Unsaved: the value is what the user typed in a post that was refused
	// before it was saved (a conflict, a value that does not fit), and it
	// differs from the one stored now, Stored (as a person reads it).
	Unsaved bool
	Stored  string
}

// Described is the ids of the texts that describe the input: its error,
// its hint and its "not saved" note.
func (f field) Described() string {
	var ids []string
	if f.Error != "" {
		ids = append(ids, f.ID+"-err")
	}
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Unsaved {
		ids = append(ids, f.ID+"-unsaved")
	}
	return strings.Join(ids, " ")
}

type option struct {
	Value, Label string
	Selected     bool
}

// fieldPrefix starts the form name of a column's input.
const fieldPrefix = "f_"

// lookupLimit is how many rows a lookup's list offers; a table with more
// takes an id typed in.
const lookupLimit = 200

// fieldFor builds the input of column c of table t holding value v;
// table is the table of the row v points at when c is a lookup to several
// tables (Record.Tables), "" when unknown.
func (h *Handler) fieldFor(ctx context.Context, s *engine.Session, d *deployed, t store.Table, c store.Column, label string, v any, table string) field {
	f := field{Name: fieldPrefix + c.Name, ID: "f-" + t.Name + "-" + c.Name, Column: c.Name, Label: label, Type: c.Type,
		Value: lookupText(c, table, inputValue(v))}
	if f.Label == "" {
		f.Label = columnTitle(c)
	}
	switch c.Type {
	case compiler.TypeString:
		f.Input, f.Max = "text", c.MaxLength
	case compiler.TypeEmail:
		f.Input, f.Max = "email", c.MaxLength
	case compiler.TypeMemo:
		f.Input, f.Max = "textarea", c.MaxLength
	case compiler.TypeInteger:
		f.Input, f.Step = "number", "1"
	case compiler.TypeDecimal, compiler.TypeMoney:
		f.Input, f.Step = "number", "any"
	case compiler.TypeBoolean:
		f.Input = "select"
		f.Options = []option{{Value: "", Label: "—"}, {Value: "true", Label: "Yes"}, {Value: "false", Label: "No"}}
	case compiler.TypeDateTime:
		f.Input = "date"
		if c.DateOnly() {
			// A date without a time: one written before the column
			// became date-only shows its date (UTC).
			f.Value, _, _ = strings.Cut(f.Value, "T")
		} else if strings.Contains(f.Value, "T") {
			f.Input, f.Hint = "datetime-local", "UTC"
		}
	case compiler.TypeChoice, compiler.TypeState, compiler.TypeStatus:
		f.Input = "select"
		f.Options = []option{{Value: "", Label: "—"}}
		for _, o := range c.Options {
			f.Options = append(f.Options, option{Value: strconv.Itoa(o.Value), Label: o.Label})
		}
	case compiler.TypeLookup, compiler.TypeCustomer:
		opts, ok := h.lookupOptions(ctx, s, d, c, inputValue(v))
		switch {
		case ok:
			f.Input, f.Options = "select", append([]option{{Value: "", Label: "—"}}, opts...)
		case c.Polymorphic():
			f.Input, f.Hint = "text", "the id of a row of "+strings.Join(c.Targets, " or ")+
				", as TABLE:ID to name its table ("+c.Targets[len(c.Targets)-1]+":ID)"
		default:
			f.Input, f.Hint = "text", "the id of a row of "+strings.Join(c.Targets, " or ")
		}
	default:
		f.Input = "text"
	}
	f.selectValue()
	return f
}

// selectValue marks the option that holds the field's value; a value no
// option has (a deleted row) gets an option of its own, so that it is
// shown and kept.
func (f *field) selectValue() {
	if f.Input != "select" {
		return
	}
	found := false
	for i := range f.Options {
		f.Options[i].Selected = f.Options[i].Value == f.Value
		found = found || f.Options[i].Selected
	}
	if !found && f.Value != "" {
		f.Options = append(f.Options, option{Value: f.Value, Label: f.Value, Selected: true})
	}
}

// lookupText is the text of lookup c's value id, a row of table: for a
// lookup to several tables TABLE:ID, as the engine reads it, since an
// account and a contact may share an id; else (or with no table known)
// the id alone.
func lookupText(c store.Column, table, id string) string {
	if id == "" || table == "" || !c.Polymorphic() {
		return id
	}
	return table + ":" + id
}

// splitLookupText reads a posted lookup's text as lookupText writes it:
// the table ("" when the text names none) and the id.
func splitLookupText(c store.Column, text string) (table, id string) {
	text = strings.TrimSpace(text)
	if t, id, ok := strings.Cut(text, ":"); ok && c.Polymorphic() && slices.Contains(c.Targets, strings.ToLower(strings.TrimSpace(t))) {
		return strings.ToLower(strings.TrimSpace(t)), strings.TrimSpace(id)
	}
	return "", text
}

// lookupOptions lists the rows a lookup may point at, by name, when there
// are few enough; users by their full names. A disabled user is no choice,
// unless the lookup holds them now (current, an id): then they are listed,
// said disabled, rather than as an id. A lookup to several tables gives
// its options TABLE:ID values (lookupText).
func (h *Handler) lookupOptions(ctx context.Context, s *engine.Session, d *deployed, c store.Column, current string) ([]option, bool) {
	var out []option
	for _, target := range c.Targets {
		if target == "systemuser" {
			users, err := s.Users(ctx)
			if err != nil {
				return nil, false
			}
			for _, u := range users {
				switch {
				case !u.Disabled:
					out = append(out, option{Value: lookupText(c, target, u.ID), Label: cmp.Or(u.FullName, u.Name)})
				case u.ID == current:
					out = append(out, option{Value: lookupText(c, target, u.ID), Label: cmp.Or(u.FullName, u.Name) + " (disabled)"})
				}
			}
			continue
		}
		t, ok := d.tables[target]
		if !ok || t.Kind == store.TableInstance {
			continue
		}
		rows, few, err := h.fewRows(ctx, s, t, lookupLimit)
		if err != nil || !few {
			return nil, false
		}
		for _, r := range rows {
			id, _ := r[t.PrimaryKey].(string)
			name, _ := r[t.PrimaryColumn].(string)
			label := cmp.Or(name, id)
			if len(c.Targets) > 1 {
				label += " (" + d.tableTitle(target) + ")"
			}
			out = append(out, option{Value: lookupText(c, target, id), Label: label})
		}
	}
	if len(out) > lookupLimit {
		return nil, false
	}
	slices.SortStableFunc(out, func(a, b option) int { return strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)) })
	return out, true
}

// rows reads up to limit rows of a record table, newest first when it
// has createdon.
func (h *Handler) rows(ctx context.Context, s *engine.Session, t store.Table, limit int) ([]store.Row, error) {
	_, rows, err := s.QueryRows(ctx, t.EntitySetName, func(t store.Table) (store.Query, error) {
		q := store.Query{Limit: limit}
		if _, ok := t.Column("createdon"); ok {
			q.OrderBy = []store.Order{{Column: "createdon", Desc: true}}
		}
		return q, nil
	})
	return rows, err
}

// fewRows reads every row of a record table, newest first as rows reads
// them, when it has at most limit; else it reports that it has more. It reads them in key order,
// which an index serves, and sorts them itself: rows's order would sort
// the whole table to learn that it has more.
func (h *Handler) fewRows(ctx context.Context, s *engine.Session, t store.Table, limit int) ([]store.Row, bool, error) {
	_, rows, err := s.QueryRows(ctx, t.EntitySetName, func(t store.Table) (store.Query, error) {
		return store.Query{Limit: limit + 1}, nil
	})
	if err != nil || len(rows) > limit {
		return nil, false, err
	}
	if _, ok := t.Column("createdon"); ok {
		// Descending, the empty last; the key ascending breaks ties, as
		// the store's order does.
		slices.SortStableFunc(rows, func(a, b store.Row) int {
			x, xok := a["createdon"].(time.Time)
			y, yok := b["createdon"].(time.Time)
			switch {
			case xok && yok:
				return y.Compare(x)
			case xok != yok:
				return cmp.Compare(b2i(yok), b2i(xok))
			}
			return 0
		})
	}
	return rows, true, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// columnTitle is a column's display name, else its name.
func columnTitle(c store.Column) string { return cmp.Or(c.DisplayName, c.Name) }

// inputValue is a stored value as an input holds it.
func inputValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		x = x.UTC()
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format("2006-01-02T15:04:05")
	}
	return ""
}

// displayValue is a stored value as a person reads it (lookups aside).
func displayValue(c store.Column, v any) string {
	if v == nil {
		return ""
	}
	if label, ok := valuetext.Label(c, v); ok {
		return label
	}
	switch c.Type {
	case compiler.TypeMoney:
		if f, ok := v.(float64); ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return valuetext.Grouped(strconv.FormatFloat(f, 'f', 2, 64))
		}
	case compiler.TypeDateTime:
		if t, ok := v.(time.Time); ok {
			t = t.UTC()
			if c.DateOnly() || t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return t.Format("2 Jan 2006")
			}
			return t.Format("2 Jan 2006 15:04 UTC")
		}
	}
	return inputValue(v)
}

// localDateTime is what a datetime-local input posts without seconds.
var localDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$`)

// formText is a posted input's text with its line breaks as the CLI and
// the Web API write them: a browser posts every line break of a form as
// CR LF (a text area's and a hidden input's alike), which would otherwise
// count two characters against the column's length (the text area's
// maxlength counts one) and differ from the same text stored with LF.
func formText(text string) string {
	if !strings.Contains(text, "\r") {
		return text
	}
	return strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
}

// postedValue is a posted input's text as the engine reads it.
func postedValue(c store.Column, text string) any {
	text = strings.TrimSpace(formText(text))
	if text == "" {
		return nil
	}
	if c.Type == compiler.TypeDateTime && localDateTime.MatchString(text) {
		return text + ":00"
	}
	return text
}

// changedValues are the posted columns of t whose values differ from the
// row's, as engine Values; only the columns in allowed are read. tables
// are the row's lookups' tables (Record.Tables): a lookup to several
// tables posted as TABLE:ID changed when its table or its id did.
func changedValues(form url.Values, t store.Table, row store.Row, tables map[string]string, allowed []string) (engine.Values, map[string]string) {
	vals := engine.Values{}
	posted := map[string]string{}
	for _, col := range allowed {
		key := fieldPrefix + col
		if _, ok := form[key]; !ok {
			continue
		}
		c, ok := t.Column(col)
		if !ok {
			continue
		}
		text := form.Get(key)
		posted[col] = text
		if strings.TrimSpace(formText(text)) == formText(inputValue(row[col])) {
			continue
		}
		if c.Type == compiler.TypeDateTime && sameInstant(text, row[col]) {
			continue
		}
		if c.Polymorphic() && sameRef(c, text, inputValue(row[col]), tables[col]) {
			continue
		}
		vals[col] = postedValue(c, text)
	}
	return vals, posted
}

// sameRef reports whether a posted value of lookup c to several tables
// is the stored id of table: a posted id that names no table (typed in)
// is compared by the id alone, as it was before the tables were kept.
func sameRef(c store.Column, text, id, table string) bool {
	pt, pid := splitLookupText(c, formText(text))
	return strings.EqualFold(pid, id) && (pt == "" || pt == table)
}

// sameInstant reports whether a posted date or time is the stored one
// (a datetime-local input may drop the seconds).
func sameInstant(text string, v any) bool {
	t, ok := v.(time.Time)
	if !ok {
		return false
	}
	s, _ := postedValue(store.Column{Type: compiler.TypeDateTime}, text).(string)
	p, ok := compiler.ParseDate(s)
	return ok && p.Equal(t.UTC())
}
