package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
)

type solutionListOptions struct {
	env string
}

func newSolutionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "solution",
		Short: "Solutions installed in an environment",
		Long: "solution shows the solutions installed in environment E, as deploy, promote and\n" +
			"release left them; bpfc uninstall removes one, bpfc history lists every import.",
		Args: argsUsage(cobra.NoArgs),
	}
	o := &solutionListOptions{}
	list := &cobra.Command{
		Use:   "list --env E",
		Short: "List the solutions installed in an environment",
		Long: "solution list shows the solutions of environment E: version, managed, state\n" +
			"(installed, or holding for a staged upgrade), components and build digest.\n\n" +
			"--output json prints {\"environment\": E, \"solutions\": [{name, display_name, version,\n" +
			"managed, state, upgrade_of, publisher, digest, installed_on, modified_on, components}]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runSolutionList(g, o) },
	}
	list.Flags().StringVar(&o.env, "env", "", "the environment (required)")
	cmd.AddCommand(list)
	return cmd
}

func runSolutionList(g *globals, o *solutionListOptions) error {
	if o.env == "" {
		return envRequired(g, "solution list")
	}
	p, ok := loadForRuntime(g, o.env)
	if !ok {
		return failed()
	}
	sols, err := pipeline(g, p).Solutions(context.Background(), o.env)
	if err != nil {
		return envError(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"environment": o.env, "solutions": sols})
	}
	if len(sols) == 0 {
		fmt.Fprintf(g.stdout, "No solutions in %s.\n", o.env)
		return nil
	}
	rows := [][]string{{"SOLUTION", "VERSION", "MANAGED", "STATE", "COMPONENTS", "DIGEST", "MODIFIED"}}
	for _, s := range sols {
		rows = append(rows, []string{s.Name, s.Version, yesNo(s.Managed), s.State, strconv.Itoa(s.Components),
			shortDigest(s.Digest), s.ModifiedOn.UTC().Format(time.DateTime)})
	}
	table(g.stdout, rows)
	return nil
}
