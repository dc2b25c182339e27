package sqlstore

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Report queries. Every figure is an SQL aggregate; percentiles are
// nearest-rank (percentile_disc), read as one row at an offset in index
// order, from whichever end is nearer. The stage log's per-stay time is the
// generated column duration_ms, indexed by (workflow_id, stage_name,
// duration_ms); an instance table's states and durations are indexed by
// (statecode, statuscode, bpf_duration) once CreateReportIndex made that
// index, so that a report reads index ranges, not table rows.

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

// nth reads the value at 1-based rank r of n in the order of col, from
// whichever end is nearer. q selects col's values (FROM … WHERE …).
func (t *tx) nth(q, col string, args []any, n, r int64) (int64, error) {
	dir, off := "", r-1
	if n-r < off {
		dir, off = " DESC", n-r
	}
	var v int64
	err := t.queryRow(`SELECT `+col+` `+q+` ORDER BY `+col+dir+` LIMIT 1 OFFSET `+strconv.FormatInt(off, 10), args...).Scan(&v)
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
	if st.CycleMedian, err = t.nth(from, "bpf_duration", args, st.CycleCount, rank(50, st.CycleCount)); err != nil {
		return st, err
	}
	st.CycleP90, err = t.nth(from, "bpf_duration", args, st.CycleCount, rank(90, st.CycleCount))
	return st, err
}

func (t *tx) StageStats(workflowID string, since time.Time) ([]store.StageStats, error) {
	cond, args := "", []any{workflowID}
	if !since.IsZero() {
		cond, args = " AND entered_on >= $2", append(args, sinceText(since))
	}
	rows, err := t.query(`SELECT stage_name, COUNT(*), COUNT(duration_ms), COALESCE(SUM(duration_ms), 0) FROM stagevisit`+
		t.using("stagevisit_duration")+` WHERE workflow_id = $1`+cond+` GROUP BY stage_name ORDER BY stage_name`, args...)
	if err != nil {
		return nil, err
	}
	var out []store.StageStats
	for rows.Next() {
		var s store.StageStats
		if err := rows.Scan(&s.Stage, &s.Visits, &s.Completed, &s.TotalMS); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := t.reached(workflowID, since, out); err != nil {
		return nil, err
	}
	for i := range out {
		s := &out[i]
		if s.Completed == 0 {
			continue
		}
		from := `FROM stagevisit` + t.using("stagevisit_duration") + ` WHERE workflow_id = $1 AND stage_name = $2 AND duration_ms IS NOT NULL`
		a := []any{workflowID, s.Stage}
		if !since.IsZero() {
			from, a = from+` AND entered_on >= $3`, append(a, sinceText(since))
		}
		if s.MedianMS, err = t.nth(from, "duration_ms", a, s.Completed, rank(50, s.Completed)); err != nil {
			return nil, err
		}
		if s.P90MS, err = t.nth(from, "duration_ms", a, s.Completed, rank(90, s.Completed)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// reached fills how many distinct instances entered each stage. Over the
// whole log it counts without DISTINCT: an instance's first stay in a stage
// began by start or next, so the distinct instances are the stays less the
// ones begun by prev or reactivate, less the next-entries into a stage the
// instance had been in before — which only instances that ever moved back
// (a prev entry) can have. Over a window the first stay may lie before it,
// so a since filter counts distinct instances.
func (t *tx) reached(workflowID string, since time.Time, out []store.StageStats) error {
	byStage := map[string]*store.StageStats{}
	for i := range out {
		byStage[out[i].Stage] = &out[i]
		out[i].Reached = out[i].Visits
	}
	count := func(q string, args []any, apply func(s *store.StageStats, n int64)) error {
		rows, err := t.query(q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var stage string
			var n int64
			if err := rows.Scan(&stage, &n); err != nil {
				return err
			}
			if s := byStage[stage]; s != nil {
				apply(s, n)
			}
		}
		return rows.Err()
	}
	if !since.IsZero() {
		return count(`SELECT stage_name, COUNT(DISTINCT instance_id) FROM stagevisit WHERE workflow_id = $1 AND entered_on >= $2
GROUP BY stage_name`, []any{workflowID, sinceText(since)}, func(s *store.StageStats, n int64) { s.Reached = n })
	}
	less := func(s *store.StageStats, n int64) { s.Reached -= n }
	if err := count(`SELECT stage_name, COUNT(*) FROM stagevisit`+t.using("stagevisit_by_how")+`
WHERE workflow_id = $1 AND entered_how IN ('prev', 'reactivate') GROUP BY stage_name`, []any{workflowID}, less); err != nil {
		return err
	}
	// From the (few) instances that moved back to their next-entries,
	// each instance's stays found by its id: on SQLite, CROSS JOIN keeps
	// the join in that order; on PostgreSQL, the ids are an array computed
	// once, which the planner looks up in the index (it would hash-join a
	// scan of the whole log otherwise).
	moved := `SELECT DISTINCT instance_id FROM stagevisit` + t.using("stagevisit_by_how") + ` WHERE workflow_id = $1 AND entered_how = 'prev'`
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
