package webui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/workflow"
)

// The moves. The stage form posts the instance, the row version the page
// showed it at, the active stage's step values and the button pressed.
// The step values are saved first (only those that changed, and only if
// the record is still at the version shown), then the move is made through
// the engine at the instance's version shown: when someone else moved the
// instance or changed the record in between, nothing is written and the
// page says so. The Set Active form of a stage (stage.go) posts here too,
// with the instance, its version and the stage (target).

// Operations the stage form's buttons post (op); "action:NAME" runs an
// action step; "leave:HREF" (opLeave, leave.go) stands for a link.
const (
	opSave       = "save"
	opNext       = "next"
	opPrev       = "prev"
	opFinish     = "finish"
	opAbandon    = "abandon"
	opReactivate = "reactivate"
	opAction     = "action:"
	// opShow is a stage of the bar pressed beside the stage form
	// ("show:NAME"): the steps typed are saved, then the stage is shown.
	opShow = "show:"
)

// moves are the stage form's moves: the engine's call, and what the page
// says when it is made.
var moves = map[string]struct {
	call func(*engine.Session, context.Context, string, engine.MoveOptions) (*engine.Instance, error)
	done string
}{
	opNext:       {(*engine.Session).Next, "Moved to the next stage."},
	opPrev:       {(*engine.Session).Prev, "Moved back to the previous stage."},
	opFinish:     {(*engine.Session).Finish, "Finished."},
	opAbandon:    {(*engine.Session).Abandon, "Abandoned."},
	opReactivate: {(*engine.Session).Reactivate, "Reactivated."},
}

