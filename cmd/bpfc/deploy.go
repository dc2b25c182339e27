package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/solution"
	"github.com/bpfc/bpfc/solution/unpack"
	"github.com/spf13/cobra"
)

type deployOptions struct {
	env      string
	archive  string
	settings string
	mode     string
	timeout  string
}

func newDeployCmd(g *globals) *cobra.Command {
	o := &deployOptions{}
	cmd := &cobra.Command{
		Use:   "deploy --env E",
		Short: "Import the build into an environment (managed or unmanaged per the environment)",
		Long: "deploy builds the project and imports it into environment E in one transaction:\n" +
			"it applies completely or leaves the environment as it was, and a refusal names\n" +
			"every cause. An environment with promote_from accepts only the build live there.\n" +
			"Modes: upgrade (default) removes what the new version dropped, update keeps it,\n" +
			"stage installs a holding solution that `bpfc apply-upgrade` completes.\n\n" +
			"A variable's value comes from --settings, then BPFC_VAR_<SCHEMANAME> (or\n" +
			"BPFC_VAR_<NAME>; the schema name's wins when both are set), then E's environment\n" +
			"block, then the value E keeps from an earlier import, then one the archive ships,\n" +
			"then its default. A secret takes only BPFC_VAR_<SCHEMANAME> (or BPFC_VAR_<NAME>).\n\n" +
			"--output json prints the result: environment, solution, version, managed, mode,\n" +
			"digest, archive, archive_sha256, result (applied | refused | failed | busy), message,\n" +
			"duration_ms, import_id and changes ([{action, kind, name, data?, fields?}]). busy:\n" +
			"it gave up waiting for the environment (another import or a long transaction held\n" +
			"it), changed nothing and is not in the history: run it again. Each exits 1.",
		Example: "  bpfc deploy --env dev\n" +
			"  bpfc deploy --env test --archive dist/ContosoSales_1_0_0_0_managed.zip --settings settings/test.json\n" +
			"  # a holding solution now, the upgrade later:\n" +
			"  bpfc deploy --env dev --mode stage\n" +
			"  bpfc apply-upgrade ContosoSales --env dev",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runDeploy(g, o) },
	}
	cmd.Flags().StringVar(&o.env, "env", "", "the environment to import into (required)")
	cmd.Flags().StringVar(&o.archive, "archive", "", "import this solution `ZIP` (of the environment's flavour) instead of building the project")
	cmd.Flags().StringVar(&o.settings, "settings", "", "variable values from a deployment settings `FILE` (pac format)")
	cmd.Flags().StringVar(&o.mode, "mode", "upgrade", "upgrade | update | stage")
	timeoutFlag(cmd, &o.timeout)
	return cmd
}

func runDeploy(g *globals, o *deployOptions) error {
	if o.env == "" {
		return envRequired(g, "deploy")
	}
	mode, err := deploy.ParseMode(o.mode)
	if err != nil {
		return usageErr("deploy: %v", err)
	}
	timeout, err := parseTimeout("deploy", o.timeout)
	if err != nil {
		return err
	}
	p, ok := loadForImport(g)
	if !ok {
		return failed()
	}
	opts, err := importOptions(g, p, mode, o.settings)
	if err != nil {
		return err
	}
	var b *deploy.Build
	if o.archive != "" {
		var leftOut []string
		b, leftOut, err = archiveBuild(g, p, o.env, o.archive)
		skipLeftOut(g, opts.Settings, leftOut)
	} else {
		b, err = buildForDeploy(p)
	}
	if err != nil {
		return err
	}
	ctx, stopSignals := interruptible()
	defer stopSignals()
	if e := p.Environment(o.env); e != nil && e.URL != "" {
		return remoteDeploy(ctx, g, e, b, opts, timeout)
	}
	stop := progress(g, o.env, &opts)
	res, err := remotePipeline(g, p, timeout).Deploy(ctx, o.env, b, opts)
	stop()
	return reportResult(g, p.Environment(o.env), opts.Mode, b, res, err)
}

func pipeline(g *globals, p *compiler.Project) *deploy.Pipeline {
	return &deploy.Pipeline{Project: p, Open: environOptions(g)}
}

// importOptions are the options of an import from the command line.
func importOptions(g *globals, p *compiler.Project, mode deploy.Mode, settings string) (deploy.Options, error) {
	o := deploy.Options{Mode: mode, Who: whoAmI()}
	if settings != "" {
		full := inputPath(p.Dir, settings)
		f, err := deploy.ReadSettingsFile(full)
		if errPath(err) != "" {
			return o, pathError(reading, "--settings "+settings, settings, err, "give a deployment settings file (pac's format; bpfc create-settings -o FILE writes one to fill in)")
		}
		if err != nil {
			return o, &exitError{code: 1, msg: "--settings: " + err.Error()}
		}
		o.Settings, o.SettingsAt = f.Values, f.At
		if n := len(f.ConnectionReferences); n > 0 {
			fmt.Fprintf(g.stderr, "bpfc: note: --settings: the file's connection references (%s) are not used: bpfc's solutions have none\n",
				strings.Join(f.ConnectionReferences, ", "))
		}
	}
	return o, nil
}

