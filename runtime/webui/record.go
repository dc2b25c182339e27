package webui

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The record page: the process bar of the chosen instance (stages with
// their tables, completed and active stages, the path as it resolves on
// the current values, with its branches), the active stage's steps as a
// form with the moves, or another stage of the bar read-only (stage.go), a
// switcher between the record's instances, and the record's own columns.

type recordPage struct {
	Table, TableTitle, ID, Name, Href string
	Columns                           []colView
	Empty                             []colView // columns without a value
	Instances                         []instTab
	Sel                               *procView
	Start                             []option // flows that may start on the record
	Flash                             *flash
	// AtLimit are the flows the user could start that cannot start here:
	// the record holds Held instances, the most it can.
	AtLimit []string
	Held    int
}

func (p recordPage) title() string     { return p.Name + " · " + p.TableTitle }
func (p recordPage) pageFlash() *flash { return p.Flash }
func (p recordPage) typing() bool      { return p.Sel != nil && p.Sel.Editable() }

type colView struct {
	Label, Column, Value, Href string
}

type instTab struct {
	ID, Title, Stage, State, Href string
	Selected                      bool
}

// procView is the selected instance: its bar and its active stage.
type procView struct {
	ID, Flow, FlowTitle, FlowHref, State string
	Version                              int64
	Active, CanWrite                     bool
	Bar                                  []barStage
	Off                                  []barStage // stages the path does not take now
	Branches                             []string   // how each branch on the path resolves now
	Stage                                barStage
	// The active stage's record, whose columns its steps fill.
	RecordTable, RecordID, RecordName, RecordHref string
	RecordVersion                                 int64
	RecordGone                                    bool // the stage's record was deleted
	RecordHidden                                  bool // the user may not read the stage's record
	Elsewhere                                     bool // the stage's record is not this page's
	Steps                                         []stepView
	Actions                                       []actionView
	CanPrev, CanNext, CanFinish                   bool
	Last                                          bool         // the active stage ends the path: its required steps hold back Finish
	Action, CSRF                                  string       // where the stage form posts, and its token
	Detached                                      bool         // shown on the instance's own page: no record page reaches it
	CanDelete                                     bool         // the instance's page offers Delete
	Message                                       *flash       // the outcome of the last post about this instance
	Unsaved                                       []typedValue // typed, not saved, and not a step of the form now
	KeepsTyped                                    bool         // a step holds a value typed and not saved: Save takes it, whatever the state
	Visits                                        []engine.Visit
	StageTitles                                   map[string]string
	View                                          *stageView // the stage of the bar chosen (?stage=), when not the active one
}

type barStage struct {
	Name, Title, Table, TableTitle, Category, Status string
	Href                                             string // the record page showing the stage
	Number                                           int
	Cross                                            bool // on another table than the stage before it
	Viewed                                           bool // the stage the page shows
}

type stepView struct {
	field
	StepName string
	Refused  bool   // named by the last refusal
	Shown    string // the stored value as the input holds it, posted back beside it (origPrefix)
}

type actionView struct {
	Name, Title string
}

func (h *Handler) record(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.showRecord(w, r, http.StatusOK, q.Get("instance"), q.Get("stage"), nil)
}

// showRecord answers with the record page of the request's path, status,
// showing instance sel (the most recently changed when "") at stage
// viewed; fl is the outcome to show, nil for the flash cookie's.
func (h *Handler) showRecord(w http.ResponseWriter, r *http.Request, status int, sel, viewed string, fl *flash) {
	rs := current(r)
	ctx := r.Context()
	v, t, ok := h.tableView(w, r)
	if !ok {
		return
	}
	if id := r.PathValue("id"); !engine.IsID(id) {
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Not a record id",
			"%q is not a record id: a %s is addressed by its id, a GUID such as 3b7fbd35-5adc-516c-9dc0-1e40c9927088.", id, t.Name))
		return
	}
	rec, err := rs.s.RecordValuesTables(ctx, t.Name, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, rs, err)
		return
	}
	if fl == nil {
		fl = h.takeFlash(w, r)
	}
	page := recordPage{Table: t.Name, TableTitle: cmp.Or(t.DisplayName, t.Name), ID: rec.ID, Href: recordHref(t.Name, rec.ID),
		Flash: fl}
	page.Name = cmp.Or(str(rec.Values[t.PrimaryColumn]), "(no name)")
	lk := &lookups{h: h, s: rs.s, d: v.deployed}
	for _, c := range t.Columns {
		if c.Name == t.PrimaryKey || c.Type == store.TypeRowVersion {
			continue
		}
		cv := colView{Label: columnTitle(c), Column: c.Name}
		cv.Value, cv.Href = lk.show(ctx, c, rec.Values[c.Name], rec.Tables[c.Name])
		if cv.Value == "" {
			page.Empty = append(page.Empty, cv)
		} else {
			page.Columns = append(page.Columns, cv)
		}
	}
	ins, err := rs.s.ProcessInstances(ctx, t.Name, rec.ID)
	if err != nil {
		h.fail(w, r, rs, err)
		return
	}
	if (sel == "" || !slices.ContainsFunc(ins, func(p engine.ProcessInstance) bool { return p.ID == sel })) && len(ins) > 0 {
		// The most recently changed, as in Dataverse's form (an instance
		// just abandoned stays, with Reactivate) and RetrieveProcessInstances.
		sel = ins[0].ID
	}
	for _, in := range ins {
		fi := v.byName[in.Flow]
		tab := instTab{ID: in.ID, Title: cmp.Or(fi.title(), in.Flow), State: in.State, Selected: in.ID == sel,
			Href: page.Href + "?instance=" + url.QueryEscape(in.ID)}
		if fi != nil {
			tab.Stage = stageTitle(fi.f.Stage(in.ActiveStage))
		}
		page.Instances = append(page.Instances, tab)
	}
	if sel != "" {
		if page.Sel, err = h.procView(ctx, rs, v, lk, page.Href, rec, sel, viewed, page.Flash); err != nil {
			h.fail(w, r, rs, err)
			return
		}
		page.Sel.Action = page.Href + "/process"
	}
	// At the limit the list stays, as Dataverse's switcher does: a flow
	// the record has still opens, and the others say why none starts.
	held := -1
	for _, fi := range v.readable() {
		if fi.f.PrimaryTable != t.Name || !fi.running(v.deployed) || !v.may(fi, "create", "append") {
			continue
		}
		o := option{Value: fi.f.Name, Label: fi.title()}
		// Start opens the instance the record has of the flow (start, as
		// Switch Process: the first of ins, whose tabs are in its order):
		// the list says so, in the switcher's words, rather than promise
		// a new one.
		if i := slices.IndexFunc(ins, func(p engine.ProcessInstance) bool { return p.Flow == fi.f.Name }); i >= 0 {
			tab := page.Instances[i]
			o.Label += " (open: " + tab.Stage + " · " + statusReason(tab.State) + ")"
		} else {
			if held < 0 {
				if held, err = heldInstances(ctx, rs, v, t.Name, rec.ID, ins); err != nil {
					h.fail(w, r, rs, err)
					return
				}
			}
			if held >= engine.MaxInstancesPerRecord {
				page.AtLimit, page.Held = append(page.AtLimit, fi.title()), held
				continue
			}
		}
		page.Start = append(page.Start, o)
	}
	h.render(w, r, rs, status, "record", page)
}

