package main

import (
	"fmt"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/spf13/cobra"
)

type applyUpgradeOptions struct {
	env string
}

func newApplyUpgradeCmd(g *globals) *cobra.Command {
	o := &applyUpgradeOptions{}
	cmd := &cobra.Command{
		Use:   "apply-upgrade [SOLUTION] --env E",
		Short: "Complete a staged upgrade (deploy --mode stage)",
		Long: "apply-upgrade completes the staged upgrade of SOLUTION in environment E: what the\n" +
			"old version has and the new one does not is removed (with instance tables and\n" +
			"rows), and the holding solution <SOLUTION>_Upgrade becomes SOLUTION. SOLUTION\n" +
			"defaults to the project's solution, the one deploy --mode stage staged.\n\n" +
			"--output json prints the same shape as uninstall (operation \"apply-upgrade\").",
		Args: argsUsage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runApplyUpgrade(g, o, args) },
	}
	cmd.Flags().StringVar(&o.env, "env", "", "the environment (required)")
	return cmd
}

func runApplyUpgrade(g *globals, o *applyUpgradeOptions, args []string) error {
	if o.env == "" {
		return envRequired(g, "apply-upgrade")
	}
	p, ok := loadValid(g)
	if !ok {
		return failed()
	}
	// The spec completes a staged upgrade with a bare bpfc apply-upgrade:
	// what deploy --mode stage staged is the project's own solution.
	name := p.Solution.Name
	if len(args) == 1 {
		name = args[0]
	}
	ctx, stopSignals := interruptible()
	defer stopSignals()
	out, err := pipeline(g, p).ApplyUpgrade(ctx, o.env, name, deploy.Options{Who: whoAmI()})
	return reportOutcome(g, out, err, func() {
		fmt.Fprintf(g.stdout, "Applied the upgrade of %s to %s in %s: removed %s and %s of instance tables.\n", out.Solution,
			out.Version, out.Environment, compiler.Plural(len(out.Removed), "component"), compiler.Plural(out.InstanceRows, "row"))
		printData(g, out)
		printKept(g, out)
	})
}
