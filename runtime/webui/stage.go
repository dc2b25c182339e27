package webui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// A stage of the bar, selected. As in Dataverse's process bar, each stage
// shows that stage (?stage=NAME; beside a stage form that may be typed in,
// through the form's op "show:NAME", process.go) read-only, with the record
// it is on: its steps' values, not a form. On every completed stage of an
// active instance a user who may move it has Set Active, which posts the
// move: as in Dataverse, the instance goes back to that stage at once, one
// stage change however far back (engine Session.PrevTo).

// opSetActive is the op of the Set Active form; target names the stage.
const opSetActive = "setactive"

// stageView is a stage of the bar other than the active one, shown
// read-only.
type stageView struct {
	Stage                    barStage
	RecordName, RecordHref   string
	RecordNone               bool // the instance has no record of the stage's table (yet)
	RecordGone, RecordHidden bool
	Steps                    []stepValue
	Actions                  []string
	CanSetActive             bool
}

// stepValue is a step as a read-only stage shows it.
type stepValue struct {
	colView
	Required bool
}

// stageHref is the record page showing stage of instance id.
func stageHref(page, id, stage string) string {
	return page + "?instance=" + url.QueryEscape(id) + "&stage=" + url.QueryEscape(stage)
}

// stageView reads stage b of the bar of instance in, whose record page is
// rec's, for a read-only look.
func (h *Handler) stageView(ctx context.Context, rs *reqSession, v *view, lk *lookups, p *procView, in *engine.Instance,
	s *compiler.Stage, b barStage, rec *engine.Record) (*stageView, error) {
	sv := &stageView{Stage: b, CanSetActive: p.Active && p.CanWrite && b.Status == "done" && !p.Detached}
	rid := in.Records[s.Table]
	st, ok := v.tables[s.Table]
	var row store.Row
	var tables map[string]string // of the row's lookups to several tables
	switch {
	case rid == "" && b.Status == "next":
		sv.RecordNone = true
	case rid == "" || !ok:
		sv.RecordGone = true
	case rec != nil && s.Table == rec.Table && rid == rec.ID:
		row, tables, sv.RecordName = rec.Values, rec.Tables, str(rec.Values[st.PrimaryColumn])
	default:
		other, err := rs.s.RecordValuesTables(ctx, s.Table, rid)
		switch {
		case errors.Is(err, engine.ErrNotFound):
			sv.RecordGone = true
		case errors.Is(err, engine.ErrForbidden):
			sv.RecordHidden = true
		case err != nil:
			return nil, err
		default:
			row, tables, sv.RecordName = other.Values, other.Tables, str(other.Values[st.PrimaryColumn])
		}
	}
	if rid != "" && !sv.RecordGone {
		sv.RecordHref = recordHref(s.Table, rid) + "?instance=" + url.QueryEscape(in.ID)
		sv.RecordName = cmp.Or(sv.RecordName, "(no name)")
	}
	for _, step := range s.Steps {
		if step.Action {
			sv.Actions = append(sv.Actions, cmp.Or(step.DisplayName, step.Name))
			continue
		}
		c, ok := st.Column(step.Column)
		if !ok {
			continue
		}
		cv := colView{Label: cmp.Or(step.DisplayName, columnTitle(c)), Column: c.Name}
		if row != nil {
			cv.Value, cv.Href = lk.show(ctx, c, row[c.Name], tables[c.Name])
		}
		sv.Steps = append(sv.Steps, stepValue{colView: cv, Required: step.Required})
	}
	return sv, nil
}

// setActive makes stage target of instance in active (the Set Active of a
// completed stage), in at version as the page showed it. A stage that is
// not a completed one of the instance's path is refused here, as
// Dataverse refuses it; the engine decides the rest (its state, the
// user's privileges, the stage's record).
func (h *Handler) setActive(w http.ResponseWriter, r *http.Request, fi *flowInfo, in *engine.Instance, target string) {
	rs := current(r)
	page := recordHref(r.PathValue("table"), r.PathValue("id"))
	back := stageHref(page, in.ID, target)
	s := fi.f.Stage(target)
	if s == nil {
		h.fail(w, r, rs, errorf(http.StatusBadRequest, "Bad form", "Flow %s has no stage %q; reload the page.", fi.f.Name, target))
		return
	}
	refuse := func(text string) {
		h.setFlash(w, r, &flash{Kind: "error", Text: text, Instance: in.ID, Op: opSetActive})
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
	if i := slices.Index(in.TraversedPath, s.Name); i < 0 || i >= len(in.TraversedPath)-1 {
		if i >= 0 && in.State == engine.StateActive {
			refuse(fmt.Sprintf("%s is the active stage already: Set Active makes a completed stage active again.", stageTitle(s)))
			return
		}
		refuse(fmt.Sprintf("Set Active makes a completed stage active again; %s is not a completed stage of this process.", stageTitle(s)))
		return
	}
	// PrevTo, not MoveTo: a Set Active never moves forward, whatever the
	// instance became since the page was shown.
	after, err := rs.s.PrevTo(r.Context(), in.ID, s.Name, engine.MoveOptions{IfVersion: in.Version})
	if err != nil {
		h.failOrBack(w, r, &moveError{op: opSetActive, err: err}, in.ID, nil, back)
		return
	}
	h.moved(w, r, fi, in.ID, after, stageTitle(fi.f.Stage(after.ActiveStage))+" is the active stage now.")
}
