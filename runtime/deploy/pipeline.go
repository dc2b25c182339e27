package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// Pipeline is a project's environments, in the order written, with the
// promote_from gates between them.
type Pipeline struct {
	Project *compiler.Project   // its environments and directory
	Open    environ.Options     // how stores are opened
	Getenv  func(string) string // the process environment (os.Getenv when nil)
	// Remote reaches the environments with a url (another machine's bpfc
	// serve): imports into them, promotions from them and promote_from
	// gates on them. Without it they are refused.
	Remote Remote
}

// Remote is how a pipeline reaches an environment with a url.
type Remote interface {
	// Installed reads solution as env has it installed, and its holding
	// solution when an upgrade is staged there (zero otherwise). A
	// solution not installed is an error wrapping store.ErrNotFound.
	Installed(ctx context.Context, env *compiler.Environment, solution string) (installed, holding store.Solution, err error)
	// Live reads the build of solution live in env, as Live reads a
	// local store's (an error wrapping store.ErrNotFound when it is not
	// installed).
	Live(ctx context.Context, env *compiler.Environment, solution string) (*Build, error)
	// Import imports b into env, as Import does into a local store; the
	// Result says what happened, also when it did not apply.
	Import(ctx context.Context, env *compiler.Environment, b *Build, o Options) (*Result, error)
	// Plan is what Import would do, changing nothing (PlanImport there).
	Plan(ctx context.Context, env *compiler.Environment, b *Build, o Options) (*Plan, error)
}

// remote is pl.Remote, or an error saying that env is remote.
func (pl *Pipeline) remote(env *compiler.Environment) (Remote, error) {
	if pl.Remote == nil {
		_, err := environ.Locate(pl.Project, env)
		return nil, err
	}
	return pl.Remote, nil
}

func (pl *Pipeline) env(name string) (*compiler.Environment, error) {
	if e := pl.Project.Environment(name); e != nil {
		return e, nil
	}
	return nil, environ.UnknownEnvironment(pl.Project, name)
}

func (pl *Pipeline) open(ctx context.Context, name string, mustExist bool) (store.Store, error) {
	o := pl.Open
	o.MustExist = mustExist
	s, _, err := environ.Open(ctx, pl.Project, name, o)
	return s, err
}

