package deploy

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/bpfc/bpfc/compiler"
)

// The JSON definition a workflow record keeps beside its XAML: what the
// runtime needs that the stage and step rows do not say. Expressions are
// compiler.FormatExpr text.

type flowDefinition struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	Tables      []string          `json:"tables"`
	OnFinish    []string          `json:"on_finish,omitempty"`
	OnAbandon   []string          `json:"on_abandon,omitempty"`
	Stages      []stageDefinition `json:"stages"`
}

type stageDefinition struct {
	Name    string   `json:"name"`
	OnEnter []string `json:"on_enter,omitempty"`
	OnExit  []string `json:"on_exit,omitempty"`
}

type workflowDefinition struct {
	Name      string               `json:"name"`
	Table     string               `json:"table"`
	Mode      string               `json:"mode"`
	WaitUntil string               `json:"wait_until,omitempty"`
	Timeout   string               `json:"timeout,omitempty"`
	Steps     []workflowStepDefine `json:"steps"`
}

type workflowStepDefine struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	When        string            `json:"when,omitempty"`
	Values      map[string]string `json:"values,omitempty"`
	CreateTable string            `json:"create_table,omitempty"`
	Workflow    string            `json:"workflow,omitempty"`
}

func refNames(refs []*compiler.WorkflowRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return out
}

func formatOpt(e compiler.Expr) string {
	if e == nil {
		return ""
	}
	return compiler.FormatExpr(e)
}

func flowDefinitionJSON(f *compiler.Flow) ([]byte, error) {
	d := flowDefinition{Name: f.Name, Description: f.Description, Owner: f.Owner, Tables: f.Tables(),
		OnFinish: refNames(f.OnFinish), OnAbandon: refNames(f.OnAbandon)}
	for _, s := range f.Stages {
		d.Stages = append(d.Stages, stageDefinition{Name: s.Name, OnEnter: refNames(s.OnEnter), OnExit: refNames(s.OnExit)})
	}
	return json.Marshal(d)
}

func workflowDefinitionJSON(w *compiler.Workflow) ([]byte, error) {
	d := workflowDefinition{Name: w.Name, Table: w.Table, Mode: w.Mode, WaitUntil: formatOpt(w.WaitUntil), Timeout: w.Timeout,
		Steps: []workflowStepDefine{}}
	for _, st := range w.Steps {
		sd := workflowStepDefine{Name: st.Name, Kind: st.Kind, When: formatOpt(st.When), CreateTable: st.CreateTable, Workflow: st.Workflow}
		for _, k := range slices.Sorted(maps.Keys(st.Values)) {
			if sd.Values == nil {
				sd.Values = map[string]string{}
			}
			sd.Values[k] = formatOpt(st.Values[k])
		}
		d.Steps = append(d.Steps, sd)
	}
	return json.Marshal(d)
}
