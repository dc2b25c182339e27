package deploy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// keptRemovals are the removals of components an earlier update kept:
// the live build no longer has them, so diffModels cannot list them, yet
// an upgrade removes them with the rest of what the new build lacks. A
// kept flow's stages and steps, which the environment keeps with it, are
// listed with it, as diffModels lists a removed flow's.
func keptRemovals(tx store.Tx, st *state, newComps []store.Component, prefix string) ([]Change, error) {
	if st.old == nil {
		return nil, nil
	}
	live := map[[2]string]bool{}
	for _, c := range components(st.old) {
		live[[2]string{c.Kind, c.Name}] = true
	}
	var out []Change
	for _, c := range dropped(st.comps, newComps) {
		if !live[[2]string{c.Kind, c.Name}] {
			name := c.Name
			if c.Kind == store.KindVariable {
				// Plans name variables as the project does (their schema
				// name is the publisher's prefix and that name).
				name = strings.TrimPrefix(name, prefix+"_")
			}
			out = append(out, Change{Action: "remove", Kind: c.Kind, Name: name})
			if c.Kind == store.KindFlow {
				parts, err := keptStages(tx, st, c)
				if err != nil {
					return nil, err
				}
				out = append(out, parts...)
			}
		}
	}
	return out, nil
}

// keptStages are the removals of the stages and steps of kept flow c, as
// the environment has them.
func keptStages(tx store.Tx, st *state, c store.Component) ([]Change, error) {
	w, ok := st.workflows[c.ObjectID]
	if !ok || w.Category != store.CategoryBPF {
		return nil, nil
	}
	stages, err := tx.Stages(w.ID)
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, s := range stages {
		out = append(out, Change{Action: "remove", Kind: "stage", Name: c.Name + "." + s.Name})
		for _, step := range s.Steps {
			out = append(out, Change{Action: "remove", Kind: "step", Name: c.Name + "." + s.Name + "." + step.Name})
		}
	}
	return out, nil
}

// dropped lists the components of old that new does not have.
func dropped(old, new []store.Component) []store.Component {
	have := map[[2]string]bool{}
	for _, c := range new {
		have[[2]string{c.Kind, c.Name}] = true
	}
	var out []store.Component
	for _, c := range old {
		if !have[[2]string{c.Kind, c.Name}] {
			out = append(out, c)
		}
	}
	return out
}

// union is new plus the components of old it does not have.
func union(old, new []store.Component) []store.Component {
	out := append([]store.Component(nil), new...)
	out = append(out, dropped(old, new)...)
	sortComponents(out)
	return out
}

// summary is the history message of an applied import.
func summary(changes []Change) string {
	n := countChanges(changes)
	return fmt.Sprintf("%d added, %d changed, %d removed, %d kept", n["add"], n["change"], n["remove"], n["keep"])
}

// removalDependents: the refusals of an upgrade that removes a table or
// column another solution uses (dependents).
func removalDependents(tx store.Tx, st *state, b *Build, mode Mode) ([]string, error) {
	if importMode(st, mode) != Upgrade {
		return nil, nil
	}
	gone, _, err := splitShared(tx, b.Solution(), dropped(st.comps, components(b.Project)))
	if err != nil {
		return nil, err
	}
	return dependents(tx, b.Solution(), gone)
}

// importMode is the mode an import of mode runs in: a stage with nothing
// installed to stage beside is a plain install.
func importMode(st *state, mode Mode) Mode {
	if mode == Stage && st.base == nil {
		return Upgrade
	}
	return mode
}

// stageNote is the note of an import asked to stage with nothing installed
// ("" otherwise): it installs instead, and says so, since Dataverse stages
// an upgrade only over an installed version of the solution.
func stageNote(st *state, b *Build, env string, mode Mode) string {
	if importMode(st, mode) == mode {
		return ""
	}
	return fmt.Sprintf("%s is not installed in %s, so there is nothing to stage an upgrade beside: it is installed as an upgrade (mode upgrade), "+
		"with no holding solution for apply-upgrade to complete; staging (--mode stage) needs an installed version, as Dataverse's stage for upgrade does: "+
		"stage the next version over this one", b.Solution(), env)
}

