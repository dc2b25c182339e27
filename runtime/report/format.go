package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Formats Write renders.
var Formats = []string{"table", "json", "csv", "html"}

// Write renders r in format: table (for people), json (Report's shape, one
// document), csv (one row per figure: flow, stage, metric, value; stage is
// empty for a flow's own figures; durations in seconds) or html (one
// self-contained page with SVG charts).
func Write(w io.Writer, r *Report, format string) error {
	switch format {
	case "table", "":
		return writeTable(w, r)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	case "csv":
		return writeCSV(w, r)
	case "html":
		return writeHTML(w, r)
	}
	return fmt.Errorf("unknown report format %q: use %s", format, strings.Join(Formats, ", "))
}

// MarshalJSON writes durations in seconds, to the millisecond the stage
// log keeps (1.84, not 1.8399999999999999); of none (count 0) the mean,
// median and p90 are null, as a rate of nothing is, not 0 seconds.
func (d Durations) MarshalJSON() ([]byte, error) {
	secs := func(x time.Duration) *float64 {
		if d.Count == 0 {
			return nil
		}
		s := float64(x.Round(time.Millisecond).Milliseconds()) / 1000
		return &s
	}
	return json.Marshal(struct {
		Count  int64    `json:"count"`
		Mean   *float64 `json:"mean_seconds"`
		Median *float64 `json:"median_seconds"`
		P90    *float64 `json:"p90_seconds"`
	}{d.Count, secs(d.Mean), secs(d.Median), secs(d.P90)})
}

// Human formats a duration as people read it: its two largest units, e.g.
// "45s", "12m 5s", "3h 20m", "2d 4h". Below ten seconds it keeps what
// whole seconds would hide ("350ms", "4.2s"): stays that short differ by
// less than a second, and two medians must not read alike when they are not.
func Human(d time.Duration) string {
	if d < 0 {
		return "-" + Human(-d)
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Second-time.Millisecond/2:
		return strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10) + "ms"
	case d < 10*time.Second-50*time.Millisecond:
		return strconv.FormatFloat(float64(d.Round(100*time.Millisecond))/float64(time.Second), 'f', 1, 64) + "s"
	}
	d = d.Round(time.Second)
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.size && i < len(units)-1 {
			continue
		}
		if i+1 < len(units) {
			// Rounded to the unit shown last, not cut: 1h 59m 59s is 2h.
			r := d.Round(units[i+1].size)
			if i > 0 && r >= units[i-1].size {
				return Human(r) // 23h 59m 40s: 1d
			}
			d = r
		}
		n := d / u.size
		out := strconv.FormatInt(int64(n), 10) + u.name
		if i+1 < len(units) {
			next := units[i+1]
			if rest := (d - n*u.size) / next.size; rest > 0 {
				out += " " + strconv.FormatInt(int64(rest), 10) + next.name
			}
		}
		return out
	}
	return "0s"
}

// percent formats a rate of 0..1 with one decimal.
func percent(rate float64) string {
	return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%"
}

func scope(r *Report) string {
	if r.Since == nil {
		return "all instances"
	}
	return "instances created and stays begun since " + r.Since.Format("2006-01-02 15:04:05 UTC")
}

func writeTable(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "Environment %s, %s (%s)\n", r.Environment, scope(r), r.GeneratedOn.Format("2006-01-02 15:04 UTC"))
	if len(r.Flows) == 0 {
		fmt.Fprintln(w, "\nNo active flows you may read.")
	}
	for _, f := range r.Flows {
		fmt.Fprintf(w, "\n%s (%s)\n", f.DisplayName, f.Name)
		in := f.Instances
		fmt.Fprintf(w, "  Instances     %d: %d active, %d finished, %d aborted\n", in.Total, in.Active, in.Finished, in.Aborted)
		if f.AbandonmentRate != nil {
			fmt.Fprintf(w, "  Abandonment   %s (%d of %d ended)\n", percent(*f.AbandonmentRate), in.Aborted, in.Finished+in.Aborted)
		} else {
			fmt.Fprintln(w, "  Abandonment   - (none ended)")
		}
		fmt.Fprintf(w, "  Cycle time    %s\n", durationsText(f.CycleTime, "finished, in bpf_duration's whole minutes"))
		if len(f.Stages) == 0 {
			continue
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		// ENDED: the stays the times are of (an open stay has none yet).
		fmt.Fprintln(tw, "  STAGE\tREACHED\tSTAYS\tENDED\tMEAN\tMEDIAN\tP90")
		for _, s := range f.Stages {
			name := s.Name
			if s.Bottleneck {
				name += " *"
			}
			if s.Removed {
				name += " (removed)"
			}
			mean, median, p90 := "-", "-", "-"
			if s.Time.Count > 0 {
				mean, median, p90 = Human(s.Time.Mean), Human(s.Time.Median), Human(s.Time.P90)
			}
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\t%s\t%s\t%s\n", name, s.Reached, s.Stays, s.Completed, mean, median, p90)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, s := range f.Stages {
			if s.Bottleneck {
				fmt.Fprintf(w, "  * bottleneck: %s (median %s)\n", s.Name, Human(s.Time.Median))
			}
		}
	}
	return nil
}

func durationsText(d Durations, what string) string {
	if d.Count == 0 {
		return "- (none " + what + ")"
	}
	return fmt.Sprintf("mean %s, median %s, p90 %s (%d %s)", Human(d.Mean), Human(d.Median), Human(d.P90), d.Count, what)
}

func writeCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	row := func(flow, stage, metric, value string) { _ = cw.Write([]string{flow, stage, metric, value}) }
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	// Seconds to the millisecond: d.Seconds() of 3.72 s is 3.7199999999999998.
	secs := func(d time.Duration) string {
		return strconv.FormatFloat(math.Round(d.Seconds()*1000)/1000, 'f', -1, 64)
	}
	// Every metric has its row, empty where JSON has null: a pivot of the
	// file then has the same columns whatever the data.
	durations := func(flow, stage, prefix string, d Durations) {
		row(flow, stage, prefix+"count", num(d.Count))
		mean, median, p90 := "", "", ""
		if d.Count > 0 {
			mean, median, p90 = secs(d.Mean), secs(d.Median), secs(d.P90)
		}
		row(flow, stage, prefix+"mean_seconds", mean)
		row(flow, stage, prefix+"median_seconds", median)
		row(flow, stage, prefix+"p90_seconds", p90)
	}
	row("flow", "stage", "metric", "value")
	for _, f := range r.Flows {
		row(f.Name, "", "instances_total", num(f.Instances.Total))
		row(f.Name, "", "instances_active", num(f.Instances.Active))
		row(f.Name, "", "instances_finished", num(f.Instances.Finished))
		row(f.Name, "", "instances_aborted", num(f.Instances.Aborted))
		rate := ""
		if f.AbandonmentRate != nil {
			rate = strconv.FormatFloat(*f.AbandonmentRate, 'f', -1, 64)
		}
		row(f.Name, "", "abandonment_rate", rate)
		durations(f.Name, "", "cycle_", f.CycleTime)
		row(f.Name, "", "bottleneck", f.Bottleneck)
		for _, s := range f.Stages {
			if s.Removed {
				row(f.Name, s.Name, "removed", "true") // a stage of an earlier version
			}
			row(f.Name, s.Name, "reached", num(s.Reached))
			row(f.Name, s.Name, "stays", num(s.Stays))
			durations(f.Name, s.Name, "time_", s.Time)
		}
	}
	cw.Flush()
	return cw.Error()
}
