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
// is a link (?stage=NAME) that shows that stage read-only, with the record
// it is on: its steps' values, not a form. On a completed stage the user
// may move the instance to, Set Active posts the move: Dataverse sets a
// completed stage of the active path active; the engine moves an
// instance one stage at a time (Session.MoveTo), so the button is on the
// stage the instance moves back to, the previous one of its traversed
// path, and a post for another stage is refused (engine.RuleTargetStage).

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
	Why                      string // why there is no Set Active, when the user may move the instance
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
	s *compiler.Stage, b barStage, rec *engine.Record, recTable string) (*stageView, error) {
	sv := &stageView{Stage: b}
	path := in.TraversedPath
	back := ""
	if len(path) >= 2 && path[len(path)-1] == in.ActiveStage {
		back = path[len(path)-2]
	}
	if p.Active && p.CanWrite && b.Status == "done" {
		if s.Name == back {
			sv.CanSetActive = true
		} else if ps := v.byName[in.Flow].f.Stage(back); ps != nil {
			sv.Why = fmt.Sprintf("A process moves back one stage at a time: only the previous stage, %s, may be set active now.", stageTitle(ps))
		}
	}
	rid := in.Records[s.Table]
	st, ok := v.tables[s.Table]
	var row store.Row
	switch {
	case rid == "" && b.Status == "next":
		sv.RecordNone = true
	case rid == "" || !ok:
		sv.RecordGone = true
	case s.Table == recTable && rid == rec.ID:
		row, sv.RecordName = rec.Values, str(rec.Values[st.PrimaryColumn])
	default:
		other, err := rs.s.Record(ctx, s.Table, rid)
		switch {
		case errors.Is(err, engine.ErrNotFound):
			sv.RecordGone = true
		case errors.Is(err, engine.ErrForbidden):
			sv.RecordHidden = true
		case err != nil:
			return nil, err
		default:
			row, sv.RecordName = other.Values, str(other.Values[st.PrimaryColumn])
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
			cv.Value, cv.Href = lk.show(ctx, c, row[c.Name])
		}
		sv.Steps = append(sv.Steps, stepValue{colView: cv, Required: step.Required})
	}
	return sv, nil
}

// setActive makes stage target of instance in active (the Set Active of a
// completed stage), in at version as the page showed it. A stage that is
// not a completed one of the instance's path is refused here, as
// Dataverse refuses it; the engine decides the rest (one stage back).
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
		refuse(fmt.Sprintf("Set Active makes a completed stage active again; %s is not a completed stage of this process.", stageTitle(s)))
		return
	}
	_, after, err := rs.s.MoveTo(r.Context(), "", in.ID, s.Name, engine.MoveOptions{IfVersion: in.Version})
	var ref *engine.ErrRefused
	if errors.As(err, &ref) && ref.Rule == engine.RuleTargetStage {
		prev := ""
		if n := len(in.TraversedPath); n >= 2 {
			prev = stageTitle(fi.f.Stage(in.TraversedPath[n-2]))
		}
		refuse(fmt.Sprintf("%s cannot be set active: a process moves back one stage at a time, so only the previous stage, %s, may be set active now. Nothing was changed.",
			stageTitle(s), prev))
		return
	}
	if err != nil {
		h.failOrBack(w, r, &moveError{op: opSetActive, err: err}, in.ID, nil, back)
		return
	}
	h.moved(w, r, fi, in.ID, after, stageTitle(fi.f.Stage(after.ActiveStage))+" is the active stage now.")
}
