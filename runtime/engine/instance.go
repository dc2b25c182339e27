package engine

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// Instance states, as Instance.State says them.
const (
	StateActive   = "active"   // statecode 0, statuscode 1
	StateFinished = "finished" // statecode 1, statuscode 2
	StateAborted  = "aborted"  // statecode 1, statuscode 3
)

// Instance is a process instance: a row of a flow's instance table. JSON
// shape (bpfc instance show --output json):
//
//	id, flow (the flow's name), unique_name, table (the instance table),
//	primary_table (the flow's), name (bpf_name), state (active | finished | aborted), statecode,
//	statuscode, active_stage, traversed_path and active_path (stage names;
//	active_path only from Session.Instance), records ({table: id}; a deleted
//	record's id stays), record_names ({table: primary name} of the records
//	that still exist), active_stage_started_on, completed_on,
//	duration_minutes (null until finished or abandoned), created_on,
//	created_by, modified_on, modified_by (user names), version (the row
//	version, for IfVersion), visits (the stage log, from Session.Instance).
type Instance struct {
	ID            string            `json:"id"`
	Flow          string            `json:"flow"`
	UniqueName    string            `json:"unique_name"`
	Table         string            `json:"table"`
	PrimaryTable  string            `json:"primary_table"`
	Name          string            `json:"name"`
	State         string            `json:"state"`
	StateCode     int64             `json:"statecode"`
	StatusCode    int64             `json:"statuscode"`
	ActiveStage   string            `json:"active_stage"`
	TraversedPath []string          `json:"traversed_path"`
	ActivePath    []string          `json:"active_path,omitempty"`
	Records       map[string]string `json:"records"`
	RecordNames   map[string]string `json:"record_names,omitempty"`
	// Unreadable lists the tables whose linked record exists but the acting
	// user may not read (its name is not shown); a linked record that is in
	// neither RecordNames nor Unreadable was deleted.
	Unreadable           []string   `json:"unreadable_records,omitempty"`
	ActiveStageStartedOn time.Time  `json:"active_stage_started_on"`
	CompletedOn          *time.Time `json:"completed_on"`
	DurationMinutes      *int64     `json:"duration_minutes"`
	CreatedOn            time.Time  `json:"created_on"`
	CreatedBy            string     `json:"created_by"`
	ModifiedOn           time.Time  `json:"modified_on"`
	ModifiedBy           string     `json:"modified_by"`
	Version              int64      `json:"version"`
	Visits               []Visit    `json:"visits,omitempty"`
	// Workflows are the workflows the change that returned the instance
	// ran or queued (none on a read).
	Workflows []WorkflowRun `json:"workflows,omitempty"`
}

// Visit is one stay of an instance in a stage (the stage log). JSON shape:
// stage, entered_on, entered_by (a user name), entered_how (start | next |
// prev | reactivate), left_on (null while active), left_by, left_how (next |
// prev | finish | abandon | delete).
type Visit struct {
	Stage      string     `json:"stage"`
	EnteredOn  time.Time  `json:"entered_on"`
	EnteredBy  string     `json:"entered_by"`
	EnteredHow string     `json:"entered_how"`
	LeftOn     *time.Time `json:"left_on"`
	LeftBy     string     `json:"left_by"` // "" while the stay lasts, as left_on is null
	LeftHow    string     `json:"left_how"`
}

// Instance columns.
const (
	colID          = "businessprocessflowinstanceid"
	colName        = "bpf_name"
	colProcess     = "processid"
	colStage       = "activestageid"
	colStageOn     = "activestagestartedon"
	colPath        = "traversedpath"
	colState       = "statecode"
	colStatus      = "statuscode"
	colCompletedOn = "completedon"
	colDuration    = "bpf_duration"
	colCreatedOn   = "createdon"
	colCreatedBy   = "createdby"
	colModifiedOn  = "modifiedon"
	colModifiedBy  = "modifiedby"
)

// lookupColumn is the instance table's lookup to a table of its flow.
func lookupColumn(table string) string { return "bpf_" + table + "id" }

