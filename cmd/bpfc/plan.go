package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/spf13/cobra"
)

type planOptions struct {
	env      string
	from     string
	archive  string
	settings string
	mode     string
	timeout  string
}

func newPlanCmd(g *globals) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan --env E",
		Short: "Show what deploy would add, change and remove in an environment, changing nothing",
		Long: "plan builds the project and runs every rule of an import against environment E\n" +
			"without writing anything: the flows, stages, steps, tables, columns, variables,\n" +
			"roles and workflows it would add, change, remove (or keep, with --mode update or\n" +
			"stage), and every reason it would be refused (then the exit status is 1). A remote\n" +
			"environment's server plans it (bpfc_PlanImport), changing nothing there. With\n" +
			"--from A it plans the build live in A instead of the project's: what bpfc promote\n" +
			"--from A --to E would do. With --archive ZIP it plans that solution archive (of\n" +
			"E's flavour) instead of the project's build: what bpfc deploy --env E --archive\n" +
			"ZIP would do. Variable values are read as deploy reads them: --settings, then\n" +
			"BPFC_VAR_<SCHEMANAME> (or BPFC_VAR_<NAME>), then E's environment block.\n\n" +
			"--output json prints: environment, solution, installed_version, version, managed,\n" +
			"mode, digest, changes ([{action, kind, name, data?, fields?}]; a change's fields are\n" +
			"[{field, old, new}], each property that differs), refusals ([string]) and notes\n" +
			"([string]: what the import would note, such as another build at the installed\n" +
			"version; text output says them on stderr, as deploy does).",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runPlan(g, o) },
	}
	cmd.Flags().StringVar(&o.env, "env", "", "the environment to plan for (required)")
	cmd.Flags().StringVar(&o.from, "from", "", "plan the build live in environment `A`, as promote --from A would import it")
	cmd.Flags().StringVar(&o.archive, "archive", "", "plan this solution `ZIP` (of the environment's flavour), as deploy --archive would import it")
	cmd.Flags().StringVar(&o.settings, "settings", "", "variable values from a deployment settings `FILE` (pac format)")
	cmd.Flags().StringVar(&o.mode, "mode", "upgrade", "upgrade | update | stage")
	timeoutFlag(cmd, &o.timeout)
	return cmd
}

func runPlan(g *globals, o *planOptions) error {
	if o.env == "" {
		return envRequired(g, "plan")
	}
	mode, err := deploy.ParseMode(o.mode)
	if err != nil {
		return usageErr("plan: %v", err)
	}
	timeout, err := parseTimeout("plan", o.timeout)
	if err != nil {
		return err
	}
	if o.from != "" && o.archive != "" {
		return usageErr("plan: --from and --archive each name the build to plan; give one")
	}
	p, ok := loadValid(g)
	if !ok {
		return failed()
	}
	opts, err := importOptions(g, p, mode, o.settings)
	if err != nil {
		return err
	}
	pl := remotePipeline(g, p, timeout)
	var b *deploy.Build
	if o.from != "" {
		if o.from == o.env {
			return usageErr("plan: --from %s is the environment planned for; name the one to promote from", o.from)
		}
		b, err = pl.LiveBuild(context.Background(), o.from)
		if err != nil {
			return envError(err)
		}
	} else if o.archive != "" {
		var leftOut []string
		b, leftOut, err = archiveBuild(g, p, o.env, o.archive)
		skipLeftOut(g, opts.Settings, leftOut)
		if err != nil {
			return err
		}
	} else if b, err = buildForDeploy(p); err != nil {
		return err
	}
	plan, err := pl.Plan(context.Background(), o.env, b, opts)
	if err != nil {
		return envError(err)
	}
	if g.output == "json" {
		if err := writeJSON(g.stdout, plan); err != nil {
			return err
		}
	} else {
		installed := plan.InstalledVersion
		if installed == "" {
			installed = "nothing installed"
		} else {
			installed = "installed " + installed
		}
		flavour := "unmanaged"
		if plan.Managed {
			flavour = "managed"
		}
		fmt.Fprintf(g.stdout, "Plan: %s %s into %s (%s; %s, %s)\n", plan.Solution, plan.Version, plan.Environment, installed, flavour, plan.Mode)
		if n := len(plan.Refusals); n > 0 {
			// Said first too: a long table would hide the refusal below it.
			fmt.Fprintf(g.stdout, "This deploy would be refused (%s, listed at the end); what it would change:\n", compiler.Plural(n, "reason"))
		}
		if len(plan.Changes) == 0 {
			fmt.Fprintln(g.stdout, "No changes.")
		} else {
			table(g.stdout, changeRows(plan.Changes))
			fmt.Fprintf(g.stdout, "%s.\n", changeSummary(plan.Changes))
		}
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(g.stderr, "bpfc: note: %s\n", n)
	}
	if len(plan.Refusals) > 0 {
		return &exitError{code: 1, msg: "deploy would be refused:\n  - " + strings.Join(plan.Refusals, "\n  - ")}
	}
	return nil
}