func (h *Handler) process(w http.ResponseWriter, r *http.Request) {
	rs := current(r)
	ctx := r.Context()
	form := r.PostForm
	id := form.Get("instance")
	back := recordHref(r.PathValue("table"), r.PathValue("id")) + "?instance=" + url.QueryEscape(id)
	op := form.Get("op")
	version, err := strconv.ParseInt(form.Get("version"), 10, 64)
	if id == "" || err != nil || version <= 0 {
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "The form names no instance and version; reload the page."))
		return
	}
	_, isMove := moves[op]
	switch {
	case op == opSave, op == opSetActive, isMove:
	case strings.HasPrefix(op, opAction) && len(op) > len(opAction):
	case strings.HasPrefix(op, opShow) && len(op) > len(opShow):
	case strings.HasPrefix(op, opLeave), op == opStart, op == opSignOut:
	default:
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "Unknown operation %q.", op))
		return
	}
	v, ok := h.readView(w, r)
	if !ok {
		return
	}
	// show: where a button standing for a link (a stage of the bar, a link
	// leaving the page) goes once what was typed is saved.
	show, showStage := "", ""
	switch {
	case strings.HasPrefix(op, opShow):
		showStage = strings.TrimPrefix(op, opShow)
		show = stageHref(recordHref(r.PathValue("table"), r.PathValue("id")), id, showStage) + "#stage-h"
	case strings.HasPrefix(op, opLeave):
		if show, ok = leaveHref(v, op); !ok {
			h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "The form asks to go to %q, which is no page the record page links to; reload the page.",
				strings.TrimPrefix(op, opLeave)))
			return
		}
	case op == opStart:
		// Checked before anything typed is saved, as a stage of the bar.
		if err := startable(v, r.PathValue("table"), form.Get("flow")); err != nil {
			h.fail(w, r, rs, err)
			return
		}
	}
	// leaving: a button standing for a way out of the page (a stage of
	// the bar, a link, Start, Sign out), which saves what was typed first.
	leaving := show != "" || op == opStart || op == opSignOut
	in, err := rs.s.Instance(ctx, id)
	if err != nil {
		if op == opSignOut && (errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrForbidden)) {
			h.endSession(w, r, goneUnsaved)
			return
		}
		h.failOrBack(w, r, err, id, nil, back)
		return
	}
	fi := v.byName[in.Flow]
	if fi == nil {
		if op == opSignOut {
			h.endSession(w, r, goneUnsaved)
			return
		}
		h.fail(w, r, rs, errorf(http.StatusNotFound, "Not found", "Flow %s is not deployed any more.", in.Flow))
		return
	}
	if showStage != "" && fi.f.Stage(showStage) == nil {
		// Checked before anything typed is saved: a bar the page drew
		// names only the flow's stages.
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "The form asks to show stage %q, which flow %s does not have; reload the page.",
			showStage, fi.f.Name))
		return
	}
	// Every button of the stage form posts its steps (Set Active's form
	// has none): what was typed is kept whatever the operation.
	typed := typedValues(form, v, fi, in)
	if leaving && typed == nil {
		// Nothing typed: the page, as its link would show it (or Start,
		// Sign out, as their own forms), whatever happened to the process
		// since the page.
		h.leave(w, r, op, show, nil)
		return
	}
	if already := alreadyIn(op, in.State); already != "" && in.Version-version <= 1 {
		// The same Abandon or Reactivate posted again, as a reload of its
		// answer (the page itself, a POST) does: the instance is where it
		// asked, so it is told so, not that someone changed the process.
		// Only if that one write is all that changed since the page: a
		// process also moved meanwhile is a conflict, as any stale post.
		if !h.keepTyped(w, r, id, typed, already+" What you typed in the steps was not saved: "+
			"it is kept below, marked \u201cNot saved\u201d where it differs from what is stored; Save keeps it.") {
			h.setFlash(w, r, &flash{Kind: "ok", Text: already, Instance: id})
			http.Redirect(w, r, back, http.StatusSeeOther)
		}
		return
	}
	if in.Version != version {
		err := &engine.ConflictError{What: "instance", ID: id, Expected: version, Actual: in.Version}
		if !h.typedAnswer(w, r, err, id, typed) {
			h.failOrBack(w, r, err, id, nil, back)
		}
		return
	}
	if op == opSetActive {
		h.setActive(w, r, fi, in, form.Get("target"))
		return
	}
	saved := false
	savedOn := "" // the name of the record the steps typed were saved on
	switch op {
	case opAbandon, opReactivate:
	default:
		// The step values go with Save, Next, Previous, Finish and
		// actions, as Dataverse saves the form when its process bar moves
		// a stage either way: a Previous would otherwise drop what was
		// typed and say only that it moved.
		stage := fi.f.Stage(in.ActiveStage)
		if stage == nil || form.Get("stage") != in.ActiveStage {
			break
		}
		rid := in.Records[stage.Table]
		st, ok := v.tables[stage.Table]
		if rid == "" || !ok {
			break
		}
		rv, _ := strconv.ParseInt(form.Get("rversion"), 10, 64)
		rec, err := rs.s.RecordValuesTables(ctx, stage.Table, rid)
		if err != nil {
			if op == opSignOut && (errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrForbidden)) {
				h.endSession(w, r, goneUnsaved)
				return
			}
			h.failOrBack(w, r, err, id, nil, back)
			return
		}
		vals, posted := changedValues(form, st, rec.Values, rec.Tables, stepColumns(stage))
		if len(vals) == 0 {
			break
		}
		if rv <= 0 {
			rv = rec.Version
		}
		if _, err := rs.s.UpdateRecord(ctx, stage.Table, rid, vals, rv); err != nil {
			if !h.typedAnswer(w, r, err, id, typed) {
				h.failOrBack(w, r, err, id, posted, back)
			}
			return
		}
		saved = true
		savedOn = cmp.Or(str(rec.Values[st.PrimaryColumn]), "(no name)")
	}
	mo := engine.MoveOptions{IfVersion: version}
	var after *engine.Instance
	done := ""
	switch mv := moves[op]; {
	case op == opSave:
		done = "Nothing to save: no step changed."
		if saved {
			done = "Saved."
		}
	case leaving:
		var fl *flash
		if saved {
			fl = &flash{Kind: "ok", Text: "Saved what you typed in the steps of " + stageTitle(fi.f.Stage(in.ActiveStage)) + ".", Instance: id}
			if op == opStart || op == opSignOut || strings.HasPrefix(op, opLeave) && show != back {
				// Another page, or another process: said at its top,
				// with the record, as that page shows another process or
				// none.
				fl.Instance = ""
				fl.Text = "Saved what you typed in the steps of " + stageTitle(fi.f.Stage(in.ActiveStage)) + " on " + savedOn + "."
			}
		}
		h.leave(w, r, op, show, fl)
		return
	case isMove:
		after, err = mv.call(rs.s, ctx, id, mo)
		done = mv.done
	default:
		var a *engine.Action
		a, err = rs.s.RunAction(ctx, id, strings.TrimPrefix(op, opAction))
		if err == nil {
			done = actionDone(a)
		}
	}
	if err != nil {
		err = &moveError{op: op, saved: saved, err: err}
		if saved || !h.typedAnswer(w, r, err, id, typed) {
			h.failOrBack(w, r, err, id, nil, back)
		}
		return
	}
	// As in Dataverse, abandoning or reactivating a process leaves the
	// record as it is and the form keeps its unsaved changes.
	if (op == opAbandon || op == opReactivate) && h.keepTyped(w, r, id, typed,
		done+" What you typed in the steps was not saved ("+notSavedWhy[op]+" does not save the record): "+
			"it is kept below, marked \u201cNot saved\u201d where it differs from what is stored; Save keeps it.") {
		return
	}
	if after != nil && (op == opNext || op == opPrev) {
		if s := fi.f.Stage(after.ActiveStage); s != nil {
			done = "Moved to " + stageTitle(s) + "."
		}
	}
	h.moved(w, r, fi, id, after, done)
}

// keepTyped answers with the record page itself holding the step values
// typed (not a redirect, whose cookie must not carry them), marked "Not
// saved", with Save, saying text; false, having written nothing, when
// there are none or the record is gone (then there is nowhere to keep
// them).
func (h *Handler) keepTyped(w http.ResponseWriter, r *http.Request, id string, typed *flash, text string) bool {
	if typed == nil {
		return false
	}
	if _, err := current(r).s.RecordValues(r.Context(), r.PathValue("table"), r.PathValue("id")); err != nil {
		return false
	}
	fl := &flash{Kind: "ok", Instance: id, Typed: typed.Typed, TypedTable: typed.TypedTable, TypedRecord: typed.TypedRecord, Text: text}
	h.showRecord(w, r, http.StatusOK, id, "", fl)
	return true
}

