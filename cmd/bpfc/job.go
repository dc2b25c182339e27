package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/workflow"
)

// runtimeEnv is an environment opened for run-time commands: its store,
// the workflow runner and an engine whose hooks are the runner, so that
// stage transitions run their workflows.
type runtimeEnv struct {
	store  store.Store
	engine *engine.Engine
	runner *workflow.Runner
	close  func()
}

// newRuntime is the engine of environment s with its workflow runner as
// hooks. Every run-time command's engine should come from here (openSession
// too), so that transitions and action steps run workflows.
func newRuntime(s store.Store, kr *secret.Keyring) (*engine.Engine, *workflow.Runner) {
	r := workflow.New(s, workflow.Options{Keyring: kr})
	return engine.New(s, engine.Options{Keyring: kr, Hooks: r}), r
}

// openRuntime opens environment --env of the project, which must have been
// deployed to, with the engine and the workflow runner.
func openRuntime(g *globals, o *runtimeOptions, command string) (*runtimeEnv, error) {
	if o.env == "" {
		return nil, envRequired(g, command)
	}
	p, ok := loadForRuntime(g, o.env)
	if !ok {
		return nil, failed()
	}
	return openProject(g, p, o)
}

// openProject opens environment --env of the loaded project p, which must
// have been deployed to, with the engine and the workflow runner.
func openProject(g *globals, p *compiler.Project, o *runtimeOptions) (*runtimeEnv, error) {
	ctx := context.Background()
	s, _, err := openDeployed(ctx, g, p, o.env)
	if err != nil {
		return nil, err
	}
	e, r := newRuntime(s, secret.NewKeyring(p.Dir, os.Getenv))
	return &runtimeEnv{store: s, engine: e, runner: r, close: func() { s.Close() }}, nil
}

// openDeployed opens environment env of p, which must have been deployed
// to: what the runtime commands and serve open.
func openDeployed(ctx context.Context, g *globals, p *compiler.Project, env string) (store.Store, environ.Location, error) {
	s, loc, err := environ.OpenDeployed(ctx, p, env, environOptions(g))
	if errors.Is(err, environ.ErrNotCreated) || errors.Is(err, environ.ErrNothingDeployed) {
		return nil, loc, notDeployed(p, env, loc)
	}
	if err != nil {
		return nil, loc, envError(err)
	}
	return s, loc, nil
}

// notDeployed is the error of a runtime command on an environment that
// has had no import, with the command that makes its first: a deploy, or
// for an environment that promotes from another a promotion, as its gate
// refuses a deploy of a build not live there.
func notDeployed(p *compiler.Project, env string, loc environ.Location) error {
	first := "bpfc deploy --env " + env
	if e := p.Environment(env); e != nil && e.PromoteFrom != "" {
		first = fmt.Sprintf("bpfc promote --from %s --to %s (or bpfc release)", e.PromoteFrom, env)
	}
	return &exitError{code: 1, msg: fmt.Sprintf("environment %s (%s) has nothing deployed yet: run %s first", env, loc.Display, first)}
}

// openAdmin opens the runtime and checks that --as is a system
// administrator: what the queue and the outbox need.
func openAdmin(g *globals, o *runtimeOptions, command, doing string) (*runtimeEnv, error) {
	rt, err := openRuntime(g, o, command)
	if err != nil {
		return nil, err
	}
	if err := rt.engine.As(o.as).RequireAdmin(context.Background(), doing); err != nil {
		rt.close()
		return nil, runtimeErr(err)
	}
	return rt, nil
}

type jobOptions struct {
	runtimeOptions
	once  bool
	state string
	limit int
}

func newJobCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "job",
		Short: "Background workflow runs: run the queue, list, retry or cancel jobs",
		Long: "job works on the background workflow runs of environment E: the jobs that stage\n" +
			"transitions and action steps queue for their background workflows. job run runs\n" +
			"the queue (bpfc serve runs it too), job list shows the jobs with their state,\n" +
			"attempts and last error, and an administrator retries a failed or canceled job\n" +
			"or cancels one that has not ended.",
		Example: "  bpfc job run --env dev --once\n" +
			"  bpfc job list --env dev --state failed\n" +
			"  bpfc job retry 7 --env dev\n" +
			"  bpfc job cancel 7 --env dev",
		Args: argsUsage(cobra.NoArgs),
	}
	cmd.AddCommand(newJobRunCmd(g), newJobListCmd(g), newJobChangeCmd(g, "retry"), newJobChangeCmd(g, "cancel"))
	return cmd
}

