package deploy

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// removedStages are, by flow id, the installed stages of the project's flows
// that the new build no longer has: read before the import replaces them.
func (a *applier) removedStages() (map[string][]store.Stage, error) {
	out := map[string][]store.Stage{}
	for _, f := range a.p.Flows {
		id := a.p.FlowID(f)
		if _, ok := a.st.workflows[id]; !ok {
			continue
		}
		stages, err := a.tx.Stages(id)
		if err != nil {
			return nil, err
		}
		for _, s := range stages {
			if f.Stage(s.Name) == nil {
				out[id] = append(out[id], s)
			}
		}
	}
	return out, nil
}

// leaveRemovedStages moves the active instances at a stage the import
// removed to the last stage of their traversed path the flow keeps (its
// first stage when it keeps none), as of the import: their stay at the
// removed stage ends and one at that stage begins, both by the import
// (store.VisitUpgrade), so that the stage log and reports have no open
// stay at a stage the flow no longer has and count the time since at the
// stage the instance is at. Finished and aborted instances keep their rows;
// the engine reads them at the same stage should they be reactivated.
func (a *applier) leaveRemovedStages(removed map[string][]store.Stage, now time.Time) error {
	if len(removed) == 0 {
		return nil
	}
	by := ""
	if u, err := a.tx.User(store.AdminUser); err == nil {
		by = u.ID
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	for _, f := range a.p.Flows {
		id := a.p.FlowID(f)
		t, ok := a.st.tables[f.InstanceTable]
		if len(removed[id]) == 0 || !ok || !f.Active {
			continue
		}
		keeps := map[string]*compiler.Stage{}
		for _, s := range f.Stages {
			keeps[a.p.StageID(f, s)] = s
		}
		for _, gone := range removed[id] {
			rows, err := a.tx.FindRows(t, map[string]any{"activestageid": gone.ID, "statecode": int64(0)})
			if err != nil {
				return err
			}
			for _, row := range rows {
				if err := a.leave(f, t, row, keeps, now, by); err != nil {
					return err
				}
			}
		}
		if err := a.dropFromPaths(f, t, removed[id], keeps); err != nil {
			return err
		}
	}
	return nil
}

// dropFromPaths takes the removed stages out of every other instance's
// traversed path (one that passed them, a finished or aborted one at one,
// which then stands at the last stage of its path the flow keeps): the
// Web API's traversedpath named stages that no longer exist, and the
// instance's row and what the engine read of it disagreed. No stay is
// open at a stage of an ended instance, so the stage log is as it was.
func (a *applier) dropFromPaths(f *compiler.Flow, t store.Table, removed []store.Stage, keeps map[string]*compiler.Stage) error {
	qt, ok := a.tx.(store.QueryTx)
	if !ok {
		return nil
	}
	done := map[string]bool{}
	for _, gone := range removed {
		rows, err := qt.QueryRows(store.Query{Table: t, Select: []string{"traversedpath", "activestageid"},
			Where: store.Match{Column: "traversedpath", Kind: store.MatchContains, Text: gone.ID}})
		if err != nil {
			return err
		}
		for _, row := range rows {
			id, _ := row[t.PrimaryKey].(string)
			if done[id] {
				continue
			}
			done[id] = true
			path, _ := row["traversedpath"].(string)
			kept := a.keptPath(f, path, keeps)
			vals := map[string]any{"traversedpath": strings.Join(kept, ",")}
			if at, _ := row["activestageid"].(string); keeps[at] == nil && len(kept) > 0 {
				vals["activestageid"] = kept[len(kept)-1]
			}
			if _, err := a.tx.UpdateRow(t, id, vals, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// leave moves one instance off its removed stage (leaveRemovedStages).
func (a *applier) leave(f *compiler.Flow, t store.Table, row store.Row, keeps map[string]*compiler.Stage, now time.Time, by string) error {
	id, _ := row[t.PrimaryKey].(string)
	path, _ := row["traversedpath"].(string)
	kept := a.keptPath(f, path, keeps)
	if len(kept) == 0 {
		return nil
	}
	to := kept[len(kept)-1]
	vals := map[string]any{"activestageid": to, "traversedpath": strings.Join(kept, ","), "activestagestartedon": now}
	if _, ok := t.Column("modifiedon"); ok {
		vals["modifiedon"] = now
	}
	if _, err := a.tx.UpdateRow(t, id, vals, 0); err != nil {
		return err
	}
	if err := a.tx.CloseStageVisit(id, now, by, store.VisitUpgrade); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return a.tx.AddStageVisit(store.StageVisit{InstanceID: id, InstanceTable: t.Name, WorkflowID: a.p.FlowID(f),
		StageID: to, Stage: keeps[to].Name, EnteredOn: now, EnteredBy: by, EnteredHow: store.VisitUpgrade})
}

// keptPath is a traversed path (stage ids, comma-separated) without the
// stages the flow no longer keeps; its first stage when none is left.
func (a *applier) keptPath(f *compiler.Flow, path string, keeps map[string]*compiler.Stage) []string {
	kept := slices.DeleteFunc(strings.Split(path, ","), func(s string) bool { return keeps[s] == nil })
	if len(kept) == 0 && len(f.Stages) > 0 {
		kept = []string{a.p.StageID(f, f.Stages[0])}
	}
	return kept
}

// leaveStagedRemovals moves, as apply-upgrade completes a staged upgrade,
// the instances at the stages the upgrade removed from a flow it keeps, as
// an upgrade in one step does at its import (leaveRemovedStages): the
// staged import replaced the flows' stages and left their instances where
// they were, for the engine to read at the stage they stand at until now.
// Without the two builds' models (an environment that keeps none) the rows
// stay as the engine reads them.
func leaveStagedRemovals(tx store.Tx, base, holding store.Solution, now time.Time) error {
	old, err := keptProject(tx, base.BuildDigest)
	if err != nil || old == nil {
		return err
	}
	p, err := keptProject(tx, holding.BuildDigest)
	if err != nil || p == nil {
		return err
	}
	removed := map[string][]store.Stage{}
	for _, f := range p.Flows {
		of := old.Flow(f.Name)
		if of == nil || old.FlowID(of) != p.FlowID(f) {
			continue
		}
		for _, s := range of.Stages {
			if f.Stage(s.Name) == nil {
				removed[p.FlowID(f)] = append(removed[p.FlowID(f)], store.Stage{ID: old.StageID(of, s), Name: s.Name})
			}
		}
	}
	if len(removed) == 0 {
		return nil
	}
	st, err := loadState(tx, base.Name)
	if err != nil {
		return err
	}
	a := &applier{tx: tx, st: st, p: p, owner: base.Name}
	return a.leaveRemovedStages(removed, now)
}

// keptProject is the model the environment keeps of build digest; nil
// when it keeps none.
func keptProject(tx store.Tx, digest string) (*compiler.Project, error) {
	snap, err := keptSnapshot(tx, digest)
	if snap == nil || err != nil {
		return nil, err
	}
	p, _, err := DecodeSnapshot(*snap)
	return p, err
}

// keptSnapshot is the snapshot the environment keeps of build digest; nil
// when it keeps none.
func keptSnapshot(tx store.Tx, digest string) (*store.Snapshot, error) {
	if digest == "" {
		return nil, nil
	}
	snap, err := tx.Snapshot(digest)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &snap, nil
}
