package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
)

type historyOptions struct {
	env   string
	limit int
}

func newHistoryCmd(g *globals) *cobra.Command {
	o := &historyOptions{}
	cmd := &cobra.Command{
		Use:   "history --env E",
		Short: "List the imports into an environment, newest first",
		Long: "history lists every import into environment E — deploys, promotions, apply-upgrades\n" +
			"and uninstalls, refused ones too — with who, when, the solution and version, mode,\n" +
			"result, duration, build digest and archive digest.\n\n" +
			"--output json prints {\"environment\": E, \"imports\": [{id, operation, solution, version,\n" +
			"managed, mode, who, started_on, duration_ms, archive_sha256, build_digest, result\n" +
			"(succeeded | refused | failed), message}]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runHistory(g, o) },
	}
	cmd.Flags().StringVar(&o.env, "env", "", "the environment (required)")
	cmd.Flags().IntVar(&o.limit, "limit", 0, "show at most `N` imports (0: all)")
	return cmd
}

func runHistory(g *globals, o *historyOptions) error {
	if o.env == "" {
		return envRequired(g, "history")
	}
	if err := limitArg("history", o.limit); err != nil {
		return err
	}
	p, ok := loadForRuntime(g, o.env)
	if !ok {
		return failed()
	}
	h, err := pipeline(g, p).History(context.Background(), o.env, o.limit)
	if err != nil {
		return envError(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, map[string]any{"environment": o.env, "imports": h})
	}
	if len(h) == 0 {
		fmt.Fprintf(g.stdout, "No imports into %s.\n", o.env)
		return nil
	}
	rows := [][]string{{"ID", "WHEN", "OPERATION", "SOLUTION", "VERSION", "MODE", "WHO", "RESULT", "TIME", "DIGEST", "MESSAGE"}}
	for _, e := range h {
		rows = append(rows, []string{strconv.FormatInt(e.ID, 10), e.StartedOn.UTC().Format(time.DateTime), e.Operation, e.Solution,
			e.Version, orElse(e.Mode, "-"), e.Who, e.Result, duration(e.DurationMS), shortDigest(e.BuildDigest), firstLine(e.Message)})
	}
	table(g.stdout, rows)
	return nil
}

// firstLine is the first line of a message, for one-line table cells.
func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}
