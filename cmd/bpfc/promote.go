package main

import (
	"context"
	"fmt"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/spf13/cobra"
)

type promoteOptions struct {
	from, to string
	settings string
	mode     string
}

func newPromoteCmd(g *globals) *cobra.Command {
	o := &promoteOptions{}
	cmd := &cobra.Command{
		Use:   "promote --from A --to B",
		Short: "Deploy to B exactly the build that is live in A",
		Long: "promote imports into environment B the build live in A — the model and the\n" +
			"archives A keeps, whatever the project directory now holds — in B's flavour\n" +
			"(managed or unmanaged). Values for B's variables come from B's environment block,\n" +
			"--settings and BPFC_VAR_<NAME>. --output json prints the same result as deploy.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runPromote(g, o) },
	}
	cmd.Flags().StringVar(&o.from, "from", "", "the environment whose live build is promoted (required)")
	cmd.Flags().StringVar(&o.to, "to", "", "the environment to import into (required)")
	cmd.Flags().StringVar(&o.settings, "settings", "", "variable values from a deployment settings `FILE` (pac format)")
	cmd.Flags().StringVar(&o.mode, "mode", "upgrade", "upgrade | update | stage")
	return cmd
}

func runPromote(g *globals, o *promoteOptions) error {
	if o.from == "" || o.to == "" {
		return usageErr("promote: --from and --to are required")
	}
	mode, err := deploy.ParseMode(o.mode)
	if err != nil {
		return usageErr("promote: %v", err)
	}
	p, ok := loadForDeploy(g)
	if !ok {
		return failed()
	}
	opts, err := importOptions(g, p, mode, o.settings)
	if err != nil {
		return err
	}
	opts.Operation = "promote"
	if from := p.Environment(o.from); from != nil && from.URL != "" {
		return &exitError{code: 1, msg: fmt.Sprintf("promote --from %s: environment %s is remote (url = %q): promoting from a remote "+
			"environment is not supported yet (its server has no export); run bpfc promote on that machine, or deploy the same build "+
			"to %s with bpfc deploy", o.from, o.from, from.URL, o.to)}
	}
	if to := p.Environment(o.to); to != nil && to.URL != "" {
		return remotePromote(g, p, o.from, to, opts)
	}
	stop := progress(g, o.to, &opts)
	res, err := pipeline(p).Promote(context.Background(), o.from, o.to, opts)
	stop()
	return reportResult(g, res, err)
}
