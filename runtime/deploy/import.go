package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// hookBeforeCommit, when set by a test, runs inside the import transaction
// after everything is written and before it commits.
var hookBeforeCommit func()

// prepare runs every rule against the environment and returns the
// variables' values, or a *Refusal with every cause.
func prepare(tx store.Tx, st *state, t Target, b *Build, o *Options) ([]value, error) {
	var causes []string
	causes = append(causes, checkSolution(st, t, b, o.Mode)...)
	causes = append(causes, checkIdentities(st, b)...)
	shipped, err := b.currentValues(t.Env.Managed)
	if err != nil {
		causes = append(causes, fmt.Sprintf("the archive's current values cannot be read: %v", err))
	}
	vals, vc := resolveValues(b.Project, t.Env, o.Settings, o.EnvironmentValues, o.Getenv, st.values, shipped)
	causes = append(causes, vc...)
	causes = append(causes, checkTables(st, b)...)
	causes = append(causes, checkActiveFlows(st, t, b, o.Mode)...)
	deps, err := removalDependents(tx, st, b, o.Mode)
	if err != nil {
		return nil, err
	}
	causes = append(causes, deps...)
	if len(causes) > 0 {
		return nil, &Refusal{Env: t.Env.Name, Solution: b.Solution(), Version: b.Version(), Causes: causes}
	}
	return vals, nil
}

// Import imports b into t in one transaction: it applies completely or
// leaves the environment as it was (but for a history entry saying why).
// The error is a *Refusal when a rule refused the import; the Result says
// what happened either way.
func Import(ctx context.Context, t Target, b *Build, o Options) (*Result, error) {
	o.defaults()
	start := o.Now()
	arch := b.archive(t.Env.Managed)
	res := &Result{Environment: t.Env.Name, Solution: b.Solution(), Version: b.Version(), Managed: t.Env.Managed,
		Mode: string(o.Mode), Digest: b.Digest, Archive: arch.Name, ArchiveSHA256: arch.SHA256(), Changes: []Change{}}
	var err error
	if arch.Data == nil {
		flavour := "unmanaged"
		if t.Env.Managed {
			flavour = "managed"
		}
		err = fmt.Errorf("build %s has no %s archive", b.Digest, flavour)
	} else {
		ctx = store.WithWaitNotice(ctx, func() { o.Progress("waiting for another import into " + t.Env.Name + " to finish") })
		err = t.Store.Write(ctx, func(tx store.Tx) error {
			res.Notes = nil // a transaction run again starts over
			id, changes, err := importTx(tx, t, b, &o, start, arch, &res.Notes)
			res.ImportID, res.Changes = id, changes
			return err
		})
	}
	res.DurationMS = o.Now().Sub(start).Milliseconds()
	if err == nil {
		res.Result = Applied
		return res, nil
	}
	interrupted := errors.Is(err, context.Canceled)
	if interrupted {
		err = errInterrupted{err} // said as such everywhere (results, release steps, JSON)
	}
	res.Result, res.Message, res.ImportID, res.Changes = Failed, err.Error(), 0, []Change{}
	var ref *Refusal
	if errors.As(err, &ref) {
		res.Result = Refused
	}
	if !errors.Is(err, store.ErrBusy) {
		rctx := ctx
		if interrupted {
			// Recorded too, briefly: the interrupt that ended the import
			// does not end its record, but an import that was waiting
			// for another's lock does not wait on for it.
			var cancel context.CancelFunc
			rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
		}
		res.ImportID = recordFailure(rctx, t.Store, store.ImportRecord{Operation: o.Operation, Solution: b.Solution(), Version: b.Version(),
			Managed: t.Env.Managed, Mode: string(o.Mode), Who: o.Who, StartedOn: start, Duration: o.Now().Sub(start),
			ArchiveSHA256: res.ArchiveSHA256, BuildDigest: b.Digest, Result: historyResult(err), Message: res.Message})
		if interrupted && res.ImportID == 0 {
			res.Message += " (nor is it in the history: the store was busy)"
		}
	}
	return res, err
}

// errInterrupted is an import its context's end (Ctrl-C) stopped before
// it committed.
type errInterrupted struct{ cause error }

func (errInterrupted) Error() string   { return "interrupted before it committed: nothing was changed" }
func (e errInterrupted) Unwrap() error { return e.cause }

