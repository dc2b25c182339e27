package sqlstore

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Report queries. Every figure is an SQL aggregate; percentiles are
// nearest-rank (percentile_disc), read as one row at an offset in index
// order, from whichever end is nearer. The stage log is read through
// indexes written once per stay: stagevisit_entries (workflow_id,
// entered_how, stage_name; migration 0005), written when a stay begins,
// counts every stay; the ends of stays, by flow, stage and the time of
// the ended stay, give the count, total and percentiles of the time in
// each stage: stageexit_done (migration 0007) on the rows of stageexit,
// stagevisit_left (0008) on the stays that carry the end of the one before.
// An instance table's states and durations are indexed by (statecode,
// statuscode, bpf_duration) once CreateReportIndex made that index, so
// that a report reads index ranges, not table rows.

var _ store.ReportTx = (*tx)(nil)

// sinceText is the lower bound of a since filter as stored times compare:
// RFC 3339 text in UTC, cut to the second and without the zone, so that
// every stored time in that second or later is >= it.
func sinceText(since time.Time) string {
	return since.UTC().Format("2006-01-02T15:04:05")
}

// using names the index a query of a report reads, on SQLite, whose
// planner (without ANALYZE statistics) would otherwise prefer an index that
// yields the GROUP BY's order over the one that narrows the search.
func (t *tx) using(index string) string {
	if t.d.Name() == "sqlite" {
		return " INDEXED BY " + index
	}
	return ""
}

// rank is the 1-based nearest rank of percentile pct (0-100) of n values.
func rank(pct, n int64) int64 {
	return (pct*n + 99) / 100
}

// nth reads the value at 1-based rank r of n in the order of the values
// sel selects (one column; a SELECT, or several joined by UNION ALL), from
// whichever end is nearer.
func (t *tx) nth(sel string, args []any, n, r int64) (int64, error) {
	dir, off := "", r-1
	if n-r < off {
		dir, off = " DESC", n-r
	}
	var v int64
	err := t.queryRow(sel+` ORDER BY 1`+dir+` LIMIT 1 OFFSET `+strconv.FormatInt(off, 10), args...).Scan(&v)
	return v, err
}