// importChanges are what an import in mode (importMode's) changes, as its
// plan and its result list them: the models' difference, in an upgrade the
// removal of what an earlier update kept, and the variables' values.
func importChanges(tx store.Tx, st *state, env string, b *Build, mode Mode, vals []value, keyring *secret.Keyring) ([]Change, error) {
	changes := diffModels(st.old, b.Project, mode)
	if mode == Upgrade {
		kept, err := keptRemovals(tx, st, components(b.Project), b.Project.Solution.Publisher.Prefix)
		if err != nil {
			return nil, err
		}
		changes = append(changes, kept...)
	}
	changes = append(changes, valueChanges(st.values, st.defs, env, vals, keyring)...)
	sortChanges(changes)
	notePresent(st, b.Project, changes)
	var layers map[string][]store.Solution // of the columns others ship too
	if st.base != nil && slices.ContainsFunc(changes, func(c Change) bool { return c.Kind == "column" && (c.Action == "remove" || c.Action == "keep") }) {
		var err error
		if layers, err = columnLayers(tx, st.base.Name); err != nil {
			return nil, err
		}
	}
	if err := orphanedOptions(tx, st, b.Project, changes); err != nil {
		return nil, err
	}
	if mode != Stage {
		return changes, dataLoss(tx, st, changes, layers)
	}
	// A staged upgrade keeps what the new version drops until
	// apply-upgrade removes it: the plan says what that will delete.
	var kept []int
	for i := range changes {
		if changes[i].Action == "keep" {
			changes[i].Action = "remove"
			kept = append(kept, i)
		}
	}
	err := dataLoss(tx, st, changes, layers)
	for _, i := range kept {
		changes[i].Action = "keep"
		if d := changes[i].Data; d != "" {
			changes[i].Data = "apply-upgrade " + d
		}
	}
	return changes, err
}

// notePresent marks the additions of what the environment already has —
// kept by an earlier update that dropped it from the build, or left behind
// by an unmanaged solution's uninstall — which the models' difference
// cannot see: the build takes it over, it is not made anew.
func notePresent(st *state, p *compiler.Project, cs []Change) {
	for i := range cs {
		c := &cs[i]
		if c.Action != "add" || c.Note != "" {
			continue
		}
		var there bool
		var owner string // the other installed solution it belongs to
		switch c.Kind {
		case "flow":
			if f := p.Flow(c.Name); f != nil {
				var w store.Workflow
				w, there = st.workflows[p.FlowID(f)]
				owner = w.Solution
			}
		case "workflow":
			if wf := p.Workflow(c.Name); wf != nil {
				var w store.Workflow
				w, there = st.workflows[p.WorkflowID(wf)]
				owner = w.Solution
			}
		case "table":
			var t store.Table
			t, there = st.tables[c.Name]
			owner = t.Solution
		case "column":
			table, column, _ := strings.Cut(c.Name, ".")
			ec, ok := st.tables[table].Column(column)
			if owner := st.ownedElsewhere(ec.Solution, p.Solution.Name); ok && owner != "" {
				c.Note = "shared with solution " + owner + ", which ships it too"
				continue
			}
			there = ok
		case "role":
			var r store.Role
			r, there = st.roles[c.Name]
			owner = r.Solution
		case "variable":
			if v := p.Variable(c.Name); v != nil {
				var d store.VariableDefinition
				d, there = st.defs[v.SchemaName]
				owner = d.Solution
			}
		}
		if owner = st.ownedElsewhere(owner, p.Solution.Name); there && owner != "" {
			// Not taken over: the import is refused (checkIdentities).
			c.Note = "already in the environment, in solution " + owner
		} else if there {
			c.Note = "already in the environment: this build takes it over"
		}
	}
}

