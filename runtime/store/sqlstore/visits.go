package sqlstore

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// The stage log. A move ends the instance's open stay and begins another
// with one row (migration 0008): the new stay carries the end of the one
// before it (prev_id, prev_stage, prev_entered_on), which ended when, by
// whom and how the new one began. An end that no stay follows (finish,
// abandon, delete), or one written before 0008, is a row of stageexit.

// heldExit is an exit CloseStageVisit keeps until the transaction shows
// whether a stay of the same instance begins with it (a move, written as
// one row) or not (then a row of stageexit, before anything else reads or
// writes the log, and before commit).
type heldExit struct {
	instance, left, by, how string
	// The open stay, when CloseStageVisit read it; visit 0 when it did not
	// (a Pipeline holds writes unread): the statement that writes the
	// exit finds the stay itself.
	visit                  int64
	workflow, stage, since string
}

// visitColumns are the columns a new visit writes, visitValues its values
// for them.
const visitColumns = `instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on, entered_by, entered_how`

// movedColumns are those of a stay that carries the end of the one before.
const movedColumns = visitColumns + `, prev_id, prev_stage, prev_entered_on, prev_duration_ms`

func visitValues(v store.StageVisit) []any {
	return []any{v.InstanceID, v.InstanceTable, v.WorkflowID, v.StageID, v.Stage, formatTime(v.EnteredOn), v.EnteredBy, v.EnteredHow}
}

// openStay is the latest stay of instance (an SQL expression), if no exit
// of stageexit ended it: the latest has no next stay to carry its end.
func openStay(instance string) string {
	return `stagevisit p WHERE p.stagevisit_id = (SELECT MAX(stagevisit_id) FROM stagevisit WHERE instance_id = ` + instance + `)
AND NOT EXISTS (SELECT 1 FROM stageexit x WHERE x.stagevisit_id = p.stagevisit_id)`
}

// exitSQL ends the open stay of the instance as a row of stageexit, at
// left, by, how. cond adds a condition (" AND …").
func exitSQL(instance, left, by, how, cond string) string {
	return `INSERT INTO stageexit (stagevisit_id, workflow_id, stage_name, entered_on, left_on, left_by, left_how)
SELECT p.stagevisit_id, p.workflow_id, p.stage_name, p.entered_on, ` + left + `, ` + by + `, ` + how + ` FROM ` + openStay(instance) + cond
}

// moveSQL begins a stay (vals, in visitColumns' order; vals[0] its
// instance, vals[5] when it began) that carries the end of the instance's
// open stay, if it has one. cond adds a condition (" WHERE …").
func moveSQL(d Dialect, vals []string, cond string) string {
	return `INSERT INTO stagevisit (` + movedColumns + `)
SELECT ` + strings.Join(vals, ", ") + `, p.stagevisit_id, p.stage_name, p.entered_on, ` + d.Millis("p.entered_on", vals[5]) + `
FROM (SELECT 1 AS one) o LEFT JOIN ` + strings.Replace(openStay(vals[0]), " WHERE ", " ON ", 1) + cond
}

func params(from, n int) []string {
	var out []string
	for i := range n {
		out = append(out, "$"+strconv.Itoa(from+i))
	}
	return out
}

