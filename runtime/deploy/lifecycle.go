package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// Outcome is the result of apply-upgrade and uninstall. JSON shape:
//
//	environment    the environment's name
//	operation      apply-upgrade | uninstall
//	solution       the solution's unique name
//	version        its version (after apply-upgrade: the new one)
//	managed        whether it was managed
//	result         applied | refused | failed | busy (gave up waiting for the environment: retry)
//	message        why, when not applied
//	removed        the components removed (Change with action "remove")
//	kept           the columns that stay as another solution ships them
//	               too (Change with action "keep"; absent when none)
//	instance_rows  rows of instance tables removed with them
//	restored       after uninstalling a holding solution: the installed
//	               solution and version that runs again (absent otherwise)
//	duration_ms    how long it took
type Outcome struct {
	Environment  string   `json:"environment"`
	Operation    string   `json:"operation"`
	Solution     string   `json:"solution"`
	Version      string   `json:"version"`
	Managed      bool     `json:"managed"`
	Result       string   `json:"result"`
	Message      string   `json:"message"`
	Removed      []Change `json:"removed"`
	Kept         []Change `json:"kept,omitempty"`
	InstanceRows int      `json:"instance_rows"`
	Restored     string   `json:"restored,omitempty"`
	DurationMS   int64    `json:"duration_ms"`
}

// ErrNeedsConfirmation: a managed uninstall deletes data and was not confirmed.
var ErrNeedsConfirmation = errors.New("not confirmed")

// lifecycle runs op in the environment's write transaction and records it.
func (pl *Pipeline) lifecycle(ctx context.Context, envName, solution, op string, o Options,
	fn func(tx store.Tx, out *Outcome, o *Options) error) (*Outcome, error) {
	env, err := pl.env(envName)
	if err != nil {
		return nil, err
	}
	o = pl.options(o)
	o.defaults()
	out := &Outcome{Environment: env.Name, Operation: op, Solution: solution, Removed: []Change{}}
	opening := o.Now()
	s, err := pl.open(ctx, envName, true)
	if err != nil && !errors.Is(err, environ.ErrNotCreated) {
		// The store could not be opened (unreachable, not a database, held
		// by another writer): an outcome, failed or busy, as an import's
		// in that case, so that --output json prints its document. An
		// environment never created has nothing to remove: the command's
		// own error, as a solution it does not have.
		out.Result, out.Message, out.DurationMS = Failed, err.Error(), o.Now().Sub(opening).Milliseconds()
		if errors.Is(err, store.ErrBusy) {
			out.Result = Busy // opening waited for the environment: retry as well
		}
		return out, err
	}
	if err != nil {
		return nil, err
	}
	defer s.Close()
	start := o.Now()
	ctx = store.WithWaitNotice(ctx, func() { o.Progress("waiting for another import into " + env.Name + " to finish") })
	err = s.Write(ctx, func(tx store.Tx) error {
		if err := fn(tx, out, &o); err != nil {
			return err
		}
		_, err := tx.AddImport(store.ImportRecord{Operation: op, Solution: solution, Version: out.Version, Managed: out.Managed,
			Who: o.Who, StartedOn: start, Duration: o.Now().Sub(start), Result: store.ResultSucceeded, Message: removedSummary(out)})
		return err
	})
	out.DurationMS = o.Now().Sub(start).Milliseconds()
	if err == nil {
		out.Result = Applied
		return out, nil
	}
	out.Result, out.Message = Failed, err.Error()
	var ref *Refusal
	if errors.As(err, &ref) || errors.Is(err, ErrNeedsConfirmation) {
		out.Result = Refused
	}
	if errors.Is(err, store.ErrBusy) {
		out.Result = Busy // as an import's: nothing changed, running it again may go through
	}
	if !errors.Is(err, store.ErrBusy) && !errors.Is(err, ErrNeedsConfirmation) && !errors.Is(err, store.ErrNotFound) {
		recordFailure(ctx, s, store.ImportRecord{Operation: op, Solution: solution, Version: out.Version, Managed: out.Managed,
			Who: o.Who, StartedOn: start, Duration: o.Now().Sub(start), Result: historyResult(err), Message: err.Error()})
	}
	return out, err
}

func removedSummary(out *Outcome) string {
	return fmt.Sprintf("%s removed, %s", compiler.Plural(len(out.Removed), "component"), compiler.Plural(out.InstanceRows, "instance row"))
}

