package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	vals, vc := resolveValues(b.Project, t.Env, o.Settings, o.SettingsAt, o.EnvironmentValues, o.Getenv, st.values, shipped)
	causes = append(causes, vc...)
	causes = append(causes, checkTables(st, b)...)
	causes = append(causes, checkStoreNames(st, b)...)
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
	// A build without the archive of the environment's flavour is
	// refused by prepare (checkSolution) with the rules' other causes.
	ctx = store.WithWaitNotice(ctx, func() { o.Progress("waiting for another import into " + t.Env.Name + " to finish") })
	err := t.Store.Write(ctx, func(tx store.Tx) error {
		res.Notes, res.Mode = nil, string(o.Mode) // a transaction run again starts over
		id, changes, err := importTx(tx, t, b, &o, start, arch, res)
		res.ImportID, res.Changes = id, changes
		return err
	})
	res.DurationMS = o.Now().Sub(start).Milliseconds()
	if err == nil {
		res.Result = Applied
		return res, nil
	}
	interrupted := errors.Is(err, context.Canceled)
	rctx := ctx
	if interrupted {
		// Recorded too, briefly: the interrupt that ended the import
		// does not end its record, but an import that was waiting
		// for another's lock does not wait on for it.
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
	}
	failure := func(err error) store.ImportRecord {
		return store.ImportRecord{Operation: o.Operation, Solution: b.Solution(), Version: b.Version(),
			Managed: t.Env.Managed, Mode: res.Mode, Who: o.Who, StartedOn: start, Duration: o.Now().Sub(start),
			ArchiveSHA256: res.ArchiveSHA256, BuildDigest: b.Digest, Result: historyResult(err), Message: err.Error()}
	}
	switch {
	case errors.Is(err, store.ErrCommitUnknown):
		// The COMMIT got no answer: the server may have applied it. The
		// store says which, once the transaction has ended.
		how := "the connection to the store was lost while it committed"
		if interrupted {
			how = "interrupted while it committed"
		}
		notCommitted := errNotCommitted{cause: commitCause(err), how: how}
		sctx := store.WithWaitNotice(rctx, func() {
			o.Progress("waiting for the store to end the import's transaction, to read whether it committed")
		})
		applied, known, failID := settle(sctx, t.Store, res.ImportID, failure(notCommitted))
		switch {
		case applied:
			res.Result = Applied
			res.Notes = append(res.Notes, how+"; the store shows it committed")
			return res, nil
		case known:
			res.Result, res.Message, res.ImportID, res.Changes = Failed, notCommitted.Error(), failID, []Change{}
			return res, notCommitted
		}
		err = errCommitUnknown{cause: err, env: t.Env.Name, version: b.Version(), how: how}
		res.Result, res.Message, res.ImportID, res.Changes = Failed, err.Error(), 0, []Change{}
		return res, err
	case interrupted:
		err = errInterrupted{err} // said as such everywhere (results, release steps, JSON)
	}
	// res.Mode is the mode that ran once the rules passed (a stage with
	// nothing installed installs): a failure after that records it, as a
	// success does; a refusal, the mode the rules judged.
	res.Result, res.Message, res.ImportID, res.Changes = Failed, err.Error(), 0, []Change{}
	var ref *Refusal
	if errors.As(err, &ref) {
		res.Result = Refused
	}
	if errors.Is(err, store.ErrBusy) {
		res.Result = Busy
	}
	if !errors.Is(err, store.ErrBusy) {
		res.ImportID = recordFailure(rctx, t.Store, failure(err))
		if interrupted && res.ImportID == 0 {
			res.Message += " (nor is it in the history: the store was busy)"
		}
	}
	return res, err
}

// settle tells, for an import whose COMMIT got no answer, whether it was
// applied: whether its own history entry (id) is there once its
// transaction has ended. The exclusive write it runs in waits for that
// (the import held the environment's lock until it committed or rolled
// back), so what it reads is the outcome, and it records rec, the failure,
// beside it when it was not applied: the history then holds the import's
// own succeeded entry or this failure, never both. known is false when the
// store could not be asked (its lock still held after the busy timeout,
// the server gone): nothing is recorded then. failID is 0 when the failure
// could not be recorded.
func settle(ctx context.Context, s store.Store, id int64, rec store.ImportRecord) (applied, known bool, failID int64) {
	if id == 0 {
		return false, false, 0
	}
	err := s.Write(ctx, func(tx store.Tx) error {
		applied, known, failID = false, false, 0
		own, err := tx.Imports(store.ImportFilter{ID: id})
		if err != nil {
			return err
		}
		// The entry must be this import's: PostgreSQL may hand an
		// identity value out again after a crash (the one the import
		// took was never written if it did not commit), to an import
		// that came after the restart.
		known, applied = true, len(own) == 1 && own[0].Result == store.ResultSucceeded &&
			own[0].BuildDigest == rec.BuildDigest && own[0].Version == rec.Version && own[0].StartedOn.Equal(rec.StartedOn)
		if applied {
			return nil
		}
		failID, err = tx.AddImport(rec)
		return err
	})
	if err != nil {
		failID = 0
	}
	return applied, known, failID
}