// historyResult is how the history records an operation that ended in err:
// refused by the rules, or failed.
func historyResult(err error) string {
	var ref *Refusal
	if errors.As(err, &ref) {
		return store.ResultRefused
	}
	return store.ResultFailed
}

// recordFailure adds a failed attempt to the history in a transaction of its
// own; it returns the entry's id, or 0 when it could not be written.
func recordFailure(ctx context.Context, s store.Store, r store.ImportRecord) int64 {
	var id int64
	_ = s.Write(ctx, func(tx store.Tx) error {
		var err error
		id, err = tx.AddImport(r)
		return err
	})
	return id
}

func importTx(tx store.Tx, t Target, b *Build, o *Options, start time.Time, arch Archive, notes *[]string) (int64, []Change, error) {
	o.Progress("checking " + b.Solution() + " " + b.Version() + " against " + t.Env.Name)
	st, err := loadState(tx, b.Solution())
	if err != nil {
		return 0, nil, err
	}
	vals, err := prepare(tx, st, t, b, o)
	if err != nil {
		return 0, nil, err
	}
	if base := st.base; base != nil && base.Version == b.Version() && base.BuildDigest != "" && base.BuildDigest != b.Digest {
		// Allowed, as Dataverse allows it; but two builds now share a
		// version, and environments can no longer be told apart by it.
		*notes = append(*notes, fmt.Sprintf("version %s was installed from another build (%s); this build replaces it at the same version: raise the version so that environments can be told apart by it",
			base.Version, short(base.BuildDigest)))
	}
	mode := importMode(st, o.Mode)
	changes, err := importChanges(tx, st, t.Env.Name, b, mode, vals, o.Keyring)
	if err != nil {
		return 0, nil, err
	}
	p, name := b.Project, b.Solution()
	a := &applier{tx: tx, st: st, b: b, p: p, owner: name, o: o, xaml: xamlByID(arch.Data)}
	pub := p.Solution.Publisher
	if err := tx.PutPublisher(store.Publisher{Name: pub.Name, DisplayName: pub.DisplayName, Prefix: pub.Prefix,
		OptionValuePrefix: pub.OptionValuePrefix}); err != nil {
		return 0, nil, err
	}
	o.Progress("tables")
	if err := a.tables(); err != nil {
		return 0, nil, err
	}
	var removed map[string][]store.Stage
	if mode != Stage {
		// A staged upgrade's instances stay where they are until
		// apply-upgrade; the engine reads them from the installed build.
		if removed, err = a.removedStages(); err != nil {
			return 0, nil, err
		}
	}
	if err := a.flows(); err != nil {
		return 0, nil, err
	}
	if err := a.leaveRemovedStages(removed, o.Now()); err != nil {
		return 0, nil, err
	}
	o.Progress("workflows, roles and variables")
	if err := a.workflows(); err != nil {
		return 0, nil, err
	}
	if err := a.roles(); err != nil {
		return 0, nil, err
	}
	if err := storeValues(tx, b, t.Env.Name, vals, o); err != nil {
		return 0, nil, err
	}

	// What the solution row and its component list become.
	now := o.Now()
	newComps := components(p)
	sol := store.Solution{Name: name, DisplayName: p.Solution.DisplayName, Version: b.Version(), Managed: t.Env.Managed,
		Publisher: pub.Name, State: store.StateInstalled, BuildDigest: b.Digest, ArchiveSHA256: arch.SHA256(), ModifiedOn: now}
	if st.base != nil {
		sol.InstalledOn = st.base.InstalledOn
	}
	switch mode {
	case Upgrade:
		gone, kept, err := splitShared(tx, name, dropped(st.comps, newComps))
		if err != nil {
			return 0, nil, err
		}
		if err := remove(tx, gone, o.Progress); err != nil {
			return 0, nil, err
		}
		if err := handOver(tx, kept); err != nil {
			return 0, nil, err
		}
	case Update:
		newComps = union(st.comps, newComps)
	case Stage:
		sol.Name, sol.State, sol.UpgradeOf, sol.InstalledOn = HoldingName(name), store.StateHolding, name, now
	}
	if err := tx.PutSolution(sol); err != nil {
		return 0, nil, err
	}
	if err := tx.SetComponents(sol.Name, newComps); err != nil {
		return 0, nil, err
	}
	if err := keepBuild(tx, b); err != nil {
		return 0, nil, err
	}
	id, err := tx.AddImport(store.ImportRecord{Operation: o.Operation, Solution: name, Version: b.Version(), Managed: t.Env.Managed,
		Mode: string(o.Mode), Who: o.Who, StartedOn: start, Duration: o.Now().Sub(start), ArchiveSHA256: arch.SHA256(), BuildDigest: b.Digest,
		Result: store.ResultSucceeded, Message: summary(changes)})
	if err != nil {
		return 0, nil, err
	}
	o.Progress("committing")
	if hookBeforeCommit != nil {
		hookBeforeCommit()
	}
	return id, changes, nil
}

