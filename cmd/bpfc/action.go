package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/runtime/workflow"
)

// newInstanceActionCmd is `bpfc instance action`, a subcommand of instance
// (root.go adds it).
func newInstanceActionCmd(g *globals) *cobra.Command {
	o := &runtimeOptions{}
	return withRuntimeFlags(o, &cobra.Command{
		Use:   "action ID ACTION --env E",
		Short: "Run an action step of an instance's active stage",
		Long: "instance action runs the action step ACTION (its name or display name) of the\n" +
			"active stage of instance ID: its workflow runs now when it is realtime (a failing\n" +
			"or canceling step refuses the action and changes nothing), or is queued for the\n" +
			"workers (bpfc job run, bpfc serve) when it is background. The instance must be\n" +
			"active and the user (--as) may change it.\n\n" +
			"--output json prints {\"instance\": ID, \"stage\": …, \"action\": …, \"run\": {workflow,\n" +
			"mode, table, record, state (ran | stopped | queued), steps ([{name, kind, ran,\n" +
			"detail}]), job, children}}.",
		Args: argsUsage(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error { return runInstanceAction(g, o, args[0], args[1]) },
	})
}

func withRuntimeFlags(o *runtimeOptions, cmd *cobra.Command) *cobra.Command {
	o.flags(cmd)
	return cmd
}

func runInstanceAction(g *globals, o *runtimeOptions, id, name string) error {
	id, err := idArg("instance action", "ID", id)
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, o, "instance action")
	if err != nil {
		return err
	}
	defer done()
	a, err := s.RunAction(context.Background(), id, name)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"instance": id, "stage": a.Stage, "action": a.Action, "run": a.Run})
	}
	fmt.Fprintf(g.stdout, "Ran action %s of stage %s on instance %s\n", a.Action, a.Stage, id)
	if a.Run != nil {
		writeOutcome(g.stdout, a.Run, "  ")
	}
	return nil
}

// writeOutcome says what a workflow run did, its children indented.
func writeOutcome(w io.Writer, out *workflow.Outcome, indent string) {
	switch out.State {
	case workflow.Queued:
		fmt.Fprintf(w, "%sworkflow %s (%s) queued as job %d\n", indent, out.Workflow, out.Mode, out.Job)
		return
	}
	var steps []string
	for _, s := range out.Steps {
		switch {
		case !s.Ran:
			steps = append(steps, s.Name+" (skipped: its when did not hold)")
		case s.Detail != "":
			steps = append(steps, s.Name+" ("+s.Detail+")")
		default:
			steps = append(steps, s.Name)
		}
	}
	fmt.Fprintf(w, "%sworkflow %s (%s) %s: %s\n", indent, out.Workflow, out.Mode, out.State, orElse(strings.Join(steps, ", "), "no steps"))
	for _, c := range out.Children {
		writeOutcome(w, c, indent+"  ")
	}
}

// withInstanceAction adds `instance action` to the instance command.
func withInstanceAction(g *globals, instance *cobra.Command) *cobra.Command {
	instance.AddCommand(newInstanceActionCmd(g))
	return instance
}