// commitCause is the store's error under store.ErrCommitUnknown (the lost
// connection, the context's end), for an import that turned out not to have
// committed: it failed for that cause, its outcome is no longer unknown.
func commitCause(err error) error {
	if m, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range m.Unwrap() {
			if e != store.ErrCommitUnknown {
				return e
			}
		}
	}
	return err
}

// errNotCommitted is an import whose COMMIT got no answer (how says why)
// and that the store then showed was not applied.
type errNotCommitted struct {
	cause error
	how   string
}

func (e errNotCommitted) Error() string {
	return e.how + ", and the store shows it was not committed: nothing was changed, and running it again is safe"
}
func (e errNotCommitted) Unwrap() error { return e.cause }

// errInterrupted is an import its context's end (Ctrl-C) stopped before
// it committed.
type errInterrupted struct{ cause error }

func (errInterrupted) Error() string   { return "interrupted before it committed: nothing was changed" }
func (e errInterrupted) Unwrap() error { return e.cause }

// errCommitUnknown is an import whose COMMIT got no answer — its
// context's end stopped it in flight, or the connection to the store was
// lost (how) — and whose outcome the store could not be asked for
// afterwards (settle): it may have been applied or not, and nothing is
// recorded for it beyond its own succeeded entry if it was.
type errCommitUnknown struct {
	cause             error
	env, version, how string
}

func (e errCommitUnknown) Error() string {
	return fmt.Sprintf("%[1]s: it may or may not have been applied; "+
		"bpfc history --env %[2]s lists it as succeeded if it was, bpfc plan --env %[2]s shows whether %[3]s is live, and running it again is safe",
		e.how, e.env, e.version)
}
func (e errCommitUnknown) Unwrap() error { return e.cause }

// ServedMessage is the message of err, an import's failure, as the server
// that ran it answers its client, when that differs from err's own: an
// outcome not known names what tells it from where the client runs. plan
// reaches a remote environment through its server (the client says its
// own name for the environment in place of the server's); history needs
// the store and refuses a remote environment, so it is named as run where
// the server runs, under the server's name.
func ServedMessage(err error) (string, bool) {
	var e errCommitUnknown
	if !errors.As(err, &e) {
		return "", false
	}
	return fmt.Sprintf("%[1]s: it may or may not have been applied; "+
		"bpfc plan --env %[2]s shows whether %[3]s is live there, bpfc history --env %[2]s, run where its server runs, lists it as succeeded if it was, "+
		"and running it again is safe", e.how, e.env, e.version), true
}

// SaysOutcome reports whether err, an import's failure, says itself
// whether anything was changed (an interrupt, a COMMIT that got no
// answer; through a server, an error whose SaysOutcome method says so): a
// caller prints it without adding "nothing was changed".
func SaysOutcome(err error) bool {
	var unknown errCommitUnknown
	var not errNotCommitted
	var said interface{ SaysOutcome() bool }
	return errors.Is(err, context.Canceled) || errors.Is(err, store.ErrCommitUnknown) || errors.As(err, &unknown) || errors.As(err, &not) ||
		(errors.As(err, &said) && said.SaysOutcome())
}

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

// sameVersionNote is the note of an import of another build at the
// installed version ("" for none): allowed, as Dataverse allows it, but two
// builds then share a version, and environments can no longer be told apart
// by it.
func sameVersionNote(st *state, b *Build) string {
	base := st.base
	if base == nil || base.Version != b.Version() || base.BuildDigest == "" || base.BuildDigest == b.Digest {
		return ""
	}
	return fmt.Sprintf("version %s was installed from another build (%s); this build replaces it at the same version: raise the version so that environments can be told apart by it",
		base.Version, short(base.BuildDigest))
}

// importTx runs the import in tx; it adds its notes to res and sets the
// mode it ran in there (a stage with nothing installed installs).
func importTx(tx store.Tx, t Target, b *Build, o *Options, start time.Time, arch Archive, res *Result) (int64, []Change, error) {
	o.Progress("checking " + b.Solution() + " " + b.Version() + " against " + t.Env.Name)
	st, err := loadState(tx, b.Solution())
	if err != nil {
		return 0, nil, err
	}
	vals, err := prepare(tx, st, t, b, o)
	if err != nil {
		return 0, nil, err
	}
	res.Notes = append(res.Notes, shadowNotes(vals)...)
	if n := sameVersionNote(st, b); n != "" {
		res.Notes = append(res.Notes, n)
	}
	mode := importMode(st, o.Mode)
	if n := stageNote(st, b, t.Env.Name, o.Mode); n != "" {
		res.Notes = append(res.Notes, n)
	}
	res.Mode = string(mode) // what ran, in the result and the history
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
	if mode == Stage {
		if err := keepStagedValues(tx, HoldingName(name), vals, st.values); err != nil {
			return 0, nil, err
		}
	}
	if err := storeValues(tx, b, t.Env.Name, vals, st.values, o); err != nil {
		return 0, nil, err
	}
	if err := scrubSecretHistory(tx, vals, st.values); err != nil {
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
		Mode: string(mode), Who: o.Who, StartedOn: start, Duration: o.Now().Sub(start), ArchiveSHA256: arch.SHA256(), BuildDigest: b.Digest,
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