// newJobChangeCmd is job retry or job cancel: an operator's change of one
// job, by an administrator, on a local environment (as job run).
func newJobChangeCmd(g *globals, verb string) *cobra.Command {
	o := &jobOptions{}
	short, long := "Queue a failed or canceled job again", "job retry queues a failed or canceled job of environment E again, due now, with its\n"+
		"attempts counted afresh: it resumes where it ended (the step that failed).\n"
	if verb == "cancel" {
		short, long = "Cancel a queued, waiting or running job", "job cancel ends a queued, waiting or running job of environment E as canceled; a\n"+
			"worker running it loses it, and what its steps wrote is rolled back.\n"
	}
	cmd := &cobra.Command{
		Use:   verb + " ID --env E",
		Short: short,
		Long:  long + "\n--output json prints the job as job list does.",
		Args:  argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usageErr("job %s: %q is not a job id (job list shows them)", verb, args[0])
			}
			return runJobChange(g, o, verb, id)
		},
	}
	o.localFlags(cmd)
	return cmd
}

func runJobChange(g *globals, o *jobOptions, verb string, id int64) error {
	rt, err := openAdmin(g, &o.runtimeOptions, "job "+verb, verb+" workflow jobs")
	if err != nil {
		return err
	}
	defer rt.close()
	ctx := context.Background()
	var j store.Job
	if verb == "retry" {
		j, err = rt.runner.RetryJob(ctx, id)
	} else {
		j, err = rt.runner.CancelJob(ctx, id, o.as)
	}
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, jobsJSON([]store.Job{j})[0])
	}
	fmt.Fprintln(g.stdout, jobLine(j))
	return nil
}

func newJobRunCmd(g *globals) *cobra.Command {
	o := &jobOptions{}
	cmd := &cobra.Command{
		Use:   "run --env E [--once]",
		Short: "Run the background workflow queue",
		Long: "job run runs the background workflows that stage transitions and action steps\n" +
			"queued in environment E: until interrupted, or with --once only the jobs due now.\n" +
			"A failed attempt is retried with exponential backoff, then recorded as failed.\n" +
			"Several job run processes (and bpfc serve) may run the same queue: no job runs\n" +
			"twice, and a job whose worker died is taken over when its lease ends.\n\n" +
			"--output json prints {\"environment\": E, \"jobs\": [jobs as job list prints them]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runJobRun(g, o) },
	}
	o.localFlags(cmd)
	cmd.Flags().BoolVar(&o.once, "once", false, "run the jobs that are due now, then exit")
	return cmd
}

func runJobRun(g *globals, o *jobOptions) error {
	sigs, stop := signals()
	defer stop()
	return runJobQueue(g, o, sigs)
}

// runJobQueue is job run, interrupted by interrupts: the first stops
// taking jobs and lets the running one end (a webhook it is posting is
// answered, not posted again by the next run); a second stops at once.
func runJobQueue(g *globals, o *jobOptions, interrupts <-chan os.Signal) error {
	rt, err := openAdmin(g, &o.runtimeOptions, "job run", "run the workflow queue")
	if err != nil {
		return err
	}
	defer rt.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopping := make(chan struct{})
	onInterrupts(interrupts, ctx.Done(), func() {
		fmt.Fprintln(g.stderr, "bpfc: job run: stopping when the job it runs ends; interrupt again to stop at once (a webhook being posted is then posted again by the next run, with the same Idempotency-Key)")
		close(stopping)
	}, cancel)
	var ran []store.Job
	for {
		js, err := rt.runner.RunDueUntil(ctx, stopping)
		if err != nil && ctx.Err() == nil {
			return runtimeErr(err)
		}
		ran = append(ran, js...)
		if g.output == "text" {
			for _, j := range js {
				fmt.Fprintln(g.stdout, jobLine(j))
			}
		}
		if o.once || isClosed(stopping) {
			break
		}
		select {
		case <-stopping:
		case <-time.After(time.Second):
		}
	}
	if g.output == "json" {
		if err := writeJSON(g.stdout, map[string]any{"environment": o.env, "jobs": jobsJSON(ran)}); err != nil {
			return err
		}
	} else if o.once && len(ran) == 0 {
		fmt.Fprintln(g.stdout, "No jobs due.")
	}
	if ctx.Err() != nil {
		// Stopped at once (a second interrupt): not a run that ended well.
		return &exitError{code: 1, msg: "job run: stopped at once; the job it was running is back in the queue at the step it reached"}
	}
	return nil
}

// jobLine says in one line how a run of a job ended.
func jobLine(j store.Job) string {
	line := fmt.Sprintf("job %d %s on %s %s: %s", j.ID, j.Workflow, j.Table, j.RecordID, j.State)
	switch {
	case j.State == store.JobQueued && j.Attempts > 0:
		line += fmt.Sprintf(" (attempt %d failed, retry at %s): %s", j.Attempts, j.NextRunAt.UTC().Format(time.DateTime), j.LastError)
	case j.State == store.JobQueued:
		// Queued again by hand (job retry): nothing has failed since.
		line += fmt.Sprintf(" (due %s, %d attempts left)", j.NextRunAt.UTC().Format(time.DateTime), j.MaxAttempts)
	case j.State == store.JobWaiting:
		line += " (for its wait_until)"
	case j.State == store.JobFailed:
		line += " (" + compiler.Plural(j.Attempts, "attempt") + "): " + j.LastError
	case j.Result != "":
		line += " (" + j.Result + ")"
	}
	return line
}

