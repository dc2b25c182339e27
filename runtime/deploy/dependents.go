package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

// dependents refuses removing a table or column that another installed
// solution's flows, steps, conditions, workflows or external tables use,
// as Dataverse refuses deleting a component others depend on: the removal
// took the other solution's data and left it installed but broken. solution
// is the one whose components gone are (its staged upgrade aside).
func dependents(tx store.Tx, solution string, gone []store.Component) ([]string, error) {
	removed := map[string]bool{}
	for _, c := range gone {
		if c.Kind == store.KindTable || c.Kind == store.KindColumn {
			removed[c.Name] = true
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	solutions, err := tx.Solutions()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(solutions, func(a, b store.Solution) int { return strings.Compare(a.Name, b.Name) })
	var causes []string
	for _, s := range solutions {
		if s.Name == solution || s.UpgradeOf == solution {
			continue
		}
		p, err := keptProject(tx, s.BuildDigest)
		if err != nil {
			return nil, err
		}
		if p == nil {
			continue // an archive imported without a model: nothing to read its uses from
		}
		users := map[string][]string{}
		for _, u := range uses(p) {
			what := ""
			switch {
			case removed[u.table]: // its columns go with it: one line
				what = "table " + u.table
			case u.column != "" && removed[u.table+"."+u.column]:
				what = "column " + u.table + "." + u.column
			default:
				continue
			}
			if !slices.Contains(users[what], u.by) {
				users[what] = append(users[what], u.by)
			}
		}
		for _, what := range slices.Sorted(maps.Keys(users)) {
			causes = append(causes, fmt.Sprintf("%s is used by solution %s (%s): a component another solution depends on cannot be removed; "+
				"upgrade %s so that it no longer uses it, or uninstall %s first", what, s.Name, strings.Join(users[what], "; "), s.Name, s.Name))
		}
	}
	return causes, nil
}