// heldInstances is how many instances the record holds as Start counts
// them against its limit: of every flow whose primary table is the
// record's, those the user may not read too. ins has every instance of the
// flows the user may read, so the store is asked only when a flow on the
// table is hidden from the user.
func heldInstances(ctx context.Context, rs *reqSession, v *view, table, id string, ins []engine.ProcessInstance) (int, error) {
	for _, fi := range v.flows {
		if it, ok := v.tables[fi.wf.InstanceTable]; ok && it.Kind == store.TableInstance && fi.f.PrimaryTable == table && !v.may(fi, "read") {
			return rs.s.HeldInstances(ctx, table, id)
		}
	}
	n := 0
	for _, in := range ins {
		if fi := v.byName[in.Flow]; fi != nil && fi.f.PrimaryTable == table {
			n++
		}
	}
	return n, nil
}

func recordHref(table, id string) string { return "/records/" + table + "/" + url.PathEscape(id) }

// procView reads the selected instance as the engine resolves it now, for
// the page at base: the record page of rec, or the instance's own page
// when rec is nil (detached: no record page reaches it); viewed names the
// stage of the bar to show, "" the active one.
func (h *Handler) procView(ctx context.Context, rs *reqSession, v *view, lk *lookups, base string, rec *engine.Record, id, viewed string,
	fl *flash) (*procView, error) {
	in, err := rs.s.Instance(ctx, id)
	if err != nil {
		return nil, err
	}
	fi := v.byName[in.Flow]
	if fi == nil {
		return nil, errorf(http.StatusNotFound, "Not found", "Flow %s of instance %s is not deployed any more.", in.Flow, id)
	}
	p := &procView{ID: in.ID, Flow: in.Flow, FlowTitle: fi.title(), FlowHref: "/flows/" + in.Flow, State: in.State,
		Version: in.Version, Active: in.State == engine.StateActive, CanWrite: v.may(fi, "write"), Visits: in.Visits,
		StageTitles: map[string]string{}, CSRF: rs.csrf, Detached: rec == nil}
	for _, s := range fi.f.Stages {
		p.StageTitles[s.Name] = stageTitle(s)
	}
	for _, vi := range in.Visits { // a stage an upgrade removed: its name, said so as the report says it
		if _, ok := p.StageTitles[vi.Stage]; !ok {
			p.StageTitles[vi.Stage] = vi.Stage + " (removed)"
		}
	}
	if fl != nil && fl.Instance == in.ID {
		p.Message = fl
	}
	// The bar: the active path, stages before the active one completed.
	active := slices.Index(in.ActivePath, in.ActiveStage)
	prevTable := ""
	for i, name := range in.ActivePath {
		s := fi.f.Stage(name)
		if s == nil {
			continue
		}
		b := barStage{Name: s.Name, Title: stageTitle(s), Table: s.Table, TableTitle: v.tableTitle(s.Table), Category: s.Category,
			Href: stageHref(base, in.ID, s.Name), Number: len(p.Bar) + 1, Cross: prevTable != "" && s.Table != prevTable}
		prevTable = s.Table
		switch {
		case i < active:
			b.Status = "done"
		case i == active && in.State == engine.StateFinished:
			b.Status = "done"
		case i == active && in.State == engine.StateAborted:
			b.Status = "stopped"
		case i == active:
			b.Status = "active"
		default:
			b.Status = "next"
		}
		if i == active {
			p.Stage = b
		} else if s.Name == viewed {
			b.Viewed = true
			if p.View, err = h.stageView(ctx, rs, v, lk, p, in, s, b, rec); err != nil {
				return nil, err
			}
		}
		p.Bar = append(p.Bar, b)
		if len(s.Branches) > 0 {
			var alts []string
			for _, br := range s.Branches {
				alts = append(alts, stageTitle(fi.f.Stage(br.Next))+" when "+compiler.FormatExpr(br.When))
			}
			if n := fi.f.Stage(s.Next); n != nil {
				alts = append(alts, stageTitle(n)+" otherwise")
			} else {
				alts = append(alts, "the end otherwise")
			}
			now := "the end of the flow"
			if i+1 < len(in.ActivePath) {
				now = stageTitle(fi.f.Stage(in.ActivePath[i+1]))
			}
			p.Branches = append(p.Branches, "After "+b.Title+": "+strings.Join(alts, "; ")+". Now: "+now+".")
		}
	}
	for _, s := range fi.f.Stages {
		if !slices.Contains(in.ActivePath, s.Name) {
			p.Off = append(p.Off, barStage{Name: s.Name, Title: stageTitle(s), Table: s.Table, TableTitle: v.tableTitle(s.Table), Status: "off"})
		}
	}
	stage := fi.f.Stage(in.ActiveStage)
	if stage == nil {
		return p, nil
	}
	last := active == len(in.ActivePath)-1
	p.Last = last
	// Detached, the instance has no record the user may open: every move
	// but ending and reopening it reads one.
	p.CanPrev = p.Active && p.CanWrite && len(in.TraversedPath) >= 2 && !p.Detached
	p.CanNext = p.Active && p.CanWrite && !last && !p.Detached
	p.CanFinish = p.Active && p.CanWrite && last && !p.Detached
	p.RecordTable = stage.Table
	p.RecordID = in.Records[stage.Table]
	p.Elsewhere = rec == nil || stage.Table != rec.Table || p.RecordID != rec.ID
	st, ok := v.tables[stage.Table]
	var row store.Row
	var tables map[string]string // of the row's lookups to several tables
	switch {
	case p.RecordID == "" || !ok:
		p.RecordGone = true
	case !p.Elsewhere:
		row, tables, p.RecordVersion, p.RecordName = rec.Values, rec.Tables, rec.Version, str(rec.Values[st.PrimaryColumn])
	default:
		other, err := rs.s.RecordValuesTables(ctx, stage.Table, p.RecordID)
		if errors.Is(err, engine.ErrNotFound) {
			p.RecordGone = true
			break
		}
		if errors.Is(err, engine.ErrForbidden) {
			// The page's own record is the user's; the stage's is not:
			// the process shows, its steps do not (as instance show).
			p.RecordHidden = true
			break
		}
		if err != nil {
			return nil, err
		}
		row, tables, p.RecordVersion, p.RecordName = other.Values, other.Tables, other.Version, str(other.Values[st.PrimaryColumn])
	}
	if p.RecordHidden {
		p.CanNext, p.CanFinish = false, false // they read the record the user may not
	}
	if p.RecordID != "" {
		p.RecordHref = recordHref(stage.Table, p.RecordID) + "?instance=" + url.QueryEscape(in.ID)
	}
	kept := map[int]bool{} // the typed values shown in the form
	for _, step := range stage.Steps {
		if step.Action {
			if !p.Detached {
				p.Actions = append(p.Actions, actionView{Name: step.Name, Title: cmp.Or(step.DisplayName, step.Name)})
			}
			continue
		}
		c, ok := st.Column(step.Column)
		if !ok || p.RecordGone || p.RecordHidden {
			continue
		}
		sv := stepView{field: h.fieldFor(ctx, rs.s, v.deployed, st, c, step.DisplayName, row[c.Name], tables[c.Name]), StepName: step.Name}
		sv.Shown = sv.Value
		sv.Required = step.Required
		sv.ID = "step-" + step.Name
		if p.Message != nil {
			sv.Refused = slices.Contains(p.Message.Steps, step.Name)
			if val, ok := p.Message.Values[c.Name]; ok {
				sv.Value = val
				sv.selectValue()
			}
			sv.Error = p.Message.Fields[c.Name]
			if sv.Refused && sv.Error == "" {
				// The move the step held back: a Finish is no move on.
				to := "to move on"
				if p.Message.Op == opFinish {
					to = "to finish"
				}
				sv.Error = "Required " + to
				if c.Type == compiler.TypeBoolean {
					sv.Error = "Must be Yes " + to
				}
			}
			if i := typedIndex(p.Message, stage.Table, p.RecordID, c.Name); i >= 0 {
				text := p.Message.Typed[i].Text
				kept[i] = true
				sv.Value = text
				sv.selectValue()
				if !sameText(c, text, sv.Shown) {
					sv.Unsaved = true
					p.KeepsTyped = p.CanWrite && !p.Detached
					sv.Stored, _ = lk.show(ctx, c, row[c.Name], tables[c.Name])
				}
			}
		}
		p.Steps = append(p.Steps, sv)
	}
	if p.Message != nil {
		for i, tv := range p.Message.Typed {
			if !kept[i] {
				p.Unsaved = append(p.Unsaved, tv)
			}
		}
	}
	p.Message = p.sayRefusal()
	return p, nil
}

