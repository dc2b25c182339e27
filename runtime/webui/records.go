package webui

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The records of a table, with each one's active flow and stage, and the
// form that creates one.

// listLimit is how many records the list shows, newest first.
const listLimit = 200

type recordsPage struct {
	Table      string
	TableTitle string
	Rows       []recordRow
	More       bool // there are more than the list shows
	Fields     []field
	Flows      []option // what the new record starts
	CanCreate  bool
	Flash      *flash
}

func (p recordsPage) pageFlash() *flash { return p.Flash }

func (p recordsPage) title() string { return p.TableTitle }

type recordRow struct {
	ID, Name, Href, Created string
	Flow, Stage, State      string
	Others                  int // further instances
}

// instanceRow is an instance as the list reads it.
type instanceRow struct {
	flow     *flowInfo
	stage    string
	state    string
	modified time.Time
}

func (h *Handler) records(w http.ResponseWriter, r *http.Request) {
	rs := current(r)
	v, t, ok := h.tableView(w, r)
	if !ok {
		return
	}
	rows, err := h.rows(r.Context(), rs.s, t, listLimit+1)
	if err != nil {
		h.fail(w, r, rs, err)
		return
	}
	page := recordsPage{Table: t.Name, TableTitle: cmp.Or(t.DisplayName, t.Name), Flash: h.takeFlash(w, r)}
	if len(rows) > listLimit {
		rows, page.More = rows[:listLimit], true
	}
	ids := make([]string, 0, len(rows))
	for _, row := range rows {
		id, _ := row[t.PrimaryKey].(string)
		ids = append(ids, id)
	}
	byRecord, err := h.instancesOf(r.Context(), rs.s, v, t.Name, ids)
	if err != nil {
		h.fail(w, r, rs, err)
		return
	}
	for _, row := range rows {
		id, _ := row[t.PrimaryKey].(string)
		name, _ := row[t.PrimaryColumn].(string)
		rr := recordRow{ID: id, Name: cmp.Or(name, "(no name)"), Href: "/records/" + t.Name + "/" + id}
		if c, ok := row["createdon"].(time.Time); ok {
			rr.Created = c.UTC().Format("2 Jan 2006 15:04")
		}
		if ins := byRecord[id]; len(ins) > 0 {
			first := ins[0]
			rr.Flow, rr.Stage, rr.State, rr.Others = cmp.Or(first.flow.f.DisplayName, first.flow.f.Name), first.stage, first.state, len(ins)-1
		}
		page.Rows = append(page.Rows, rr)
	}
	h.createForm(r.Context(), rs, v, t, &page, page.Flash)
	h.render(w, r, rs, http.StatusOK, "records", page)
}

// anyOf is the condition that column col holds one of ids (the stores
// read it as one IN list).
func anyOf(col string, ids []string) store.Any {
	any := make(store.Any, len(ids))
	for i, id := range ids {
		any[i] = store.Compare{Column: col, Op: store.OpEq, Value: id}
	}
	return any
}

// instancesOf reads the instances spanning each of the records ids of
// table, by record: active ones first, then the most recently modified.
// One query per flow the user may read.
func (h *Handler) instancesOf(ctx context.Context, s *engine.Session, v *view, table string, ids []string) (map[string][]instanceRow, error) {
	out := map[string][]instanceRow{}
	if len(ids) == 0 {
		return out, nil
	}
	for _, fi := range v.flowsOn(table) {
		it, ok := v.tables[fi.wf.InstanceTable]
		if !ok || it.Kind != store.TableInstance {
			continue
		}
		col := instanceLookup(table)
		_, rows, err := s.QueryRows(ctx, it.EntitySetName, func(store.Table) (store.Query, error) {
			return store.Query{Select: []string{col, "activestageid", "statecode", "statuscode", "modifiedon"}, Where: anyOf(col, ids)}, nil
		})
		if errors.Is(err, engine.ErrForbidden) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			id, _ := row[col].(string)
			ir := instanceRow{flow: fi, state: stateOf(row)}
			if name := fi.stageName[str(row["activestageid"])]; name != "" {
				ir.stage = stageTitle(fi.f.Stage(name))
			}
			ir.modified, _ = row["modifiedon"].(time.Time)
			out[id] = append(out[id], ir)
		}
	}
	for _, ins := range out {
		// The most recently changed first: the process the record's page
		// shows, as Dataverse's form does.
		slices.SortStableFunc(ins, func(a, b instanceRow) int { return b.modified.Compare(a.modified) })
	}
	return out, nil
}

// instanceLookup is a flow instance table's lookup to a table of the flow,
// as Dataverse names it (bpf_<table>id).
func instanceLookup(table string) string { return "bpf_" + table + "id" }

