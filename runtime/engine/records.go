package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
	"github.com/bpfc/bpfc/runtime/store"
)

// Record is a row of a standard or custom table: every column by name
// (lookups as the target row's id), including the primary key and the row
// version.
type Record struct {
	Table         string
	ID            string
	PrimaryKey    string // the table's id column (activityid for an activity)
	PrimaryColumn string // the table's name column
	Version       int64
	Values        store.Row
	// DateOnly names the record's date-only columns: their values are
	// dates, midnight UTC, which a client shows as 2026-01-31 (Shown).
	DateOnly []string
	// Labels are the labels of its choice, state and status values, by
	// column, which text output shows beside the values; Record adds the
	// names of the rows its lookups point at, as instance show names an
	// instance's records.
	Labels map[string]string
	// Tables are the tables of the rows its lookups to several tables
	// (a customer's account or contact) point at, by column, where Record
	// found them: text output names them beside the rows' names.
	Tables map[string]string
}

// Shown is the record's values as a client shows them: a date-only
// column's as its date (2026-01-31), the others as they are.
func (r *Record) Shown() store.Row {
	if len(r.DateOnly) == 0 {
		return r.Values
	}
	out := maps.Clone(r.Values)
	for _, name := range r.DateOnly {
		if t, ok := out[name].(time.Time); ok {
			out[name] = t.UTC().Format(compiler.DateOnlyLayout)
		}
	}
	return out
}

// Created is what CreateRecord made. JSON shape (bpfc record create
// --output json): {"id", "table", "instance": id | null}.
type Created struct {
	ID       string    `json:"id"`
	Table    string    `json:"table"`
	Instance *Instance `json:"-"`
	// NotStarted says why no default flow started when the table has one
	// the acting user may not start ("" otherwise).
	NotStarted string `json:"-"`
	// Version is the record's row version when the create committed:
	// past 1 when real-time workflows of the started flow changed it.
	Version int64 `json:"-"`
}

// StartOptions choose the flow a new record starts.
type StartOptions struct {
	Flow   string // start this flow ("" = the default flow)
	NoFlow bool   // start none
}

// recordTable finds a table whose records callers may work on.
func (o *op) recordTable(name string, writing bool) (store.Table, error) {
	t, err := o.dep.table(name)
	if err != nil {
		return t, err
	}
	switch {
	case t.Kind == store.TableInstance:
		return t, invalid("%s is the instance table of a flow: use bpfc instance (start, next, ...) for its rows", name)
	case writing && name == "systemuser":
		return t, invalid("users are written with bpfc user add, not as records of systemuser")
	}
	return t, nil
}