func (t *tx) InstanceStats(table string, since time.Time) (store.InstanceStats, error) {
	var st store.InstanceStats
	qt, err := quote(table)
	if err != nil {
		return st, err
	}
	cond, args := "", []any(nil)
	if !since.IsZero() {
		cond, args = " AND createdon >= $1", []any{sinceText(since)}
	}
	rows, err := t.query(`SELECT statecode, statuscode, COUNT(*) FROM `+qt+` WHERE statecode IS NOT NULL`+cond+
		` GROUP BY statecode, statuscode`, args...)
	if err != nil {
		return st, err
	}
	for rows.Next() {
		var state, status, n int64
		if err := rows.Scan(&state, &status, &n); err != nil {
			rows.Close()
			return st, err
		}
		switch {
		case state == 0:
			st.Active += n
		case status == 3:
			st.Aborted += n
		default:
			st.Finished += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	from := `FROM ` + qt + ` WHERE statecode = 1 AND statuscode = 2 AND bpf_duration IS NOT NULL` + cond
	if err := t.queryRow(`SELECT COUNT(bpf_duration), COALESCE(SUM(bpf_duration), 0) `+from, args...).
		Scan(&st.CycleCount, &st.CycleTotal); err != nil {
		return st, err
	}
	if st.CycleCount == 0 {
		return st, nil
	}
	if st.CycleMedian, err = t.nth(`SELECT bpf_duration `+from, args, st.CycleCount, rank(50, st.CycleCount)); err != nil {
		return st, err
	}
	st.CycleP90, err = t.nth(`SELECT bpf_duration `+from, args, st.CycleCount, rank(90, st.CycleCount))
	return st, err
}

// eachRow runs q and calls scan for each row.
func (t *tx) eachRow(q string, args []any, scan func(sc interface{ Scan(...any) error }) error) error {
	rows, err := t.query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (t *tx) StageStats(workflowID string, since time.Time) ([]store.StageStats, error) {
	if err := t.flushExit(); err != nil {
		return nil, err
	}
	cond, args := "", []any{workflowID}
	if !since.IsZero() {
		cond, args = " AND entered_on >= $2", append(args, sinceText(since))
	}
	// Every stay, by how it began and its stage, in the order of
	// stagevisit_entries: the visits of each stage, and the entries by prev
	// reactivate and upgrade (back to a stage reached before) that reached
	// subtracts.
	byStage := map[string]*store.StageStats{}
	backs := map[string]int64{}
	var names []string
	if err := t.eachRow(`SELECT entered_how, stage_name, COUNT(*) FROM stagevisit`+t.using("stagevisit_entries")+
		` WHERE workflow_id = $1`+cond+` GROUP BY entered_how, stage_name`, args, func(sc interface{ Scan(...any) error }) error {
		var how, stage string
		var n int64
		if err := sc.Scan(&how, &stage, &n); err != nil {
			return err
		}
		s := byStage[stage]
		if s == nil {
			s = &store.StageStats{Stage: stage}
			byStage[stage] = s
			names = append(names, stage)
		}
		s.Visits += n
		if how == store.VisitPrev || how == store.VisitReactivate || how == store.VisitUpgrade {
			backs[stage] += n
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// The completed stays: their ends, each on the index of its times;
	// endsIn: in which of the places a stage has any.
	endsIn := map[string]int{}
	for i, e := range t.ends() {
		if err := t.eachRow(`SELECT `+e.stage+`, COUNT(`+e.ms+`), COALESCE(SUM(`+e.ms+`), 0) `+e.from+e.since(cond)+` GROUP BY `+e.stage, args,
			func(sc interface{ Scan(...any) error }) error {
				var stage string
				var n, total int64
				if err := sc.Scan(&stage, &n, &total); err != nil {
					return err
				}
				if s := byStage[stage]; s != nil {
					s.Completed, s.TotalMS = s.Completed+n, s.TotalMS+total
					endsIn[stage] |= 1 << i
				}
				return nil
			}); err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	out := make([]store.StageStats, 0, len(names))
	for _, name := range names {
		out = append(out, *byStage[name])
	}
	if err := t.reached(workflowID, since, out, backs); err != nil {
		return nil, err
	}
	for i := range out {
		s := &out[i]
		if s.Completed == 0 {
			continue
		}
		// The times of the stage's ends, from the places that hold any.
		var sels []string
		a := []any{workflowID, s.Stage}
		for j, e := range t.ends() {
			if endsIn[s.Stage]&(1<<j) == 0 {
				continue
			}
			cond := ""
			if !since.IsZero() {
				cond = e.since(" AND entered_on >= $3")
			}
			sels = append(sels, `SELECT `+e.ms+` `+e.from+` AND `+e.stage+` = $2 AND `+e.ms+` IS NOT NULL`+cond)
		}
		if !since.IsZero() {
			a = append(a, sinceText(since))
		}
		// Ends in both places are read in one order: SQLite merges the
		// two index orders of the arms.
		sel := strings.Join(sels, " UNION ALL ")
		if len(sels) > 1 && t.d.Name() == "postgres" {
			sel = t.endsMerged(!since.IsZero())
		}
		var err error
		if s.MedianMS, err = t.nth(sel, a, s.Completed, rank(50, s.Completed)); err != nil {
			return nil, err
		}
		if s.P90MS, err = t.nth(sel, a, s.Completed, rank(90, s.Completed)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// end is a place where the stage log keeps the ends of stays (visits.go):
// the rows of stageexit, or the stays that carry the end of the one before
// them: the place's table, a column not null where it holds an end
// (present), and the index of the ends' stage and time (ms); entered is
// when the ended stay began. from selects the place's ends of the flow $1
// on that index.
type end struct {
	table, index, present, stage, ms, entered string
	from                                      string
}

func (t *tx) ends() []end {
	out := []end{
		{table: "stageexit", index: "stageexit_done", present: "duration_ms", stage: "stage_name", ms: "duration_ms", entered: "entered_on"},
		{table: "stagevisit", index: "stagevisit_left", present: "prev_id", stage: "prev_stage", ms: "prev_duration_ms", entered: "prev_entered_on"},
	}
	for i, e := range out {
		out[i].from = `FROM ` + e.table + t.using(e.index) + ` WHERE workflow_id = $1 AND ` + e.present + ` IS NOT NULL`
	}
	return out
}

// endsMerged selects the times of the ends of stage $2 of flow $1 (begun
// at or after $3 when since) from every place, for PostgreSQL to read in
// one order by merging the places' indexes: it does so for a UNION ALL
// subquery whose arms have no conditions of their own (the conditions
// outside, on the arms' columns, reach each index), and sorts otherwise.
func (t *tx) endsMerged(since bool) string {
	var arms []string
	for _, e := range t.ends() {
		arms = append(arms, `SELECT workflow_id AS w, `+e.stage+` AS s, `+e.ms+` AS ms, `+e.present+` AS k, `+e.entered+` AS e FROM `+e.table)
	}
	q := `SELECT ms FROM (` + strings.Join(arms, " UNION ALL ") + `) AS ends WHERE w = $1 AND s = $2 AND k IS NOT NULL AND ms IS NOT NULL`
	if since {
		q += ` AND e >= $3`
	}
	return q
}

// since is the since filter cond (on entered_on) for the place's ends.
func (e end) since(cond string) string {
	return strings.Replace(cond, "entered_on", e.entered, 1)
}

// reached fills how many distinct instances entered each stage. Over the
// whole log it counts without DISTINCT: an instance's first stay in a stage
// began by start or next, so the distinct instances are the stays less the
// ones begun by prev, reactivate or an upgrade (backs, by stage), less the
// next-entries into a stage the instance had been in before — which only
// instances that ever went back (a prev or upgrade entry) can have. Over a
// window (since) it counts the instances started in it, distinct, at each
// stage they moved forward to.
func (t *tx) reached(workflowID string, since time.Time, out []store.StageStats, backs map[string]int64) error {
	byStage := map[string]*store.StageStats{}
	for i := range out {
		byStage[out[i].Stage] = &out[i]
		out[i].Reached = out[i].Visits - backs[out[i].Stage]
	}
	count := func(q string, args []any, apply func(s *store.StageStats, n int64)) error {
		return t.eachRow(q, args, func(sc interface{ Scan(...any) error }) error {
			var stage string
			var n int64
			if err := sc.Scan(&stage, &n); err != nil {
				return err
			}
			if s := byStage[stage]; s != nil {
				apply(s, n)
			}
			return nil
		})
	}
	if !since.IsZero() {
		for i := range out {
			out[i].Reached = 0 // a stage none of them reached is in no row
		}
		// The instances started since, as the report's instances are, each
		// counted once at each stage it moved forward to: a move back and
		// forth again, or a reactivation, reaches nothing new.
		return count(`SELECT v.stage_name, COUNT(DISTINCT v.instance_id) FROM stagevisit v WHERE v.workflow_id = $1 AND v.entered_how IN ('start', 'next')
	AND v.instance_id IN (SELECT s.instance_id FROM stagevisit s WHERE s.workflow_id = $1 AND s.entered_how = 'start' AND s.entered_on >= $2)
GROUP BY v.stage_name`, []any{workflowID, sinceText(since)}, func(s *store.StageStats, n int64) { s.Reached = n })
	}
	less := func(s *store.StageStats, n int64) { s.Reached -= n }
	// From the (few) instances that moved back to their next-entries,
	// each instance's stays found by its id: on SQLite, CROSS JOIN keeps
	// the join in that order; on PostgreSQL, the ids are an array computed
	// once, which the planner looks up in the index (it would hash-join a
	// scan of the whole log otherwise).
	moved := `SELECT DISTINCT instance_id FROM stagevisit` + t.using("stagevisit_entries") + ` WHERE workflow_id = $1 AND entered_how IN ('prev', 'upgrade')`
	from := `FROM (` + moved + `) p CROSS JOIN stagevisit v` + t.using("stagevisit_by_instance") + ` WHERE v.instance_id = p.instance_id AND`
	if t.d.Name() == "postgres" {
		from = `FROM stagevisit v WHERE v.instance_id = ANY(ARRAY(` + moved + `)) AND`
	}
	return count(`SELECT v.stage_name, COUNT(*) `+from+` v.workflow_id = $1 AND v.entered_how = 'next'
	AND EXISTS (SELECT 1 FROM stagevisit w WHERE w.instance_id = v.instance_id AND w.stage_name = v.stage_name
		AND w.stagevisit_id < v.stagevisit_id)
GROUP BY v.stage_name`, []any{workflowID}, less)
}

// reportIndex is the name of an instance table's report index, within
// PostgreSQL's 63-byte identifiers.
func reportIndex(table string) string {
	name := "rpt_" + table
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(table))
		name = name[:54] + "_" + hex.EncodeToString(sum[:4])
	}
	return name
}

func (t *tx) HasReportIndex(table string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $1`
	if t.d.Name() == "postgres" {
		q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1`
	}
	var n int
	err := t.queryRow(q, reportIndex(table)).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return n > 0, err
}

func (t *tx) CreateReportIndex(table string) error {
	qt, err := quote(table)
	if err != nil {
		return err
	}
	qi, err := quote(reportIndex(table))
	if err != nil {
		return err
	}
	_, err = t.exec(`CREATE INDEX IF NOT EXISTS ` + qi + ` ON ` + qt + ` (statecode, statuscode, bpf_duration)`)
	return err
}