func newJobListCmd(g *globals) *cobra.Command {
	o := &jobOptions{}
	cmd := &cobra.Command{
		Use:   "list --env E [--state S]",
		Short: "List background workflow runs",
		Long: "job list prints the background workflow runs of environment E, newest first:\n" +
			"queued, waiting (for a wait_until), running, succeeded, failed or canceled, with\n" +
			"their attempts and last error.\n\n" +
			"--output json prints {\"environment\": E, \"jobs\": [{id, workflow, table, record,\n" +
			"instance, flow, trigger, parent, state, step, attempts, max_attempts, next_run_at,\n" +
			"last_error, result, created_on, started_on, finished_on}]} (times null when not yet).",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runJobList(g, o) },
	}
	o.flags(cmd)
	cmd.Flags().StringVar(&o.state, "state", "", "only jobs in `STATE` (queued, waiting, running, succeeded, failed, canceled)")
	cmd.Flags().IntVar(&o.limit, "limit", 0, "at most `N` jobs (0: all)")
	return cmd
}

func runJobList(g *globals, o *jobOptions) error {
	switch o.state {
	case "", store.JobQueued, store.JobWaiting, store.JobRunning, store.JobSucceeded, store.JobFailed, store.JobCanceled:
	default:
		return usageErr("job list: --state %q: use queued, waiting, running, succeeded, failed or canceled", o.state)
	}
	if err := limitArg("job list", o.limit); err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "job list")
	if err != nil {
		return err
	}
	defer done()
	js, err := s.Jobs(context.Background(), store.JobFilter{State: o.state, Limit: o.limit})
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"environment": o.env, "jobs": jobsJSON(js)})
	}
	if len(js) == 0 {
		fmt.Fprintln(g.stdout, "No jobs.")
		return nil
	}
	rows := [][]string{{"ID", "WORKFLOW", "RECORD", "TRIGGER", "STATE", "ATTEMPTS", "WHEN", "LAST ERROR"}}
	for _, j := range js {
		when := j.ModifiedOn
		switch j.State {
		case store.JobQueued, store.JobWaiting:
			when = j.NextRunAt
		}
		whenText := when.UTC().Format(time.DateTime)
		if when.Equal(store.Never) {
			whenText = "-"
		}
		rows = append(rows, []string{strconv.FormatInt(j.ID, 10), j.Workflow, j.Table + ":" + j.RecordID, orElse(j.Trigger, "-"), j.State,
			fmt.Sprintf("%d/%d", j.Attempts, j.MaxAttempts), whenText, orElse(j.LastError, "-")})
	}
	table(g.stdout, rows)
	return nil
}

// jobJSON is a job as job list --output json prints it.
type jobJSON struct {
	ID          int64      `json:"id"`
	Workflow    string     `json:"workflow"`
	Table       string     `json:"table"`
	Record      string     `json:"record"`
	Instance    string     `json:"instance"`
	Flow        string     `json:"flow"`
	Trigger     string     `json:"trigger"`
	Parent      int64      `json:"parent"`
	State       string     `json:"state"`
	Step        int        `json:"step"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	NextRunAt   *time.Time `json:"next_run_at"`
	LastError   string     `json:"last_error"`
	Result      string     `json:"result"`
	CreatedOn   time.Time  `json:"created_on"`
	StartedOn   *time.Time `json:"started_on"`
	FinishedOn  *time.Time `json:"finished_on"`
}

func jobsJSON(js []store.Job) []jobJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() || t.Equal(store.Never) {
			return nil
		}
		return &t
	}
	out := make([]jobJSON, 0, len(js))
	for _, j := range js {
		next := opt(j.NextRunAt)
		if j.Done() || j.State == store.JobRunning {
			next = nil
		}
		out = append(out, jobJSON{ID: j.ID, Workflow: j.Workflow, Table: j.Table, Record: j.RecordID, Instance: j.InstanceID, Flow: j.Flow,
			Trigger: j.Trigger, Parent: j.ParentID, State: j.State, Step: j.Step, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
			NextRunAt: next, LastError: j.LastError, Result: j.Result, CreatedOn: j.CreatedOn, StartedOn: opt(j.StartedOn),
			FinishedOn: opt(j.FinishedOn)})
	}
	return out
}

// environOptions are how the commands open environments: a migration of
// an existing environment's schema is said on stderr, as older bpfc
// versions (a server sharing its database, say) cannot open it after.
func environOptions(g *globals) environ.Options {
	return environ.Options{OnMigrate: func(env string, from, to int) {
		fmt.Fprintf(g.stderr, "bpfc: environment %s: its store was upgraded from schema version %d to %d; bpfc versions older than this one can no longer open it\n", env, from, to)
	}}
}