// instanceOf reads an instance row.
func instanceOf(f *flow, row store.Row) *Instance {
	in := &Instance{ID: str(row[colID]), Flow: f.f.Name, UniqueName: f.f.UniqueName, Table: f.wf.InstanceTable, PrimaryTable: f.f.PrimaryTable,
		Name: str(row[colName]), StateCode: num(row[colState]), StatusCode: num(row[colStatus]),
		ActiveStageStartedOn: tm(row[colStageOn]), CreatedOn: tm(row[colCreatedOn]), CreatedBy: str(row[colCreatedBy]),
		ModifiedOn: tm(row[colModifiedOn]), ModifiedBy: str(row[colModifiedBy]), Version: num(row[store.RowVersionColumn]),
		Records: map[string]string{}}
	switch {
	case in.StateCode == 0:
		in.State = StateActive
	case in.StatusCode == 3:
		in.State = StateAborted
	default:
		in.State = StateFinished
	}
	stage, path, _ := f.at(row)
	if stage != nil {
		in.ActiveStage = stage.Name
	} else {
		in.ActiveStage = str(row[colStage])
	}
	in.TraversedPath = make([]string, len(path))
	for i, id := range path {
		in.TraversedPath[i] = f.stage(id).Name
	}
	for _, t := range f.tables {
		if id := str(row[t.lookup]); id != "" {
			in.Records[t.name] = id
		}
	}
	if v, ok := row[colCompletedOn].(time.Time); ok {
		in.CompletedOn = &v
	}
	if v, ok := row[colDuration].(int64); ok {
		in.DurationMinutes = &v
	}
	return in
}

