package engine

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

// Ref is a lookup's value that names its table as well as its row: what
// the Web API's x@odata.bind: "/contacts(ID)" gives a customer lookup,
// and the CLI's --set parentcustomerid=contact:ID. An id alone names the
// first of the lookup's tables that holds it.
type Ref struct {
	Table, ID string
}

// splitRef reads text given to lookup c as TABLE:ID when c looks up
// several tables (lookup refuses a TABLE that is not one of them); else
// it is an id (or a user's name) as it is.
func splitRef(c store.Column, text string) (table, id string) {
	if !c.Polymorphic() {
		return "", text
	}
	if t, id, ok := strings.Cut(text, ":"); ok && (IsID(id) || slices.Contains(c.Targets, strings.ToLower(strings.TrimSpace(t)))) {
		return strings.ToLower(strings.TrimSpace(t)), strings.TrimSpace(id)
	}
	return "", text
}

// keepTargets keeps the tables of the polymorphic lookups vals writes.
func (o *op) keepTargets(t store.Table, id string, vals map[string]any, links []Link) error {
	return KeepTargets(o.tx, t, id, vals, links)
}

// KeepTargets keeps the tables of the polymorphic lookups of row id of t
// that vals writes (in tx, after the row's write): the row links points
// at, or none for a lookup emptied. Dataverse keeps them beside the ids
// (parentcustomeridtype); every path that writes a record's lookups
// calls it, the workflows' too.
func KeepTargets(tx store.Tx, t store.Table, id string, vals map[string]any, links []Link) error {
	var ts []store.LookupTarget
	for _, c := range t.Columns {
		v, ok := vals[c.Name]
		if !ok || !c.Polymorphic() {
			continue
		}
		lt := store.LookupTarget{Table: t.Name, Row: id, Column: c.Name}
		if s, _ := v.(string); s != "" {
			for _, l := range links {
				if l.Column == c.Name {
					lt.Value, lt.Target = s, l.Target.Name
				}
			}
		}
		ts = append(ts, lt)
	}
	if len(ts) == 0 {
		return nil
	}
	return tx.SetLookupTargets(ts)
}

// Targets are the tables of polymorphic lookups' values, by row id and
// column: those kept for the value each row holds now.
type Targets map[string]map[string]string

// Of is the table kept for column of row id ("" when none is).
func (ts Targets) Of(id, column string) string {
	return ts[strings.ToLower(id)][column]
}

// firstHolder is the first of lookup c's tables with a row of id ("" when
// none has): the table an id alone names (lookup).
func (o *op) firstHolder(c store.Column, id string) (string, error) {
	for _, target := range c.Targets {
		tt, ok := o.dep.tables[target]
		if !ok || tt.Kind == store.TableInstance {
			continue
		}
		_, err := o.tx.GetRow(tt, id)
		if err == nil {
			return target, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	return "", nil
}

// firstReadableHolder is the first of lookup c's tables with a row of id
// the acting user may read ("" when none has): the table the Web API
// names for an id alone, its rows read as the user, which the pages
// follow (RecordValuesTables), so that a row the user cannot read is
// neither named nor preferred to one they can; record show's names too
// (nameLookups).
func (o *op) firstReadableHolder(c store.Column, id string) (string, error) {
	for _, target := range c.Targets {
		tt, ok := o.dep.tables[target]
		if !ok || tt.Kind == store.TableInstance {
			continue
		}
		row, err := o.tx.GetRow(tt, id)
		if err == nil && o.readable(tt, row) {
			return target, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	return "", nil
}

// valueTable is the table value, row id's value of c (a lookup to several
// tables), names: the one kept with it, else, written before the tables
// were kept, the first of c's tables holding the id, as record show reads
// it ("" when none does). The pages and the Web API name the first the
// acting user may read (firstReadableHolder).
func (o *op) valueTable(kept Targets, id string, c store.Column, value string) (string, error) {
	if tg := kept.Of(id, c.Name); tg != "" {
		return tg, nil
	}
	return o.firstHolder(c, value)
}

// lookupTargets reads the tables kept for the polymorphic lookups of rows
// of t (none when t has no such lookup or the rows no value in one): a
// target kept for another value than the row's (written by a path that
// named no table, or before the store kept them) is left out.
func (o *op) lookupTargets(t store.Table, rows []store.Row) (Targets, error) {
	var cols []store.Column
	for _, c := range t.Columns {
		if c.Polymorphic() {
			cols = append(cols, c)
		}
	}
	byID := map[string]store.Row{}
	var ids []string
	for _, row := range rows {
		id := str(row[t.PrimaryKey])
		if id == "" || byID[id] != nil {
			continue
		}
		if slices.ContainsFunc(cols, func(c store.Column) bool { return str(row[c.Name]) != "" }) {
			byID[id] = row
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	kept, err := o.tx.LookupTargets(t.Name, ids)
	if err != nil {
		return nil, err
	}
	out := Targets{}
	for _, lt := range kept {
		row := byID[lt.Row]
		if row == nil || !strings.EqualFold(str(row[lt.Column]), lt.Value) {
			continue
		}
		key := strings.ToLower(lt.Row)
		if out[key] == nil {
			out[key] = map[string]string{}
		}
		out[key][lt.Column] = lt.Target
	}
	return out, nil
}

// LookupTargets reads the tables of the polymorphic lookups' values of
// rows of table, as the Web API's lookuplogicalname names them.
func (s *Session) LookupTargets(ctx context.Context, table string, rows []store.Row) (Targets, error) {
	var out Targets
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		t, ok := o.dep.tables[table]
		if !ok {
			return nil
		}
		var err error
		out, err = o.lookupTargets(t, rows)
		return err
	})
	return out, err
}
