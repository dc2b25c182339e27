package main

import (
	"fmt"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/spf13/cobra"
)

func newReleaseCmd(g *globals) *cobra.Command {
	var timeout string
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Build, deploy to the first environment and promote along promote_from to the last",
		Long: "release runs the whole pipeline: it builds the project, deploys it to the first\n" +
			"environment, then each further environment in the order written — promoted from\n" +
			"its promote_from, or deployed when it has none — stopping at the first that does\n" +
			"not apply, and prints a summary (environment, solution, version, digest, result,\n" +
			"time).\n\n" +
			"Any environment may be remote (url = \"http://…\"): it is deployed to through its\n" +
			"server's ImportSolution, promoted from through its bpfc_ExportSolution, and its\n" +
			"promote_from gate is checked here, with the token of each (BPFC_TOKEN_<ENV> or\n" +
			"BPFC_TOKEN).\n\n" +
			"--output json prints: solution, version, digest, ok, result (applied | refused |\n" +
			"failed | busy: run it again), message (the step that stopped it; left out when none did), and\n" +
			"environments: [{environment, action, solution, version, digest, result (applied |\n" +
			"refused | failed | busy | skipped), message, duration_ms, and the import's notes and\n" +
			"data, when it has them}].",
		Example: "  bpfc release\n" +
			"  bpfc -C examples/sales release --output json",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runRelease(g, timeout) },
	}
	timeoutFlag(cmd, &timeout)
	return cmd
}

func runRelease(g *globals, timeoutArg string) error {
	timeout, err := parseTimeout("release", timeoutArg)
	if err != nil {
		return err
	}
	p, ok := loadForImport(g)
	if !ok {
		return failed()
	}
	b, err := buildForDeploy(p)
	if err != nil {
		return err
	}
	opts := deploy.Options{Who: whoAmI()}
	show, _ := statusLine(g)
	if show != nil {
		opts.Progress = func(msg string) { show("[release] " + msg) }
	}
	ctx, stopSignals := interruptible()
	defer stopSignals()
	rel, err := remotePipeline(g, p, timeout).Release(ctx, b, opts, func(s deploy.ReleaseStep) {
		if show != nil {
			show(s.Environment + ": " + s.Result + "\n")
		}
	})
	if rel == nil {
		return envError(err)
	}
	if g.output == "json" {
		if werr := writeJSON(g.stdout, rel); werr != nil {
			return werr
		}
	} else if len(rel.Environments) > 0 { // none: the error says why, a table would be empty
		fmt.Fprintf(g.stdout, "Release of %s %s (build %s)\n", rel.Solution, rel.Version, shortDigest(rel.Digest))
		rows := [][]string{{"ENVIRONMENT", "ACTION", "SOLUTION", "VERSION", "DIGEST", "RESULT", "TIME"}}
		for _, s := range rel.Environments {
			t := "-"
			if s.Result != deploy.Skipped {
				t = duration(s.DurationMS)
			}
			rows = append(rows, []string{s.Environment, s.Action, s.Solution, s.Version, shortDigest(s.Digest), s.Result, t})
		}
		table(g.stdout, rows)
		for _, s := range rel.Environments {
			for _, l := range dataLines(s.Data) {
				fmt.Fprintf(g.stdout, "  data  %s: %s\n", s.Environment, l)
			}
		}
		for _, s := range rel.Environments {
			for _, n := range s.Notes {
				fmt.Fprintf(g.stderr, "bpfc: note: %s: %s\n", s.Environment, n)
			}
		}
	}
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	return nil
}