// CreateRecord creates a record of a standard or custom table. Unless told
// otherwise, the default flow starts on it: the active business process
// flow on that table with the lowest order that the acting user may start.
func (s *Session) CreateRecord(ctx context.Context, table string, values Values, so StartOptions) (*Created, error) {
	var out *Created
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		t, err := o.recordTable(table, true)
		if err != nil {
			return err
		}
		if _, err := o.mayOn(t, PrivCreate, "create "+table+" records"); err != nil {
			return err
		}
		vals, links, err := o.values(t, values, true)
		if err != nil {
			return err
		}
		owner := store.Row{colOwner: o.userID()}
		if v, ok := vals[colOwner]; ok && v != nil {
			owner[colOwner] = v
		}
		if err := o.mayLink(t, owner, "", links); err != nil {
			return err
		}
		FullName(t, nil, vals)
		if err := statePair(t, nil, vals); err != nil {
			return err
		}
		var start *flow
		var notStarted string
		switch {
		case so.NoFlow && so.Flow != "":
			return invalid("choose a flow or no flow, not both")
		case so.NoFlow:
		case so.Flow != "":
			if start, err = o.dep.flow(so.Flow); err != nil {
				return err
			}
		default:
			start, notStarted = o.defaultFlow(table)
		}
		id, err := o.insertRecord(t, vals)
		if err != nil {
			return err
		}
		if err := o.keepTargets(t, id, vals, links); err != nil {
			return err
		}
		out = &Created{ID: id, Table: table, NotStarted: notStarted}
		if err := o.recordChanged(table, id); err != nil {
			return err
		}
		if start != nil {
			if out.Instance, err = o.start(start, table, id, "", false); err != nil {
				return err
			}
		}
		out.Version = 1 // a new row's
		if out.Instance != nil && len(out.Instance.Workflows) > 0 {
			// A real-time workflow of the first stage may have changed it.
			row, err := o.tx.GetRow(t, id)
			if err != nil {
				return err
			}
			out.Version = num(row[store.RowVersionColumn])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stampModified sets who changed a record and when, in the columns its
// table has (a custom table has neither).
func (o *op) stampModified(t store.Table, vals map[string]any) {
	for name, v := range map[string]any{"modifiedon": o.now, "modifiedby": o.userID()} {
		if _, ok := t.Column(name); ok {
			vals[name] = v
		}
	}
}

// defaultFlow is the flow a new record of table starts: active, a business
// (not task) flow, on that table, startable by the user (create and append
// on its instances, append_to on the user's new record); the lowest order,
// then the first by name. When there is none but the table has such flows
// the user may not start, it says why not, for the lowest of them.
func (o *op) defaultFlow(table string) (*flow, string) {
	var best, barred *flow
	t, ok := o.dep.tables[table]
	if !ok {
		return nil, ""
	}
	appendTo := o.depthOn(t, PrivAppendTo) != ""
	for _, f := range o.dep.flows {
		if !f.wf.Active || !f.hasTable() || f.f.PrimaryTable != table || f.f.Type == "task" {
			continue
		}
		if !appendTo || !o.allows(f, PrivCreate, PrivAppend) {
			if barred == nil || f.f.Order < barred.f.Order {
				barred = f
			}
			continue
		}
		if best == nil || f.f.Order < best.f.Order {
			best = f
		}
	}
	if best != nil || barred == nil {
		return best, ""
	}
	err := o.require(barred, PrivCreate, PrivAppend)
	if err == nil {
		err = &ForbiddenError{User: o.user, Privilege: PrivAppendTo, Table: table,
			Reason: fmt.Sprintf("associate %s records with instances of flow %s", table, barred.f.Name)}
	}
	return nil, err.Error()
}

// insertRecord inserts a row of t with the system columns filled.
func (o *op) insertRecord(t store.Table, vals map[string]any) (string, error) {
	id, _ := vals[t.PrimaryKey].(string)
	if id == uuid.Nil.String() {
		id = "" // Dataverse's Guid.Empty: "make one"
	}
	if id == "" {
		id = uuid.NewString()
	} else if _, err := o.tx.GetRow(t, id); err == nil {
		return "", invalid("%s %s already exists", t.Name, id)
	}
	row := map[string]any{store.RowVersionColumn: int64(1)}
	for k, v := range vals {
		row[k] = v
	}
	row[t.PrimaryKey] = id
	for name, v := range map[string]any{"createdon": o.now, "modifiedon": o.now, "createdby": o.userID(), "modifiedby": o.userID(),
		"ownerid": o.userID()} {
		if _, ok := t.Column(name); ok && row[name] == nil {
			row[name] = v
		}
	}
	for _, name := range []string{"statecode", "statuscode"} {
		if c, ok := t.Column(name); ok && row[name] == nil && len(c.Options) > 0 {
			row[name] = int64(c.Options[0].Value)
		}
	}
	for k, v := range row {
		if v == nil {
			delete(row, k)
		}
	}
	if err := o.tx.InsertRow(t.Name, row); err != nil {
		if errors.Is(err, store.ErrExists) {
			// Another shared write inserted it after this one's snapshot.
			return "", invalid("%s %s already exists", t.Name, id)
		}
		return "", err
	}
	return id, nil
}

// getRecord reads a record or says it does not exist.
func (o *op) getRecord(t store.Table, id string) (store.Row, error) {
	row, err := o.tx.GetRow(t, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("no %s %q in %s", t.Name, id, o.dep.env)
	}
	return row, err
}

// verbs name what each record privilege allows, for refusals.
var verbs = map[string]string{PrivRead: "read", PrivWrite: "update", PrivDelete: "delete"}

// reachRecord reads record id of table (writing: a table callers may
// write) and checks, in order, that the acting user holds each privilege
// on it at a depth that reaches it.
func (o *op) reachRecord(table, id string, writing bool, privs ...string) (store.Table, store.Row, error) {
	t, err := o.recordTable(table, writing)
	if err != nil {
		return t, nil, err
	}
	row, err := o.getRecord(t, id)
	if err != nil {
		return t, nil, err
	}
	for _, p := range privs {
		if err := o.mayRow(t, row, p, verbs[p]+" "+table+" "+id); err != nil {
			return t, nil, err
		}
	}
	return t, row, nil
}

func recordOf(t store.Table, row store.Row) *Record {
	r := &Record{Table: t.Name, ID: str(row[t.PrimaryKey]), PrimaryKey: t.PrimaryKey, PrimaryColumn: t.PrimaryColumn, Version: num(row[store.RowVersionColumn]),
		Values: row}
	for _, c := range t.Columns {
		if c.DateOnly() {
			r.DateOnly = append(r.DateOnly, c.Name)
		}
		if n, ok := row[c.Name].(int64); ok {
			for _, o := range c.Options {
				if int64(o.Value) == n {
					if r.Labels == nil {
						r.Labels = map[string]string{}
					}
					r.Labels[c.Name] = o.Label
				}
			}
		}
	}
	return r
}

// UpdateRecord writes values into a record. With ifVersion > 0 it writes
// only if the record is still at that row version (*ConflictError).
func (s *Session) UpdateRecord(ctx context.Context, table, id string, values Values, ifVersion int64) (*Record, error) {
	var out *Record
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		t, row, err := o.reachRecord(table, id, true, PrivWrite, PrivRead)
		if err != nil {
			return err
		}
		if ifVersion > 0 && num(row[store.RowVersionColumn]) != ifVersion {
			return &ConflictError{What: table, ID: id, Expected: ifVersion, Actual: num(row[store.RowVersionColumn])}
		}
		if len(values) == 0 {
			return invalid("nothing to update: give at least one column")
		}
		vals, links, err := o.values(t, values, false)
		if err != nil {
			return err
		}
		if err := o.mayLink(t, row, id, links); err != nil {
			return err
		}
		FullName(t, row, vals)
		if err := statePair(t, row, vals); err != nil {
			return err
		}
		o.stampModified(t, vals)
		if _, err := o.tx.UpdateRow(t, id, vals, num(row[store.RowVersionColumn])); err != nil {
			return err
		}
		if err := o.keepTargets(t, id, vals, links); err != nil {
			return err
		}
		if err := o.recordChanged(table, id); err != nil {
			return err
		}
		row, err = o.tx.GetRow(t, id)
		out = recordOf(t, row)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRecord deletes a record. Its process instances remain (their
// lookup to it dangles, as in Dataverse); lookups of other records to it
// are emptied (Dataverse's "remove link", which needs no privilege on
// them).
func (s *Session) DeleteRecord(ctx context.Context, table, id string) error {
	return s.DeleteRecordIf(ctx, table, id, 0)
}

// DeleteRecordIf deletes a record as DeleteRecord does, only if it is still
// at row version ifVersion (> 0; 0 = any), else a *ConflictError.
func (s *Session) DeleteRecordIf(ctx context.Context, table, id string, ifVersion int64) error {
	return s.e.run(ctx, s.user, true, func(o *op) error {
		t, row, err := o.reachRecord(table, id, true, PrivDelete)
		if err != nil {
			return err
		}
		if v := num(row[store.RowVersionColumn]); ifVersion > 0 && v != ifVersion {
			return &ConflictError{What: table, ID: id, Expected: ifVersion, Actual: v}
		}
		if err := o.tx.DeleteRow(t, id); err != nil {
			return err
		}
		return o.unlink(table, id)
	})
}

// unlink empties the lookups of standard and custom records to a deleted row.
func (o *op) unlink(table, id string) error {
	for _, name := range sortedKeys(o.dep.tables) {
		t := o.dep.tables[name]
		if t.Kind == store.TableInstance {
			continue
		}
		for _, c := range t.Columns {
			if (c.Type != "lookup" && c.Type != "customer") || !slices.Contains(c.Targets, table) {
				continue
			}
			rows, err := o.tx.FindRows(t, map[string]any{c.Name: id})
			if err != nil {
				return err
			}
			var kept Targets
			if c.Polymorphic() && len(rows) > 0 {
				if kept, err = o.lookupTargets(t, rows); err != nil {
					return err
				}
			}
			for _, row := range rows {
				if tg := kept.Of(str(row[t.PrimaryKey]), c.Name); tg != "" && tg != table {
					continue // the row of another table with the same id
				}
				if _, err := o.tx.UpdateRow(t, str(row[t.PrimaryKey]), map[string]any{c.Name: nil}, 0); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Record reads one record, its lookups labelled with the names of the rows
// they point at (record show).
func (s *Session) Record(ctx context.Context, table, id string) (*Record, error) {
	return s.record(ctx, table, id, recordNamed)
}

// RecordValues reads one record as Record does but leaves its lookups
// unnamed: naming costs a read per lookup set, which a caller that shows
// only the record's own values (the web pages, reading a lookup's row for
// its name alone) would pay for every row it names.
func (s *Session) RecordValues(ctx context.Context, table, id string) (*Record, error) {
	return s.record(ctx, table, id, recordValues)
}

// RecordValuesTables reads one record as RecordValues does, with Tables:
// the table each of its lookups to several tables was written with (for
// a value written before the tables were kept, the first of the lookup's
// tables holding the id in a row the acting user may read, as the Web API
// names it; none when none does), which a page that links
// or offers a lookup's row needs (an account and a contact may share an
// id). It reads one more time only when such a lookup holds a value.
func (s *Session) RecordValuesTables(ctx context.Context, table, id string) (*Record, error) {
	return s.record(ctx, table, id, recordTables)
}

// recordDetail is what record reads beside a record's values.
type recordDetail int

const (
	recordValues recordDetail = iota
	recordTables              // the kept tables of its lookups to several tables
	recordNamed               // the names (and tables) of the rows its lookups point at
)

func (s *Session) record(ctx context.Context, table, id string, detail recordDetail) (*Record, error) {
	var out *Record
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		t, row, err := o.reachRecord(table, id, false, PrivRead)
		if err != nil {
			return err
		}
		out = recordOf(t, row)
		switch detail {
		case recordTables:
			kept, err := o.lookupTargets(t, []store.Row{row})
			if err != nil {
				return err
			}
			for _, c := range t.Columns {
				v, _ := row[c.Name].(string)
				if v == "" || !c.Polymorphic() {
					continue
				}
				tg := kept.Of(out.ID, c.Name)
				if tg == "" {
					if tg, err = o.firstReadableHolder(c, v); err != nil {
						return err
					}
				}
				if tg != "" {
					if out.Tables == nil {
						out.Tables = map[string]string{}
					}
					out.Tables[c.Name] = tg
				}
			}
		case recordNamed:
			return o.nameLookups(t, out)
		}
		return nil
	})
	return out, err
}

// NotReadableLabel labels a lookup whose row the acting user may not read,
// where a readable row's name stands (record show, local or remote).
const NotReadableLabel = "not readable by you"

// nameLookups labels r's lookups with the primary names of the rows they
// point at, those the acting user may read; an unreadable row says so, and
// a row with no name (or none found) keeps its id alone.
func (o *op) nameLookups(t store.Table, r *Record) error {
	kept, err := o.lookupTargets(t, []store.Row{r.Values})
	if err != nil {
		return err
	}
	for _, c := range t.Columns {
		id, _ := r.Values[c.Name].(string)
		if id == "" || c.Type != compiler.TypeLookup && c.Type != compiler.TypeCustomer {
			continue
		}
		targets := c.Targets
		if tg := kept.Of(r.ID, c.Name); tg != "" {
			targets = []string{tg} // the table it was written with
		} else if c.Polymorphic() {
			// The id alone (written before tables were kept): the first
			// table holding it in a row the user may read, as the Web API
			// and the pages name it, else the first holding it at all.
			tg, err := o.firstReadableHolder(c, id)
			if err != nil {
				return err
			}
			if tg != "" {
				targets = []string{tg}
			}
		}
		for _, target := range targets {
			tt, ok := o.dep.tables[target]
			if !ok || tt.Kind == store.TableInstance {
				continue
			}
			row, err := o.tx.GetRow(tt, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if c.Polymorphic() {
				if r.Tables == nil {
					r.Tables = map[string]string{}
				}
				r.Tables[c.Name] = tt.Name
			}
			name := ""
			switch {
			case !o.readable(tt, row):
				name = NotReadableLabel
			case tt.PrimaryColumn != "":
				name = str(row[tt.PrimaryColumn])
			}
			if name != "" {
				if r.Labels == nil {
					r.Labels = map[string]string{}
				}
				r.Labels[c.Name] = name
			}
			break
		}
	}
	return nil
}

// Records reads the records of a table the acting user may read (at user
// depth, those it owns), oldest first.
func (s *Session) Records(ctx context.Context, table string) ([]*Record, error) {
	out := []*Record{}
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		t, err := o.recordTable(table, false)
		if err != nil {
			return err
		}
		match, err := o.ownRows(t)
		if err != nil {
			return err
		}
		rows, err := o.tx.FindRows(t, match)
		if err != nil {
			return err
		}
		for _, row := range rows {
			out = append(out, recordOf(t, row))
		}
		slices.SortStableFunc(out, func(a, b *Record) int {
			if c := tm(a.Values["createdon"]).Compare(tm(b.Values["createdon"])); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		return nil
	})
	return out, err
}

// statePair keeps a record's state and status reason a pair Dataverse has
// (row: the record as read; nil for a new one): a status reason given
// alone brings its state, a state given alone its first status reason
// (unless the record's pairs with it already), and a pair that does not
// belong together (Inactive with the reason Active, a lead Open and Lost)
// is refused. Status reasons whose state is not known are left as given.
func statePair(t store.Table, row store.Row, vals map[string]any) error {
	sc, hasState := t.Column("statecode")
	rc, hasStatus := t.Column("statuscode")
	if !hasState || !hasStatus {
		return nil
	}
	state, stateGiven := vals["statecode"].(int64)
	status, statusGiven := vals["statuscode"].(int64)
	pairs := func(st int64) (int64, bool) {
		s, ok := emit.StateOfStatus(t.Name, int(st))
		return int64(s), ok
	}
	label := func(c store.Column, v int64) string {
		for _, o := range c.Options {
			if int64(o.Value) == v {
				return fmt.Sprintf("%d (%s)", v, o.Label)
			}
		}
		return strconv.FormatInt(v, 10)
	}
	switch {
	case statusGiven:
		want, ok := pairs(status)
		if !ok {
			return nil
		}
		if stateGiven && state != want {
			return invalid("%s statuscode %s goes with statecode %s, not %s: give the pair Dataverse has, or the status reason alone",
				t.Name, label(rc, status), label(sc, want), label(sc, state))
		}
		vals["statecode"] = want
	case stateGiven:
		if cur, ok := row["statuscode"].(int64); ok {
			if s, known := pairs(cur); known && s == state {
				return nil
			}
		}
		for _, o := range rc.Options {
			if s, ok := pairs(int64(o.Value)); ok && s == state {
				vals["statuscode"] = int64(o.Value)
				return nil
			}
		}
	}
	return nil
}

// FullName keeps a person's full name (lead, contact, user) made of the
// first and last names, as Dataverse composes it, unless it is given.
func FullName(t store.Table, row store.Row, vals map[string]any) {
	for _, c := range []string{"fullname", "firstname", "lastname"} {
		if _, ok := t.Column(c); !ok {
			return
		}
	}
	_, first := vals["firstname"]
	_, last := vals["lastname"]
	if _, given := vals["fullname"]; given || !first && !last {
		return
	}
	get := func(c string) string {
		if v, ok := vals[c]; ok {
			return str(v)
		}
		return str(row[c])
	}
	name := strings.TrimSpace(get("firstname") + " " + get("lastname"))
	if name == "" {
		vals["fullname"] = nil
	} else {
		vals["fullname"] = name
	}
}
