package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/webapi"
	"github.com/bpfc/bpfc/solution"
	"github.com/bpfc/bpfc/solution/unpack"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
)

type deployOptions struct {
	env      string
	archive  string
	settings string
	mode     string
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
			"--output json prints the result: environment, solution, version, managed, mode,\n" +
			"digest, archive, archive_sha256, result (applied | refused | failed), message,\n" +
			"duration_ms, import_id and changes ([{action, kind, name, data?, fields?}]).",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runDeploy(g, o) },
	}
	cmd.Flags().StringVar(&o.env, "env", "", "the environment to import into (required)")
	cmd.Flags().StringVar(&o.archive, "archive", "", "import this solution `ZIP` (of the environment's flavour) instead of building the project")
	cmd.Flags().StringVar(&o.settings, "settings", "", "variable values from a deployment settings `FILE` (pac format)")
	cmd.Flags().StringVar(&o.mode, "mode", "upgrade", "upgrade | update | stage")
	return cmd
}

func runDeploy(g *globals, o *deployOptions) error {
	if o.env == "" {
		return usageErr("deploy: --env is required")
	}
	mode, err := deploy.ParseMode(o.mode)
	if err != nil {
		return usageErr("deploy: %v", err)
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
		return remoteDeploy(ctx, g, e, b, opts)
	}
	stop := progress(g, o.env, &opts)
	res, err := remotePipeline(g, p).Deploy(ctx, o.env, b, opts)
	stop()
	return reportResult(g, p.Environment(o.env), opts.Mode, b, res, err)
}

// loadValid loads and checks the project, reporting diagnostics; a
// command's JSON document for an invalid project is the diagnostics with
// an error.
func loadValid(g *globals) (*compiler.Project, bool) {
	return loadChecked(g, invalidAsBadRequest)
}

// invalidAsBadRequest is the JSON document of an invalid project for the
// commands other than deploy, promote and release: an error object.
func invalidAsBadRequest(doc *validateResult) {
	doc.Error = &errorDetail{Code: "BadRequest", Message: invalidProject(doc.Errors)}
}

// loadForImport is loadValid for deploy, promote and release, whose
// JSON document for an invalid project is a refused result.
func loadForImport(g *globals) (*compiler.Project, bool) {
	return loadChecked(g, func(doc *validateResult) {
		doc.Result, doc.Message = deploy.Refused, invalidProject(doc.Errors)
	})
}

func invalidProject(errs int) string {
	return "the project is not valid: " + compiler.Plural(errs, "error") + " (bpfc validate lists them)"
}

// loadForRuntime loads the project for a command that works on
// environment env as deployed (run time, serve, history): the sources do
// not matter to it, so errors elsewhere in the project only warn (a
// half-edited flow does not stop the live environment); errors in env's
// block, or no such block, stop it as loadValid does.
func loadForRuntime(g *globals, env string) (*compiler.Project, bool) {
	p, diags, ok := loadProject(g, nil)
	var e *compiler.Environment
	if p != nil {
		e = p.Environment(env)
	}
	if ok || e == nil || slices.ContainsFunc([]*hcl.Diagnostic(diags), func(d *hcl.Diagnostic) bool {
		return d.Severity == hcl.DiagError && (d.Subject == nil || compiler.Within(*d.Subject, e.BlockRange))
	}) {
		return checked(g, p, diags, ok, invalidAsBadRequest)
	}
	errs, _ := summaryLine(diags)
	fmt.Fprintf(g.stderr, "bpfc: warning: the project has %s (bpfc validate lists them); they do not change environment %s as deployed, which this works on\n",
		compiler.Plural(errs, "error"), env)
	return p, true
}

func loadChecked(g *globals, as func(*validateResult)) (*compiler.Project, bool) {
	p, diags, ok := loadProject(g, nil)
	return checked(g, p, diags, ok, as)
}

// checked reports a loaded project's diagnostics: all of them when it has
// errors (as, the JSON document's own fields), else its warnings.
func checked(g *globals, p *compiler.Project, diags hcl.Diagnostics, ok bool, as func(*validateResult)) (*compiler.Project, bool) {
	if !ok {
		reportDiagnosticsAs(g, p, diags, as)
		if g.output == "text" {
			fmt.Fprintln(g.stderr, "bpfc: nothing was done: the project is not valid (fix the errors above; bpfc validate checks it)")
		}
		return nil, false
	}
	if g.output == "text" {
		writeDiagnostics(g.stderr, g.dir, projectFiles(p), diags) // warnings only
	}
	return p, true
}

func pipeline(g *globals, p *compiler.Project) *deploy.Pipeline {
	return &deploy.Pipeline{Project: p, Open: environOptions(g)}
}

