package deploy

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

// A column that two solutions ship on a standard table is one column with
// two owners, as in Dataverse, where each managed solution that has it is a
// layer of it: the column reads as the last one imported defines it, and
// it goes only with the last solution that ships it.

// columnLayers lists, by "table.column", the installed solutions other
// than solution (and its staged upgrade) whose component lists have the
// column, the last imported first. A staged upgrade stands for the
// solution it upgrades.
func columnLayers(tx store.Tx, solution string) (map[string][]store.Solution, error) {
	sols, err := tx.Solutions()
	if err != nil {
		return nil, err
	}
	bases := map[string]store.Solution{}
	for _, s := range sols {
		if s.UpgradeOf == "" {
			bases[s.Name] = s
		}
	}
	out := map[string][]store.Solution{}
	for _, s := range sols {
		base := bases[cmp.Or(s.UpgradeOf, s.Name)]
		if base.Name == "" || base.Name == solution {
			continue
		}
		cs, err := tx.Components(s.Name)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Kind == store.KindColumn && !slices.ContainsFunc(out[c.Name], func(o store.Solution) bool { return o.Name == base.Name }) {
				out[c.Name] = append(out[c.Name], base)
			}
		}
	}
	for _, ls := range out {
		slices.SortFunc(ls, func(a, b store.Solution) int {
			return cmp.Or(b.ModifiedOn.Compare(a.ModifiedOn), strings.Compare(a.Name, b.Name))
		})
	}
	return out, nil
}

// splitShared separates the components solution removes that go (gone)
// from the columns another solution ships too (kept, with its layers).
func splitShared(tx store.Tx, solution string, cs []store.Component) (gone []store.Component, kept map[string][]store.Solution, err error) {
	if !slices.ContainsFunc(cs, func(c store.Component) bool { return c.Kind == store.KindColumn }) {
		return cs, nil, nil
	}
	layers, err := columnLayers(tx, solution)
	if err != nil {
		return nil, nil, err
	}
	kept = map[string][]store.Solution{}
	for _, c := range cs {
		if ls := layers[c.Name]; c.Kind == store.KindColumn && len(ls) > 0 {
			kept[c.Name] = ls
			continue
		}
		gone = append(gone, c)
	}
	return gone, kept, nil
}

// handOver leaves each kept column to the solutions that still ship it:
// its owner stays if it is one of them, else the top layer takes it, and
// it reads as the top layer's build defines it (an archive imported
// without a model keeps the definition it has).
func handOver(tx store.Tx, kept map[string][]store.Solution) error {
	for _, name := range slices.Sorted(maps.Keys(kept)) {
		layers := kept[name]
		table, column, _ := strings.Cut(name, ".")
		t, err := tx.Table(table)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		c, ok := t.Column(column)
		if !ok {
			continue
		}
		owner := layers[0].Name
		if slices.ContainsFunc(layers, func(s store.Solution) bool { return s.Name == c.Solution }) {
			owner = c.Solution
		}
		def, ok, err := layerDefinition(tx, layers[0], table, column)
		if err != nil {
			return err
		}
		if ok && def.Type == c.Type {
			// A datetime column's behavior, once changed from user
			// local, stays (as in Dataverse): the values are dates.
			behavior := c.Behavior
			c = def
			if behavior != "" {
				c.Behavior = behavior
			}
		}
		c.Solution = owner
		if err := tx.UpdateColumn(table, c); err != nil {
			return fmt.Errorf("leaving column %s to %s: %w", name, owner, err)
		}
	}
	return nil
}

// layerDefinition is the column as the build sol installed defines it;
// false when the environment keeps no model of that build or it has no
// such column.
func layerDefinition(tx store.Tx, sol store.Solution, table, column string) (store.Column, bool, error) {
	p, err := keptProject(tx, sol.BuildDigest)
	if err != nil || p == nil {
		return store.Column{}, false, err
	}
	for _, t := range p.Tables {
		if t.Name != table {
			continue
		}
		for _, c := range shippedColumns(t) {
			if c.Name == column {
				return storeColumn(c, sol.Name), true, nil
			}
		}
	}
	return store.Column{}, false, nil
}

// sharedNote is what a plan says of removing a column others ship too.
func sharedNote(layers []store.Solution) string {
	names := make([]string, len(layers))
	for i, s := range layers {
		names[i] = s.Name
	}
	return "solution " + strings.Join(names, ", ") + " ships it too"
}

// keptChanges lists the kept columns as changes ("keep"), as an uninstall
// or an apply-upgrade reports them.
func keptChanges(kept map[string][]store.Solution) []Change {
	var out []Change
	for _, name := range slices.Sorted(maps.Keys(kept)) {
		out = append(out, Change{Action: "keep", Kind: store.KindColumn, Name: name, Note: sharedNote(kept[name])})
	}
	return out
}