// typedIndex is the index, among the typed values of m, of the one of
// column col of record id of table, or -1.
func typedIndex(m *flash, table, id, col string) int {
	if m == nil || m.TypedTable != table || m.TypedRecord != id {
		return -1
	}
	for i, tv := range m.Typed {
		if tv.Column == col {
			return i
		}
	}
	return -1
}

// Editable reports whether the page shows the active stage's steps as a
// form the user may type in: Save, the moves and the bar's stages post it.
// Never on an instance's own page (Detached): its links stay plain there,
// as nothing typed can be lost by them (TestInstancePageHasNothingToType).
func (p *procView) Editable() bool {
	return p.View == nil && len(p.Steps) > 0 && !p.Detached && p.CanWrite && (p.Active || p.KeepsTyped)
}

// sayRefusal says a refused move or a value that did not fit in the
// words of the page (the steps by their labels) rather than the engine's
// (step and column names); other messages as they are.
func (p *procView) sayRefusal() *flash {
	m := p.Message
	if m == nil || m.Kind != "error" {
		return m
	}
	var missing []field
	for _, sv := range p.Steps {
		if sv.Refused {
			missing = append(missing, sv.field)
		}
	}
	out := *m
	switch {
	case len(missing) > 0:
		var names []string
		for _, fd := range missing {
			n := fd.Label
			if fd.Type == compiler.TypeBoolean {
				n += " (must be Yes)"
			}
			names = append(names, n)
		}
		what := "first"
		switch m.Op {
		case opNext:
			what = "before moving to the next stage"
		case opFinish:
			what = "before finishing the process"
		}
		step := "the required step"
		if len(names) > 1 {
			step += "s"
		}
		out.Text = "Fill in " + step + " " + what + ": " + listed(names) + "."
	case len(m.Fields) > 0:
		var fields []field
		for _, sv := range p.Steps {
			fields = append(fields, sv.field)
		}
		text := fieldsText(fields)
		if text == "" {
			return m
		}
		out.Text = text
	default:
		return m
	}
	if m.Saved {
		out.Text += " Your changes to the steps were saved."
	}
	return &out
}

