package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bpfc/bpfc/runtime/store"
)

const dealProject = `
solution "R" {
  version = "1.0.0.0"
  publisher "p" {
    prefix              = "tr"
    option_value_prefix = 10000
  }
}
environment "dev" {
  managed = false
}
flow "deal" {
  display_name  = "Deal"
  primary_table = "lead"
  stage "a" { display_name = "Stage A" }
  stage "b" { display_name = "Stage B" }
  stage "c" { display_name = "Stage C" }
}
`

// knownData makes seven instances of flow deal whose figures are worked
// out by hand (see TestReportNumbers), and returns the time the fifth was
// created.
func knownData(t *testing.T) (*env, time.Time) {
	v := deployed(t, "", map[string]string{"p.hcl": dealProject})
	s := v.admin()
	h := time.Hour
	// I1: a 1h, b 2h, c 1h, finished: 240 min.
	in := v.start("deal", nil)
	v.after(h, s.Next, in.ID)
	v.after(2*h, s.Next, in.ID)
	v.after(h, s.Finish, in.ID)
	// I2: a 2h, b 4h, c 3h, finished: 540 min.
	in = v.start("deal", nil)
	v.after(2*h, s.Next, in.ID)
	v.after(4*h, s.Next, in.ID)
	v.after(3*h, s.Finish, in.ID)
	// I3: a 30m, b 2h, back to a 30m, b again 2h, c 30m, finished: 330 min.
	in = v.start("deal", nil)
	v.after(h/2, s.Next, in.ID)
	v.after(2*h, s.Prev, in.ID)
	v.after(h/2, s.Next, in.ID)
	v.after(2*h, s.Next, in.ID)
	v.after(h/2, s.Finish, in.ID)
	// I4: a 1h, abandoned.
	in = v.start("deal", nil)
	v.after(h, s.Abandon, in.ID)
	// I5: a 3h, then in b.
	since := v.clock.Now()
	in = v.start("deal", nil)
	v.after(3*h, s.Next, in.ID)
	// I6: in a.
	v.start("deal", nil)
	// I7: a 1h, b 1h, c 1h, finished, reactivated, c 2h, finished: 300 min.
	in = v.start("deal", nil)
	v.after(h, s.Next, in.ID)
	v.after(h, s.Next, in.ID)
	v.after(h, s.Finish, in.ID)
	v.after(0, s.Reactivate, in.ID)
	v.after(2*h, s.Finish, in.ID)
	return v, since
}

func dur(d time.Duration, n int64) time.Duration { return time.Duration(float64(d)/float64(n) + 0.5) }