// stateOf reads an instance row's state as the engine names it.
func stateOf(row store.Row) string {
	state, _ := row["statecode"].(int64)
	status, _ := row["statuscode"].(int64)
	switch {
	case state == 0:
		return engine.StateActive
	case status == 3:
		return engine.StateAborted
	}
	return engine.StateFinished
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// createColumns are the columns the create form asks for: the name (first
// and last names where the full name is made of them) and every required
// column.
func createColumns(t store.Table) []store.Column {
	var out []store.Column
	add := func(name string) {
		c, ok := t.Column(name)
		if !ok || slices.ContainsFunc(out, func(x store.Column) bool { return x.Name == name }) {
			return
		}
		out = append(out, c)
	}
	_, first := t.Column("firstname")
	_, last := t.Column("lastname")
	if t.PrimaryColumn == "fullname" && first && last {
		add("firstname")
		add("lastname")
	} else if t.PrimaryColumn != "" {
		add(t.PrimaryColumn)
	}
	for _, c := range t.Columns {
		if c.Required && c.Name != t.PrimaryKey && c.Type != store.TypeRowVersion && !systemColumn(c.Name) {
			add(c.Name)
		}
	}
	return out
}

// systemColumn: columns the engine fills.
func systemColumn(name string) bool {
	switch name {
	case "createdon", "createdby", "modifiedon", "modifiedby", "ownerid", "statecode", "statuscode":
		return true
	}
	return false
}

// createForm fills the create form of a records page; f is the outcome of
// a refused create (its values and errors), if any.
func (h *Handler) createForm(ctx context.Context, rs *reqSession, v *view, t store.Table, page *recordsPage, f *flash) {
	page.CanCreate = true
	for _, c := range createColumns(t) {
		fd := h.fieldFor(ctx, rs.s, v.deployed, t, c, "", nil, "")
		fd.ID = "new-" + c.Name
		fd.Required, fd.Mandatory = c.Required, c.Required
		if f != nil && f.Instance == "" {
			if val, ok := f.Values[c.Name]; ok {
				fd.Value = val
				fd.selectValue()
			}
			fd.Error = f.Fields[c.Name]
		}
		page.Fields = append(page.Fields, fd)
	}
	if f != nil && f.Instance == "" && len(f.Fields) > 0 {
		// Above the form, the fields by their labels, as beside them.
		var required []string
		for _, fd := range page.Fields {
			if fd.Error == "Required" {
				required = append(required, fd.Label)
			}
		}
		if text := fieldsText(page.Fields); len(required) < len(f.Fields) && text != "" {
			f.Text = text
		}
	}
	var def *flowInfo
	var startable []*flowInfo
	for _, fi := range v.readable() {
		if fi.f.PrimaryTable != t.Name || !fi.running(v.deployed) || !v.may(fi, "create", "append") {
			continue
		}
		startable = append(startable, fi)
		if fi.f.Type != "task" && (def == nil || fi.f.Order < def.f.Order) {
			def = fi
		}
	}
	chosen := ""
	if f != nil {
		chosen = f.Values["@flow"]
	}
	if def != nil {
		page.Flows = append(page.Flows, option{Value: "", Label: "The default flow (" + cmp.Or(def.f.DisplayName, def.f.Name) + ")", Selected: chosen == ""})
	}
	for _, fi := range startable {
		page.Flows = append(page.Flows, option{Value: fi.f.Name, Label: cmp.Or(fi.f.DisplayName, fi.f.Name), Selected: chosen == fi.f.Name})
	}
	page.Flows = append(page.Flows, option{Value: "-", Label: "No flow", Selected: def == nil || chosen == "-"})
}

// createRecord creates a record through the engine (its default flow, the
// one chosen, or none) and shows it.
func (h *Handler) createRecord(w http.ResponseWriter, r *http.Request) {
	rs := current(r)
	v, t, ok := h.tableView(w, r)
	if !ok {
		return
	}
	vals := engine.Values{}
	posted := map[string]string{}
	missing := map[string]string{}
	var labels []string
	for _, c := range createColumns(t) {
		text := r.PostForm.Get(fieldPrefix + c.Name)
		posted[c.Name] = text
		if pv := postedValue(c, text); pv != nil {
			vals[c.Name] = pv
		} else if c.Required {
			missing[c.Name] = "Required"
			labels = append(labels, cmp.Or(c.DisplayName, c.Name))
		}
	}
	back := "/records/" + t.Name
	if len(missing) > 0 {
		// As a Dataverse form does: a business-required column blocks the
		// save (the API would take the record without it).
		h.setFlash(w, r, &flash{Kind: "error", Text: "Fill in the required fields: " + strings.Join(labels, ", ") + ".",
			Fields: missing, Values: posted, Page: back})
		http.Redirect(w, r, back+"#create", http.StatusSeeOther)
		return
	}
	so := engine.StartOptions{}
	fl := r.PostForm.Get("flow")
	posted["@flow"] = fl
	switch fl {
	case "":
	case "-":
		so.NoFlow = true
	default:
		so.Flow = fl
	}
	created, err := rs.s.CreateRecord(r.Context(), t.Name, vals, so)
	if err != nil {
		h.failOrBack(w, r, err, "", posted, back+"#create")
		return
	}
	to := back + "/" + created.ID
	text := "Created."
	if created.Instance != nil {
		to += "?instance=" + created.Instance.ID
		text = "Created; " + cmp.Or(v.byName[created.Instance.Flow].title(), created.Instance.Flow) + " started."
	}
	h.setFlash(w, r, &flash{Kind: "ok", Text: text})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (fi *flowInfo) title() string {
	if fi == nil {
		return ""
	}
	return cmp.Or(fi.f.DisplayName, fi.f.Name)
}

// failOrBack answers a form post that err stopped: with the page the form
// came from (back) when the user can act on err (refused), else with the
// error page.
func (h *Handler) failOrBack(w http.ResponseWriter, r *http.Request, err error, instance string, posted map[string]string, back string) {
	if h.gone(w, r, err) {
		return
	}
	if !h.refused(w, r, err, instance, posted, back) {
		h.fail(w, r, current(r), err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// gone answers a post to a record's page (a move, a start) that found the
// record deleted in the meantime: with its table's list, saying so, rather
// than a "Not found" page in answer to the post. False when err is no
// "not found" or the page's record is still there.
func (h *Handler) gone(w http.ResponseWriter, r *http.Request, err error) bool {
	table, id := r.PathValue("table"), r.PathValue("id")
	if !errors.Is(err, engine.ErrNotFound) || id == "" {
		return false
	}
	rs := current(r)
	if _, err := rs.s.RecordValues(r.Context(), table, id); !errors.Is(err, engine.ErrNotFound) {
		return false
	}
	v, ok := h.readView(w, r)
	if !ok {
		return true
	}
	what := "record"
	if t, ok := v.tables[table]; ok {
		what = strings.ToLower(cmp.Or(t.DisplayName, t.Name))
	}
	h.setFlash(w, r, &flash{Kind: "error", Text: "This " + what + " was deleted while you had its page open: nothing was changed."})
	http.Redirect(w, r, "/records/"+table, http.StatusSeeOther)
	return true
}

// fieldErrors is why each value err refused was, by column: the one of a
// *engine.ValueError, or every one of an *engine.ValuesError.
func fieldErrors(err error) map[string]string {
	errs := []error{err}
	var many *engine.ValuesError
	if errors.As(err, &many) {
		errs = many.Errs
	}
	out := map[string]string{}
	for _, e := range errs {
		var ve *engine.ValueError
		if errors.As(e, &ve) {
			// Beside its field, under its label: the value and why.
			out[ve.Column] = compiler.Shorten(ve.Value) + " " + ve.Reason
		}
	}
	return out
}

// changedMeanwhile says that the record or process a conflict (err) is
// about changed after the page was loaded: by someone else, or by the same
// user on another page or an earlier one the browser went back to.
func changedMeanwhile(err error) string {
	what := "record"
	if ce := (*engine.ConflictError)(nil); errors.As(err, &ce) && ce.What == "instance" {
		what = "process"
	}
	return "This " + what + " was changed after the page was loaded (by someone else, or on another page of yours)"
}

// refusal is the flash of the page a form came from for an error the
// user can act on (a refusal, a value that does not fit, a conflict, a
// missing privilege); nil for other errors.
func refusal(err error, instance string) *flash {
	f := &flash{Kind: "error", Text: err.Error(), Instance: instance}
	var me *moveError
	if errors.As(err, &me) {
		f.Op, f.Saved = me.op, me.saved
	}
	var ref *engine.ErrRefused
	var ve *engine.ValueError
	var ce *engine.ConflictError
	switch {
	case errors.As(err, &ce):
		f.Kind = "conflict"
		f.Text = changedMeanwhile(err) + ", so nothing was changed. " +
			"The page now shows it as it is; check it and try again."
	case errors.As(err, &ref):
		f.Stage, f.Steps = ref.Stage, ref.Steps
	case errors.As(err, &ve):
		f.Fields = fieldErrors(err)
	case errors.Is(err, engine.ErrInvalid), errors.Is(err, engine.ErrForbidden):
	default:
		return nil
	}
	return f
}

// refused shows the outcome of a post err stopped on the page back, the
// form's: what was posted goes with it (refused values, not a conflict's),
// for that page only. False for errors the user cannot act on.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, err error, instance string, posted map[string]string, back string) bool {
	f := refusal(err, instance)
	if f == nil {
		return false
	}
	if f.Kind != "conflict" {
		f.Values = posted
		f.Page = pagePath(back)
	}
	h.setFlash(w, r, f)
	return true
}

// pagePath is the path of a page's address, without query or fragment.
func pagePath(href string) string {
	href, _, _ = strings.Cut(href, "#")
	href, _, _ = strings.Cut(href, "?")
	return href
}
