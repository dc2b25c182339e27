package main

import (
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/spf13/cobra"
)

type uninstallOptions struct {
	env string
	yes bool
}

func newUninstallCmd(g *globals) *cobra.Command {
	o := &uninstallOptions{}
	cmd := &cobra.Command{
		Use:   "uninstall SOLUTION --env E [--yes]",
		Short: "Remove a solution from an environment (a managed one takes its components with it)",
		Long: "uninstall removes SOLUTION from environment E. A managed solution takes its\n" +
			"components with it — flows with their instance tables and rows, workflows, roles,\n" +
			"variables, custom tables and added columns — and needs --yes; without it, uninstall\n" +
			"lists what would go and exits 1. An unmanaged solution only loses its record: its\n" +
			"components stay in the environment, as in Dataverse. A holding solution\n" +
			"(SOLUTION_Upgrade, from deploy --mode stage) uninstalled alone cancels its staged\n" +
			"upgrade, as deleting it does in Dataverse: what only the upgrade added goes, with\n" +
			"its data, and the installed version runs again as it was.\n\n" +
			"--output json prints: environment, operation, solution, version, managed, result\n" +
			"(applied | refused | failed | busy: it gave up waiting for the environment,\n" +
			"changed nothing and is not in the history, run it again), message, removed\n" +
			"([{action, kind, name, data: what it does to rows or users, users: the users a\n" +
			"removed role is taken from}]),\n" +
			"instance_rows, restored (the solution and version that runs again after a\n" +
			"holding solution's uninstall), duration_ms.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runUninstall(g, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.env, "env", "", "the environment (required)")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "confirm removing a managed solution's components and data")
	return cmd
}

func runUninstall(g *globals, o *uninstallOptions, name string) error {
	if o.env == "" {
		return envRequired(g, "uninstall")
	}
	p, ok := loadValid(g)
	if !ok {
		return failed()
	}
	ctx, stopSignals := interruptible()
	defer stopSignals()
	out, err := pipeline(g, p).Uninstall(ctx, o.env, name, o.yes, deploy.Options{Who: whoAmI()})
	return reportOutcome(g, out, err, func() {
		if out.Restored != "" {
			fmt.Fprintf(g.stdout, "Uninstalled %s %s from %s: the staged upgrade is canceled and %s runs again; removed %s and %s of instance tables%s.\n",
				out.Solution, out.Version, out.Environment, out.Restored, compiler.Plural(components(out.Removed), "component"),
				compiler.Plural(out.InstanceRows, "row"), out.OtherData())
			printData(g, out)
			printKept(g, out)
			return
		}
		if !out.Managed {
			fmt.Fprintf(g.stdout, "Uninstalled %s %s from %s; its components stay (it was unmanaged).\n", out.Solution, out.Version, out.Environment)
			return
		}
		fmt.Fprintf(g.stdout, "Uninstalled %s %s from %s: removed %s and %s of instance tables%s.\n", out.Solution, out.Version,
			out.Environment, compiler.Plural(len(out.Removed), "component"), compiler.Plural(out.InstanceRows, "row"), out.OtherData())
		printData(g, out)
		printKept(g, out)
	})
}

// reportOutcome prints an apply-upgrade or uninstall outcome.
func reportOutcome(g *globals, out *deploy.Outcome, err error, text func()) error {
	if out == nil || errors.Is(err, store.ErrNotFound) {
		// Nothing was tried (a solution the environment does not have):
		// the command's own error, NotFound, not an outcome.
		return envError(err)
	}
	if g.output == "json" {
		if werr := writeJSON(g.stdout, out); werr != nil {
			return werr
		}
	} else if errors.Is(err, deploy.ErrNeedsConfirmation) {
		if len(out.Removed) > 0 {
			rows := [][]string{{"WOULD REMOVE", "NAME", "DATA"}}
			for _, c := range out.Removed {
				rows = append(rows, []string{c.Kind, c.Name, c.Data})
			}
			table(g.stdout, rows)
		}
		printKept(g, out)
	} else if err == nil {
		text()
	}
	if err != nil && out.Result == deploy.Busy {
		// Not refused, not failed, as for an import: the same command
		// may go through once what held the environment ends.
		return &exitError{code: 1, msg: fmt.Sprintf("%s of %s in %s gave up waiting for the environment, nothing was changed (nor is it in the history): "+
			"run it again, it goes through once the import or transaction holding the environment ends (%v)", out.Operation, out.Solution, out.Environment, err)}
	}
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	return nil
}

// printData says what a removal did to rows, one line per component
// whose rows or values went with it.
func printData(g *globals, out *deploy.Outcome) {
	for _, c := range out.Removed {
		if c.Data != "" {
			fmt.Fprintf(g.stdout, "  %s %s: %s\n", c.Kind, c.Name, c.Data)
		}
	}
}

// printKept names the columns that stay because another solution ships
// them too.
func printKept(g *globals, out *deploy.Outcome) {
	for _, c := range out.Kept {
		fmt.Fprintf(g.stdout, "Keeps %s %s: %s.\n", c.Kind, c.Name, c.Note)
	}
}

// components counts the components among removals, not the values a
// canceled upgrade's variables took (kind "value").
func components(cs []deploy.Change) int {
	n := 0
	for _, c := range cs {
		if c.Kind != "value" {
			n++
		}
	}
	return n
}
