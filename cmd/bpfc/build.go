package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
	"github.com/spf13/cobra"
)

type buildOptions struct {
	out string
}

func newBuildCmd(g *globals) *cobra.Command {
	o := &buildOptions{}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Compile the project to dist/: the solution tree, both archives and build.json",
		Long: "build checks the project as validate does, then writes to dist/ (-o DIR): the\n" +
			"unpacked solution tree (solution/, SolutionPackager's layout), the unmanaged and\n" +
			"managed archives named as Dataverse names exports, build.json (the digest and the\n" +
			"components with their ids), model.json and schema.json (the instance tables). The\n" +
			"output is the same, byte for byte, for the same sources.\n\n" +
			"--output json prints {solution, version, digest, out, unmanaged, managed,\n" +
			"build_info, components}.",
		Example: "  bpfc build\n" +
			"  bpfc build -o out/release --output json",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runBuild(g, o) },
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "dist", "output directory (relative to the project directory)")
	return cmd
}

// buildResult is the JSON shape of `bpfc build --output json`.
type buildResult struct {
	Solution   string `json:"solution"`
	Version    string `json:"version"`
	Digest     string `json:"digest"`
	Out        string `json:"out"`
	Unmanaged  string `json:"unmanaged"`
	Managed    string `json:"managed"`
	BuildInfo  string `json:"build_info"`
	Components int    `json:"components"`
}

func runBuild(g *globals, o *buildOptions) error {
	if o.out == "" {
		return usageErr("build: -o needs a directory for the build's outputs (default dist)")
	}
	p, ok := loadValid(g)
	if !ok {
		return failed()
	}
	out := g.path(o.out)
	if holdsProject(out, p.Dir) {
		// The build replaces its tree and archives in out: among the
		// project's own files they would be mixed with, or taken for, its
		// sources.
		msg := fmt.Sprintf("build -o %s: the project's own files are in it; give a directory of its own for the build's outputs, such as dist", o.out)
		return &exitError{code: 1, msg: msg, detail: &errorDetail{Code: "BadRequest", Message: msg}}
	}
	set, done := status(g)
	res, err := solution.BuildProgress(p, out, set)
	done()
	if errPath(err) != "" {
		// Everything a build writes is in the output directory.
		return pathError(writing, "build -o "+o.out, out, err, "give a directory this user may write (-o DIR, default dist)")
	}
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	r := buildResult{
		Solution: res.Info.Solution, Version: res.Info.Version, Digest: res.Info.Digest, Out: out,
		Unmanaged: res.Unmanaged, Managed: res.Managed, BuildInfo: res.BuildInfo, Components: len(res.Info.Components),
	}
	if g.output == "json" {
		return writeJSON(g.stdout, r)
	}
	// Not "components": an environment counts its solution's components as
	// Dataverse does (flows, workflows, roles, variables, tables, columns),
	// build.json gives an id to each stage and step too.
	fmt.Fprintf(g.stdout, "Built %s %s (%s; %s in build.json: flows, stages, steps, workflows, roles, variables)\n",
		r.Solution, r.Version, compiler.Plural(len(p.Flows), "flow"), compiler.Plural(r.Components, "id"))
	fmt.Fprintf(g.stdout, "  digest     %s\n  unmanaged  %s\n  managed    %s\n  tree       %s\n",
		r.Digest, r.Unmanaged, r.Managed, res.TreeDir)
	return nil
}

// holdsProject reports whether dir is the project directory or one above
// it.
func holdsProject(dir, project string) bool {
	d, err1 := filepath.Abs(dir)
	pd, err2 := filepath.Abs(project)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, pd)
	return err == nil && (rel == "." || rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}
