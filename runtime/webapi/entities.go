package webapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The entity sets: lists, single rows, create, update, delete.

// baseURL is the API's root as the client reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	prefix := Prefix
	if p, ok := r.Context().Value(prefixKey{}).(string); ok {
		prefix = p
	}
	return scheme + "://" + r.Host + prefix
}

// prefer reads the Prefer header's preferences: name -> value.
func prefer(r *http.Request) map[string]string {
	out := map[string]string{}
	for _, h := range r.Header.Values("Prefer") {
		for _, p := range splitUnquoted(h, ',') {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			out[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return out
}

// splitUnquoted splits s at sep outside double quotes (a preference's
// value may be a quoted list: odata.include-annotations="a,b").
func splitUnquoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func wantsRepresentation(r *http.Request) bool { return prefer(r)["return"] == "representation" }

// serviceDocument lists the entity sets.
func (s *Server) serviceDocument(w http.ResponseWriter, r *http.Request) {
	tables, err := session(r).EntitySets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sets := []map[string]string{}
	for _, t := range tables {
		sets = append(sets, map[string]string{"name": t.EntitySetName, "kind": "EntitySet", "url": t.EntitySetName, "table": t.Name,
			"tablekind": t.Kind})
	}
	for _, set := range slices.Sorted(maps.Keys(processTables)) {
		sets = append(sets, map[string]string{"name": set, "kind": "EntitySet", "url": set, "table": processTables[set].Name, "tablekind": "process"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "$metadata", "value": sets})
}

// get serves a function, a row or a list.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	seg := r.PathValue("seg")
	name, prop, key, isKey := namedKey(seg)
	if op := functions[name]; op != nil {
		op.serve(s, w, r, op, seg)
		return
	}
	switch {
	case isAction(name):
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is an action: call it with POST", name))
	case name == "EntityDefinitions":
		s.entityDefinitions(w, r, seg)
	case isKey && isProcessSet(name):
		err := s.checkKeyName(r, name, prop)
		if err == nil {
			err = checkKey(name, key)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.getRow(w, r, name, engine.CanonicalID(key))
	case isKey:
		if _, err := s.keyedTable(r, name, prop, key); err != nil {
			s.fail(w, r, err)
			return
		}
		s.getRow(w, r, name, key)
	case strings.Contains(seg, "("):
		s.fail(w, r, badRequest("%q is not <entityset>(<id>)", seg))
	default:
		s.list(w, r, seg)
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, set string) {
	pageSize := s.cfg.Limits.MaxPageSize
	applied := ""
	if v, ok := prefer(r)["odata.maxpagesize"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.fail(w, r, badRequest("Prefer: odata.maxpagesize=%s is not a positive whole number", v))
			return
		}
		pageSize = min(n, pageSize)
		applied = "odata.maxpagesize=" + strconv.Itoa(pageSize)
	}
	opts, err := parseList(r.URL.Query(), pageSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var q store.Query
	var sel []string
	t, rows, err := queryRows(r, set, func(t store.Table) (store.Query, error) {
		var err error
		q, sel, err = opts.query(t)
		return q, err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"@odata.context": baseURL(r) + "$metadata#" + set + selected(r)}
	if opts.count {
		// The rows of the filter the user may read, every page's, up to
		// Dataverse's limit.
		all := *opts
		all.top, all.after, all.pageSize = 0, nil, maxCount
		_, counted, err := queryRows(r, set, func(t store.Table) (store.Query, error) {
			q, _, err := all.query(t)
			q.Select = []string{t.PrimaryKey}
			return q, err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out["@odata.count"] = min(len(counted), maxCount)
		if len(counted) > maxCount {
			out["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = true
		}
	}
	n := opts.limit()
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	if opts.top > 0 && opts.top <= n {
		more = false
	}
	value := make([]map[string]any, len(rows))
	for i, row := range rows {
		value[i] = rowJSON(t, row, sel)
	}
	ann, annApplied := wantedAnnotations(r, t)
	if err := s.annotate(r, ann, t, rows, value, sel); err != nil {
		s.fail(w, r, err)
		return
	}
	out["value"] = value
	if more {
		next := url.Values{"$skiptoken": {encodeSkipToken(q.SortKey(rows[len(rows)-1]), opts.pageSize)}}
		if opts.top > 0 {
			next.Set("$top", strconv.Itoa(opts.top-n))
		}
		out["@odata.nextLink"] = baseURL(r) + set + "?" + withQuery(r.URL.RawQuery, next)
	}
	if applied = joinPreferences(applied, annApplied); applied != "" {
		w.Header().Set("Preference-Applied", applied)
	}
	writeJSON(w, http.StatusOK, out)
}

// joinPreferences lists the preferences applied, "" for none.
func joinPreferences(ps ...string) string {
	var out []string
	for _, p := range ps {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ",")
}

// selectedColumns are the columns of t that the request's $select names
// (nil: every one).
func selectedColumns(r *http.Request, t store.Table) ([]string, error) {
	v, ok := r.URL.Query()["$select"]
	if !ok {
		return nil, nil
	}
	opts, err := parseList(url.Values{"$select": v}, 1)
	if err != nil {
		return nil, err
	}
	var cols []string
	for _, p := range opts.sel {
		c, err := column(t, p)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c.Name)
	}
	return cols, nil
}

func (s *Server) getRow(w http.ResponseWriter, r *http.Request, set, id string) {
	if v, ok := r.URL.Query()["$select"]; ok {
		if _, err := parseList(url.Values{"$select": v}, 1); err != nil {
			s.fail(w, r, err) // before the row is read: a bad $select is the request's error
			return
		}
	}
	t, row, err := rowOf(r, set, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cols, err := selectedColumns(r, t)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tag := etag(row)
	w.Header().Set("ETag", tag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == "*" || inm == tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := rowJSON(t, row, cols)
	if err := s.annotateOne(w, r, t, row, body, cols); err != nil {
		s.fail(w, r, err)
		return
	}
	body["@odata.context"] = baseURL(r) + "$metadata#" + set + selected(r) + "/$entity"
	writeJSON(w, http.StatusOK, body)
}

// selected is the context URL's list of the properties $select names, as
// OData writes it: "(name,revenue)"; "" without $select.
func selected(r *http.Request) string {
	v := r.URL.Query().Get("$select")
	if v == "" {
		return ""
	}
	var props []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			props = append(props, p)
		}
	}
	return "(" + strings.Join(props, ",") + ")"
}

// annotateOne annotates one row's JSON as the request asks, saying so in
// Preference-Applied.
func (s *Server) annotateOne(w http.ResponseWriter, r *http.Request, t store.Table, row store.Row, body map[string]any, cols []string) error {
	ann, applied := wantedAnnotations(r, t)
	if ann == nil {
		return nil
	}
	if err := s.annotate(r, ann, t, []store.Row{row}, []map[string]any{body}, cols); err != nil {
		return err
	}
	w.Header().Set("Preference-Applied", joinPreferences(w.Header().Get("Preference-Applied"), applied))
	return nil
}

// post creates a record (its default flow starting, unless BPFC-Flow says
// otherwise) or, on an instance table, starts the flow on the record that
// its lookup binds.
func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	set := r.PathValue("seg")
	if strings.Contains(set, "(") {
		if name, _, _ := splitKeyRaw(set); functions[name] != nil {
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
	fields, err := readBody(r)
	if err == nil {
		err = s.bindings(r, t, fields)
	}
	if err == nil {
		_, err = selectedColumns(r, t) // before the change: a bad $select changes nothing
	}
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

// keyedTable is the table of set, for a row of it keyed by id (its
// property named prop, if the path named it): a key that is not a GUID,
// or a property that is not the table's key, is refused as Dataverse does
// (400), once the entity set is known (an unknown one is 404).
func (s *Server) keyedTable(r *http.Request, set, prop, id string) (store.Table, error) {
	t, err := s.tableOf(r, set)
	if err == nil {
		err = keyName(set, t.PrimaryKey, prop)
	}
	if err != nil {
		return t, err
	}
	return t, checkKey(set, id)
}

// checkKeyName refuses a key's property (prop, "" when not named) that is
// not the key of set's table.
func (s *Server) checkKeyName(r *http.Request, set, prop string) error {
	if prop == "" {
		return nil
	}
	if isProcessSet(set) {
		return keyName(set, processTables[set].PrimaryKey, prop)
	}
	t, err := s.tableOf(r, set)
	if err != nil {
		return err
	}
	return keyName(set, t.PrimaryKey, prop)
}

// keyName refuses prop, a key's property the path named, unless it is
// the table's key pk: bpfc keys a row by its id only (Dataverse's
// alternate keys, such as an account number, are not bpfc's).
func keyName(set, pk, prop string) error {
	if prop == "" || prop == pk {
		return nil
	}
	return badRequest("%s(%s=…): a row is keyed by its id, %s — %s(<id>) or %s(%s=<id>); bpfc has no alternate keys", set, prop, pk, set, set, pk)
}

// checkKey refuses a row's key that is not a GUID.
func checkKey(set, id string) error {
	if uuid.Validate(id) != nil || len(id) != 36 {
		return badRequest("%s(%s): a row's key is its id, a GUID such as %s(00000000-0000-0000-0000-000000000001)", set, id, set)
	}
	return nil
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
// also bind the process (processid, the flow's own), the first stage
// (activestageid: a flow starts there) and name the instance (bpf_name).
func (s *Server) startInstance(r *http.Request, t store.Table, fields []field) (in *engine.Instance, existed bool, err error) {
	var table, record, name string
	var process, stage *field
	for i, f := range fields {
		switch f.column {
		case "processid":
			process = &fields[i]
			continue
		case "activestageid":
			stage = &fields[i]
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
				"and may take processid@odata.bind, activestageid@odata.bind (the first stage) and bpf_name; %s cannot be set", f.prop)
		}
		if table != "" {
			return nil, false, badRequest("a flow starts on one record; the body binds %s and %s", table, strings.TrimSuffix(rec, "id"))
		}
		record, _ = f.value.(string)
		table = strings.TrimSuffix(rec, "id")
	}
	if record == "" {
		return nil, false, badRequest("name the record to start the flow on, as bpf_<table>id@odata.bind")
	}
	if process != nil || stage != nil {
		if err := s.checkStart(r, t, process, stage); err != nil {
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
				if name != "" && name != in.Name {
					// The name asked for is not dropped: the instance
					// takes it, at the version just read.
					in, err = session(r).Rename(r.Context(), t.Name, in.ID, name, engine.MoveOptions{IfVersion: in.Version})
				}
				return in, true, err
			}
		}
	}
	in, err = session(r).StartNamed(r.Context(), t.Name, table, record, name)
	return in, false, err
}

// checkStart checks the process and stage a start's body binds: the
// instance table's flow, and its first stage (by id or name).
func (s *Server) checkStart(r *http.Request, t store.Table, process, stage *field) error {
	dep, _, err := session(r).Deployed(r.Context())
	if err != nil {
		return err
	}
	var df *engine.DeployedFlow
	for _, f := range dep.Flows {
		if f.Workflow.InstanceTable == t.Name {
			df = f
		}
	}
	if df == nil || len(df.Flow.Stages) == 0 {
		return errorf(http.StatusNotFound, "NotFound", "no flow of %s is deployed", t.EntitySetName)
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
			return err
		}
		if id != df.Workflow.ID {
			return badRequest("%s is the process of flow %s (%s); %s names another", t.EntitySetName, df.Flow.Name, df.Workflow.ID, process.prop)
		}
	}
	if stage != nil {
		id, err := bound(stage, "processstages")
		if err != nil {
			return err
		}
		first := df.Flow.Stages[0]
		if st := df.Stages[id]; id != first.Name && (st == nil || st.Name != first.Name) {
			return badRequest("a flow starts at its first stage, %s; start it without activestageid, or with that stage, then move it with a PATCH of activestageid",
				first.Name)
		}
	}
	return nil
}

// respond answers a change: 204 with the row's ETag, or the row (read
// again unless given) with status under Prefer: return=representation.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, set, id string, status int, version int64, row store.Row) {
	w.Header().Set("ETag", `W/"`+strconv.FormatInt(version, 10)+`"`)
	w.Header().Set("OData-EntityId", baseURL(r)+set+"("+id+")")
	if !wantsRepresentation(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	t, err := s.tableOf(r, set)
	if err == nil && row == nil {
		t, row, err = session(r).Row(r.Context(), set, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cols, _ := selectedColumns(r, t) // checked by post and patch before the change
	w.Header().Set("ETag", etag(row))
	w.Header().Set("Preference-Applied", "return=representation")
	body := rowJSON(t, row, cols)
	if err := s.annotateOne(w, r, t, row, body, cols); err != nil {
		s.fail(w, r, err)
		return
	}
	body["@odata.context"] = baseURL(r) + "$metadata#" + set + selected(r) + "/$entity"
	writeJSON(w, status, body)
}

// patch updates a record, or moves or ends an instance.
func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	set, prop, id, ok := namedKey(r.PathValue("seg"))
	if !ok || id == "" {
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "PATCH changes one row: %s(<id>)", set))
		return
	}
	version, err := ifMatch(r)
	if err == nil {
		err = writeOptions(r)
	}
	var t store.Table
	if err == nil {
		t, err = s.keyedTable(r, set, prop, id)
	}
	if err == nil {
		err = staleZeroTag(r, t)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.TrimSpace(r.Header.Get("If-None-Match")) == "*" {
		// Dataverse's "create, never update": the row exists, so 412.
		if _, _, err := session(r).Row(r.Context(), set, id); err == nil {
			s.fail(w, r, errorf(http.StatusPreconditionFailed, "PreconditionFailed",
				"%s(%s) exists, and If-None-Match: * asks to create only: nothing was changed", set, id))
			return
		} else if !errors.Is(err, engine.ErrNotFound) || t.Kind == store.TableInstance {
			s.fail(w, r, err)
			return
		}
	}
	fields, err := readBody(r)
	if err == nil {
		err = s.bindings(r, t, fields)
	}
	if err == nil {
		_, err = selectedColumns(r, t) // before the change: a bad $select changes nothing
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(fields) == 0 {
		// An empty update, as Dataverse answers it: nothing changes (a
		// missing record is still upserted).
		_, row, err := session(r).Row(r.Context(), set, id)
		if errors.Is(err, engine.ErrNotFound) && t.Kind != store.TableInstance {
			s.upsert(w, r, t, set, id, fields, err)
			return
		}
		if err == nil && version > 0 && rowVersion(row) != version {
			err = &engine.ConflictError{What: t.Name, ID: id, Expected: version, Actual: rowVersion(row)}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.respond(w, r, set, id, http.StatusOK, rowVersion(row), row)
		return
	}
	var row store.Row
	if t.Kind == store.TableInstance {
		version, err = s.changeInstance(r, t, id, version, fields)
	} else {
		var rec *engine.Record
		rec, err = session(r).UpdateRecord(r.Context(), t.Name, id, values(fields), version)
		if errors.Is(err, engine.ErrNotFound) {
			s.upsert(w, r, t, set, id, fields, err)
			return
		}
		if err == nil {
			version, row = rec.Version, rec.Values
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.respond(w, r, set, id, http.StatusOK, version, row)
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
		b, err := json.Marshal(c.Instance.Workflows)
		if err == nil {
			w.Header().Set("BPFC-Workflows", string(b))
		}
	}
}

// delete deletes a record (its instances remain) or an instance.
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	set, prop, id, ok := namedKey(r.PathValue("seg"))
	if !ok || id == "" {
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "DELETE removes one row: %s(<id>)", set))
		return
	}
	version, err := ifMatch(r)
	if err == nil {
		err = writeOptions(r)
	}
	var t store.Table
	if err == nil {
		t, err = s.keyedTable(r, set, prop, id)
	}
	if err == nil {
		err = staleZeroTag(r, t)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sess := session(r)
	if t.Kind == store.TableInstance {
		if version, err = sess.InstanceVersion(r.Context(), t.Name, id, version); err == nil {
			err = sess.DeleteInstance(r.Context(), id, engine.MoveOptions{IfVersion: version})
		}
	} else {
		err = sess.DeleteRecordIf(r.Context(), t.Name, id, version)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeOptions refuses the query options a write does not apply: it
// answers with the row it wrote ($select choosing the columns under
// Prefer: return=representation) and nothing else; a DELETE with none.
func writeOptions(r *http.Request) error {
	for k := range r.URL.Query() {
		if strings.HasPrefix(k, "$") && (k != "$select" || r.Method == http.MethodDelete) {
			return badRequest("query option %s does not apply to a %s: a write answers with the row it wrote, $select choosing its columns", k, r.Method)
		}
	}
	return nil
}