// ApplyUpgrade completes a staged upgrade: the components the old version
// has and the new one does not are removed (with their instance tables),
// the old solution is deleted and the holding solution takes its name.
func (pl *Pipeline) ApplyUpgrade(ctx context.Context, envName, solution string, o Options) (*Outcome, error) {
	return pl.lifecycle(ctx, envName, solution, "apply-upgrade", o, func(tx store.Tx, out *Outcome, o *Options) error {
		base, err := tx.Solution(solution)
		if err != nil {
			return notInstalled(tx, solution, envName, err)
		}
		holding, err := tx.Solution(HoldingName(solution))
		if errors.Is(err, store.ErrNotFound) || err == nil && holding.State != store.StateHolding {
			return &Refusal{Env: envName, Solution: solution, Version: base.Version, Operation: "apply-upgrade",
				Causes: []string{fmt.Sprintf("no staged upgrade of %s is pending in %s (deploy with --mode stage first)", solution, envName)}}
		}
		if err != nil {
			return err
		}
		out.Version, out.Managed = holding.Version, holding.Managed
		oldComps, err := tx.Components(solution)
		if err != nil {
			return err
		}
		newComps, err := tx.Components(holding.Name)
		if err != nil {
			return err
		}
		gone, kept, err := splitShared(tx, solution, dropped(oldComps, newComps))
		if err != nil {
			return err
		}
		if err := refuseDependents(tx, envName, holding, "apply-upgrade", gone); err != nil {
			return err
		}
		if out.InstanceRows, err = instanceRows(tx, gone); err != nil {
			return err
		}
		if out.Removed, err = removalChanges(tx, solution, gone); err != nil {
			return err
		}
		if err := remove(tx, gone, o.Progress); err != nil {
			return err
		}
		if err := handOver(tx, kept); err != nil {
			return err
		}
		out.Kept = keptChanges(kept)
		if err := leaveStagedRemovals(tx, base, holding, o.Now()); err != nil {
			return err
		}
		if err := tx.DeleteSolution(solution); err != nil {
			return err
		}
		if err := tx.RenameSolution(holding.Name, solution); err != nil {
			return err
		}
		holding.Name, holding.State, holding.UpgradeOf = solution, store.StateInstalled, ""
		holding.InstalledOn, holding.ModifiedOn = base.InstalledOn, o.Now() // applied now, not when staged
		return tx.PutSolution(holding)
	})
}

// Uninstall removes a solution. A managed one takes its components with it:
// flows with their instance tables and rows, workflows, roles, variables,
// custom tables and added columns; that needs confirm (bpfc uninstall
// --yes). An unmanaged one only loses its solution record: its components
// stay in the environment, as in Dataverse. Uninstalling a solution also
// uninstalls its pending staged upgrade; uninstalling that holding solution
// alone cancels the upgrade (cancelStaged).
func (pl *Pipeline) Uninstall(ctx context.Context, envName, solution string, confirm bool, o Options) (*Outcome, error) {
	return pl.lifecycle(ctx, envName, solution, "uninstall", o, func(tx store.Tx, out *Outcome, o *Options) error {
		sol, err := tx.Solution(solution)
		if err != nil {
			return notInstalled(tx, solution, envName, err)
		}
		out.Version, out.Managed = sol.Version, sol.Managed
		if sol.State == store.StateHolding {
			return cancelStaged(tx, envName, sol, confirm, out, o)
		}
		names := []string{solution}
		if h, err := tx.Solution(HoldingName(solution)); err == nil && h.State == store.StateHolding {
			names = append(names, h.Name)
		}
		var comps []store.Component
		for _, n := range names {
			cs, err := tx.Components(n)
			if err != nil {
				return err
			}
			comps = union(comps, cs)
		}
		if sol.Managed {
			comps, kept, err := splitShared(tx, solution, comps)
			if err != nil {
				return err
			}
			if err := refuseDependents(tx, envName, sol, "uninstall", comps); err != nil {
				return err
			}
			if out.InstanceRows, err = instanceRows(tx, comps); err != nil {
				return err
			}
			if out.Removed, err = removalChanges(tx, solution, comps); err != nil {
				return err
			}
			out.Kept = keptChanges(kept)
			if !confirm {
				return fmt.Errorf("uninstalling managed %s from %s removes %s and %s of instance tables%s; run again with --yes to go ahead: %w",
					solution, envName, compiler.Plural(len(comps), "component"), compiler.Plural(out.InstanceRows, "row"), out.OtherData(), ErrNeedsConfirmation)
			}
			if err := remove(tx, comps, o.Progress); err != nil {
				return err
			}
			if err := handOver(tx, kept); err != nil {
				return err
			}
		}
		for _, n := range slices.Backward(names) {
			if err := tx.DeleteSolution(n); err != nil {
				return err
			}
		}
		return nil
	})
}

