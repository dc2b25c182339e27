package webapi

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The process records as Dataverse's Web API serves them: workflows (every
// process: business process flows, category 4, and classic workflows,
// category 0) and processstages (the flows' stages, whose ids a PATCH of
// activestageid binds). They are read-only here (an import writes them)
// and few, so they are read whole and queried in memory (store.Query.Run)
// with the same $select, $filter, $orderby, $top, $count and paging as
// any entity set.

// processTables are the two sets' tables, by entity set name: Dataverse's
// column names and types, a subset.
var processTables = map[string]store.Table{
	"workflows": {
		Name: "workflow", DisplayName: "Process", EntitySetName: "workflows", PrimaryKey: "workflowid", PrimaryColumn: "name",
		Kind: store.TableStandard,
		Columns: []store.Column{
			{Name: "workflowid", Type: "uniqueidentifier"},
			{Name: "name", Type: "string"},
			{Name: "uniquename", Type: "string"},
			{Name: "category", Type: "choice", Options: []store.Option{
				{Label: "Workflow", Value: store.CategoryWorkflow}, {Label: "Business Process Flow", Value: store.CategoryBPF}}},
			{Name: "primaryentity", Type: "string"},
			{Name: "businessprocesstype", Type: "choice", Options: []store.Option{{Label: "Business Flow", Value: 0}, {Label: "Task Flow", Value: 1}}},
			{Name: "mode", Type: "choice", Options: []store.Option{{Label: "Background", Value: 0}, {Label: "Real-time", Value: 1}}},
			{Name: "processorder", Type: "integer"},
			{Name: "statecode", Type: "state", Options: []store.Option{{Label: "Draft", Value: 0}, {Label: "Activated", Value: 1}}},
			{Name: "statuscode", Type: "status", Options: []store.Option{{Label: "Draft", Value: 1}, {Label: "Activated", Value: 2}}},
			{Name: "type", Type: "choice", Options: []store.Option{{Label: "Definition", Value: 1}}},
			{Name: "createdon", Type: "datetime"},
			{Name: "modifiedon", Type: "datetime"},
			{Name: store.RowVersionColumn, Type: store.TypeRowVersion},
		},
	},
	"processstages": {
		Name: "processstage", DisplayName: "Process Stage", EntitySetName: "processstages", PrimaryKey: "processstageid",
		PrimaryColumn: "stagename", Kind: store.TableStandard,
		Columns: []store.Column{
			{Name: "processstageid", Type: "uniqueidentifier"},
			{Name: "stagename", Type: "string"},
			{Name: "uniquename", Type: "string"}, // bpfc: the stage's name in the project, as RetrieveActivePath gives it
			{Name: "stagecategory", Type: "choice", Options: stageCategoryOptions()},
			{Name: "primaryentitytypecode", Type: "string"},
			{Name: "processid", Type: "lookup", Targets: []string{"workflow"}},
			{Name: store.RowVersionColumn, Type: store.TypeRowVersion},
		},
	},
}

// isProcessSet reports whether set is workflows or processstages.
func isProcessSet(set string) bool {
	_, ok := processTables[set]
	return ok
}

// stageCategoryOptions are Dataverse's stage categories as a choice's
// options, by value.
func stageCategoryOptions() []store.Option {
	var out []store.Option
	for label, v := range compiler.StageCategories {
		out = append(out, store.Option{Label: strings.ToUpper(label[:1]) + label[1:], Value: v})
	}
	slices.SortFunc(out, func(a, b store.Option) int { return cmp.Compare(a.Value, b.Value) })
	return out
}

// processPaths are the navigation paths a $filter of processstages may
// use for the process's id, as Microsoft's samples write it
// (processid/workflowid eq ID).
var processPaths = map[string]string{"processid/workflowid": "_processid_value"}

// queryRows is Session.QueryRows for any entity set the API serves, the
// process sets included.
func queryRows(r *http.Request, set string, build func(store.Table) (store.Query, error)) (store.Table, []store.Row, error) {
	if isProcessSet(set) {
		return processRows(r, set, build)
	}
	return session(r).QueryRows(r.Context(), set, build)
}

// rowOf is Session.Row for any entity set the API serves, the process
// sets included.
func rowOf(r *http.Request, set, id string) (store.Table, store.Row, error) {
	if isProcessSet(set) {
		return processRow(r, set, id)
	}
	return session(r).Row(r.Context(), set, id)
}

// processRows reads a process set's rows as the request's user, queried
// by the query build makes, as Session.QueryRows does for a table.
func processRows(r *http.Request, set string, build func(store.Table) (store.Query, error)) (store.Table, []store.Row, error) {
	t := processTables[set]
	q, err := build(t)
	if err != nil {
		return t, nil, err
	}
	q.Table = t
	procs, err := session(r).Processes(r.Context())
	if err != nil {
		return t, nil, err
	}
	var rows []store.Row
	for _, p := range procs {
		// The version changes whenever an import writes the process.
		version := p.ModifiedOn.UnixMilli()
		if set == "workflows" {
			rows = append(rows, workflowRow(p, version))
			continue
		}
		for _, st := range p.Stages {
			category := any(nil)
			if st.Category >= 0 {
				category = int64(st.Category)
			}
			rows = append(rows, store.Row{
				"processstageid": st.ID, "stagename": cmp.Or(st.DisplayName, st.Name), "uniquename": st.Name,
				"stagecategory": category, "primaryentitytypecode": st.Table, "processid": p.ID,
				store.RowVersionColumn: version,
			})
		}
	}
	rows, err = q.Run(rows)
	return t, rows, err
}

func workflowRow(p engine.Process, version int64) store.Row {
	state, status := int64(0), int64(1)
	if p.Active {
		state, status = 1, 2
	}
	row := store.Row{
		"workflowid": p.ID, "name": cmp.Or(p.DisplayName, p.Name), "uniquename": p.UniqueName, "category": int64(p.Category),
		"primaryentity": p.PrimaryTable, "processorder": int64(p.Order), "statecode": state, "statuscode": status,
		"type": int64(1), "createdon": p.CreatedOn, "modifiedon": p.ModifiedOn, store.RowVersionColumn: version,
	}
	if p.Category == store.CategoryBPF {
		row["businessprocesstype"] = int64(0)
		if p.Type == "task" {
			row["businessprocesstype"] = int64(1)
		}
	} else {
		row["mode"] = int64(0)
		if p.Mode == "realtime" {
			row["mode"] = int64(1)
		}
	}
	return row
}

// processRow reads one row of a process set by id.
func processRow(r *http.Request, set, id string) (store.Table, store.Row, error) {
	t, rows, err := processRows(r, set, func(t store.Table) (store.Query, error) {
		return store.Query{Where: store.Compare{Column: t.PrimaryKey, Op: store.OpEq, Value: id}}, nil
	})
	if err != nil {
		return t, nil, err
	}
	if len(rows) == 0 {
		return t, nil, errorf(http.StatusNotFound, "NotFound", "no row %s(%s)", set, id)
	}
	return t, rows[0], nil
}

// readOnlyProcesses is the answer to a change of a process set.
func readOnlyProcesses(set string) error {
	return errorf(http.StatusMethodNotAllowed, "MethodNotAllowed",
		"%s is read-only in bpfc: processes and their stages change by importing a solution (bpfc deploy, ImportSolution)", set)
}
