package webapi

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// post creates a record (its default flow starting, unless BPFC-Flow says
// otherwise) or, on an instance table, starts the flow on the record that
// its lookup binds.
func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	set := r.PathValue("seg")
	if strings.Contains(set, "(") {
		if name, _, _ := splitKeyRaw(set); functionNamed(name) != nil {
			s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is a function: call it with GET", name))
			return
		}
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "POST creates rows in an entity set; use PATCH to change %s", set))
		return
	}
	t, err := s.tableOf(r, set)
	if err == nil {
		err = writeOptions(r)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fields, err := s.writeBody(r, t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var id string
	var version int64
	status := http.StatusCreated
	if t.Kind == store.TableInstance {
		var in *engine.Instance
		var existed bool
		if in, existed, err = s.startInstance(r, t, fields); err == nil {
			id, version = in.ID, in.Version
			if existed {
				status = http.StatusOK // nothing was created
			}
		}
	} else {
		var c *engine.Created
		so := flowOptions(r)
		if fields, so, err = s.processChoice(r, t, fields, so); err != nil {
			s.fail(w, r, err)
			return
		}
		if c, err = session(r).CreateRecord(r.Context(), t.Name, values(fields), so); err == nil {
			id, version = c.ID, c.Version
			started(w, c)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respond(w, r, set, id, status, version, nil)
}

// flowOptions reads which flow a new record starts from BPFC-Flow: a
// flow's name, none, or (absent) the table's default flow.
func flowOptions(r *http.Request) engine.StartOptions {
	switch f := strings.TrimSpace(r.Header.Get("BPFC-Flow")); f {
	case "":
		return engine.StartOptions{}
	case "none":
		return engine.StartOptions{NoFlow: true}
	default:
		return engine.StartOptions{Flow: f}
	}
}

// processChoice reads a new record's processid, Dataverse's way of
// choosing the flow it starts: the empty GUID starts none, a flow's
// process id that flow. It is taken out of the record's fields.
func (s *Server) processChoice(r *http.Request, t store.Table, fields []field, so engine.StartOptions) ([]field, engine.StartOptions, error) {
	i := slices.IndexFunc(fields, func(f field) bool { return f.column == "processid" })
	if i < 0 {
		return fields, so, nil
	}
	f := fields[i]
	fields = slices.Delete(slices.Clone(fields), i, i+1)
	// A BPFC-Flow header beside processid must say the same: one of them
	// silently losing started a flow the client did not mean.
	agree := func(chosen engine.StartOptions, what string, names ...string) ([]field, engine.StartOptions, error) {
		header := so != engine.StartOptions{}
		if header && so.NoFlow != chosen.NoFlow || so.Flow != "" && !slices.Contains(names, so.Flow) {
			return nil, so, badRequest("the BPFC-Flow header says %s and %s says %s: give one of them",
				r.Header.Get("BPFC-Flow"), f.prop, what)
		}
		return fields, chosen, nil
	}
	id, _ := f.value.(string)
	id = engine.CanonicalID(id)
	if id == "" || id == "00000000-0000-0000-0000-000000000000" {
		return agree(engine.StartOptions{NoFlow: true}, "none")
	}
	dep, _, err := session(r).Deployed(r.Context())
	if err != nil {
		return nil, so, err
	}
	var names []string
	for _, df := range dep.Flows {
		if df.Flow.PrimaryTable != t.Name {
			continue
		}
		if df.Workflow.ID == id {
			return agree(engine.StartOptions{Flow: df.Flow.Name}, df.Flow.Name, df.Flow.Name, df.Flow.UniqueName, df.Workflow.InstanceTable)
		}
		names = append(names, df.Workflow.ID+" ("+df.Flow.Name+")")
	}
	return nil, so, badRequest("%s is no process of a flow on %s; processid takes %s, or the empty GUID to start none",
		f.prop, t.Name, strings.Join(append(names, "00000000-0000-0000-0000-000000000000"), ", "))
}

// startInstance starts the flow of instance table t on the record that
// the body's bpf_<table>id binds. As a Dataverse client may, the body may
// also bind the process (processid, the flow's own), the stage
// (activestageid: the first stage, or a later one with the traversedpath
// that leads there, which the new instance then moves along, with the
// records of the tables it crosses into bound as their bpf_<table>id) and
// name the instance (bpf_name). A start of a flow the record runs answers with its
// active instance, renamed as asked, unless the body asks for a later stage
// that instance is not at.
func (s *Server) startInstance(r *http.Request, t store.Table, fields []field) (in *engine.Instance, existed bool, err error) {
	var table, record, name string
	var process, stage, path *field
	var bound []*field // the bpf_<table>id lookups, in the body's order
	for i, f := range fields {
		switch f.column {
		case "processid":
			process = &fields[i]
			continue
		case "activestageid":
			stage = &fields[i]
			continue
		case "traversedpath":
			if _, ok := f.value.(string); !ok {
				return nil, false, badRequest("traversedpath is the stage ids of the path, comma-separated text")
			}
			path = &fields[i]
			continue
		case "bpf_name":
			n, ok := f.value.(string)
			if !ok {
				return nil, false, badRequest("bpf_name is the instance's name, text")
			}
			name = n
			continue
		}
		c, ok := t.Column(f.column)
		rec, isRec := strings.CutPrefix(f.column, "bpf_")
		if !ok || !isLookup(c) || !isRec || !strings.HasSuffix(rec, "id") {
			return nil, false, badRequest("starting a flow takes the record, as bpf_<table>id@odata.bind (e.g. bpf_leadid@odata.bind: \"/leads(ID)\"), "+
				"and may take processid@odata.bind, activestageid@odata.bind (the first stage, or a later one with traversedpath), traversedpath and bpf_name; %s cannot be set", f.prop)
		}
		bound = append(bound, &fields[i])
	}
	var links map[string]string // records of later stages' tables the body binds
	switch len(bound) {
	case 0:
	case 1:
		record, _ = bound[0].value.(string)
		table = boundTable(bound[0])
	default:
		// The flow's primary table's lookup is the record the flow starts
		// on; the others bind the records of the later stages' tables the
		// traversedpath crosses into, as Dataverse's create sets every
		// lookup of the instance row.
		df, err := s.instanceFlow(r, t)
		if err != nil {
			return nil, false, err
		}
		links = map[string]string{}
		for _, f := range bound {
			id, _ := f.value.(string)
			if bt := boundTable(f); bt == df.Flow.PrimaryTable {
				table, record = bt, id
			} else {
				links[bt] = engine.CanonicalID(id)
			}
		}
		if table == "" {
			return nil, false, badRequest("flow %s starts on a %s record: bind it too, as %s@odata.bind; the records of later stages' tables go with it",
				df.Flow.Name, df.Flow.PrimaryTable, "bpf_"+df.Flow.PrimaryTable+"id")
		}
		if path == nil {
			return nil, false, badRequest("the body binds records of %s and %s: a flow starts on one record, at its first stage; "+
				"to link a record of a later stage's table, start at that stage, with activestageid@odata.bind and the traversedpath that leads there",
				table, strings.Join(slices.Sorted(maps.Keys(links)), ", "))
		}
	}
	if record == "" {
		return nil, false, badRequest("name the record to start the flow on, as bpf_<table>id@odata.bind")
	}
	var along []string // the stages a start at a later stage moves along
	if process != nil || stage != nil || path != nil {
		if along, err = s.checkStart(r, t, process, stage, path, links); err != nil {
			return nil, false, err
		}
	}
	// Dataverse keeps one active instance of a process per record: a start
	// of a flow the record already runs answers with that instance (as
	// SetProcess reuses it) instead of a second one.
	ins, err := session(r).Instances(r.Context(), engine.InstanceFilter{Flow: t.Name, Table: table, RecordID: engine.CanonicalID(record)})
	if err == nil {
		for _, in := range ins {
			if in.State == engine.StateActive && in.PrimaryTable == table {
				if len(along) > 1 && in.ActiveStage != along[len(along)-1] {
					// The stage asked for is not dropped either: the
					// instance the record runs is elsewhere, and a 200
					// with it said the start at that stage was made.
					return nil, false, badRequest("%s %s already runs flow %s: instance %s, at stage %s, not %s; move it with a PATCH of its activestageid",
						table, record, in.Flow, in.ID, in.ActiveStage, along[len(along)-1])
				}
				for lt, id := range links {
					// Nor a record bound: a 200 said the instance had it.
					if have := in.Records[lt]; have != id {
						return nil, false, badRequest("%s %s already runs flow %s: instance %s, linked to %s %q, not %s",
							table, record, in.Flow, in.ID, lt, have, id)
					}
				}
				if name != "" && name != in.Name {
					// The name asked for is not dropped: the instance
					// takes it, at the version just read.
					in, err = session(r).Rename(r.Context(), t.Name, in.ID, name, engine.MoveOptions{IfVersion: in.Version})
				}
				return in, true, err
			}
		}
	}
	if len(along) > 1 {
		in, err = session(r).StartAlong(r.Context(), t.Name, table, record, name, along, links)
	} else {
		in, err = session(r).StartNamed(r.Context(), t.Name, table, record, name)
	}
	return in, false, err
}

// boundTable is the table of a bpf_<table>id lookup.
func boundTable(f *field) string {
	return strings.TrimSuffix(strings.TrimPrefix(f.column, "bpf_"), "id")
}

// instanceFlow is the deployed flow whose instances table t holds.
func (s *Server) instanceFlow(r *http.Request, t store.Table) (*engine.DeployedFlow, error) {
	dep, _, err := session(r).Deployed(r.Context())
	if err != nil {
		return nil, err
	}
	for _, f := range dep.Flows {
		if f.Workflow.InstanceTable == t.Name && len(f.Flow.Stages) > 0 {
			return f, nil
		}
	}
	return nil, errorf(http.StatusNotFound, "NotFound", "no flow of %s is deployed", t.EntitySetName)
}

// checkStart checks the process, stage and traversed path a start's body
// gives: the instance table's flow; the first stage (by id or name), or a
// later stage with the traversedpath that ends there, as Dataverse creates
// an instance at a later stage; and that the path reaches the table of
// every record links binds. It returns the path's stages (nil without
// one), which the engine checks are the active path's.
func (s *Server) checkStart(r *http.Request, t store.Table, process, stage, path *field, links map[string]string) ([]string, error) {
	df, err := s.instanceFlow(r, t)
	if err != nil {
		return nil, err
	}
	bound := func(f *field, set string) (string, error) {
		id, _ := f.value.(string)
		if f.bind != "" && f.bind != set {
			return "", badRequest("%s binds /%s(<id>), not /%s(…)", f.prop, set, f.bind)
		}
		return engine.CanonicalID(id), nil
	}
	if process != nil {
		id, err := bound(process, "workflows")
		if err != nil {
			return nil, err
		}
		if id != df.Workflow.ID {
			return nil, badRequest("%s is the process of flow %s (%s); %s names another", t.EntitySetName, df.Flow.Name, df.Workflow.ID, process.prop)
		}
	}
	// name is a stage's name in the flow, from its id or name ("" for
	// none of the flow's).
	name := func(id string) string {
		if st := df.Stages[id]; st != nil {
			return st.Name
		}
		if st := df.Flow.Stage(id); st != nil {
			return st.Name
		}
		return ""
	}
	first := df.Flow.Stages[0]
	target := first.Name
	if stage != nil {
		id, err := bound(stage, "processstages")
		if err != nil {
			return nil, err
		}
		if target = name(id); target == "" {
			return nil, badRequest("%s is no stage of flow %s; its stages are %s", stage.prop, df.Flow.Name, strings.Join(compiler.StageNames(df.Flow.Stages), ", "))
		}
	}
	if path == nil {
		if target != first.Name {
			return nil, badRequest("a flow starts at its first stage, %s; to start at stage %s, send traversedpath too: the stage ids of the path from %s to it, comma-separated, as Dataverse needs",
				first.Name, target, first.Name)
		}
		return nil, nil
	}
	var along []string
	for _, id := range strings.Split(path.value.(string), ",") {
		id = strings.TrimSpace(id)
		n := name(engine.CanonicalID(id))
		if n == "" {
			return nil, badRequest("traversedpath names %q, no stage of flow %s; its stages are %s", id, df.Flow.Name, strings.Join(compiler.StageNames(df.Flow.Stages), ", "))
		}
		along = append(along, n)
	}
	if last := along[len(along)-1]; stage == nil && last != target {
		return nil, badRequest("traversedpath ends at stage %s: bind that stage too, as activestageid@odata.bind, to start there (without it a flow starts at its first stage, %s)", last, first.Name)
	} else if last != target {
		return nil, badRequest("traversedpath ends at stage %s, not at the active stage the body binds, %s", last, target)
	}
	for _, lt := range slices.Sorted(maps.Keys(links)) {
		// The engine refuses it too; here the refusal names the binding.
		if !slices.ContainsFunc(along[1:], func(n string) bool { st := df.Flow.Stage(n); return st != nil && st.Table == lt }) {
			return nil, badRequest("%s@odata.bind binds %s %s, but the traversedpath (%s) reaches no stage on %s: bind it with a start at a stage on %s, or leave it out",
				"bpf_"+lt+"id", lt, links[lt], strings.Join(along, ", "), lt, lt)
		}
	}
	return along, nil
}

// upsert is Dataverse's upsert of a record the PATCH found missing
// (missing: the engine's error saying so): created with the id of the URL,
// unless If-Match (* or a version) asks to update only, when it is that
// 404. Instances are not upserted: a flow starts with POST, on its record.
func (s *Server) upsert(w http.ResponseWriter, r *http.Request, t store.Table, set, id string, fields []field, missing error) {
	if strings.TrimSpace(r.Header.Get("If-Match")) != "" {
		s.fail(w, r, missing)
		return
	}
	vals := values(fields)
	if v, ok := vals[t.PrimaryKey]; ok && !strings.EqualFold(fmt.Sprint(v), id) {
		s.fail(w, r, badRequest("the body's %s %v is not the row of the URL, %s(%s)", t.PrimaryKey, v, set, id))
		return
	}
	vals[t.PrimaryKey] = id // a GUID in lower case (splitKey, keyedTable)
	c, err := session(r).CreateRecord(r.Context(), t.Name, vals, flowOptions(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	started(w, c)
	s.respond(w, r, set, c.ID, http.StatusCreated, c.Version, nil)
}

// started names the instance a new record started (BPFC-Instance) and the
// workflows its first stage ran or queued (BPFC-Workflows, a JSON array
// as an instance's "workflows"; absent when none), for bpfc's client.
func started(w http.ResponseWriter, c *engine.Created) {
	if c.Instance == nil {
		return
	}
	w.Header().Set("BPFC-Instance", c.Instance.ID)
	if len(c.Instance.Workflows) > 0 {
		b, err := marshalJSON(c.Instance.Workflows)
		if err == nil {
			w.Header().Set("BPFC-Workflows", string(bytes.TrimSuffix(b, []byte("\n"))))
		}
	}
}

// rowType refuses a body's @odata.type that is not the type of t's rows,
// as Dataverse does (400): the row would be written to another table than
// the client meant. "#Microsoft.Dynamics.CRM.account", the form without
// '#' and the alias form "#mscrm.account" ($metadata's Schema Alias, which
// OData lets a client use for the namespace) name account's.
func (s *Server) rowType(r *http.Request, t store.Table, odataType string) error {
	want := crmNS + t.Name
	other, ok := crmType(odataType)
	if ok && other == t.Name {
		return nil
	}
	msg := fmt.Sprintf("@odata.type %s is not the type of %s's rows, %s: send %q or leave @odata.type out", odataType, t.EntitySetName, want, want)
	if ok {
		if set, err := s.setOfTable(r, other); err == nil && set != "" {
			msg += fmt.Sprintf("; a row of %s is written to %s%s", other, Prefix, set)
		}
	}
	return badRequest("%s", msg)
}

// writeBody reads the fields a POST or PATCH of a row of t sets, with its
// @odata.bind lookups checked, and checks its $select before anything
// changes.
func (s *Server) writeBody(r *http.Request, t store.Table) ([]field, error) {
	fields, odataType, err := readBody(r)
	if err == nil && odataType != "" {
		err = s.rowType(r, t, odataType)
	}
	if err == nil {
		err = lookupValues(t, fields)
	}
	if err == nil {
		err = s.bindings(r, t, fields)
	}
	// bpfc's client (BPFC-Values: text) sends the CLI's text: the engine
	// reads it and names every column or value that does not fit.
	text, textErr := textValues(r)
	if err == nil && !text {
		err = knownProperties(t, fields)
	}
	if err == nil {
		err = textErr
	}
	if err == nil && !text {
		err = typedValues(t, fields, ieee754Compatible(r))
	}
	if err == nil {
		_, err = selectedColumns(r, t)
	}
	return fields, err
}

// knownProperties refuses a body's property t has no column for, in
// Dataverse's words (with the column most likely meant): the first, in
// the order written, as Dataverse answers one error per request. A
// record's processid is no column of bpfc's tables but is Dataverse's
// (processChoice reads it).
func knownProperties(t store.Table, fields []field) error {
	for _, f := range fields {
		if _, ok := t.Column(f.column); ok || f.column == "processid" {
			continue
		}
		names := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			names[i] = c.Name
		}
		hint := ""
		if c, ok := t.Column(compiler.ClosestName(f.column, names)); ok {
			// A lookup is written by its navigation property (a customer's
			// by one per table, as the refusal of its plain id says).
			if hint = c.Name; isLookup(c) {
				hint = strings.Join(bindProperties(c), " or ")
			}
			hint = " (did you mean " + hint + "?)"
		}
		return badRequest("The property '%s' does not exist on type 'Microsoft.Dynamics.CRM.%s'%s", f.prop, t.Name, hint)
	}
	return nil
}

// lookupValues refuses a body's _x_value: a lookup's value is read-only,
// as in Dataverse, which writes a lookup only by its navigation property
// (x@odata.bind, or x_<table>@odata.bind for a lookup to several tables).
func lookupValues(t store.Table, fields []field) error {
	for _, f := range fields {
		name, ok := lookupValueName(f.prop)
		if !ok {
			continue
		}
		c, known := t.Column(name)
		if !known || !isLookup(c) {
			return badRequest("%s has no property %s to write%s", t.EntitySetName, f.prop, suggest(t, f.prop))
		}
		return badRequest("%s is the read-only value of lookup %s: set the lookup by its navigation property, %s", f.prop, c.Name, bindHint(c))
	}
	return nil
}
