package engine

import (
	"errors"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
	"github.com/bpfc/bpfc/runtime/store"
)

// prefill sets in vals what the record a move onto stage to creates on
// table t starts with, from the record the move leaves (from, on ft): what
// Dataverse's create form opened through the stage's relationship is
// filled with. A standard relationship with documented mappings (lead to
// opportunity: Topic, Account, Contact) copies those columns; any other,
// or a mapping that leaves the primary column empty, keeps bpfc's rule that
// the new record is named as the one it comes from, so a required step on
// its primary column does not stop the next move.
func (c *change) prefill(t, ft store.Table, to *compiler.Stage, from store.Row, vals map[string]any) error {
	if ms, ok := catalog.Mappings(to.Table, to.Relationship); ok && ft.Name == lookupTarget(t, to.Relationship) {
		for _, m := range ms {
			if err := c.mapColumn(t, ft, from, m, vals); err != nil {
				return err
			}
		}
	}
	// A lead without a Topic still gives a named opportunity (Dataverse
	// requires a Topic on both, so its form never gets here).
	if _, named := vals[t.PrimaryColumn]; t.PrimaryColumn != "" && !named {
		if name := str(from[ft.PrimaryColumn]); name != "" && fits(t, t.PrimaryColumn, name) {
			vals[t.PrimaryColumn] = name
		}
	}
	return nil
}

// mapColumn copies from's column m.Source into vals' m.Target, when both
// columns are deployed and the value fits. A lookup is copied only when
// its record is still there and the acting user may link the new record
// to it (read and append_to on it): the form would show the value, and
// the save then refuse it; a move should not fail on a value it only
// prefills.
func (c *change) mapColumn(t, ft store.Table, from store.Row, m catalog.Mapping, vals map[string]any) error {
	sc, ok1 := ft.Column(m.Source)
	tc, ok2 := t.Column(m.Target)
	v := from[m.Source]
	if !ok1 || !ok2 || v == nil || str(v) == "" && sc.Type != "boolean" {
		return nil
	}
	if !tc.HoldsIDs() {
		if s, ok := v.(string); !ok || fits(t, m.Target, s) {
			vals[m.Target] = v
		}
		return nil
	}
	if len(tc.Targets) != 1 {
		return nil
	}
	target, ok := c.o.dep.tables[tc.Targets[0]]
	if !ok {
		return nil
	}
	id := str(v)
	row, err := c.o.tx.GetRow(target, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = c.o.mayRow(target, row, PrivRead, "read "+target.Name+" "+id)
	if err == nil {
		err = c.o.mayLink(t, store.Row{colOwner: c.o.userID()}, "", []Link{{Column: m.Target, Target: target, Row: row}})
	}
	var forbidden *ForbiddenError
	if errors.As(err, &forbidden) {
		return nil
	}
	if err != nil {
		return err
	}
	vals[m.Target] = id
	return nil
}

// fits reports whether s fits column name of t (any length where t does
// not say).
func fits(t store.Table, name, s string) bool {
	c, ok := t.Column(name)
	return !ok || c.MaxLength == 0 || len([]rune(s)) <= c.MaxLength
}

// lookupTarget is the one table lookup column name of t points at; "" for
// none or several.
func lookupTarget(t store.Table, name string) string {
	if c, ok := t.Column(name); ok && len(c.Targets) == 1 {
		return c.Targets[0]
	}
	return ""
}