// dataLoss says, on the removals that touch rows, what happens to them:
// a flow's instances are deleted with its instance table, a custom table's
// rows with it, and the instances at a removed stage go back to the last
// stage of their traversed path that the flow keeps (as the engine reads
// them). A column another solution ships too (layers: columnLayers) is
// kept, and said so.
func dataLoss(tx store.Tx, st *state, cs []Change, layers map[string][]store.Solution) error {
	flows := map[string]store.Workflow{}
	for _, w := range st.workflows {
		if w.Category == store.CategoryBPF && w.InstanceTable != "" {
			flows[w.Name] = w
		}
	}
	count := func(table string) (int, error) {
		n, err := tx.CountRows(table)
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil
		}
		return n, err
	}
	removedFlows, removedTables := map[string]bool{}, map[string]bool{}
	for _, c := range cs {
		if c.Action == "remove" && c.Kind == "flow" {
			removedFlows[c.Name] = true
		}
		if c.Action == "remove" && c.Kind == "table" {
			removedTables[c.Name] = true
		}
	}
	for i := range cs {
		c := &cs[i]
		if c.Action != "remove" {
			continue
		}
		switch c.Kind {
		case "flow", "table":
			table, what := c.Name, "row"
			if c.Kind == "flow" {
				w, ok := flows[c.Name]
				if !ok {
					continue
				}
				table, what = w.InstanceTable, "instance"
			}
			n, err := count(table)
			if err != nil {
				return err
			}
			if n > 0 {
				c.Data = "deletes " + compiler.Plural(n, what)
				if c.Kind == "flow" {
					c.Data += " and their stage history"
				}
			}
		case "column":
			table, column, _ := strings.Cut(c.Name, ".")
			if removedTables[table] {
				continue // its rows go with the table (its own line)
			}
			if ls := layers[c.Name]; len(ls) > 0 {
				c.Note = "kept: " + sharedNote(ls)
				continue
			}
			n, err := valuesIn(tx, st, table, column)
			if err != nil {
				return err
			}
			if n > 0 {
				c.Data = "deletes its values in " + compiler.Plural(n, "row")
			}
		case "stage":
			flow, name, _ := strings.Cut(c.Name, ".")
			w, ok := flows[flow]
			if !ok || removedFlows[flow] {
				continue // a removed flow's instances go with it (its own line)
			}
			n, err := instancesAt(tx, st, w, name)
			if err != nil {
				return err
			}
			if n > 0 {
				c.Data = "moves " + compiler.Plural(n, "instance") + " at it to the last stage of its path that " + flow + " keeps (its first stage when none)"
			}
		}
	}
	return nil
}

// orphanedOptions says, on a choice column whose options lose some that
// rows hold, how many rows keep such a value: as in Dataverse, the values
// stay, but no label names them any more (a report or a form shows none).
func orphanedOptions(tx store.Tx, st *state, p *compiler.Project, cs []Change) error {
	qt, canQuery := tx.(store.QueryTx)
	if !canQuery || st.old == nil {
		return nil
	}
	for i := range cs {
		c := &cs[i]
		if c.Action != "change" || c.Kind != "column" {
			continue
		}
		table, column, _ := strings.Cut(c.Name, ".")
		oldT, newT, t := st.old.Table(table), p.Table(table), st.tables[table]
		if oldT == nil || newT == nil || t.Name == "" {
			continue
		}
		oldC, newC := oldT.Column(column), newT.Column(column)
		if oldC == nil || newC == nil || oldC.Type != compiler.TypeChoice {
			continue
		}
		// Each value by itself: the rows that keep it, and no value that
		// no row holds.
		var kept []string
		for _, o := range oldC.Options {
			if slices.ContainsFunc(newC.Options, func(n compiler.Option) bool { return n.Value == o.Value }) {
				continue
			}
			n, err := qt.CountQuery(store.Query{Table: t, Where: store.Compare{Column: column, Op: store.OpEq, Value: int64(o.Value)}})
			if err != nil {
				return err
			}
			if n > 0 {
				verb := " keep "
				if n == 1 {
					verb = " keeps "
				}
				kept = append(kept, compiler.Plural(n, "row")+verb+fmt.Sprintf("%d (%s)", o.Value, o.Label))
			}
		}
		if len(kept) > 0 {
			c.Data = strings.Join(kept, " and ") + ", which no option names then"
		}
	}
	return nil
}

// valuesIn counts the rows of table whose column holds a value.
func valuesIn(tx store.Tx, st *state, table, column string) (int, error) {
	t, ok := st.tables[table]
	qt, canQuery := tx.(store.QueryTx)
	if !ok || !canQuery || !slices.ContainsFunc(t.Columns, func(c store.Column) bool { return c.Name == column }) {
		return 0, nil
	}
	return qt.CountQuery(store.Query{Table: t, Where: store.Compare{Column: column, Op: store.OpNe, Value: nil}})
}

// instancesAt counts the instances of flow w at its stage name.
func instancesAt(tx store.Tx, st *state, w store.Workflow, name string) (int, error) {
	stages, err := tx.Stages(w.ID)
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(stages, func(s store.Stage) bool { return s.Name == name })
	t, ok := st.tables[w.InstanceTable]
	if i < 0 || !ok {
		return 0, nil
	}
	qt, canQuery := tx.(store.QueryTx)
	if !canQuery {
		return 0, nil
	}
	return qt.CountQuery(store.Query{Table: t, Where: store.Compare{Column: "activestageid", Op: store.OpEq, Value: stages[i].ID}})
}