// keepBuild stores the build's archives and model snapshot, so that the
// exact build can be promoted from this environment.
func keepBuild(tx store.Tx, b *Build) error {
	model, err := packModel(b.Model)
	if err != nil {
		return err
	}
	snap := store.Snapshot{Digest: b.Digest, Solution: b.Solution(), Version: b.Version(), Model: model}
	for _, x := range []struct {
		a       Archive
		managed bool
		sha     *string
	}{{b.Unmanaged, false, &snap.UnmanagedSHA256}, {b.Managed, true, &snap.ManagedSHA256}} {
		if x.a.Data == nil {
			continue
		}
		*x.sha = x.a.SHA256()
		if err := tx.PutArchive(store.Archive{SHA256: *x.sha, Name: x.a.Name, Managed: x.managed, Data: x.a.Data}); err != nil {
			return err
		}
	}
	return tx.PutSnapshot(snap)
}

// keptRemovals are the removals of components an earlier update kept:
// the live build no longer has them, so diffModels cannot list them, yet
// an upgrade removes them with the rest of what the new build lacks.
func keptRemovals(st *state, newComps []store.Component, prefix string) []Change {
	if st.old == nil {
		return nil
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
		}
	}
	return out
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

// importChanges are what an import in mode (importMode's) changes, as its
// plan and its result list them: the models' difference, in an upgrade the
// removal of what an earlier update kept, and the variables' values.
func importChanges(tx store.Tx, st *state, env string, b *Build, mode Mode, vals []value, keyring *secret.Keyring) ([]Change, error) {
	changes := diffModels(st.old, b.Project, mode)
	if mode == Upgrade {
		changes = append(changes, keptRemovals(st, components(b.Project), b.Project.Solution.Publisher.Prefix)...)
	}
	changes = append(changes, valueChanges(st.values, env, vals, keyring)...)
	sortChanges(changes)
	notePresent(st, b.Project, changes)
	var layers map[string][]store.Solution // of the columns others ship too
	if st.base != nil && slices.ContainsFunc(changes, func(c Change) bool { return c.Kind == "column" && (c.Action == "remove" || c.Action == "keep") }) {
		var err error
		if layers, err = columnLayers(tx, st.base.Name); err != nil {
			return nil, err
		}
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
		switch c.Kind {
		case "flow":
			if f := p.Flow(c.Name); f != nil {
				_, there = st.workflows[p.FlowID(f)]
			}
		case "workflow":
			if w := p.Workflow(c.Name); w != nil {
				_, there = st.workflows[p.WorkflowID(w)]
			}
		case "table":
			_, there = st.tables[c.Name]
		case "column":
			table, column, _ := strings.Cut(c.Name, ".")
			ec, ok := st.tables[table].Column(column)
			if owner := st.ownedElsewhere(ec.Solution, p.Solution.Name); ok && owner != "" {
				c.Note = "shared with solution " + owner + ", which ships it too"
				continue
			}
			there = ok
		case "role":
			_, there = st.roles[c.Name]
		}
		if there {
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

// valuesIn counts the rows of table whose column holds a value.
func valuesIn(tx store.Tx, st *state, table, column string) (int, error) {
	t, ok := st.tables[table]
	qt, canQuery := tx.(store.QueryTx)
	if !ok || !canQuery || !slices.ContainsFunc(t.Columns, func(c store.Column) bool { return c.Name == column }) {
		return 0, nil
	}
	rows, err := qt.QueryRows(store.Query{Table: t, Select: []string{t.PrimaryKey},
		Where: store.Compare{Column: column, Op: store.OpNe, Value: nil}})
	return len(rows), err
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
	key := t
	key.Columns = slices.DeleteFunc(slices.Clone(t.Columns), func(c store.Column) bool { return c.Name != t.PrimaryKey })
	rows, err := tx.FindRows(key, map[string]any{"activestageid": stages[i].ID})
	return len(rows), err
}
