package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newEnvCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "env",
		Short: "Environments of the pipeline",
		Long: "env works on the environments bpfc.hcl declares (dev, test, prod, ...): where each\n" +
			"one's store is, whether it takes managed solutions, the one it is promoted from,\n" +
			"and what is installed there. deploy, promote and release import into them;\n" +
			"record, instance, user, job and report work inside one (--env E).",
		Example: "  bpfc env list\n" +
			"  bpfc -C examples/sales env list --output json",
		Args: argsUsage(cobra.NoArgs),
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the environments with what is installed in each",
		Long: "env list shows every environment in pipeline order: managed or not, its\n" +
			"promote_from, where its store is, and the solutions installed there. Environments\n" +
			"never deployed to are listed as not created (and are not created).\n\n" +
			"--output json prints {\"environments\": [{name, managed, promote_from, store, created,\n" +
			"solutions: [{name, display_name, version, managed, state, upgrade_of, publisher,\n" +
			"digest, installed_on, modified_on, components}], error}]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runEnvList(g) },
	})
	return cmd
}

func runEnvList(g *globals) error {
	p, ok := loadValid(g)
	if !ok {
		return failed()
	}
	envs := remotePipeline(g, p, 0).Status(context.Background())
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"environments": envs})
	}
	if len(envs) == 0 {
		fmt.Fprintln(g.stdout, "The project declares no environments.")
		return nil
	}
	rows := [][]string{{"ENVIRONMENT", "MANAGED", "PROMOTE FROM", "STORE", "SOLUTION", "VERSION", "DIGEST"}}
	clipped := false
	for _, e := range envs {
		row := []string{e.Name, yesNo(e.Managed), orElse(e.PromoteFrom, "-"), e.Store}
		switch {
		case e.Error != "":
			msg := statusError(e.Name, e.Store, e.Error)
			clipped = clipped || strings.HasSuffix(msg, "…")
			rows = append(rows, append(row, msg))
		case !e.Created:
			rows = append(rows, append(row, "(not created)", "", ""))
		case len(e.Solutions) == 0:
			rows = append(rows, append(row, "(none)", "", ""))
		default:
			for i, s := range e.Solutions {
				if i > 0 {
					row = []string{"", "", "", ""}
				}
				name := s.Name
				if s.State != "installed" {
					name += " (" + s.State + ")"
				}
				rows = append(rows, append(row, name, s.Version, shortDigest(s.Digest)))
			}
		}
	}
	table(g.stdout, rows)
	if clipped {
		fmt.Fprintln(g.stdout, "(errors shortened: bpfc env list --output json shows them in full)")
	}
	return nil
}

// maxStatus is how many characters of an environment's error env list
// shows in its table (--output json has all of it).
const maxStatus = 80

// statusError is an environment's error as its row in env list shows it:
// "error: " and the message without the environment and the store that
// the row names already, on one line, clipped to maxStatus characters.
func statusError(env, store, msg string) string {
	msg = strings.TrimPrefix(msg, fmt.Sprintf("environment %q: ", env))
	msg = strings.TrimPrefix(msg, store+": ")
	return clip("error: "+msg, maxStatus)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