func splitPath(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int64 {
	n, _ := v.(int64)
	return n
}

func tm(v any) time.Time {
	t, _ := v.(time.Time)
	return t
}

// instanceFlow finds the flow whose instance table holds an instance.
func (o *op) instanceFlow(id string) (*flow, error) {
	table, ok := o.e.instanceTable(id)
	if !ok {
		vs, err := o.tx.StageVisits(store.StageVisitFilter{InstanceID: id, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			table = vs[0].InstanceTable
		}
	}
	f := o.dep.byTable[table]
	if f == nil {
		return nil, o.noInstance(id)
	}
	return f, nil
}

// noInstance is the error for an id no instance has; when it is a
// record's (a common slip: the lead's id for its instance's), it says how
// to find the record's instances.
func (o *op) noInstance(id string) error {
	for _, name := range sortedKeys(o.dep.tables) {
		t := o.dep.tables[name]
		if t.Kind == store.TableInstance {
			continue
		}
		if _, err := o.tx.GetRow(t, id); err == nil {
			return notFound("no instance %q in %s: %s is the id of a %s record; its instances are listed by bpfc instance list --env %s --record %s:%s",
				id, o.dep.env, id, t.Name, o.dep.env, t.Name, id)
		}
	}
	return notFound("no instance %q in %s", id, o.dep.env)
}

// findInstance finds an instance by id in whichever instance table holds it.
func (o *op) findInstance(id string) (*flow, store.Row, error) {
	f, err := o.instanceFlow(id)
	if err != nil {
		return nil, nil, err
	}
	row, err := o.tx.GetRow(f.table, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, o.noInstance(id)
	}
	if err != nil {
		return nil, nil, err
	}
	o.e.rememberInstance(id, f.table.Name)
	return f, row, nil
}

// records reads the rows an instance spans, by table; a deleted record is
// absent.
func (o *op) records(f *flow, in *Instance) (process.Records, error) {
	recs := process.Records{}
	for table, id := range in.Records {
		t, ok := o.dep.tables[table]
		if !ok {
			continue
		}
		row, err := o.tx.GetRow(t, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		recs[table] = process.Row(row)
	}
	return recs, nil
}

// Instance reads one instance with its active path (resolved on the
// current values and the environment's variables) and its stage log.
func (s *Session) Instance(ctx context.Context, id string) (*Instance, error) {
	var out *Instance
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		f, row, err := o.findInstance(id)
		if err != nil {
			return err
		}
		if err := o.require(f, PrivRead); err != nil {
			return err
		}
		out = instanceOf(f, row)
		return o.detail(f, out, true)
	})
	return out, err
}

// detail fills in what Session.Instance shows beyond the row, when full:
// the active path, the names of the records, the stage log and the users
// by name.
func (o *op) detail(f *flow, in *Instance, full bool) error {
	if !full {
		return nil
	}
	recs, err := o.records(f, in)
	if err != nil {
		return err
	}
	// The stage log first: the path ahead looks in it for a stay on a
	// table before it looks for the record a move there returns to.
	if err := o.visits(f, in); err != nil {
		return err
	}
	if err := o.resolvePath(f, in, recs); err != nil {
		return err
	}
	return o.userNames([]*Instance{in})
}

// userChunk is how many users one statement of domainNames reads by id.
const userChunk = 200

// userNames shows users by name rather than systemuserid.
func (o *op) userNames(ins []*Instance) error {
	if len(ins) == 0 {
		return nil
	}
	var ids []string
	for _, in := range ins {
		ids = append(ids, in.CreatedBy, in.ModifiedBy)
		for _, v := range in.Visits {
			ids = append(ids, v.EnteredBy, v.LeftBy)
		}
	}
	names, err := o.domainNames(ids)
	if err != nil {
		return err
	}
	name := func(id *string) {
		if n := names[*id]; n != "" {
			*id = n
		}
	}
	for _, in := range ins {
		name(&in.CreatedBy)
		name(&in.ModifiedBy)
		for i := range in.Visits {
			name(&in.Visits[i].EnteredBy)
			name(&in.Visits[i].LeftBy)
		}
	}
	return nil
}

// domainNames reads the names (domainname) of the users of ids, by
// systemuserid: a few statements that read those users only, where
// reading every user made an instance of five users' moves cost as much
// as the environment has users.
func (o *op) domainNames(ids []string) (map[string]string, error) {
	names := map[string]string{}
	t, ok := o.dep.tables["systemuser"]
	if !ok {
		return names, nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > 0 && ids[0] == "" {
		ids = ids[1:]
	}
	// The key and the name only: what a user row shows here.
	nt := t
	nt.Columns = nil
	for _, c := range t.Columns {
		if c.Name == t.PrimaryKey || c.Name == "domainname" {
			nt.Columns = append(nt.Columns, c)
		}
	}
	qt, ok := o.tx.(store.QueryTx)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), userChunk)]
		ids = ids[len(chunk):]
		if !ok {
			for _, id := range chunk {
				r, err := o.tx.GetRow(nt, id)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, err
				}
				names[id] = str(r["domainname"])
			}
			continue
		}
		of := make(store.Any, len(chunk))
		for i, id := range chunk {
			of[i] = store.Compare{Column: t.PrimaryKey, Op: store.OpEq, Value: id}
		}
		rows, err := qt.QueryRows(store.Query{Table: nt, Where: of})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			names[str(r[t.PrimaryKey])] = str(r["domainname"])
		}
	}
	return names, nil
}

// predictPath is the instance's active path on the current values. A
// stage ahead on a table the instance was on before and moved back from
// is resolved on the record a move there returns to (earlierRecord, as
// Next finds it), not on none: after Set Active back across tables, the
// branches ahead follow that record's values, as the move will. Back
// across several tables, each record is found from the one before it, as
// the moves forward find them; a table the instance still has a lookup to
// is left as it is (Next keeps that record, deleted or not).
func (o *op) predictPath(f *flow, in *Instance, recs process.Records) ([]*compiler.Stage, error) {
	tried := map[string]bool{}
	ids := in.Records
	for {
		path, err := process.ActivePath(f.f, in.TraversedPath, recs, o.dep.vars)
		if err != nil || len(in.TraversedPath) == 0 {
			return path, err
		}
		var from, to *compiler.Stage
		for i := len(in.TraversedPath); i < len(path); i++ {
			if p, s := path[i-1], path[i]; s.Table != p.Table && ids[s.Table] == "" {
				from, to = p, s
				break
			}
		}
		if to == nil || tried[to.Table] || ids[from.Table] == "" {
			return path, nil
		}
		tried[to.Table] = true
		t, ok := o.dep.tables[to.Table]
		if !ok || in.Visits != nil && !stayedOn(f, in.Visits, to.Table) {
			// Never on that table (the stage log read says so): no
			// record to return to, and no statement to look for one, on
			// every read of an instance not there yet.
			return path, nil
		}
		id, err := o.earlierRecord(f, in, t, to, from.Table, ids[from.Table])
		if err != nil || id == "" {
			return path, err
		}
		row, err := o.tx.GetRow(t, id)
		if err != nil {
			return nil, err
		}
		recs, ids = maps.Clone(recs), maps.Clone(ids)
		recs[to.Table], ids[to.Table] = process.Row(row), id
	}
}

