package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution/unpack"
)

type unpackOptions struct {
	out   string
	force bool
}

func newUnpackCmd(g *globals) *cobra.Command {
	o := &unpackOptions{}
	cmd := &cobra.Command{
		Use:   "unpack ARCHIVE -o DIR",
		Short: "Turn a solution archive (or an unpacked solution tree) into a bpfc project",
		Long: "unpack reads a solution archive — one bpfc built or a Dataverse export — or an unpacked\n" +
			"SolutionPackager tree, and writes it as a bpfc project in DIR. What the project cannot\n" +
			"express is listed as warnings, each naming the component and the file.\n\n" +
			"--output json prints {solution, version, digest, out, files: [the files written],\n" +
			"warnings: [{component, file, message}]}.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runUnpack(g, o, args[0]) },
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "directory to write the project to (relative to the -C directory; default: the -C directory)")
	cmd.Flags().BoolVar(&o.force, "force", false, "write into a directory that is not empty (files of the same names are replaced)")
	return cmd
}

// unpackResult is the JSON shape of `bpfc unpack --output json`.
type unpackResult struct {
	Solution string           `json:"solution"`
	Version  string           `json:"version"`
	Digest   string           `json:"digest"`
	Out      string           `json:"out"`
	Files    []string         `json:"files"`
	Warnings []unpack.Warning `json:"warnings"`
}

// trialUnpack checks the project that unpacking p into out would leave:
// its files written to a temporary directory, with out's own project files
// beside them (a new file replacing one of the same name).
func trialUnpack(p *compiler.Project, out string) (*compiler.Project, hcl.Diagnostics, error) {
	tmp, err := os.MkdirTemp("", "bpfc-unpack-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	written, err := unpack.WriteHCL(p, tmp)
	if err != nil {
		return nil, nil, err
	}
	srcs := map[string][]byte{}
	if _, err := os.Stat(out); err == nil {
		names, err := compiler.ProjectFiles(out)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range names {
			if srcs[n], err = compiler.ReadSource(out, n); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, n := range written {
		n = filepath.ToSlash(n)
		if srcs[n], err = os.ReadFile(filepath.Join(tmp, filepath.FromSlash(n))); err != nil {
			return nil, nil, err
		}
	}
	merged, diags := compiler.LoadSources(srcs)
	return merged, diags, nil
}

// unpackOutHint is what to give unpack -o when its directory cannot be
// written.
const unpackOutHint = "give an empty directory this user may write (-o DIR), or one that does not exist yet"

func runUnpack(g *globals, o *unpackOptions, archive string) error {
	archive = inputPath(g.dir, archive)
	out := g.dir
	if o.out != "" {
		out = g.path(o.out)
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 && !o.force {
		return &exitError{code: 1, msg: fmt.Sprintf("%s is not empty; unpack writes into an empty directory: give one with -o DIR, or --force to write into %s anyway", out, out)}
	} else if err != nil && !os.IsNotExist(err) {
		return pathError(writing, "unpack -o "+out, out, err, unpackOutHint)
	}
	if _, err := os.Stat(archive); err != nil {
		return pathError(reading, "unpack "+archive, archive, err, "give a solution archive (.zip: one bpfc build wrote, or a Dataverse export) or an unpacked solution tree")
	}
	set, clear := status(g)
	if set != nil {
		set("reading " + archive)
	}
	p, warns, err := unpack.Read(archive)
	clear()
	if err != nil {
		msg := fmt.Sprintf("unpack %s: %v", archive, err)
		if strings.HasPrefix(err.Error(), archive+": ") { // the reader named it already
			msg = fmt.Sprintf("unpack %v", err)
		}
		return &exitError{code: 1, msg: msg}
	}
	// Files already in the directory (with --force) may conflict with the
	// new ones: the two together are checked before anything is written.
	if merged, diags, err := trialUnpack(p, out); err != nil {
		return fmt.Errorf("unpack: %w", err)
	} else if diags.HasErrors() {
		reportDiagnostics(&globals{dir: out, output: g.output, stdout: g.stdout, stderr: g.stderr}, merged, diags)
		return &exitError{code: 1, msg: fmt.Sprintf("the unpacked project would not validate with the files already in %s; nothing was written", out)}
	}
	files, err := unpack.WriteHCL(p, out)
	if errPath(err) != "" {
		return pathError(writing, "unpack -o "+out, out, err, unpackOutHint)
	}
	if err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	for i, f := range files {
		files[i] = filepath.ToSlash(filepath.Join(out, f))
	}
	if warns == nil {
		warns = []unpack.Warning{}
	}
	res := unpackResult{Solution: p.Solution.Name, Version: p.Solution.Version, Digest: p.Digest(), Out: out, Files: files, Warnings: warns}
	if g.output == "json" {
		return writeJSON(g.stdout, res)
	}
	for _, w := range warns {
		fmt.Fprintf(g.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(g.stdout, "Unpacked %s %s into %s: %s, %s, %s, %s, %s (%s).\n", res.Solution, res.Version, out,
		compiler.Plural(len(p.Flows), "flow"), compiler.Plural(usedTables(p), "table"), compiler.Plural(len(p.Workflows), "workflow"),
		compiler.Plural(len(p.Roles), "role"), compiler.Plural(len(p.Variables), "variable"), compiler.Plural(len(warns), "warning"))
	for _, f := range files {
		fmt.Fprintf(g.stdout, "  %s\n", f)
	}
	return nil
}