// buildForDeploy builds the project's archives in memory (nothing on disk
// for an interrupt to leave behind) and checks them as an import will.
func buildForDeploy(p *compiler.Project) (*deploy.Build, error) {
	unmanaged, managed, err := solution.Archives(p)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	return deploy.NewBuild(p,
		deploy.Archive{Name: solution.ArchiveName(p.Solution, false), Data: unmanaged},
		deploy.Archive{Name: solution.ArchiveName(p.Solution, true), Data: managed})
}

// skipLeftOut drops from a settings file's values those of the archive's
// variables the build left out (a data source): pac writes them into the
// file it makes for the archive, and they are no typo to refuse.
func skipLeftOut(g *globals, settings map[string]string, leftOut []string) {
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		if i := slices.IndexFunc(leftOut, func(s string) bool { return strings.EqualFold(s, name) }); i >= 0 {
			delete(settings, name)
			if g.output == "text" {
				fmt.Fprintf(g.stderr, "warning: the settings file's value for %s is not used: the archive's variable %s was left out\n", name, leftOut[i])
			}
		}
	}
}

// archiveBuild reads a solution archive (bpfc's or a Dataverse export) as the
// build to import: its model comes from unpacking it, and it must be of the
// flavour the environment takes. The project gives the environments only.
// It also returns the schema names of the archive's variables that the
// build left out.
func archiveBuild(g *globals, p *compiler.Project, env, path string) (*deploy.Build, []string, error) {
	e := p.Environment(env)
	if e == nil {
		return nil, nil, &exitError{code: 1, msg: environ.UnknownEnvironment(p, env).Error()}
	}
	full := inputPath(p.Dir, path)
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, nil, pathError(reading, "--archive "+path, path, err,
			"give a solution archive (.zip), as bpfc build writes to dist/ or Dataverse exports; an unpacked solution tree is packed first (bpfc pack DIR -o ARCHIVE)")
	}
	a, err := solution.ReadArchive(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("--archive %s: %v", path, err)}
	}
	man, err := a.ReadManifest()
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("--archive %s: %v", path, err)}
	}
	managed := man.Managed
	if managed != e.Managed {
		want := map[bool]string{true: "managed", false: "unmanaged"}
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("--archive %s is %s, but environment %s takes %s archives (managed = %t)",
			path, want[managed], env, want[e.Managed], e.Managed)}
	}
	ap, warns, err := unpack.ReadArchive(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: fmt.Sprintf("--archive %s: %v", path, err)}
	}
	if g.output == "text" {
		for _, w := range warns {
			// A current value the archive ships is applied (deploy's
			// rules), though an unpacked project would not keep it; a
			// managed archive is what a managed environment takes (its
			// flavour was checked above), not something left out.
			if !w.CurrentValue && !w.Flavour {
				fmt.Fprintf(g.stderr, "warning: %s\n", w)
			}
		}
	}
	ap.Dir = p.Dir
	arch := deploy.Archive{Name: filepath.Base(path), Data: data}
	var leftOut []string
	for _, w := range warns {
		if w.LeftOutVariable != "" {
			leftOut = append(leftOut, w.LeftOutVariable)
		}
	}
	var b *deploy.Build
	if managed {
		b, err = deploy.NewBuild(ap, deploy.Archive{}, arch)
	} else {
		b, err = deploy.NewBuild(ap, arch, deploy.Archive{})
	}
	return b, leftOut, err
}

// whoAmI names the person importing, for the history.
func whoAmI() string {
	if v := os.Getenv("BPFC_USER"); v != "" {
		return v
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return orElse(os.Getenv("USER"), "unknown")
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// envError reports an environment that cannot be opened as a user-facing
// failure; under --output json its code is the Web API's (a remote
// server's own code when it gave one: Forbidden, Unauthorized, …).
func envError(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	d := &errorDetail{Code: errorCode(err), Message: strings.SplitN(err.Error(), "\n", 2)[0]}
	if ae := (*webapi.APIError)(nil); errors.As(err, &ae) && ae.Code != "" {
		d.Code = ae.Code
	}
	return &exitError{code: 1, msg: err.Error(), detail: d, cause: err}
}

// interruptible is the context of an import: an interrupt (Ctrl-C,
// SIGTERM) cancels it, so that an import not yet committed is rolled back
// and said to be, where the process used to die without a word, whether or
// not the import had committed.
// After the first interrupt the default action is back: a second one ends
// the process at once.
func interruptible() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}
