package webui

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Instances no record page reaches. Deleting a record keeps its instances
// (the lookup dangles), and an instance shows on the pages of its records:
// once none of them is there (deleted, or not readable by the user), the
// CLI and the Web API reach it, and these pages. In Dataverse an instance
// is a row of its flow's own table, listed in that table's views and
// opened in its own form with the process bar; here the flow page lists
// the flow's instances without a record the user can open
// (/flows/{flow}/instances, linked from the flow page: looking for them
// reads up to scanLimit instances, which a flow page's every view should
// not), each linking to its own page
// (/flows/{flow}/instances/{id}): the bar, each stage read-only, the stage
// history and which records were deleted, with what still works without
// a record: Abandon, Reactivate (which undoes an Abandon) and Delete (the
// instance and its stage history, as bpfc instance delete; with the
// delete privilege). Next, Previous, Finish, Set Active and actions read
// the stage's record; they are not offered. Instances that have a record
// the user can open are on that record's page and not listed here.

// scanLimit bounds how many instances of a flow, newest first (by
// createdon, which every table has indexed in that order: a flow page
// sorts no table), the flow page looks through for detached ones.
const scanLimit = 5000

// idChunk is how many ids one query looks up (as many as the records list
// asks for in one query).
const idChunk = listLimit

type detachedRow struct {
	Name, Href, Stage, State, Modified string
	Records                            []string // each linked record: its table, and deleted or not readable
}

// detachedPage lists a flow's instances that no record page reaches.
type detachedPage struct {
	Flow, FlowTitle, FlowHref string
	Rows                      []detachedRow
	More                      bool
}

func (p detachedPage) title() string { return "Processes without a record · " + p.FlowTitle }

// detachedList is the page of detached.
func (h *Handler) detachedList(w http.ResponseWriter, r *http.Request) {
	v, fi, ok := h.readableFlow(w, r)
	if !ok {
		return
	}
	page := detachedPage{Flow: fi.f.Name, FlowTitle: fi.title(), FlowHref: "/flows/" + fi.f.Name}
	var err error
	if page.Rows, page.More, err = h.detached(r.Context(), current(r).s, v, fi); err != nil {
		h.fail(w, r, current(r), err)
		return
	}
	h.render(w, r, current(r), http.StatusOK, "detached", page)
}

func detachedHref(flow string) string { return "/flows/" + url.PathEscape(flow) + "/instances" }

type instancePage struct {
	Flow, FlowTitle, FlowHref, Name string
	Records                         []colView // the instance's records: a link, or why there is none
	Sel                             *procView
}

func (p instancePage) title() string { return p.Name + " · " + p.FlowTitle }

func instanceHref(flow, id string) string {
	return "/flows/" + url.PathEscape(flow) + "/instances/" + url.PathEscape(id)
}

