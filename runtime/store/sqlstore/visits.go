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
	return t.execLater(`INSERT INTO stagevisit (`+visitColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, visitValues(v)...)
}

// visitColumns are the columns a new visit writes, visitValues its values
// for them.
const visitColumns = `instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on, entered_by, entered_how, left_on, left_by, left_how`

func visitValues(v store.StageVisit) []any {
	return []any{v.InstanceID, v.InstanceTable, v.WorkflowID, v.StageID, v.Stage, formatTime(v.EnteredOn), v.EnteredBy, v.EnteredHow,
		formatTime(v.LeftOn), v.LeftBy, v.LeftHow}
}

func (t *tx) CloseStageVisit(instanceID string, left time.Time, by, how string) error {
	if left.IsZero() {
		left = t.now()
	}
	// The open visit is the instance's latest: the index finds it. Closing
	// it changes no indexed column; it adds the stay, once, to the partial
	// index of completed stays (stagevisit_done, migration 0005).
	const q = `UPDATE stagevisit SET left_on = $2, left_by = $3, left_how = $4
WHERE stagevisit_id = (SELECT MAX(stagevisit_id) FROM stagevisit WHERE instance_id = $1) AND left_on = ''`
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
	q := `SELECT stagevisit_id, instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on, entered_by, entered_how,
	left_on, left_by, left_how FROM stagevisit`
	var conds []string
	var args []any
	if f.InstanceID != "" {
		args = append(args, f.InstanceID)
		conds = append(conds, "instance_id = $"+strconv.Itoa(len(args)))
	}
	if f.WorkflowID != "" {
		args = append(args, f.WorkflowID)
		conds = append(conds, "workflow_id = $"+strconv.Itoa(len(args)))
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY stagevisit_id"
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