func (pl *Pipeline) options(o Options) Options {
	if o.Getenv == nil {
		o.Getenv = pl.Getenv
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Keyring == nil {
		o.Keyring = secret.NewKeyring(pl.Project.Dir, o.Getenv)
	}
	return o
}

// Live returns the build of solution that is live in s (its staged upgrade
// when there is one) and its solution row.
func Live(ctx context.Context, s store.Store, solution string) (*Build, store.Solution, error) {
	var b *Build
	var sol store.Solution
	err := s.Read(ctx, func(tx store.Tx) error {
		var err error
		sol, err = tx.Solution(solution)
		if err != nil {
			return err
		}
		if h, err := tx.Solution(HoldingName(solution)); err == nil && h.State == store.StateHolding {
			sol = h
		}
		snap, err := tx.Snapshot(sol.BuildDigest)
		if err != nil {
			return err
		}
		b, err = buildFromSnapshot(tx, snap)
		return err
	})
	return b, sol, err
}

// Gate checks env's promote_from: the build (solution, version, digest)
// must be live in the source environment, installed there or staged as
// its upgrade. A remote source is read through pl.Remote. The refusal is a
// *Refusal naming the gate.
func (pl *Pipeline) Gate(ctx context.Context, env *compiler.Environment, solution, version, digest string) error {
	if env.PromoteFrom == "" {
		return nil
	}
	refuse := func(format string, args ...any) error {
		return &Refusal{Env: env.Name, Solution: solution, Version: version,
			Causes: []string{fmt.Sprintf("promote_from = %q: ", env.PromoteFrom) + fmt.Sprintf(format, args...)}}
	}
	var live store.Solution
	var err error
	if src := pl.Project.Environment(env.PromoteFrom); src != nil && src.URL != "" {
		if pl.Remote == nil {
			return refuse("%s is remote, and what is live there cannot be read from here; promote from %s itself", env.PromoteFrom, env.PromoteFrom)
		}
		var holding store.Solution
		live, holding, err = pl.Remote.Installed(ctx, src, solution)
		if err == nil && holding.BuildDigest == digest && digest != "" {
			live = holding
		}
	} else {
		live, err = pl.installed(ctx, env.PromoteFrom, solution, digest)
		if errors.Is(err, environ.ErrNotCreated) {
			return refuse("nothing was ever deployed to %s; deploy build %s there first", env.PromoteFrom, short(digest))
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return refuse("%s is not installed in %s; deploy build %s there first", solution, env.PromoteFrom, short(digest))
	}
	if errors.Is(err, store.ErrBusy) {
		return &SourceBusyError{Source: env.PromoteFrom, Err: err}
	}
	if err != nil {
		return err
	}
	if live.BuildDigest != digest {
		return refuse("build %s is not live in %s, which has %s %s (build %s); deploy this build to %s first, or run bpfc promote --from %s --to %s",
			short(digest), env.PromoteFrom, solution, live.Version, short(live.BuildDigest), env.PromoteFrom, env.PromoteFrom, env.Name)
	}
	return nil
}

// SourceBusyError is a gate that gave up waiting for the store of the
// environment promoted from (Source), to read what is live there: the
// import is busy, and it is Source, not the target, that was held.
type SourceBusyError struct {
	Source string
	Err    error
}

func (e *SourceBusyError) Error() string {
	return fmt.Sprintf("reading what is live in %s (promote_from): %v", e.Source, e.Err)
}
func (e *SourceBusyError) Unwrap() error { return e.Err }

// installed reads solution as the local environment name has it: its
// holding solution when that is build digest, else the installed one.
func (pl *Pipeline) installed(ctx context.Context, name, solution, digest string) (store.Solution, error) {
	src, err := pl.open(ctx, name, true)
	if err != nil {
		return store.Solution{}, err
	}
	defer src.Close()
	var live store.Solution
	err = src.Read(ctx, func(tx store.Tx) error {
		var err error
		live, err = tx.Solution(solution)
		if err == nil {
			if h, herr := tx.Solution(HoldingName(solution)); herr == nil && h.BuildDigest == digest {
				live = h
			}
		}
		return err
	})
	return live, err
}

// short abbreviates a digest for messages.
func short(digest string) string {
	if len(digest) > 19 {
		return digest[:19]
	}
	return digest
}

// Deploy imports b into the named environment after its promote_from gate.
func (pl *Pipeline) Deploy(ctx context.Context, name string, b *Build, o Options) (*Result, error) {
	env, err := pl.env(name)
	if err != nil {
		return nil, err
	}
	o = pl.options(o)
	if err := pl.Gate(ctx, env, b.Solution(), b.Version(), b.Digest); err != nil {
		return pl.refusedBeforeImport(ctx, env, b, o, err)
	}
	return pl.importInto(ctx, env, b, o)
}

// importInto opens (creating) env's store and imports b. When the
// environment did not exist and the import does not apply, it is removed
// again: a refused first import leaves nothing behind.
func (pl *Pipeline) importInto(ctx context.Context, env *compiler.Environment, b *Build, o Options) (*Result, error) {
	if env.URL != "" {
		r, err := pl.remote(env)
		if err != nil {
			return nil, err
		}
		return r.Import(ctx, env, b, o)
	}
	loc, err := environ.Locate(pl.Project, env)
	if err != nil {
		return nil, err
	}
	existed, err := environ.Exists(ctx, loc)
	if errors.Is(err, context.Canceled) {
		return pl.refusedBeforeImport(ctx, env, b, o, errInterrupted{err})
	}
	if err != nil {
		// Named as environ.Open names it for every other command.
		return nil, fmt.Errorf("environment %q: %w", env.Name, err)
	}
	s, err := pl.open(ctx, env.Name, false)
	if err != nil {
		if !existed {
			removeNew(ctx, loc) // a store half created (PostgreSQL's schema) goes too
		}
		if errors.Is(err, context.Canceled) {
			// Said as Import says an interrupt, not as the store's
			// "creating table …: context canceled".
			return pl.refusedBeforeImport(ctx, env, b, o, errInterrupted{err})
		}
		if errors.Is(err, store.ErrBusy) {
			// Opening waited for the environment as the import's
			// transaction would have: busy, not failed (retried).
			return pl.refusedBeforeImport(ctx, env, b, o, err)
		}
		return nil, err
	}
	res, err := Import(ctx, Target{Env: env, Store: s}, b, o)
	s.Close()
	if err != nil && !existed {
		// An import whose COMMIT went unanswered and whose outcome
		// could not be read (errCommitUnknown) may have committed: the
		// removal keeps the environment then, for it waits for the
		// environment's lock and removes it only when no import
		// succeeded there. When it does remove it, that outcome is
		// known: not committed, and the message no longer points at
		// the history of an environment that is gone.
		var unknown errCommitUnknown
		if removeNew(ctx, loc) && errors.As(err, &unknown) && res != nil {
			err = errNotCommitted{cause: commitCause(unknown.cause), how: unknown.how}
			res.Message = err.Error()
		}
		if res != nil {
			res.ImportID = 0
		}
	}
	return res, err
}

// removeNew removes the store of an environment whose first import did not
// apply, and reports whether it did. The interrupt that ended the import
// does not stop it: with the import's cancelled context PostgreSQL's drop
// failed, leaving the environment created.
func removeNew(ctx context.Context, loc environ.Location) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	removed, err := environ.RemoveNew(ctx, loc)
	return removed && err == nil
}

// refusedBeforeImport reports a refusal that came before the import could
// start, recording it in the target's history when the target exists; an
// interrupt is failed and a wait given up busy, neither recorded.
func (pl *Pipeline) refusedBeforeImport(ctx context.Context, env *compiler.Environment, b *Build, o Options, err error) (*Result, error) {
	o.defaults()
	arch := b.archive(env.Managed)
	res := &Result{Environment: env.Name, Solution: b.Solution(), Version: b.Version(), Managed: env.Managed, Mode: string(o.Mode),
		Digest: b.Digest, Archive: arch.Name, ArchiveSHA256: arch.SHA256(), Result: Failed, Message: err.Error(), Changes: []Change{}}
	if errors.Is(err, store.ErrBusy) {
		res.Result = Busy // nothing changed and nothing recorded, as Import's busy
	}
	var ref *Refusal
	if !errors.As(err, &ref) {
		return res, err
	}
	res.Result = Refused
	if s, oerr := pl.open(ctx, env.Name, true); oerr == nil {
		res.ImportID = recordFailure(ctx, s, store.ImportRecord{Operation: o.Operation, Solution: b.Solution(), Version: b.Version(),
			Managed: env.Managed, Mode: string(o.Mode), Who: o.Who, StartedOn: o.Now(), ArchiveSHA256: res.ArchiveSHA256,
			BuildDigest: b.Digest, Result: store.ResultRefused, Message: err.Error()})
		s.Close()
	}
	return res, err
}

// Plan runs the gate and Import's rules for b against the named environment
// and lists the changes, writing nothing. An environment that was never
// deployed to is planned as a new, empty one (and not created).
func (pl *Pipeline) Plan(ctx context.Context, name string, b *Build, o Options) (*Plan, error) {
	env, err := pl.env(name)
	if err != nil {
		return nil, err
	}
	o = pl.options(o)
	var gateCauses []string
	if err := pl.Gate(ctx, env, b.Solution(), b.Version(), b.Digest); err != nil {
		var ref *Refusal
		if !errors.As(err, &ref) {
			return nil, err
		}
		gateCauses = ref.Causes
	}
	if env.URL != "" {
		// The server plans against what it has; its own gate is among
		// its refusals.
		r, err := pl.remote(env)
		if err != nil {
			return nil, err
		}
		plan, err := r.Plan(ctx, env, b, o)
		if plan != nil {
			plan.Refusals = append(append([]string{}, gateCauses...), plan.Refusals...)
		}
		return plan, err
	}
	s, err := pl.open(ctx, name, true)
	if errors.Is(err, environ.ErrNotCreated) {
		s, err = scratch(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	defer s.Close()
	plan, err := PlanImport(ctx, Target{Env: env, Store: s}, b, o)
	if plan != nil {
		// A new slice: an empty list stays [] in JSON, never null.
		plan.Refusals = append(append([]string{}, gateCauses...), plan.Refusals...)
	}
	return plan, err
}

// Promote imports into to exactly the build live in from, in to's flavour.
func (pl *Pipeline) Promote(ctx context.Context, from, to string, o Options) (*Result, error) {
	src, err := pl.env(from)
	if err != nil {
		return nil, err
	}
	env, err := pl.env(to)
	if err != nil {
		return nil, err
	}
	if from == to {
		return nil, fmt.Errorf("cannot promote %s to itself", from)
	}
	o = pl.options(o)
	if o.Operation == "" {
		o.Operation = "promote"
	}
	b, err := pl.liveBuild(ctx, src)
	if err != nil {
		return nil, err
	}
	if env.PromoteFrom != "" && env.PromoteFrom != from {
		if err := pl.Gate(ctx, env, b.Solution(), b.Version(), b.Digest); err != nil {
			return pl.refusedBeforeImport(ctx, env, b, o, err)
		}
	}
	return pl.importInto(ctx, env, b, o)
}

// LiveBuild is the build of the project's solution live in environment
// from: what promote --from deploys, and plan --from plans.
func (pl *Pipeline) LiveBuild(ctx context.Context, from string) (*Build, error) {
	src, err := pl.env(from)
	if err != nil {
		return nil, err
	}
	return pl.liveBuild(ctx, src)
}

func (pl *Pipeline) liveBuild(ctx context.Context, src *compiler.Environment) (*Build, error) {
	var b *Build
	var err error
	if src.URL != "" {
		r, rerr := pl.remote(src)
		if rerr != nil {
			return nil, rerr
		}
		b, err = r.Live(ctx, src, pl.Project.Solution.Name)
	} else {
		s, oerr := pl.open(ctx, src.Name, true)
		if oerr != nil {
			return nil, oerr
		}
		b, _, err = Live(ctx, s, pl.Project.Solution.Name)
		s.Close()
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("nothing to promote: %s is not installed in %s", pl.Project.Solution.Name, src.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the build live in %s: %w", src.Name, err)
	}
	return b, nil
}

// ReleaseStep is one environment of a release. JSON shape: environment,
// action ("deploy" or "promote from <env>"), solution, version, digest,
// result (applied | refused | failed | busy | skipped), message, duration_ms.
type ReleaseStep struct {
	Environment string   `json:"environment"`
	Action      string   `json:"action"`
	Solution    string   `json:"solution"`
	Version     string   `json:"version"`
	Digest      string   `json:"digest"`
	Result      string   `json:"result"`
	Message     string   `json:"message,omitempty"`
	DurationMS  int64    `json:"duration_ms"`
	Notes       []string `json:"notes,omitempty"` // the import's (Result.Notes)
	// Data are the import's changes that touched rows (Change.Data: the
	// instances a removed flow took with it, …), as deploy prints them.
	Data []Change `json:"data,omitempty"`
}

// Release is the outcome of a release. JSON shape (bpfc release --output
// json): solution, version, digest (of the build released), ok (every
// environment applied), result (applied, or the result of the environment
// that stopped the release: refused, failed or busy) and message (that
// environment's, named), as deploy's and promote's documents have them,
// environments (ReleaseStep, in pipeline order).
type Release struct {
	Solution     string        `json:"solution"`
	Version      string        `json:"version"`
	Digest       string        `json:"digest"`
	OK           bool          `json:"ok"`
	Result       string        `json:"result"`
	Message      string        `json:"message,omitempty"`
	Environments []ReleaseStep `json:"environments"`
}

// Release deploys b to the first environment, then each further one in
// order: promoted from its promote_from, or deployed when it has none. It
// stops at the first environment that does not apply; the rest are skipped.
func (pl *Pipeline) Release(ctx context.Context, b *Build, o Options, progress func(ReleaseStep)) (*Release, error) {
	rel := &Release{Solution: b.Solution(), Version: b.Version(), Digest: b.Digest, OK: true, Result: Applied, Environments: []ReleaseStep{}}
	if len(pl.Project.Environments) == 0 {
		err := errors.New(`the project declares no environments: add environment blocks to release, such as environment "dev" { managed = false }; each later one names the environment it takes builds from with promote_from = "dev"`)
		rel.OK, rel.Result, rel.Message = false, Failed, err.Error()
		return rel, err
	}
	if progress == nil {
		progress = func(ReleaseStep) {}
	}
	var firstErr error
	for i, env := range pl.Project.Environments {
		step := ReleaseStep{Environment: env.Name, Action: "deploy", Solution: b.Solution(), Version: b.Version(), Digest: b.Digest}
		if i > 0 && env.PromoteFrom != "" {
			step.Action = "promote from " + env.PromoteFrom // skipped or not
		}
		if !rel.OK {
			step.Result = Skipped
			rel.Environments = append(rel.Environments, step)
			continue
		}
		var res *Result
		var err error
		if i > 0 && env.PromoteFrom != "" {
			po := o
			po.Operation = "promote"
			res, err = pl.Promote(ctx, env.PromoteFrom, env.Name, po)
		} else {
			res, err = pl.Deploy(ctx, env.Name, b, o)
		}
		if res != nil {
			step.Version, step.Digest, step.Result, step.DurationMS, step.Notes = res.Version, res.Digest, res.Result, res.DurationMS, res.Notes
			for _, c := range res.Changes {
				if c.Data != "" {
					step.Data = append(step.Data, c)
				}
			}
		}
		if err != nil {
			switch {
			case step.Result == "" && errors.Is(err, store.ErrBusy):
				// No result (a promotion's source could not be opened
				// for the wait): busy all the same, nothing changed.
				step.Result = Busy
			case step.Result == "" || step.Result == Applied:
				step.Result = Failed
			}
			step.Message = err.Error()
			rel.OK, rel.Result, rel.Message = false, step.Result, env.Name+": "+step.Message
			firstErr = err
		}
		rel.Environments = append(rel.Environments, step)
		progress(step)
	}
	return rel, firstErr
}
