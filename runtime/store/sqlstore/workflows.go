package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bpfc/bpfc/runtime/store"
)

const workflowCols = `workflow_id, name, unique_name, solution, category, display_name, primary_table, flow_type, mode,
	process_order, statecode, instance_table, xaml, definition, created_on, modified_on`

func scanWorkflow(sc interface{ Scan(...any) error }) (store.Workflow, error) {
	var w store.Workflow
	var state int
	var created, modified string
	err := sc.Scan(&w.ID, &w.Name, &w.UniqueName, &w.Solution, &w.Category, &w.DisplayName, &w.PrimaryTable, &w.Type,
		&w.Mode, &w.Order, &state, &w.InstanceTable, &w.XAML, &w.Definition, &created, &modified)
	w.Active = state == 1
	w.CreatedOn, w.ModifiedOn = parseTime(created), parseTime(modified)
	return w, err
}

func (t *tx) Workflows() ([]store.Workflow, error) {
	rows, err := t.query(`SELECT ` + workflowCols + ` FROM workflow ORDER BY category DESC, name, workflow_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Workflow
	for rows.Next() {
		w, err := scanWorkflow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (t *tx) Workflow(id string) (store.Workflow, error) {
	w, err := scanWorkflow(t.queryRow(`SELECT `+workflowCols+` FROM workflow WHERE workflow_id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, notFound("workflow", id)
	}
	return w, err
}

func (t *tx) PutWorkflow(w store.Workflow) error {
	now := t.now()
	if w.CreatedOn.IsZero() {
		w.CreatedOn = now
	}
	if w.ModifiedOn.IsZero() {
		w.ModifiedOn = now
	}
	state := 0
	if w.Active {
		state = 1
	}
	_, err := t.exec(`INSERT INTO workflow (`+workflowCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (workflow_id) DO UPDATE SET name = excluded.name, unique_name = excluded.unique_name, solution = excluded.solution,
	category = excluded.category, display_name = excluded.display_name, primary_table = excluded.primary_table,
	flow_type = excluded.flow_type, mode = excluded.mode, process_order = excluded.process_order, statecode = excluded.statecode,
	instance_table = excluded.instance_table, xaml = excluded.xaml, definition = excluded.definition, modified_on = excluded.modified_on`,
		w.ID, w.Name, w.UniqueName, w.Solution, w.Category, w.DisplayName, w.PrimaryTable, w.Type, w.Mode, w.Order, state,
		w.InstanceTable, w.XAML, w.Definition, formatTime(w.CreatedOn), formatTime(w.ModifiedOn))
	return err
}

func (t *tx) DeleteWorkflow(id string) error {
	if _, err := t.exec(`DELETE FROM processstage WHERE workflow_id = $1`, id); err != nil {
		return err
	}
	// A flow's stage log goes with it: one added again (the same id) starts
	// without the old figures.
	if err := t.DeleteStageLog(id, ""); err != nil {
		return err
	}
	res, err := t.exec(`DELETE FROM workflow WHERE workflow_id = $1`, id)
	if err != nil {
		return err
	}
	return affected(res, "workflow", id)
}

func (t *tx) SetStages(workflowID string, stages []store.Stage) error {
	if _, err := t.Workflow(workflowID); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM processstage WHERE workflow_id = $1`, workflowID); err != nil {
		return err
	}
	for i, s := range stages {
		branches := s.Branches
		if branches == nil {
			branches = []store.Branch{}
		}
		bj, err := json.Marshal(branches)
		if err != nil {
			return err
		}
		steps := make([]stepJSON, len(s.Steps))
		for j, st := range s.Steps {
			steps[j] = stepJSON(st)
		}
		sj, err := json.Marshal(steps)
		if err != nil {
			return err
		}
		if _, err := t.execP(`INSERT INTO processstage (processstage_id, workflow_id, position, name, display_name, category, table_name,
	relationship, next_stage, steps, branches) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			s.ID, workflowID, i, s.Name, s.DisplayName, s.Category, s.Table, s.Relationship, s.Next, string(sj), string(bj)); err != nil {
			return err
		}
	}
	return nil
}

// stepJSON is how a step is kept in its stage's steps column.
type stepJSON struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Column      string `json:"column,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Action      bool   `json:"action,omitempty"`
	Workflow    string `json:"workflow,omitempty"`
}

func (t *tx) Stages(workflowID string) ([]store.Stage, error) {
	rows, err := t.query(`SELECT processstage_id, name, display_name, category, table_name, relationship, next_stage, steps, branches
FROM processstage WHERE workflow_id = $1 ORDER BY position`, workflowID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Stage
	for rows.Next() {
		var s store.Stage
		var sj, bj string
		if err := rows.Scan(&s.ID, &s.Name, &s.DisplayName, &s.Category, &s.Table, &s.Relationship, &s.Next, &sj, &bj); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(bj), &s.Branches); err != nil {
			return nil, fmt.Errorf("stage %s: branches: %w", s.Name, err)
		}
		var steps []stepJSON
		if err := json.Unmarshal([]byte(sj), &steps); err != nil {
			return nil, fmt.Errorf("stage %s: steps: %w", s.Name, err)
		}
		for _, st := range steps {
			s.Steps = append(s.Steps, store.Step(st))
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