// detached lists the instances of flow fi that have no record the user may
// open, newest first, up to listLimit; more reports that
// there may be others (beyond listLimit, or beyond the scanLimit instances
// looked through).
func (h *Handler) detached(ctx context.Context, s *engine.Session, v *view, fi *flowInfo) (rows []detachedRow, more bool, err error) {
	it, ok := v.tables[fi.wf.InstanceTable]
	if !ok || it.Kind != store.TableInstance {
		return nil, false, nil
	}
	tables := fi.f.Tables()
	// The key and the lookups: a listed instance is read whole below.
	cols := []string{it.PrimaryKey}
	for _, t := range tables {
		if _, ok := it.Column(instanceLookup(t)); ok {
			cols = append(cols, instanceLookup(t))
		}
	}
	_, ins, err := s.QueryRows(ctx, it.EntitySetName, func(store.Table) (store.Query, error) {
		return store.Query{Select: cols, OrderBy: []store.Order{{Column: "createdon", Desc: true}}, Limit: scanLimit + 1}, nil
	})
	if errors.Is(err, engine.ErrForbidden) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if len(ins) > scanLimit {
		ins, more = ins[:scanLimit], true
	}
	// The linked records the user may read, by table: one query per
	// chunk of ids.
	readable := map[string]map[string]bool{}
	for _, t := range tables {
		readable[t] = map[string]bool{}
		rt, ok := v.recordTable(t)
		if !ok {
			continue
		}
		var ids []string
		for _, row := range ins {
			if id := str(row[instanceLookup(t)]); id != "" {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		for chunk := range slices.Chunk(ids, idChunk) {
			_, found, err := s.QueryRows(ctx, rt.EntitySetName, func(store.Table) (store.Query, error) {
				return store.Query{Select: []string{rt.PrimaryKey}, Where: anyOf(rt.PrimaryKey, chunk)}, nil
			})
			if errors.Is(err, engine.ErrForbidden) {
				break
			}
			if err != nil {
				return nil, false, err
			}
			for _, row := range found {
				readable[t][str(row[rt.PrimaryKey])] = true
			}
		}
	}
	for _, row := range ins {
		reached := false
		for _, t := range tables {
			reached = reached || readable[t][str(row[instanceLookup(t)])]
		}
		if reached {
			continue
		}
		if len(rows) == listLimit {
			more = true
			break
		}
		// The instance itself tells a deleted record from one the user
		// may not read.
		in, err := s.Instance(ctx, str(row[it.PrimaryKey]))
		if errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrForbidden) {
			continue // deleted or changed since
		}
		if err != nil {
			return nil, false, err
		}
		dr := detachedRow{Name: cmp.Or(in.Name, fi.title()), Href: instanceHref(fi.f.Name, in.ID), State: in.State,
			Stage: stageTitle(fi.f.Stage(in.ActiveStage)), Modified: in.ModifiedOn.UTC().Format("2 Jan 2006 15:04")}
		for _, rc := range instanceRecords(v, fi, in) {
			dr.Records = append(dr.Records, rc.Label+" "+rc.Value)
		}
		rows = append(rows, dr)
	}
	return rows, more, nil
}

// instanceRecords are the records of instance in, in the flow's table
// order: a link to each the user may read, else whether it was deleted or
// is not readable.
func instanceRecords(v *view, fi *flowInfo, in *engine.Instance) []colView {
	var out []colView
	for _, t := range fi.f.Tables() {
		id := in.Records[t]
		if id == "" {
			continue
		}
		cv := colView{Label: v.tableTitle(t), Column: t}
		switch name, ok := in.RecordNames[t]; {
		case ok:
			cv.Value, cv.Href = cmp.Or(name, "(no name)"), recordHref(t, id)+"?instance="+url.QueryEscape(in.ID)
		case slices.Contains(in.Unreadable, t):
			cv.Value = id + " (not readable by you)"
		default:
			cv.Value = id + " (deleted)"
		}
		out = append(out, cv)
	}
	return out
}

// instance is an instance's own page: its bar and stages, read-only where
// no record page reaches it, with Abandon, Reactivate and Delete.
func (h *Handler) instance(w http.ResponseWriter, r *http.Request) {
	rs := current(r)
	ctx := r.Context()
	v, fi, ok := h.readableFlow(w, r)
	if !ok {
		return
	}
	in, ok := h.flowInstance(w, r, fi)
	if !ok {
		return
	}
	fl := h.takeFlash(w, r)
	base := instanceHref(fi.f.Name, in.ID)
	page := instancePage{Flow: fi.f.Name, FlowTitle: fi.title(), FlowHref: "/flows/" + fi.f.Name, Name: cmp.Or(in.Name, fi.title()),
		Records: instanceRecords(v, fi, in)}
	lk := &lookups{h: h, s: rs.s, d: v.deployed}
	sel, err := h.procView(ctx, rs, v, lk, base, nil, in.ID, r.URL.Query().Get("stage"), fl)
	if err != nil {
		h.fail(w, r, rs, err)
		return
	}
	sel.Action, sel.CanDelete = base, v.may(fi, "read", "delete")
	page.Sel = sel
	h.render(w, r, rs, http.StatusOK, "instance", page)
}

// flowInstance reads the instance of the request's path, of flow fi, or
// shows the error page.
func (h *Handler) flowInstance(w http.ResponseWriter, r *http.Request, fi *flowInfo) (*engine.Instance, bool) {
	rs := current(r)
	id := r.PathValue("id")
	if !engine.IsID(id) {
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Not an instance id", "%q is not an instance id: an instance is addressed by its id, a GUID.", id))
		return nil, false
	}
	in, err := rs.s.Instance(r.Context(), id)
	if err == nil && in.Flow != fi.f.Name {
		err = errorf(http.StatusNotFound, "Not found", "Flow %s has no instance %s.", fi.f.Name, id)
	}
	if err != nil {
		h.fail(w, r, rs, err)
		return nil, false
	}
	return in, true
}

// instanceOp makes the post of an instance's own page: Abandon,
// Reactivate or Delete, at the instance's version as the page showed it.
func (h *Handler) instanceOp(w http.ResponseWriter, r *http.Request) {
	rs := current(r)
	ctx := r.Context()
	_, fi, ok := h.readableFlow(w, r)
	if !ok {
		return
	}
	in, ok := h.flowInstance(w, r, fi)
	if !ok {
		return
	}
	back := instanceHref(fi.f.Name, in.ID)
	op := r.PostForm.Get("op")
	version, err := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil || version <= 0 {
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "The form names no version; reload the page."))
		return
	}
	mo := engine.MoveOptions{IfVersion: version}
	switch op {
	case opAbandon, opReactivate:
		mv := moves[op]
		_, err = mv.call(rs.s, ctx, in.ID, mo)
		if err == nil {
			h.setFlash(w, r, &flash{Kind: "ok", Text: mv.done, Instance: in.ID})
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
	case opDelete:
		if err = rs.s.DeleteInstance(ctx, in.ID, mo); err == nil {
			h.setFlash(w, r, &flash{Kind: "ok", Text: "Deleted " + cmp.Or(in.Name, fi.title()) + " (created " +
				in.CreatedOn.UTC().Format(time.DateOnly) + ") and its stage history."})
			http.Redirect(w, r, detachedHref(fi.f.Name), http.StatusSeeOther)
			return
		}
	default:
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "This page cannot %q an instance.", op))
		return
	}
	// Not failOrBack: this page's path names no record that may be gone.
	if !h.refused(w, r, err, in.ID, nil, back) {
		h.fail(w, r, rs, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// opDelete deletes an instance from its own page.
const opDelete = "delete"
