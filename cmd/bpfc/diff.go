package main

import (
	"errors"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution/diff"
	"github.com/bpfc/bpfc/solution/unpack"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
)

type diffOptions struct {
	format   string
	exitCode bool
}

func newDiffCmd(g *globals) *cobra.Command {
	o := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Review what changed between two builds, archives or git revisions",
		Long: "Compares two versions of the project and prints what flows, stages, steps,\n" +
			"conditions, roles, variables and tables were added, removed or changed, then\n" +
			"the unified diff of the generated XML.\n\n" +
			"OLD and NEW are each a project directory, a build folder (dist/), a solution\n" +
			"archive (.zip), or a git revision of the project (bpfc diff main HEAD builds\n" +
			"both in temporary worktrees). Paths are relative to the project directory;\n" +
			"an existing path wins over a revision of the same name.\n\n" +
			"--format markdown fits a pull-request comment. --exit-code exits 1 when\n" +
			"anything changed (and 0 when nothing did), like git diff --exit-code.\n\n" +
			"--output json (or --format json) prints {changed, changes: [{kind, name, change\n" +
			"(added | removed | changed), field, old, new}], files: [{path, diff}],\n" +
			"not_compared: [what an archive held that the comparison could not show, and a\n" +
			"revision's labels with line breaks, read on one line], files_not_compared\n" +
			"(why the files were not compared; left out when they were)}.\n\n" +
			"A revision written before labels had to be on one line is compared with its\n" +
			"labels on one line; any other error in a side refuses the comparison.",
		Example: "  bpfc diff main HEAD\n" +
			"  bpfc diff ../sales-1.0 . --format markdown\n" +
			"  bpfc diff old/ContosoSales_1_0_0_0.zip dist/ContosoSales_1_0_1_0.zip --exit-code",
		Args: argsUsage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDiff(g, o, cmd.Flags().Changed("format"), args[0], args[1])
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "text", "text, markdown or json (--output json means json)")
	cmd.Flags().BoolVar(&o.exitCode, "exit-code", false, "exit with status 1 when anything changed")
	return cmd
}

// readArchive reads a solution archive (or an unpacked tree) into a model
// for diff, as bpfc unpack does, with its warnings as text.
func readArchive(path string) (*compiler.Project, []string, error) {
	p, warns, err := unpack.Read(path)
	var out []string
	for _, w := range warns {
		if !w.Flavour { // a managed archive loses nothing a diff compares
			out = append(out, w.String())
		}
	}
	return p, out, err
}

func runDiff(g *globals, o *diffOptions, formatSet bool, oldArg, newArg string) error {
	format := o.format
	if g.output == "json" {
		if formatSet && format != "json" {
			return usageErr("--output json conflicts with --format %s", format)
		}
		format = "json"
	}
	if !slices.Contains(diff.Formats, format) {
		return usageErr("--format must be one of %s, not %q", strings.Join(diff.Formats, ", "), format)
	}
	opts := diff.Options{Dir: g.dir, ReadArchive: readArchive}
	old, err := openSide(g, oldArg, opts)
	if err != nil {
		return err
	}
	new, err := openSide(g, newArg, opts)
	if err != nil {
		return err
	}
	r, err := diff.Compare(old, new)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	if err := r.Write(g.stdout, format); err != nil {
		return err
	}
	if o.exitCode && r.Changed {
		return failed()
	}
	return nil
}

// openSide opens one side, printing a project's diagnostics on stderr.
// What reading an archive could not express is the report's ("Not
// compared", not_compared), in every format, so not said again here.
func openSide(g *globals, arg string, opts diff.Options) (*diff.Side, error) {
	s, err := diff.Open(arg, opts)
	var pe *diff.ProjectError
	if errors.As(err, &pe) {
		writeSideDiagnostics(g, pe)
		return nil, &exitError{code: 1, msg: pe.Error(), detail: &errorDetail{Code: "BadRequest", Message: pe.Error()}}
	}
	if err != nil {
		return nil, &exitError{code: 1, msg: err.Error()}
	}
	return s, nil
}

// writeSideDiagnostics prints a side's diagnostics with file names as the
// user sees them: "old/bpfc.hcl" for a directory, "HEAD~1:bpfc.hcl" for a revision.
func writeSideDiagnostics(g *globals, pe *diff.ProjectError) {
	show := func(name string) string {
		if pe.From == diff.FromProject {
			return displayPath(g.dir, pe.Prefix+name)
		}
		return pe.Prefix + name
	}
	files := map[string]*hcl.File{}
	for name, f := range projectFiles(pe.Project) {
		files[show(name)] = f
	}
	diags := make(hcl.Diagnostics, 0, len(pe.Diags))
	for _, d := range pe.Diags {
		c := *d
		if d.Subject != nil {
			r := *d.Subject
			r.Filename = show(r.Filename)
			c.Subject = &r
		}
		diags = append(diags, &c)
	}
	writeDiagnostics(g.stderr, "", files, diags)
}
