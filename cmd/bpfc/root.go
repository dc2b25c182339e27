package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
	"github.com/bpfc/bpfc/runtime/webapi"
)

// badFlagValue is pflag's message for a value its type cannot take, which
// ends in Go's strconv error ("strconv.ParseInt: parsing "abc": invalid
// syntax").
var badFlagValue = regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: strconv\.Parse(Int|Uint|Float|Bool): parsing ".*": (invalid syntax|value out of range)$`)

// flagValueError says what a flag takes, in words, for a value its type
// cannot take; any other flag error as pflag says it.
func flagValueError(err error) string {
	m := badFlagValue.FindStringSubmatch(err.Error())
	if m == nil {
		return err.Error()
	}
	flag := m[2]
	if i := strings.LastIndex(flag, "--"); i >= 0 {
		flag = flag[i:] // "-n, --limit": the long name
	}
	what := map[string]string{"Int": "a whole number", "Uint": "a whole number of 0 or more", "Float": "a number", "Bool": "true or false"}[m[3]]
	if m[4] == "value out of range" {
		return fmt.Sprintf("%s takes %s; %q is too large", flag, what, m[1])
	}
	return fmt.Sprintf("%s takes %s, not %q", flag, what, m[1])
}

// version is set at link time (-ldflags "-X main.version=..."); otherwise the
// module version from the build info is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	// A build from a checkout (go install ./cmd/bpfc): its commit.
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if len(rev) >= 12 {
		v := "dev-" + rev[:12]
		if modified == "true" {
			v += "+changes"
		}
		return v
	}
	return "dev"
}

// globals are the flags every command takes.
type globals struct {
	dir    string
	output string
	stdout io.Writer
	stderr io.Writer
}

// path is a path given on the command line: as written when absolute,
// else below the project directory (-C).
func (g *globals) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(g.dir, p)
}

// exitError carries an exit status: 1 for user-facing failures that have
// already been reported, 2 for usage errors.
type exitError struct {
	code int
	msg  string
	// detail is what --output json prints for the failure when the command
	// printed no JSON of its own (runtimeErr fills it).
	detail *errorDetail
	// cause is the error the message says, when there is one: what the
	// hints on stores (a full disk, a lost connection, a privilege) read.
	cause error
}

// errorDetail is the JSON shape of a refused or failed run-time command
// under --output json: {"error": {"code", "message", "rule"?, "stage"?,
// "steps"?, "table"?, "record"?, "missing"?}}, the Web API's error object
// and codes (Refused, Forbidden, NotFound, Conflict, BadRequest, Failed),
// so that a script reads a local and a remote environment's alike.
type errorDetail = webapi.ErrorDetail

func (e *exitError) Error() string { return e.msg }

func (e *exitError) Unwrap() error { return e.cause }

// failed reports a user-facing failure whose message was already printed.
func failed() error { return &exitError{code: 1} }

func usageErr(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:           "bpfc",
		Short:         "Business process flows as code for Dynamics 365 / Dataverse",
		Long:          "bpfc compiles HCL definitions of business process flows to Dataverse solutions,\nships them through environments, and runs them.",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// One JSON document with --output json, --version's too: cobra prints
	// the template once the flags are parsed, so it can read --output.
	var versionJSON strings.Builder
	if err := writeJSON(&versionJSON, map[string]string{"version": root.Version}); err != nil {
		panic(err) // a map of strings always encodes
	}
	root.Annotations = map[string]string{"version_json": versionJSON.String()}
	root.SetVersionTemplate(`{{if eq (.Flags.Lookup "output").Value.String "json"}}{{index .Annotations "version_json"}}` +
		"{{else}}bpfc version {{.Version}}\n{{end}}")
	root.PersistentFlags().StringVarP(&g.dir, "directory", "C", ".", "project directory")
	root.PersistentFlags().StringVar(&g.output, "output", "text", "output format: text or json")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		// "--env --output json": pflag gives --env the next word, a flag.
		var missing error
		cmd.Flags().Visit(func(f *pflag.Flag) {
			if v := f.Value.String(); missing == nil && f.Value.Type() == "string" && strings.HasPrefix(v, "--") {
				missing = usageErr("--%s needs a value, and got the flag %s: write --%s VALUE", f.Name, strings.SplitN(v, "=", 2)[0], f.Name)
			}
		})
		if missing != nil {
			return missing
		}
		if g.output != "text" && g.output != "json" {
			return usageErr("--output must be text or json, not %q", g.output)
		}
		return nil
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		// "bpfc instance nxt ID --env E": the unknown command, not its flag.
		if args := cmd.Flags().Args(); cmd.HasAvailableSubCommands() && len(args) > 0 {
			return argsError(cmd, args)
		}
		return &exitError{code: 2, msg: flagValueError(err) + flagSuggestion(cmd, err) + "\nRun '" + cmd.CommandPath() + " --help' for usage."}
	})
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.AddCommand(newInitCmd(g), newFmtCmd(g), newValidateCmd(g), newBuildCmd(g), newDiffCmd(g), newGraphCmd(g), newCreateSettingsCmd(g), newUnpackCmd(g), newPackCmd(g), newDeployCmd(g), newPlanCmd(g), newPromoteCmd(g), newReleaseCmd(g), newEnvCmd(g), newSolutionCmd(g), newHistoryCmd(g), newUninstallCmd(g), newApplyUpgradeCmd(g), newRecordCmd(g), newUserCmd(g), withInstanceAction(g, newInstanceCmd(g)), newServeCmd(g), newJobCmd(g), newOutboxCmd(g), newReportCmd(g))
	root.InitDefaultCompletionCmd() // made now, not at Execute, so that groupHelp covers it
	completionJSON(root, g)
	// Made now too: cobra adds --version at Execute, after it looked for
	// the command, so "bpfc --version --output json" took "json" for one.
	root.InitDefaultVersionFlag()
	root.InitDefaultHelpFlag()
	setHelp(root, g)
	for _, c := range root.Commands() {
		groupHelp(c)
	}
	return root
}

// completionJSON makes cobra's completion commands print one JSON
// document with --output json, {shell, script}, as every other command
// does: they wrote the bare script (to the writer cobra captured when it
// made them, hence the script is generated again here).
func completionJSON(root *cobra.Command, g *globals) {
	gen := map[string]func(w io.Writer, desc bool) error{
		"bash": root.GenBashCompletionV2,
		"fish": root.GenFishCompletion,
		"zsh": func(w io.Writer, desc bool) error {
			if desc {
				return root.GenZshCompletion(w)
			}
			return root.GenZshCompletionNoDesc(w)
		},
		"powershell": func(w io.Writer, desc bool) error {
			if desc {
				return root.GenPowerShellCompletionWithDesc(w)
			}
			return root.GenPowerShellCompletion(w)
		},
	}
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		for _, sh := range c.Commands() {
			run, genScript := sh.RunE, gen[sh.Name()]
			if run == nil || genScript == nil {
				continue
			}
			sh.RunE = func(cmd *cobra.Command, args []string) error {
				if g.output != "json" {
					return run(cmd, args)
				}
				noDesc, _ := cmd.Flags().GetBool("no-descriptions") // absent: descriptions
				var script strings.Builder
				if err := genScript(&script, !noDesc); err != nil {
					return err
				}
				return writeJSON(g.stdout, struct {
					Shell  string `json:"shell"`
					Script string `json:"script"`
				}{cmd.Name(), script.String()})
			}
		}
	}
}

// groupHelp makes command groups (bpfc instance, bpfc record, ...) print
// their help when run alone. Cobra checks no arguments of a group without
// a Run, so "bpfc instance nxt" would print the help and succeed; with one,
// the group's Args (argsUsage) refuse the unknown command.
func groupHelp(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		c.SuggestionsMinimumDistance = 2
		if c.Args == nil { // cobra's completion: "bpfc completion tcsh" printed help and succeeded
			c.Args = argsUsage(cobra.NoArgs)
		}
	}
	for _, sub := range c.Commands() {
		groupHelp(sub)
	}
}

// Main runs bpfc with os.Args and returns the exit status.
func Main() int {
	return run(os.Args[1:], os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	out := &countingWriter{w: stdout}
	g := &globals{stdout: out, stderr: stderr}
	root := newRoot(g)
	args = joinOutput(args)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		// Cobra's own argument and command errors are usage errors.
		ee = &exitError{code: 1, msg: err.Error()}
		if isUsage(err) {
			ee.code = 2
		}
	}
	// The engine's no-role refusal names no environment; the command knows it.
	if cmd != nil {
		if f := cmd.Flags().Lookup("env"); f != nil {
			ee.msg = envNoRole(g, f.Value.String(), ee.msg)
			if ee.detail != nil {
				ee.detail.Message = envNoRole(g, f.Value.String(), ee.detail.Message)
			}
		}
	}
	if store.IsStorageFull(err) {
		ee.msg += "\n  the disk that holds the environment's store is full: free space on it and run the command again (its transaction rolled back: nothing was written)"
	}
	if postgres.InsufficientPrivilege(err) {
		ee.msg += "\n  the environment's PostgreSQL user lacks a privilege this command needs (nothing was written): a user with SELECT only may run the commands that read " +
			"(list, show, history, report); the others need INSERT, UPDATE and DELETE on the tables of the environment's schema (deploy: CREATE on it too)"
	}
	if store.IsConnectionLost(err) {
		ee.msg += "\n  the connection to the environment's store was lost while the command ran: a change it was writing may or may not have been written; look (record show, instance show) before you run it again"
	}
	if sqlite.ReadOnly(err) {
		ee.msg += "\n  the environment's store file, or the folder that holds it (SQLite writes its -wal and -shm files beside it), may not be written by this user: check their permissions (nothing was written)"
	}
	if ee.msg != "" {
		fmt.Fprintln(stderr, "bpfc: "+ee.msg)
	}
	// One JSON document per invocation, a failure too: the command's own
	// (a refused deploy prints its result), else the error — also when a
	// bad flag stopped the parsing before --output json was read.
	if (g.output == "json" || wantsJSON(args)) && out.n == 0 {
		d := ee.detail
		if d == nil && ee.msg != "" {
			d = &errorDetail{Code: "Failed", Message: strings.SplitN(ee.msg, "\n", 2)[0]}
			if ee.code == 2 {
				d.Code = "BadRequest"
			}
		}
		if d != nil {
			_ = writeJSON(out, map[string]*errorDetail{"error": d})
		}
	}
	return ee.code
}

// flagSuggestion is "; did you mean --x?" for an unknown flag close to one
// of the command's, or to the word it abbreviates (--enviroment for --env),
// or "".
func flagSuggestion(cmd *cobra.Command, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return ""
	}
	var names []string
	flagOf := map[string]string{}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
			flagOf[f.Name] = f.Name
			if w := flagWords[f.Name]; w != "" {
				names = append(names, w)
				flagOf[w] = f.Name
			}
		}
	})
	if s := compiler.ClosestName(name, names); s != "" {
		return "; did you mean --" + flagOf[s] + "?"
	}
	return ""
}

// flagWords are the words that flags' names abbreviate: a user who spells
// the word out (and misspells it) means the flag.
var flagWords = map[string]string{"env": "environment", "addr": "address"}

// joinOutput writes "--output X" as "--output=X": cobra looks for the
// command before it parses flags, and takes the word after an unknown flag
// for that flag's value, so "bpfc --bogus --output json" looked for a
// command "json" instead of saying --bogus is unknown.
func joinOutput(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		if args[i] == "--" {
			return append(out, args[i:]...)
		}
		if args[i] == "--output" && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			out = append(out, "--output="+args[i+1])
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// wantsJSON says whether the arguments (joinOutput's) ask for --output
// json, for an error that stopped the parsing before --output was read.
func wantsJSON(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "--output=json" {
			return true
		}
	}
	return false
}

func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// argsUsage checks a command's arguments with v (every command's Args goes
// through it): a wrong count is a usage error (exit 2) that says what the
// command takes, read from its Use string, followed by its usage line; an
// unknown subcommand of a command group names the closest one.
func argsUsage(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return argsError(cmd, args)
		}
		return nil
	}
}

func argsError(cmd *cobra.Command, args []string) error {
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	if cmd.HasAvailableSubCommands() && len(args) > 0 {
		msg := fmt.Sprintf("%s has no command %q", name, args[0])
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return &exitError{code: 2, msg: msg + "\nRun '" + cmd.CommandPath() + " --help' for its commands."}
	}
	required, optional := positionals(cmd)
	var takes string
	switch n := len(required); {
	case n == 0 && len(optional) == 0:
		takes = "no arguments"
	case len(optional) == 0:
		takes = fmt.Sprintf("%s (%s)", compiler.Plural(n, "argument"), sentenceList(argPhrases(cmd, required)))
	case n == 0:
		takes = fmt.Sprintf("at most %s (%s)", compiler.Plural(len(optional), "argument"), sentenceList(argPhrases(cmd, optional)))
	default:
		takes = fmt.Sprintf("%d to %d arguments (%s)", n, n+len(optional), sentenceList(argPhrases(cmd, append(required, optional...))))
	}
	got := fmt.Sprintf("got %d", len(args))
	if len(args) > 0 {
		q := make([]string, len(args))
		for i, a := range args {
			q[i] = strconv.Quote(a)
		}
		got += " (" + strings.Join(q, " ") + ")"
	}
	return &exitError{code: 2, msg: fmt.Sprintf("%s takes %s, %s\nUsage: %s", name, takes, got, cmd.UseLine())}
}

// positionals reads the arguments a command takes from its Use string
// ("update TABLE ID --env E ...", "init [DIR]"): the words between the
// command's name and its first flag, [optional] ones apart.
func positionals(cmd *cobra.Command) (required, optional []string) {
	for _, w := range strings.Fields(cmd.Use)[1:] {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[-") || w == "..." {
			break
		}
		if strings.HasPrefix(w, "[") && strings.HasSuffix(w, "]") {
			optional = append(optional, strings.Trim(w, "[]"))
			continue
		}
		required = append(required, w)
	}
	return required, optional
}

// argMeanings says what an argument placeholder of a Use string stands
// for; %s is the command group ("the instance id", "the user name").
var argMeanings = map[string]string{
	"ID":       "the %s id",
	"NAME":     "the %s name",
	"TABLE":    "the table",
	"FLOW":     "the flow",
	"ACTION":   "the action",
	"SOLUTION": "the solution",
	"DIR":      "the directory",
	"ARCHIVE":  "the archive",
	"OLD":      "the old version",
	"NEW":      "the new version",
}

func argPhrases(cmd *cobra.Command, words []string) []string {
	group := ""
	if p := cmd.Parent(); p != nil && p != cmd.Root() {
		group = p.Name()
	}
	out := make([]string, len(words))
	for i, w := range words {
		m, ok := argMeanings[w]
		switch {
		case !ok:
			out[i] = w
		case strings.Contains(m, "%s") && group == "":
			out[i] = strings.Replace(m, "%s ", "", 1)
		default:
			out[i] = strings.Replace(m, "%s", group, 1)
		}
	}
	return out
}

// sentenceList joins "a", "b" and "c" as "a, b and c".
func sentenceList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// countingWriter tells whether a command printed anything on stdout.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
