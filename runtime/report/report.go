package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Options choose what a report covers.
type Options struct {
	// Flow limits the report to one flow (its name, unique name or
	// instance table); "" reports every flow.
	Flow string
	// Since limits the report to the instances created and the stays
	// begun at or after it (to the second); zero reports everything.
	Since time.Time
	// Now is the clock that dates the report (time.Now by default).
	Now func() time.Time
	// User, when set, limits the report to the flows whose instances
	// that user (a systemuser name) may read.
	User string
}

// Report is the report of an environment. JSON shape (bpfc report
// --format json): environment, generated_on, since (null for all), flows
// ([Flow]).
type Report struct {
	Environment string     `json:"environment"`
	GeneratedOn time.Time  `json:"generated_on"`
	Since       *time.Time `json:"since"`
	Flows       []*Flow    `json:"flows"`
}

// Flow is the report of one business process flow. JSON shape: flow,
// display_name, instance_table, instances ({total, active, finished,
// aborted}), abandonment_rate (aborted of ended, 0..1; null when none
// ended), cycle_time (Durations of the finished instances), stages
// ([Stage], in flow order), bottleneck (the stage name, "" for none).
type Flow struct {
	Name            string    `json:"flow"`
	DisplayName     string    `json:"display_name"`
	InstanceTable   string    `json:"instance_table"`
	Instances       Instances `json:"instances"`
	AbandonmentRate *float64  `json:"abandonment_rate"`
	CycleTime       Durations `json:"cycle_time"`
	Stages          []*Stage  `json:"stages"`
	Bottleneck      string    `json:"bottleneck"`
}

// Instances counts a flow's instances by state.
type Instances struct {
	Total    int64 `json:"total"`
	Active   int64 `json:"active"`
	Finished int64 `json:"finished"`
	Aborted  int64 `json:"aborted"`
}

// Durations summarise a set of durations: how many, their mean, and their
// nearest-rank median and 90th percentile (percentile_disc: the value at
// rank ceil(p·n)). JSON: count, mean_seconds, median_seconds, p90_seconds.
type Durations struct {
	Count  int64         `json:"count"`
	Mean   time.Duration `json:"-"`
	Median time.Duration `json:"-"`
	P90    time.Duration `json:"-"`
}

// Stage is the report of one stage: how many instances reached it, how many
// stays it had (an instance moved back and forth stays more than once), how
// many of them ended, and how long those took. JSON: stage, display_name,
// reached, stays, completed, time (Durations), bottleneck, removed (a
// stage of an earlier version of the flow, whose stays the log keeps;
// omitted when false).
type Stage struct {
	Name        string    `json:"stage"`
	DisplayName string    `json:"display_name"`
	Reached     int64     `json:"reached"`
	Stays       int64     `json:"stays"`
	Completed   int64     `json:"completed"`
	Time        Durations `json:"time"`
	Bottleneck  bool      `json:"bottleneck"`
	Removed     bool      `json:"removed,omitempty"`
}