// stayedOn reports whether the stage log vs has a stay on a stage of f
// on table.
func stayedOn(f *flow, vs []Visit, table string) bool {
	return slices.ContainsFunc(vs, func(v Visit) bool {
		s := f.f.Stage(v.Stage)
		return s != nil && s.Table == table
	})
}

// resolvePath fills the active path and the names of the records the
// acting user may read.
func (o *op) resolvePath(f *flow, in *Instance, recs process.Records) error {
	path, err := o.predictPath(f, in, recs)
	if err != nil {
		return err
	}
	in.ActivePath = compiler.StageNames(path)
	in.RecordNames = map[string]string{}
	in.Unreadable = nil
	for table, row := range recs {
		t, ok := o.dep.tables[table]
		switch {
		case !ok:
		case !o.readable(t, store.Row(row)):
			in.Unreadable = append(in.Unreadable, table)
		case t.PrimaryColumn != "":
			// A readable record without a name shows its id only.
			in.RecordNames[table] = str(row[t.PrimaryColumn])
		}
	}
	slices.Sort(in.Unreadable)
	return nil
}

// visits fills the instance's stage log.
func (o *op) visits(f *flow, in *Instance) error {
	vs, err := o.tx.StageVisits(store.StageVisitFilter{InstanceID: in.ID})
	if err != nil {
		return err
	}
	in.Visits = []Visit{}
	for _, v := range vs {
		vi := Visit{Stage: v.Stage, EnteredOn: v.EnteredOn, EnteredBy: v.EnteredBy, EnteredHow: v.EnteredHow,
			LeftBy: v.LeftBy, LeftHow: v.LeftHow}
		if !v.LeftOn.IsZero() {
			left := v.LeftOn
			vi.LeftOn = &left
		}
		in.Visits = append(in.Visits, vi)
	}
	return nil
}

// InstanceFilter selects instances.
type InstanceFilter struct {
	Flow     string // a flow's name ("" = every flow the user may read)
	Table    string // with RecordID: instances that span this record
	RecordID string
}

// Instances lists the instances the acting user may read, most recently
// modified first (without active paths).
func (s *Session) Instances(ctx context.Context, filter InstanceFilter) ([]*Instance, error) {
	out := []*Instance{}
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		flows := o.dep.flows
		if filter.Flow != "" {
			f, err := o.dep.flow(filter.Flow)
			if err != nil {
				return err
			}
			if err := o.require(f, PrivRead); err != nil {
				return err
			}
			flows = []*flow{f}
		}
		if filter.Table != "" {
			if _, err := o.dep.table(filter.Table); err != nil {
				return err
			}
		}
		for _, f := range flows {
			if !f.hasTable() || !o.allows(f, PrivRead) {
				continue
			}
			var match map[string]any
			if filter.Table != "" {
				if !slices.Contains(f.f.Tables(), filter.Table) {
					continue
				}
				match = map[string]any{lookupColumn(filter.Table): filter.RecordID}
			}
			rows, err := o.tx.FindRows(f.table, match)
			if err != nil {
				return err
			}
			for _, row := range rows {
				out = append(out, instanceOf(f, row))
			}
		}
		return o.userNames(out)
	})
	slices.SortStableFunc(out, func(a, b *Instance) int {
		return cmp.Or(b.ModifiedOn.Compare(a.ModifiedOn), cmp.Compare(b.Version, a.Version), strings.Compare(a.ID, b.ID))
	})
	return out, err
}
