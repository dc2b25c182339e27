package deploy

import (
	"errors"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// HoldingName is the name of a solution's staged upgrade.
func HoldingName(solution string) string { return solution + "_Upgrade" }

// state is what an import needs to know about the environment.
type state struct {
	solutions map[string]store.Solution
	base      *store.Solution // the installed solution of this name
	holding   *store.Solution // its staged upgrade
	comps     []store.Component
	tables    map[string]store.Table
	workflows map[string]store.Workflow // by id
	roles     map[string]store.Role
	// values are the variables' values the environment holds, by schema
	// name: what a plan compares the new ones with, and (kept) what a
	// later import that gives none keeps.
	values map[string]store.VariableValue
	// defs are the variable definitions, by schema name.
	defs map[string]store.VariableDefinition
	old  *compiler.Project
}

func loadState(tx store.Tx, solution string) (*state, error) {
	st := &state{solutions: map[string]store.Solution{}, tables: map[string]store.Table{}, workflows: map[string]store.Workflow{},
		roles: map[string]store.Role{}, values: map[string]store.VariableValue{}, defs: map[string]store.VariableDefinition{}}
	sols, err := tx.Solutions()
	if err != nil {
		return nil, err
	}
	for _, s := range sols {
		st.solutions[s.Name] = s
	}
	if s, ok := st.solutions[solution]; ok {
		st.base = &s
		if st.comps, err = tx.Components(solution); err != nil {
			return nil, err
		}
	}
	if s, ok := st.solutions[HoldingName(solution)]; ok && s.State == store.StateHolding {
		st.holding = &s
	}
	tables, err := tx.Tables()
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		st.tables[t.Name] = t
	}
	wfs, err := tx.Workflows()
	if err != nil {
		return nil, err
	}
	for _, w := range wfs {
		st.workflows[w.ID] = w
	}
	roles, err := tx.Roles()
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		st.roles[r.Name] = r
	}
	defs, err := tx.VariableDefinitions()
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		st.defs[d.SchemaName] = d
		v, err := tx.VariableValue(d.SchemaName)
		if err == nil {
			st.values[d.SchemaName] = v
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	// The model of what is live, for plans: the staged upgrade if any.
	live := st.base
	if st.holding != nil {
		live = st.holding
	}
	if live != nil && live.BuildDigest != "" {
		snap, err := tx.Snapshot(live.BuildDigest)
		if err == nil {
			if model, err := unpackModel(snap.Model); err == nil {
				st.old, _ = compiler.DecodeModel(model)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return st, nil
}

// ownedElsewhere names the installed solution, other than solution, that owns
// a component; "" when none does (unowned, orphaned by an unmanaged
// uninstall, or solution's own).
func (st *state) ownedElsewhere(owner, solution string) string {
	if owner == "" || owner == solution {
		return ""
	}
	if _, ok := st.solutions[owner]; !ok {
		return ""
	}
	return owner
}
