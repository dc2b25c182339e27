package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X main.version=..."); otherwise the
// module version from the build info is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
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

// exitError carries an exit status: 1 for user-facing failures that have
// already been reported, 2 for usage errors.
type exitError struct {
	code int
	msg  string
	// detail is what --output json prints for the failure when the command
	// printed no JSON of its own (runtimeErr fills it).
	detail *errorDetail
}

// errorDetail is the JSON shape of a refused or failed run-time command
// under --output json: {"error": {"code", "message", "rule"?, "stage"?,
// "steps"?}}, the codes as the Web API's (Refused, Forbidden, NotFound,
// Conflict, BadRequest, Failed).
type errorDetail struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Rule    string   `json:"rule,omitempty"`
	Stage   string   `json:"stage,omitempty"`
	Steps   []string `json:"steps,omitempty"`
}

func (e *exitError) Error() string { return e.msg }

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
	root.SetVersionTemplate("bpfc version {{.Version}}\n")
	root.PersistentFlags().StringVarP(&g.dir, "directory", "C", ".", "project directory")
	root.PersistentFlags().StringVar(&g.output, "output", "text", "output format: text or json")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if g.output != "text" && g.output != "json" {
			return usageErr("--output must be text or json, not %q", g.output)
		}
		return nil
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &exitError{code: 2, msg: err.Error() + "\nRun '" + cmd.CommandPath() + " --help' for usage."}
	})
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.AddCommand(newInitCmd(g), newFmtCmd(g), newValidateCmd(g), newBuildCmd(g), newDiffCmd(g), newGraphCmd(g), newCreateSettingsCmd(g), newUnpackCmd(g), newPackCmd(g), newDeployCmd(g), newPlanCmd(g), newPromoteCmd(g), newReleaseCmd(g), newEnvCmd(g), newSolutionCmd(g), newHistoryCmd(g), newUninstallCmd(g), newApplyUpgradeCmd(g), newRecordCmd(g), newUserCmd(g), withInstanceAction(g, newInstanceCmd(g)), newServeCmd(g), newJobCmd(g), newOutboxCmd(g), newReportCmd(g))
	return root
}

// Main runs bpfc with os.Args and returns the exit status.
func Main() int {
	return run(os.Args[1:], os.Stdout, os.Stderr)
}

func run(args []string, stdout, stderr io.Writer) int {
	out := &countingWriter{w: stdout}
	g := &globals{stdout: out, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "bpfc: "+ee.msg)
		}
		// One JSON document per invocation, a refusal too.
		if g.output == "json" && ee.detail != nil && out.n == 0 {
			_ = writeJSON(out, map[string]*errorDetail{"error": ee.detail})
		}
		return ee.code
	}
	// Cobra's own argument and command errors are usage errors.
	fmt.Fprintln(stderr, "bpfc: "+err.Error())
	if isUsage(err) {
		return 2
	}
	return 1
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

// argsUsage turns an argument-count error into a usage error (exit 2).
func argsUsage(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageErr("%s: %v", cmd.CommandPath(), err)
		}
		return nil
	}
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
