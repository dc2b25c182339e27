package sqlstore

import (
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// The stage log.

func (t *tx) AddStageVisit(v store.StageVisit) error {
	if v.EnteredOn.IsZero() {
		v.EnteredOn = t.now()
	}
	return t.execLater(`INSERT INTO stagevisit (`+visitColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, visitValues(v)...)
}

// visitColumns are the columns a new visit writes, visitValues its values
// for them. A visit begins open: its Left fields are not written.
const visitColumns = `instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on, entered_by, entered_how`

func visitValues(v store.StageVisit) []any {
	return []any{v.InstanceID, v.InstanceTable, v.WorkflowID, v.StageID, v.Stage, formatTime(v.EnteredOn), v.EnteredBy, v.EnteredHow}
}

// exitSQL ends the open stay of the instance $1 (its latest, if it has no
// exit yet) at $2, by $3, how $4: a row of stageexit (migration 0007),
// never an update. cond adds a condition (" AND …").
func exitSQL(instance, left, by, how, cond string) string {
	return `INSERT INTO stageexit (stagevisit_id, workflow_id, stage_name, entered_on, left_on, left_by, left_how)
SELECT v.stagevisit_id, v.workflow_id, v.stage_name, v.entered_on, ` + left + `, ` + by + `, ` + how + ` FROM stagevisit v
WHERE v.stagevisit_id = (SELECT MAX(stagevisit_id) FROM stagevisit WHERE instance_id = ` + instance + `)
AND NOT EXISTS (SELECT 1 FROM stageexit x WHERE x.stagevisit_id = v.stagevisit_id)` + cond
}

// closeVisitSQL is CloseStageVisit's statement, built once: it is on every
// move's path.
var closeVisitSQL = exitSQL("$1", "$2", "$3", "$4", "")

func (t *tx) CloseStageVisit(instanceID string, left time.Time, by, how string) error {
	if left.IsZero() {
		left = t.now()
	}
	q := closeVisitSQL
	if _, ok := t.tx.(Pipeline); ok && t.write {
		// Held for the next statement: whether a visit was open is not
		// known here (the store's contract allows it).
		return t.execLater(q, instanceID, formatTime(left), by, how)
	}
	res, err := t.execC(q, instanceID, formatTime(left), by, how)
	if err != nil {
		return err
	}
	return affected(res, "open stage visit of instance", instanceID)
}

func (t *tx) StageVisits(f store.StageVisitFilter) ([]store.StageVisit, error) {
	// A stay and its exit, if it ended.
	q := `SELECT v.stagevisit_id, v.instance_id, v.instance_table, v.workflow_id, v.stage_id, v.stage_name, v.entered_on, v.entered_by,
	v.entered_how, COALESCE(x.left_on, ''), COALESCE(x.left_by, ''), COALESCE(x.left_how, '')
FROM stagevisit v LEFT JOIN stageexit x ON x.stagevisit_id = v.stagevisit_id`
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