// The statements of the hot path, built once.
var (
	closeVisitSQL = exitSQL("$1", "$2", "$3", "$4", "")
	openVisitSQL  = `SELECT p.stagevisit_id, p.workflow_id, p.stage_name, p.entered_on FROM ` + openStay("$1")
	addVisitSQL   = `INSERT INTO stagevisit (` + visitColumns + `) VALUES (` + strings.Join(params(1, 8), ", ") + `)`
	heldExitSQL   = `INSERT INTO stageexit (stagevisit_id, workflow_id, stage_name, entered_on, left_on, left_by, left_how)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
)

// movesSQL are a dialect's statements that begin a stay carrying the end
// of the one before (the stay read: carry; not: move), built once.
type movesSQL struct{ move, carry string }

var movesByDialect sync.Map // Dialect.Name() → *movesSQL

func (t *tx) moves() *movesSQL {
	if m, ok := movesByDialect.Load(t.d.Name()); ok {
		return m.(*movesSQL)
	}
	m := &movesSQL{move: moveSQL(t.d, params(1, 8), ""),
		carry: `INSERT INTO stagevisit (` + movedColumns + `) VALUES (` +
			strings.Join(params(1, 11), ", ") + `, ` + t.d.Millis("$11", "$6") + `)`}
	movesByDialect.Store(t.d.Name(), m)
	return m
}

func (t *tx) AddStageVisit(v store.StageVisit) error {
	if v.EnteredOn.IsZero() {
		v.EnteredOn = t.now()
	}
	x := t.exit
	if x == nil || x.instance != v.InstanceID || x.left != formatTime(v.EnteredOn) || x.by != v.EnteredBy || x.how != v.EnteredHow {
		if err := t.flushExit(); err != nil {
			return err
		}
		return t.execLater(addVisitSQL, visitValues(v)...)
	}
	t.exit = nil
	if x.visit == 0 {
		return t.execLater(t.moves().move, visitValues(v)...)
	}
	return t.execLater(t.moves().carry, append(visitValues(v), x.visit, x.stage, x.since)...)
}

func (t *tx) CloseStageVisit(instanceID string, left time.Time, by, how string) error {
	if !t.write {
		return errReadOnly
	}
	if left.IsZero() {
		left = t.now()
	}
	if t.exit != nil && t.exit.instance == instanceID {
		return notFound("open stage visit of instance", instanceID) // ended in this transaction
	}
	if err := t.flushExit(); err != nil {
		return err
	}
	x := &heldExit{instance: instanceID, left: formatTime(left), by: by, how: how}
	if _, ok := t.tx.(Pipeline); !ok {
		// Read now, so that the caller learns whether a stay was open.
		rows, err := t.queryC(openVisitSQL, instanceID)
		if err != nil {
			return err
		}
		found := rows.Next()
		if found {
			err = rows.Scan(&x.visit, &x.workflow, &x.stage, &x.since)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return err
		}
		if !found {
			return notFound("open stage visit of instance", instanceID)
		}
	}
	t.exit = x
	return nil
}

// flushExit writes the held exit, if any, as a row of stageexit.
func (t *tx) flushExit() error {
	x := t.exit
	if x == nil {
		return nil
	}
	t.exit = nil
	if x.visit == 0 {
		return t.execLater(closeVisitSQL, x.instance, x.left, x.by, x.how)
	}
	return t.execLater(heldExitSQL, x.visit, x.workflow, x.stage, x.since, x.left, x.by, x.how)
}

func (t *tx) DeleteStageLog(workflowID, instanceID string) error {
	if err := t.flushExit(); err != nil {
		return err
	}
	stays, args := `SELECT stagevisit_id FROM stagevisit WHERE workflow_id = $1`, []any{workflowID}
	if instanceID != "" {
		stays, args = stays+` AND instance_id = $2`, append(args, instanceID)
	}
	if _, err := t.exec(`DELETE FROM stageexit WHERE stagevisit_id IN (`+stays+`)`, args...); err != nil {
		return err
	}
	_, err := t.exec(`DELETE FROM stagevisit WHERE stagevisit_id IN (`+stays+`)`, args...)
	return err
}

func (t *tx) StageVisits(f store.StageVisitFilter) ([]store.StageVisit, error) {
	if err := t.flushExit(); err != nil {
		return nil, err
	}
	// A stay and its end: an exit, or the next stay of the instance when
	// that one carries it.
	q := `SELECT v.stagevisit_id, v.instance_id, v.instance_table, v.workflow_id, v.stage_id, v.stage_name, v.entered_on, v.entered_by,
	v.entered_how, COALESCE(x.left_on, n.entered_on, ''), COALESCE(x.left_by, n.entered_by, ''), COALESCE(x.left_how, n.entered_how, '')
FROM stagevisit v LEFT JOIN stageexit x ON x.stagevisit_id = v.stagevisit_id
LEFT JOIN stagevisit n ON n.stagevisit_id = (SELECT MIN(w.stagevisit_id) FROM stagevisit w
	WHERE w.instance_id = v.instance_id AND w.stagevisit_id > v.stagevisit_id) AND n.prev_id = v.stagevisit_id`
	var conds []string
	var args []any
	if f.InstanceID != "" {
		args = append(args, f.InstanceID)
		conds = append(conds, "v.instance_id = $"+strconv.Itoa(len(args)))
	}
	if f.WorkflowID != "" {
		args = append(args, f.WorkflowID)
		conds = append(conds, "v.workflow_id = $"+strconv.Itoa(len(args)))
	}
	if f.Stages != nil {
		in := make([]string, len(f.Stages))
		for i, s := range f.Stages {
			args = append(args, s)
			in[i] = "$" + strconv.Itoa(len(args))
		}
		if len(in) == 0 {
			in = []string{"NULL"} // no stage: no stay
		}
		conds = append(conds, "v.stage_name IN ("+strings.Join(in, ", ")+")")
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY v.stagevisit_id"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += " LIMIT $" + strconv.Itoa(len(args))
	}
	rows, err := t.queryC(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.StageVisit
	for rows.Next() {
		var v store.StageVisit
		var entered, left string
		if err := rows.Scan(&v.ID, &v.InstanceID, &v.InstanceTable, &v.WorkflowID, &v.StageID, &v.Stage, &entered, &v.EnteredBy,
			&v.EnteredHow, &left, &v.LeftBy, &v.LeftHow); err != nil {
			return nil, err
		}
		v.EnteredOn, v.LeftOn = parseTime(entered), parseTime(left)
		out = append(out, v)
	}
	return out, rows.Err()
}