// inputPath finds a file a flag names: as given (from the working
// directory), else in the project's directory (-C), as its own files are.
func inputPath(p *compiler.Project, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	if _, err := os.Stat(path); err != nil {
		return filepath.Join(p.Dir, path)
	}
	return path
}

// importOptions are the options of an import from the command line.
func importOptions(g *globals, p *compiler.Project, mode deploy.Mode, settings string) (deploy.Options, error) {
	o := deploy.Options{Mode: mode, Who: whoAmI()}
	if settings != "" {
		f, err := deploy.ReadSettingsFile(inputPath(p, settings))
		if err != nil {
			return o, &exitError{code: 1, msg: "--settings: " + err.Error()}
		}
		o.Settings = f.Values
		if n := len(f.ConnectionReferences); n > 0 {
			fmt.Fprintf(g.stderr, "bpfc: note: --settings: the file's connection references (%s) are not used: bpfc's solutions have none\n",
				strings.Join(f.ConnectionReferences, ", "))
		}
	}
	return o, nil
}

// buildForDeploy builds the project in a temporary directory and reads both
// archives back.
func buildForDeploy(p *compiler.Project) (*deploy.Build, error) {
	tmp, err := os.MkdirTemp("", "bpfc-deploy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	res, err := solution.Build(p, tmp)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	read := func(path string) (deploy.Archive, error) {
		data, err := os.ReadFile(path)
		return deploy.Archive{Name: filepath.Base(path), Data: data}, err
	}
	unmanaged, err := read(res.Unmanaged)
	if err != nil {
		return nil, err
	}
	managed, err := read(res.Managed)
	if err != nil {
		return nil, err
	}
	b, err := deploy.NewBuild(p, unmanaged, managed)
	if err != nil {
		return nil, err
	}
	if res.Info.Digest != b.Digest {
		return nil, fmt.Errorf("build: build.json says digest %s, the project %s", res.Info.Digest, b.Digest)
	}
	return b, nil
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
	data, err := os.ReadFile(inputPath(p, path))
	if err != nil {
		return nil, nil, &exitError{code: 1, msg: "--archive: " + err.Error()}
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
			// rules), though an unpacked project would not keep it.
			if !w.CurrentValue {
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

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// statusLine is one line of stderr that long work rewrites, when stderr is
// a terminal: show replaces it with text (nil when there is no terminal),
// clear empties it.
func statusLine(g *globals) (show func(text string), clear func()) {
	if !isTerminal(g.stderr) {
		return nil, func() {}
	}
	return func(text string) { fmt.Fprintf(g.stderr, "\r\033[K%s", text) }, func() { fmt.Fprint(g.stderr, "\r\033[K") }
}

// status is the status line of a build, unpack or report: set shows the
// step under way (nil when there is no terminal), done clears the line.
func status(g *globals) (set func(step string), done func()) {
	show, clear := statusLine(g)
	if show == nil {
		return nil, clear
	}
	return func(step string) { show(step + "…") }, clear
}

// progress shows the phases of an import on one line of stderr when stderr
// is a terminal; the returned function clears the line.
func progress(g *globals, env string, o *deploy.Options) func() {
	show, clear := statusLine(g)
	if show != nil {
		o.Progress = func(msg string) { show("[" + env + "] " + msg) }
	}
	return clear
}

// reportResult prints an import's result; a refusal or failure exits 1.
// With --output json an error before any import ran, in a declared environment (env != nil), is a
// failed result document too (an unknown environment is the command's error, not a failed import).
func reportResult(g *globals, env *compiler.Environment, mode deploy.Mode, b *deploy.Build, res *deploy.Result, err error) error {
	if res == nil && err != nil && g.output == "json" && env != nil {
		// No import ran (the store or server could not be reached, …):
		// the same document as any import's, failed, so that CI reads one
		// shape.
		res = &deploy.Result{Environment: env.Name, Managed: env.Managed, Mode: string(mode), Result: deploy.Failed,
			Message: err.Error(), Changes: []deploy.Change{}}
		if b != nil && b.Project != nil {
			res.Solution, res.Version, res.Digest = b.Solution(), b.Version(), b.Digest
		}
	}
	if res == nil {
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		return nil
	}
	if g.output == "json" {
		if werr := writeJSON(g.stdout, res); werr != nil {
			return werr
		}
		if err != nil {
			return &exitError{code: 1, msg: err.Error()}
		}
		return nil
	}
	if err != nil {
		msg := err.Error()
		// A refusal says what refused it; a failure (the store failed
		// mid-import) says which import, and that it rolled back.
		ref := (*deploy.Refusal)(nil)
		switch {
		case res.Result == deploy.Failed && res.Solution != "" && errors.Is(err, context.Canceled):
			msg = fmt.Sprintf("import of %s %s into %s %s", res.Solution, res.Version, res.Environment, res.Message)
		case res.Result == deploy.Failed && res.Solution != "" && !errors.As(err, &ref):
			msg = fmt.Sprintf("import of %s %s into %s failed, nothing was changed: %s", res.Solution, res.Version, res.Environment, msg)
		}
		return &exitError{code: 1, msg: msg}
	}
	flavour := "unmanaged"
	if res.Managed {
		flavour = "managed"
	}
	fmt.Fprintf(g.stdout, "Imported %s %s into %s (%s, %s) in %s\n", res.Solution, res.Version, res.Environment, flavour, res.Mode,
		duration(res.DurationMS))
	fmt.Fprintf(g.stdout, "  digest   %s\n  archive  %s\n  changes  %s\n", res.Digest, res.Archive, changeSummary(res.Changes))
	for _, l := range dataLines(res.Changes) {
		fmt.Fprintf(g.stdout, "  data     %s\n", l)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(g.stderr, "bpfc: note: %s\n", n)
	}
	return nil
}

// changeRows is the table of a plan's changes; DATA, what a removal does
// to rows, only when one does.
func changeRows(cs []deploy.Change) [][]string {
	detail := slices.ContainsFunc(cs, func(c deploy.Change) bool { return c.Data != "" || c.Note != "" || len(c.Fields) > 0 })
	rows := [][]string{{"ACTION", "KIND", "NAME"}}
	if detail {
		rows[0] = append(rows[0], "DETAIL")
	}
	for _, c := range cs {
		row := []string{c.Action, c.Kind, c.Name}
		if detail {
			row = append(row, changeDetail(c))
		}
		rows = append(rows, row)
	}
	return rows
}

// changeDetail is what a plan's line says beside a change: what a removal
// does to rows, or each changed field with its old and new value (a long
// list by the elements gone and new, a very long value only by name:
// --output json has it in full).
func changeDetail(c deploy.Change) string {
	if c.Data != "" || c.Note != "" {
		return strings.Join(slices.DeleteFunc([]string{c.Data, c.Note}, func(s string) bool { return s == "" }), "; ")
	}
	var parts []string
	for _, f := range c.Fields {
		// A long list by its elements; a value up to a line and a half
		// whole (an address with "(the default)" is not hidden).
		if delta, ok := listDelta(f.Old, f.New); ok && len(f.Old)+len(f.New) > 60 {
			parts = append(parts, f.Field+": "+delta)
		} else if len(f.Old)+len(f.New) <= 160 {
			parts = append(parts, f.Field+": "+f.Old+" → "+f.New)
		} else {
			parts = append(parts, f.Field+" changed")
		}
	}
	return strings.Join(parts, "; ")
}

// listDelta says how a long list field changed by its elements: those
// gone (-) and those new (+), or that only their order did; false when the
// values are no lists (fields write lists as JSON arrays of strings) or
// the delta is long too.
func listDelta(old, new string) (string, bool) {
	var o, n []string
	if json.Unmarshal([]byte(old), &o) != nil || json.Unmarshal([]byte(new), &n) != nil {
		return "", false
	}
	count := map[string]int{}
	for _, e := range o {
		count[e]++
	}
	var added []string
	for _, e := range n {
		if count[e] > 0 {
			count[e]--
		} else {
			added = append(added, "+ "+strconv.Quote(e))
		}
	}
	var gone []string
	for _, e := range o {
		if count[e] > 0 {
			count[e]--
			gone = append(gone, "- "+strconv.Quote(e))
		}
	}
	if len(gone)+len(added) == 0 {
		return "the order changed", true
	}
	delta := strings.Join(append(gone, added...), ", ")
	if len(delta) > 240 {
		return "", false
	}
	return delta, true
}

// dataLines are the removals that touch rows, one line each.
func dataLines(cs []deploy.Change) []string {
	var out []string
	for _, c := range cs {
		if c.Data != "" {
			out = append(out, fmt.Sprintf("%s %s %s: %s", c.Action, c.Kind, c.Name, c.Data))
		}
	}
	return out
}

func changeSummary(cs []deploy.Change) string {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Action]++
	}
	s := fmt.Sprintf("%d added, %d changed, %d removed", n["add"], n["change"], n["remove"])
	if n["keep"] > 0 {
		s += fmt.Sprintf(", %d kept", n["keep"])
	}
	return s
}

func duration(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).Round(time.Millisecond).String()
}

// shortDigest abbreviates a build digest for tables.
func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	if d == "" {
		return "-"
	}
	return d
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
