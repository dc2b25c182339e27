package main

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/report"
)

type reportOptions struct {
	runtimeOptions
	flow   string
	since  string
	format string
}

func newReportCmd(g *globals) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report --env E [--flow F] [--since T] [--format table|json|csv|html]",
		Short: "Stage durations, cycle time, abandonment rate",
		Long: "report measures the flows of environment E that the user (--as) may read: their\n" +
			"instances by state, the abandonment rate (aborted of ended), the cycle time of the\n" +
			"finished instances, the time spent in each stage with the bottleneck named (the\n" +
			"stage with the longest median time), and how many instances reached each stage.\n" +
			"Medians and 90th percentiles are nearest-rank. Everything is computed in the\n" +
			"database. --since T (2026-05-01 or 2026-05-01T09:00:00Z, or 12h, 7d back from\n" +
			"now) counts only the instances created and the stays begun since T; a T in the\n" +
			"future is refused.\n\n" +
			"--format: table (default), json, csv (flow, stage, metric, value; durations in\n" +
			"seconds), or html (one self-contained page with SVG charts). --output json is\n" +
			"--format json. JSON: {environment, generated_on, since, flows: [{flow,\n" +
			"display_name, instance_table, instances: {total, active, finished, aborted},\n" +
			"abandonment_rate, cycle_time: {count, mean_seconds, median_seconds, p90_seconds},\n" +
			"stages: [{stage, display_name, reached, stays, completed, time, bottleneck,\n" +
			"removed (a stage of an earlier version of the flow, when true)}], bottleneck}]}.\n" +
			"Cycle time is bpf_duration, whole minutes as Dataverse keeps it.",
		Example: "  bpfc report --env prod\n" +
			"  bpfc report --env prod --flow lead_to_opportunity --since 30d\n" +
			"  bpfc report --env prod --since 2026-05-01 --format csv\n" +
			"  # one self-contained page, on stdout:\n" +
			"  bpfc report --env prod --format html",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("format") && g.output == "json" {
				o.format = "json"
			}
			if g.output == "json" && o.format != "json" {
				return usageErr("report: --output json and --format %s conflict: one JSON document is --format json", o.format)
			}
			return runReport(g, o)
		},
	}
	o.flags(cmd)
	cmd.Flags().StringVar(&o.flow, "flow", "", "only `FLOW`")
	cmd.Flags().StringVar(&o.since, "since", "", "only instances created and stays begun since `T` (a date or time, or a span back from now: 12h, 7d)")
	cmd.Flags().StringVar(&o.format, "format", "table", "table, json, csv or html")
	return cmd
}

// sinceTime reads --since: a date or time, or a span back from now in
// hours, minutes or days (12h, 90m, 7d, 2h30m).
func sinceTime(s string, now time.Time) (time.Time, bool) {
	if t, ok := compiler.ParseDate(s); ok {
		return t, true
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100000 {
			return time.Time{}, false
		}
		return now.Add(-time.Duration(n) * 24 * time.Hour), true // 24 h each, in any time zone
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, false
	}
	return now.Add(-d), true
}

// sinceArg reads --since as of now: the zero time when it is not given;
// a value that is no date, time or span, or a time after now (it would
// count nothing), is a usage error.
func sinceArg(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, ok := sinceTime(strings.TrimSpace(s), now)
	if !ok {
		return time.Time{}, usageErr("report: --since %q is not a date, a time or a span back from now (2026-05-01, 2026-05-01T09:00:00Z, 12h, 7d)", s)
	}
	if t.After(now) {
		return time.Time{}, usageErr("report: --since %q is in the future (%s UTC is after now): no instance was created and no stay begun since then; give a past date or time, or a span back from now (12h, 7d)",
			s, t.UTC().Format(time.DateTime))
	}
	return t, nil
}

func runReport(g *globals, o *reportOptions) error {
	if !slices.Contains(report.Formats, o.format) {
		return usageErr("report: --format %q: use %s", o.format, strings.Join(report.Formats, ", "))
	}
	since, err := sinceArg(o.since, time.Now())
	if err != nil {
		return err
	}
	s, done, err := openEnv(g, &o.runtimeOptions, "report")
	if err != nil {
		return err
	}
	defer done()
	set, clear := status(g)
	if set != nil {
		set("reading the stage log of " + o.env)
	}
	rep, err := s.Report(context.Background(), o.flow, since)
	clear()
	if err != nil {
		return runtimeErr(err)
	}
	return report.Write(g.stdout, rep, o.format)
}