// alreadyIn says that the instance, in state, is already where op (an
// Abandon or a Reactivate) would take it; "" when it is not, or op is
// another.
func alreadyIn(op, state string) string {
	switch {
	case op == opAbandon && state == engine.StateAborted:
		return "This process is already abandoned."
	case op == opReactivate && state == engine.StateActive:
		return "This process is already active."
	}
	return ""
}

// notSavedWhy names the moves that leave the steps typed unsaved.
var notSavedWhy = map[string]string{opAbandon: "abandoning a process", opReactivate: "reactivating a process"}

// moved answers a change of instance id made (after: the instance after a
// move, nil when it did not move) with the page to go on with, saying
// done.
func (h *Handler) moved(w http.ResponseWriter, r *http.Request, fi *flowInfo, id string, after *engine.Instance, done string) {
	rs := current(r)
	table, rid := r.PathValue("table"), r.PathValue("id")
	to := recordHref(table, rid) + "?instance=" + url.QueryEscape(id)
	if after != nil {
		// Follow the instance to the record of its stage, as Dataverse
		// opens the next table's record after a cross-table move.
		if s := fi.f.Stage(after.ActiveStage); s != nil && after.Records[s.Table] != "" {
			table, rid = s.Table, after.Records[s.Table]
			to = recordHref(table, rid) + "?instance=" + url.QueryEscape(id)
		}
	}
	fl := &flash{Kind: "ok", Text: done, Instance: id}
	if _, err := rs.s.RecordValues(r.Context(), table, rid); errors.Is(err, engine.ErrForbidden) || errors.Is(err, engine.ErrNotFound) {
		// The move was the user's to make, the record is not theirs to
		// read or was deleted (an instance outlives its records): the list
		// says it was made rather than a page saying "Not allowed" or "Not
		// found" (the page's own message, not the process panel's).
		to, fl.Instance = "/records/"+table, ""
	}
	h.setFlash(w, r, fl)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// actionDone says what an action step did.
func actionDone(a *engine.Action) string {
	title := cmp.Or(a.Step.DisplayName, a.Step.Name)
	o, ok := a.Result.(*workflow.Outcome)
	if !ok || o == nil {
		return title + ": done."
	}
	switch o.State {
	case workflow.Queued:
		return fmt.Sprintf("%s: workflow %s queued (job %d).", title, o.Workflow, o.Job)
	case workflow.Stopped:
		return fmt.Sprintf("%s: workflow %s stopped.", title, o.Workflow)
	}
	ran := 0
	for _, s := range o.Steps {
		if s.Ran {
			ran++
		}
	}
	return fmt.Sprintf("%s: workflow %s ran (%d of %d steps).", title, o.Workflow, ran, len(o.Steps))
}

// start starts another flow on the record.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	flow := r.PostForm.Get("flow")
	if flow == "" {
		h.fail(w, r, current(r), errorf(http.StatusBadRequest, "Bad form", "Choose a flow to start."))
		return
	}
	h.startFlow(w, r, flow, nil)
}

// startFlow starts flow on the record of the request's path, or opens the
// instance the record has of it; saved is what the stage form's Start
// saved first (nil when nothing), said with the outcome.
func (h *Handler) startFlow(w http.ResponseWriter, r *http.Request, flow string, saved *flash) {
	rs := current(r)
	table, id := r.PathValue("table"), r.PathValue("id")
	back := recordHref(table, id)
	said := ""
	if saved != nil {
		said = saved.Text + " "
	}
	fail := func(err error) {
		if saved != nil {
			err = &moveError{op: opStart, saved: true, err: err}
		}
		h.failOrBack(w, r, err, "", nil, back)
	}
	// As Dataverse's Switch Process: a flow the record already has is
	// opened where it stands (its stage, its state), not started twice.
	ins, err := rs.s.ProcessInstances(r.Context(), table, id)
	if err != nil {
		fail(err)
		return
	}
	for _, pi := range ins {
		if pi.Flow != flow {
			continue
		}
		v, ok := h.readView(w, r)
		if !ok {
			return
		}
		text := "This record already has this process; switched to it."
		if fi := v.byName[flow]; fi != nil {
			text = fmt.Sprintf("This record already has the %s; switched to it, at %s (%s).", fi.title(),
				stageTitle(fi.f.Stage(pi.ActiveStage)), statusReason(pi.State))
		}
		h.setFlash(w, r, &flash{Kind: "ok", Text: said + text, Instance: pi.ID})
		http.Redirect(w, r, back+"?instance="+url.QueryEscape(pi.ID), http.StatusSeeOther)
		return
	}
	in, err := rs.s.Start(r.Context(), flow, table, id)
	if err != nil {
		fail(err)
		return
	}
	h.setFlash(w, r, &flash{Kind: "ok", Text: said + "Started.", Instance: in.ID})
	http.Redirect(w, r, back+"?instance="+url.QueryEscape(in.ID), http.StatusSeeOther)
}