func TestReportNumbers(t *testing.T) {
	v, since := knownData(t)
	h, m := time.Hour, time.Minute
	rate := func(r float64) *float64 { return &r }
	stages := func(a, b, c Stage) []*Stage {
		a.Name, a.DisplayName, b.Name, b.DisplayName, c.Name, c.DisplayName = "a", "Stage A", "b", "Stage B", "c", "Stage C"
		return []*Stage{&a, &b, &c}
	}
	whole := &Flow{Name: "deal", DisplayName: "Deal", InstanceTable: "tr_deal",
		Instances:       Instances{Total: 7, Active: 2, Finished: 4, Aborted: 1},
		AbandonmentRate: rate(0.2),
		// 240, 300, 330, 540 minutes.
		CycleTime: Durations{Count: 4, Mean: dur(1410*m, 4), Median: 300 * m, P90: 540 * m},
		Stages: stages(
			// 30m 30m 1h 1h 1h 2h 3h; I6 still in a; I3 came back once.
			Stage{Reached: 7, Stays: 8, Completed: 7, Time: Durations{Count: 7, Mean: dur(9*h, 7), Median: h, P90: 3 * h}},
			// 1h 2h 2h 2h 4h; I5 still in b; I3 entered it twice.
			Stage{Reached: 5, Stays: 6, Completed: 5, Time: Durations{Count: 5, Mean: dur(11*h, 5), Median: 2 * h, P90: 4 * h}, Bottleneck: true},
			// 30m 1h 1h 2h 3h; I7 reactivated in c.
			Stage{Reached: 4, Stays: 5, Completed: 5, Time: Durations{Count: 5, Mean: dur(15*h/2, 5), Median: h, P90: 3 * h}},
		),
		Bottleneck: "b"}
	windowed := &Flow{Name: "deal", DisplayName: "Deal", InstanceTable: "tr_deal",
		Instances:       Instances{Total: 3, Active: 2, Finished: 1},
		AbandonmentRate: rate(0),
		CycleTime:       Durations{Count: 1, Mean: 300 * m, Median: 300 * m, P90: 300 * m},
		Stages: stages(
			Stage{Reached: 3, Stays: 3, Completed: 2, Time: Durations{Count: 2, Mean: 2 * h, Median: h, P90: 3 * h}, Bottleneck: true},
			Stage{Reached: 2, Stays: 2, Completed: 1, Time: Durations{Count: 1, Mean: h, Median: h, P90: h}},
			Stage{Reached: 1, Stays: 2, Completed: 2, Time: Durations{Count: 2, Mean: dur(3*h, 2), Median: h, P90: 2 * h}},
		),
		Bottleneck: "a"}
	for _, c := range []struct {
		name  string
		since time.Time
		want  *Flow
	}{
		{"whole log", time.Time{}, whole},
		{"window before everything", since.Add(-24 * time.Hour), whole}, // counts reached with DISTINCT: the same figures
		{"since the fifth instance", since, windowed},
	} {
		rep, err := Build(v.ctx, v.s, Options{Since: c.since, Now: v.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Flows) != 1 {
			t.Fatalf("%s: %d flows", c.name, len(rep.Flows))
		}
		if d := cmp.Diff(c.want, rep.Flows[0], cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
}

func TestReportFormats(t *testing.T) {
	v, _ := knownData(t)
	rep, err := Build(v.ctx, v.s, Options{Flow: "deal", Now: v.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Write(&out, rep, "table"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Deal (deal)",
		"Instances     7: 2 active, 4 finished, 1 aborted",
		"Abandonment   20.0% (1 of 5 ended)",
		"Cycle time    mean 5h 53m, median 5h, p90 9h (4 finished, in bpf_duration's whole minutes)",
		"  STAGE  REACHED  STAYS  ENDED  MEAN    MEDIAN  P90\n",
		"  a      7        8      7      1h 17m  1h      3h\n",
		"  b *    5        6      5      2h 12m  2h      4h\n",
		"  c      4        5      5      1h 30m  1h      3h\n",
		"* bottleneck: b (median 2h)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := Write(&out, rep, "json"); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Environment string
		Since       *string
		Flows       []struct {
			AbandonmentRate float64            `json:"abandonment_rate"`
			CycleTime       map[string]float64 `json:"cycle_time"`
			Stages          []struct {
				Stage   string
				Reached int
				Time    map[string]float64
			}
			Bottleneck string
		}
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	f := doc.Flows[0]
	if doc.Environment != "dev" || doc.Since != nil || f.AbandonmentRate != 0.2 || f.CycleTime["median_seconds"] != 18000 ||
		f.CycleTime["mean_seconds"] != 21150 || f.Stages[1].Time["p90_seconds"] != 14400 || f.Stages[0].Reached != 7 || f.Bottleneck != "b" {
		t.Errorf("json:\n%s", out.String())
	}

	out.Reset()
	if err := Write(&out, rep, "csv"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"flow,stage,metric,value\n",
		"deal,,instances_total,7\n",
		"deal,,abandonment_rate,0.2\n",
		"deal,,cycle_median_seconds,18000\n",
		"deal,,bottleneck,b\n",
		"deal,b,reached,5\n",
		"deal,b,time_median_seconds,7200\n",
		"deal,c,time_p90_seconds,10800\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("csv lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := Write(&out, rep, "html"); err != nil {
		t.Fatal(err)
	}
	page := out.String()
	for _, want := range []string{"<svg", "Time per stage", "Instances reaching each stage", "20.0%", `<tr class="hot"><td>Stage B</td>`} {
		if !strings.Contains(page, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, external := range []string{"http://", "https://", "<script", "<link", "@import", "url("} {
		if strings.Contains(page, external) {
			t.Errorf("html refers to an external resource: %q", external)
		}
	}
	if err := Write(&out, rep, "pdf"); err == nil || !strings.Contains(err.Error(), "use table, json, csv, html") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestReportUnknownFlow(t *testing.T) {
	v, _ := knownData(t)
	_, err := Build(v.ctx, v.s, Options{Flow: "nosuch"})
	if err == nil || err.Error() != `no flow "nosuch" in dev; the active flows are deal` {
		t.Errorf("unknown flow: %v", err)
	}
	// A misspelt one is answered with the one most likely meant, as the
	// engine's --flow is (compiler.ClosestName).
	_, err = Build(v.ctx, v.s, Options{Flow: "dael"})
	if err == nil || err.Error() != `no flow "dael" in dev; the active flows are deal; did you mean deal?` {
		t.Errorf("misspelt flow: %v", err)
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 12*time.Minute + 5*time.Second: "12m 5s", 3*time.Hour + 20*time.Minute: "3h 20m",
		52*time.Hour + 10*time.Minute: "2d 4h", 2 * time.Hour: "2h", 1500 * time.Millisecond: "1.5s",
		// Short stays keep what whole seconds would hide.
		350 * time.Millisecond: "350ms", 1400 * time.Millisecond: "1.4s", 999600 * time.Microsecond: "1.0s",
		9960 * time.Millisecond: "10s", 10400 * time.Millisecond: "10s", -2 * time.Second: "-2.0s",
		// Rounded to the last unit shown, not cut.
		time.Hour + 59*time.Minute + 59*time.Second: "2h", 8228571 * time.Millisecond: "2h 17m",
		23*time.Hour + 59*time.Minute + 40*time.Second: "1d", 59*time.Minute + 59*time.Second + 600*time.Millisecond: "1h",
		90*time.Second + 400*time.Millisecond: "1m 30s", 26*time.Hour + 40*time.Minute: "1d 3h",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestReportNoFlows: a report without flows says that there are none the
// user may read (there may be others), in text and in HTML.
func TestReportNoFlows(t *testing.T) {
	r := &Report{Environment: "dev", GeneratedOn: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	for _, format := range []string{"table", "html"} {
		var b bytes.Buffer
		if err := Write(&b, r, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "No active flows you may read.") {
			t.Errorf("%s: %s", format, b.String())
		}
	}
}

// JSON durations are seconds to the millisecond, without float noise; of
// none, null.
func TestDurationsJSON(t *testing.T) {
	b, err := json.Marshal(Durations{Count: 2, Mean: 1839999999, Median: 1840000000, P90: 2200400000})
	if err != nil || string(b) != `{"count":2,"mean_seconds":1.84,"median_seconds":1.84,"p90_seconds":2.2}` {
		t.Errorf("%s %v", b, err)
	}
	b, err = json.Marshal(Durations{})
	if err != nil || string(b) != `{"count":0,"mean_seconds":null,"median_seconds":null,"p90_seconds":null}` {
		t.Errorf("no durations: %s %v", b, err)
	}
}

// TestReportFunnelSince: over a window, the funnel is of the instances
// started in it, each counted once at each stage it moved forward to: an
// older instance moved back and forth, or reactivated, in the window adds
// nothing (it made a stage reached by more instances than the report had).
func TestReportFunnelSince(t *testing.T) {
	v := deployed(t, "", map[string]string{"p.hcl": dealProject})
	s := v.admin()
	h := time.Hour
	old := v.start("deal", nil)
	v.after(h, s.Next, old.ID)
	v.after(h, s.Next, old.ID)
	v.after(h, s.Finish, old.ID)
	// An older one that moves on to c in the window: c is reached by no
	// instance started in it.
	older := v.start("deal", nil)
	v.after(h, s.Next, older.ID)
	since := v.clock.Now()
	v.after(h, s.Next, older.ID)
	v.after(h, s.Reactivate, old.ID)
	v.after(h, s.Prev, old.ID)
	v.after(h, s.Prev, old.ID)
	v.after(h, s.Next, old.ID)
	in := v.start("deal", nil)
	v.after(h, s.Next, in.ID)
	v.after(h, s.Prev, in.ID)
	v.after(h, s.Next, in.ID)
	rep, err := Build(v.ctx, v.s, Options{Since: since, Now: v.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Flows[0]
	var got []int64
	for _, st := range f.Stages {
		got = append(got, st.Reached)
	}
	if f.Instances.Total != 1 || !slices.Equal(got, []int64{1, 1, 0}) {
		t.Errorf("since the second instance: %d instances, reached %v; want 1 instance, reached [1 1 0]", f.Instances.Total, got)
	}
}

// TestReportOnlyReads: the deploy makes each instance table's report
// index, and a report only reads (it created a missing index: a write to a
// production store, refused to a read-only database user).
func TestReportOnlyReads(t *testing.T) {
	v, _ := knownData(t)
	if err := v.s.Read(v.ctx, func(tx store.Tx) error {
		ok, err := tx.(store.ReportTx).HasReportIndex("tr_deal")
		if err == nil && !ok {
			t.Error("the deploy made no report index")
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(v.ctx, readOnly{v.s}, Options{}); err != nil {
		t.Fatal(err)
	}
}

// readOnly is a store that refuses every write.
type readOnly struct{ store.Store }

func (readOnly) Write(context.Context, func(store.Tx) error) error {
	return errors.New("the report wrote to the store")
}

func (readOnly) WriteShared(context.Context, func(store.Tx) error) error {
	return errors.New("the report wrote to the store")
}

// TestHTMLBottleneckName: the bottleneck card names the stage as the
// table and the charts do, by its display name.
func TestHTMLBottleneckName(t *testing.T) {
	rep := &Report{Environment: "dev", Flows: []*Flow{{Name: "f", DisplayName: "F", Bottleneck: "dev_stage", Stages: []*Stage{
		{Name: "dev_stage", DisplayName: "Develop the deal", Reached: 1, Stays: 1, Completed: 1, Bottleneck: true, Time: Durations{Count: 1, Median: 3600}},
	}}}}
	var out strings.Builder
	if err := Write(&out, rep, "html"); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, `Bottleneck</div><div class="v">Develop the deal</div>`) {
		t.Errorf("bottleneck card: %s", s)
	}
}

// TestHTMLChartOfInstantStays: stays that ended in under a millisecond
// are ended stays; the chart says they were instant, not that none ended
// (beside a table whose Ended column says they did).
func TestHTMLChartOfInstantStays(t *testing.T) {
	rep := &Report{Environment: "dev", Flows: []*Flow{{Name: "f", DisplayName: "F", Stages: []*Stage{
		{Name: "a", DisplayName: "A", Reached: 1, Stays: 1, Completed: 1, Time: Durations{Count: 1}},
	}}}}
	var out strings.Builder
	if err := Write(&out, rep, "html"); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); strings.Contains(s, "No stay in a stage has ended yet") || !strings.Contains(s, "under a millisecond") {
		t.Errorf("chart of stays ended at once: %s", s)
	}
}

// TestCSVRowsForMissingValues: a metric without a value (no instance
// ended, no stay timed) has its row with an empty value, as JSON has its
// null, so that a pivot of the file has the same columns whatever the data.
func TestCSVRowsForMissingValues(t *testing.T) {
	rep := &Report{Environment: "dev", Flows: []*Flow{{Name: "f", DisplayName: "F", Stages: []*Stage{{Name: "a", DisplayName: "A"}}}}}
	var out strings.Builder
	if err := Write(&out, rep, "csv"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"f,,abandonment_rate,\n", "f,,cycle_mean_seconds,\n", "f,,bottleneck,\n", "f,a,time_p90_seconds,\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("csv lacks %q:\n%s", want, out.String())
		}
	}
}
