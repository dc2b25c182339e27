package main

import (
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/spf13/cobra"
)

type promoteOptions struct {
	from, to string
	settings string
	mode     string
	timeout  string
}

func newPromoteCmd(g *globals) *cobra.Command {
	o := &promoteOptions{}
	cmd := &cobra.Command{
		Use:   "promote --from A --to B",
		Short: "Deploy to B exactly the build that is live in A",
		Long: "promote imports into environment B the build live in A — the model and the\n" +
			"archives A keeps, whatever the project directory now holds — in B's flavour\n" +
			"(managed or unmanaged). Values for B's variables come as deploy reads them: from\n" +
			"--settings, then BPFC_VAR_<SCHEMANAME> (or BPFC_VAR_<NAME>; the schema name's\n" +
			"wins), then B's environment block. --output json prints the same result as deploy.\n\n" +
			"Either may be remote (url = \"http://…\"): the build is read from A's server\n" +
			"(bpfc_ExportSolution) and imported through B's (ImportSolution), with the token\n" +
			"of each (BPFC_TOKEN_<ENV> or BPFC_TOKEN). B's promote_from gate is checked here,\n" +
			"also when its source is remote.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runPromote(g, o) },
	}
	cmd.Flags().StringVar(&o.from, "from", "", "the environment whose live build is promoted (required)")
	cmd.Flags().StringVar(&o.to, "to", "", "the environment to import into (required)")
	cmd.Flags().StringVar(&o.settings, "settings", "", "variable values from a deployment settings `FILE` (pac format)")
	cmd.Flags().StringVar(&o.mode, "mode", "upgrade", "upgrade | update | stage")
	timeoutFlag(cmd, &o.timeout)
	return cmd
}

func runPromote(g *globals, o *promoteOptions) error {
	if o.from == "" || o.to == "" {
		return promoteRequired(g, o.from, o.to)
	}
	mode, err := deploy.ParseMode(o.mode)
	if err != nil {
		return usageErr("promote: %v", err)
	}
	timeout, err := parseTimeout("promote", o.timeout)
	if err != nil {
		return err
	}
	if o.from == o.to {
		return usageErr("promote: --from and --to name the same environment, %s: promote copies one environment's live build into another", o.from)
	}
	p, ok := loadForImport(g)
	if !ok {
		return failed()
	}
	opts, err := importOptions(g, p, mode, o.settings)
	if err != nil {
		return err
	}
	opts.Operation = "promote"
	stop := progress(g, o.to, &opts)
	ctx, stopSignals := interruptible()
	defer stopSignals()
	res, err := remotePipeline(g, p, timeout).Promote(ctx, o.from, o.to, opts)
	stop()
	return reportResult(g, p.Environment(o.to), opts.Mode, nil, res, err)
}