// OtherData says what the removals delete besides instance rows: custom
// tables' rows and added columns' values (", and the rows of 2 custom
// tables and the values of 1 column"), or "".
func (o *Outcome) OtherData() string {
	var tables, columns int
	for _, c := range o.Removed {
		switch {
		case c.Data == "":
		case c.Kind == store.KindTable:
			tables++
		case c.Kind == store.KindColumn:
			columns++
		}
	}
	var parts []string
	if tables > 0 {
		parts = append(parts, "the rows of "+compiler.Plural(tables, "custom table"))
	}
	if columns > 0 {
		parts = append(parts, "the values of "+compiler.Plural(columns, "column"))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", and " + strings.Join(parts, " and ")
}

// removalChanges lists the components cs of solution as removals, each
// with what it does to rows, as a plan says it (dataLoss): a flow's
// instances, a custom table's rows, an added column's values; and a
// role's users, who lose it.
func removalChanges(tx store.Tx, solution string, cs []store.Component) ([]Change, error) {
	st, err := loadState(tx, solution)
	if err != nil {
		return nil, err
	}
	out := []Change{}
	var users []store.User // read once, for the first role
	for _, c := range cs {
		name := c.Name
		if d, ok := st.defs[name]; ok && c.Kind == store.KindVariable && d.Name != "" {
			name = d.Name // as plans name variables: the project's name, not the schema name
		}
		ch := Change{Action: "remove", Kind: c.Kind, Name: name}
		if c.Kind == store.KindRole {
			if users == nil {
				if users, err = tx.Users(); err != nil {
					return nil, err
				}
			}
			ch.Users, ch.Data = roleUsers(users, c.Name)
		}
		out = append(out, ch)
	}
	return out, dataLoss(tx, st, out, nil) // cs are what goes: shared columns were set aside (splitShared)
}

// roleUsers are the names of the users who have role, sorted, and what
// removing the role does to them ("2 users lose it: ana, cy"), or "": a
// role's removal takes it from its users without a word otherwise, and
// one only a staged upgrade had may be all the access they have.
func roleUsers(users []store.User, role string) ([]string, string) {
	var names []string
	for _, u := range users {
		if slices.Contains(u.Roles, role) {
			names = append(names, u.Name)
		}
	}
	if len(names) == 0 {
		return nil, ""
	}
	slices.Sort(names)
	verb := " lose it: "
	if len(names) == 1 {
		verb = " loses it: "
	}
	return names, compiler.Plural(len(names), "user") + verb + strings.Join(names, ", ")
}

// refuseDependents refuses an operation on sol that would remove
// components another installed solution uses (dependents).
func refuseDependents(tx store.Tx, envName string, sol store.Solution, op string, gone []store.Component) error {
	causes, err := dependents(tx, cmp.Or(sol.UpgradeOf, sol.Name), gone)
	if err != nil || len(causes) == 0 {
		return err
	}
	return &Refusal{Env: envName, Solution: sol.Name, Version: sol.Version, Operation: op, Causes: causes}
}

// instanceRows counts the rows of the instance tables of the flows among cs.
func instanceRows(tx store.Tx, cs []store.Component) (int, error) {
	n := 0
	for _, c := range cs {
		if c.Kind != store.KindFlow {
			continue
		}
		w, err := tx.Workflow(c.ObjectID)
		if errors.Is(err, store.ErrNotFound) || w.InstanceTable == "" {
			continue
		}
		if err != nil {
			return 0, err
		}
		rows, err := tx.CountRows(w.InstanceTable)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n += rows
	}
	return n, nil
}

// scratchStore is a new, empty environment in a temporary directory, removed
// on Close: what a plan for a never-created environment runs against.
type scratchStore struct {
	store.Store
	dir string
}

func (s *scratchStore) Close() error {
	err := s.Store.Close()
	os.RemoveAll(s.dir)
	return err
}

func scratch(ctx context.Context, name string) (store.Store, error) {
	dir, err := os.MkdirTemp("", "bpfc-plan-")
	if err != nil {
		return nil, err
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, strings.ReplaceAll(name, string(filepath.Separator), "_")+".db"), sqlite.Options{Name: name})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &scratchStore{Store: s, dir: dir}, nil
}

// notInstalled is the error for a solution the environment does not have:
// the ones it has, the one most likely meant, and where to see them.
func notInstalled(tx store.Tx, solution, envName string, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("reading solution %s in %s: %w", solution, envName, err)
	}
	var names []string
	if sols, lerr := tx.Solutions(); lerr == nil {
		for _, s := range sols {
			names = append(names, s.Name)
		}
	}
	msg := fmt.Sprintf("%s is not installed in %s", solution, envName)
	if c := compiler.ClosestName(solution, names); c != "" {
		msg += "; did you mean " + c + "?"
	}
	if len(names) == 0 {
		msg += " (nothing is)"
	} else {
		msg += " (installed: " + strings.Join(names, ", ") + "; bpfc solution list --env " + envName + " lists them)"
	}
	return fmt.Errorf("%s%w", msg, store.Silent(err))
}