// lookups shows the rows lookups point at by name, each read once.
type lookups struct {
	h     *Handler
	s     *engine.Session
	d     *deployed
	users map[string]string
	names map[string]string
}

// unreadable marks, among the names looked up, a record that exists but
// the user may not read.
const unreadable = "\x00unreadable"

// show is a column's value as a person reads it, with a link for a lookup:
// to the row of table, the one a lookup to several tables was written
// with (an account and a contact may share an id), or when "" of the
// first of the lookup's tables holding it.
func (l *lookups) show(ctx context.Context, c store.Column, v any, table string) (string, string) {
	id, isText := v.(string)
	if (c.Type != compiler.TypeLookup && c.Type != compiler.TypeCustomer) || !isText || id == "" {
		return displayValue(c, v), ""
	}
	targets := c.Targets
	if table != "" && slices.Contains(c.Targets, table) {
		targets = []string{table}
	}
	for _, target := range targets {
		if target == "systemuser" {
			if l.users == nil {
				l.users = map[string]string{}
				if us, err := l.s.Users(ctx); err == nil {
					for _, u := range us {
						l.users[u.ID] = cmp.Or(u.FullName, u.Name)
					}
				}
			}
			if n, ok := l.users[id]; ok {
				return n, ""
			}
			continue
		}
		if _, ok := l.d.recordTable(target); !ok {
			continue
		}
		key := target + "/" + id
		if l.names == nil {
			l.names = map[string]string{}
		}
		name, ok := l.names[key]
		if !ok {
			rec, err := l.s.RecordValues(ctx, target, id)
			switch {
			case err == nil:
				name = cmp.Or(str(rec.Values[rec.PrimaryColumn]), id)
			case errors.Is(err, engine.ErrForbidden):
				name = unreadable
			}
			l.names[key] = name
		}
		switch name {
		case "":
		case unreadable:
			return id + " (not readable by you)", ""
		default:
			return name, recordHref(target, id)
		}
	}
	return strings.TrimSpace(id + " (deleted)"), ""
}