// Build reads the report of the environment s. Every figure is computed by
// the database (runtime/store's ReportTx); it only reads (the import made
// the index an instance table's figures are read from).
func Build(ctx context.Context, s store.Store, o Options) (*Report, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	meta, err := s.Meta(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Environment: meta.Name, GeneratedOn: o.Now().UTC(), Flows: []*Flow{}}
	if !o.Since.IsZero() {
		since := o.Since.UTC().Truncate(time.Second)
		rep.Since, o.Since = &since, since
	}
	flows, err := deployedFlows(ctx, s, meta.Name, o.Flow, o.User)
	if err != nil {
		return nil, err
	}
	err = s.Read(ctx, func(tx store.Tx) error {
		rt, ok := tx.(store.ReportTx)
		if !ok {
			return errors.New("this environment's store cannot answer report queries")
		}
		for _, w := range flows {
			f, err := flowReport(tx, rt, w, o.Since)
			if err != nil {
				return fmt.Errorf("flow %s: %w", w.Name, err)
			}
			rep.Flows = append(rep.Flows, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// deployedFlows lists the flows with an instance table that user ("" =
// anyone) may read, sorted by name, or the one named.
func deployedFlows(ctx context.Context, s store.Store, env, name, user string) ([]store.Workflow, error) {
	var out []store.Workflow
	err := s.Read(ctx, func(tx store.Tx) error {
		readable := func(string) bool { return true }
		if user != "" {
			acc, err := tx.Access(user)
			if errors.Is(err, store.ErrNotFound) {
				// As the engine's refusal: only a local report names an
				// unknown user (the Web API's is its token's).
				reason, err := engine.NotAUser(tx, user, env)
				if err != nil {
					return err
				}
				return fmt.Errorf("user %q %s%w", user, reason, store.Silent(ErrForbidden))
			}
			if err != nil {
				return err
			}
			switch {
			case acc.User.Disabled:
				return fmt.Errorf("user %q is disabled%w", user, store.Silent(ErrForbidden))
			case !acc.FullAccess && len(acc.User.Roles) == 0:
				// As the engine refuses a user who may do nothing.
				return fmt.Errorf("user %q %s%w", user, engine.NoRoleReason(user), store.Silent(ErrForbidden))
			}
			readable = func(table string) bool { return acc.Allows(table, "read") }
		}
		wfs, err := tx.Workflows()
		if err != nil {
			return err
		}
		var names []string
		for _, w := range wfs {
			if w.Category != store.CategoryBPF || w.InstanceTable == "" {
				continue
			}
			if _, err := tx.Table(w.InstanceTable); errors.Is(err, store.ErrNotFound) {
				continue // a draft: no instances
			} else if err != nil {
				return err
			}
			named := name == w.Name || name == w.UniqueName || name == w.InstanceTable
			if !readable(w.InstanceTable) {
				if named {
					return fmt.Errorf("user %q may not see instances of flow %s: none of their roles grants read on %s%w",
						user, w.Name, w.InstanceTable, store.Silent(ErrForbidden))
				}
				continue
			}
			names = append(names, w.Name)
			if name == "" || named {
				out = append(out, w)
			}
		}
		switch {
		case name != "" && len(out) == 0 && len(names) == 0:
			return fmt.Errorf("no flow %q: no active flow is deployed in %s%w", name, env, store.Silent(store.ErrNotFound))
		case name != "" && len(out) == 0:
			hint := ""
			if c := compiler.ClosestName(strings.ToLower(name), names); c != "" {
				hint = "; did you mean " + c + "?"
			}
			return fmt.Errorf("no flow %q in %s; the active flows are %s%s%w", name, env, strings.Join(names, ", "), hint, store.Silent(store.ErrNotFound))
		}
		return nil
	})
	slices.SortFunc(out, func(a, b store.Workflow) int { return strings.Compare(a.Name, b.Name) })
	return out, err
}

func flowReport(tx store.Tx, rt store.ReportTx, w store.Workflow, since time.Time) (*Flow, error) {
	f := &Flow{Name: w.Name, DisplayName: w.DisplayName, InstanceTable: w.InstanceTable, Stages: []*Stage{}}
	is, err := rt.InstanceStats(w.InstanceTable, since)
	if err != nil {
		return nil, err
	}
	f.Instances = Instances{Total: is.Active + is.Finished + is.Aborted, Active: is.Active, Finished: is.Finished, Aborted: is.Aborted}
	if ended := is.Finished + is.Aborted; ended > 0 {
		rate := float64(is.Aborted) / float64(ended)
		f.AbandonmentRate = &rate
	}
	min := func(n int64) time.Duration { return time.Duration(n) * time.Minute }
	f.CycleTime = Durations{Count: is.CycleCount, Median: min(is.CycleMedian), P90: min(is.CycleP90)}
	if is.CycleCount > 0 {
		f.CycleTime.Mean = mean(min(is.CycleTotal), is.CycleCount)
	}
	stages, err := tx.Stages(w.ID)
	if err != nil {
		return nil, err
	}
	stats, err := rt.StageStats(w.ID, since)
	if err != nil {
		return nil, err
	}
	byName := map[string]store.StageStats{}
	for _, st := range stats {
		byName[st.Stage] = st
	}
	add := func(name, display string, removed bool) {
		st := byName[name]
		delete(byName, name)
		ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
		s := &Stage{Name: name, DisplayName: display, Reached: st.Reached, Stays: st.Visits, Completed: st.Completed,
			Time: Durations{Count: st.Completed, Median: ms(st.MedianMS), P90: ms(st.P90MS)}, Removed: removed}
		if st.Completed > 0 {
			s.Time.Mean = mean(ms(st.TotalMS), st.Completed)
		}
		f.Stages = append(f.Stages, s)
	}
	for _, s := range stages {
		add(s.Name, s.DisplayName, false)
	}
	for _, st := range stats { // stages of an earlier version of the flow
		if _, left := byName[st.Stage]; left {
			add(st.Stage, st.Stage+" (removed)", true)
		}
	}
	if b := bottleneck(f.Stages); b != nil {
		b.Bottleneck, f.Bottleneck = true, b.Name
	}
	return f, nil
}

func mean(total time.Duration, n int64) time.Duration {
	return time.Duration(float64(total)/float64(n) + 0.5)
}

// bottleneck is the stage of the flow whose completed stays have the
// longest median time (a removed stage is no longer one to act on); ties go
// to the longer 90th percentile, then mean, then the earlier stage. Nil
// when no stay ended.
func bottleneck(stages []*Stage) *Stage {
	var best *Stage
	for _, s := range stages {
		if s.Time.Count == 0 || s.Removed {
			continue
		}
		if best == nil || s.Time.Median > best.Time.Median ||
			s.Time.Median == best.Time.Median && (s.Time.P90 > best.Time.P90 || s.Time.P90 == best.Time.P90 && s.Time.Mean > best.Time.Mean) {
			best = s
		}
	}
	return best
}

// ErrForbidden: Options.User may not see what the report would show (the
// engine's refusals are the same error: the Web API answers 403 to both).
var ErrForbidden = store.ErrForbidden
