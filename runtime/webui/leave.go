package webui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
)

// Leaving a record page whose stage form may be typed in. Without
// JavaScript nothing asks before a link drops the steps typed, so every
// link of such a page that leaves it (the crumbs, the switcher, the flow,
// the record's lookups, the stage's record) is a button of the stage form
// instead, posting op "leave:HREF": with nothing typed it only goes to
// HREF; with steps typed it saves them first, as a stage of the bar does
// (opShow), then goes there.

// The stage form's buttons standing for the page's other ways out.
const (
	// opLeave stands for a link: "leave:HREF".
	opLeave = "leave:"
	// opStart stands for the Start form, its flow a field of the stage
	// form: the steps typed are saved, then the flow started (start).
	opStart = "start"
	// opSignOut stands for the top bar's Sign out: the steps typed are
	// saved, then the session ends, as Dataverse's autosave saves a form
	// on leaving it (README, Web pages).
	opSignOut = "signout"
)

// goneUnsaved is what a Sign out says when the page's record or process
// was deleted (or is no longer the user's to read) since the page was
// loaded: nothing is left to save the steps on, and a Sign out that kept
// the session would leave a shared browser signed in.
var goneUnsaved = &flash{Kind: "ok", Text: "Nothing was saved: the record or process of that page was deleted, or is no longer one you may read."}

// leave goes where a button standing for a way out of the page goes, once
// what was typed is saved: show, the page of a link; Start's flow; signed
// out. saved is what the page gone to says of what was saved, nil when
// nothing was.
func (h *Handler) leave(w http.ResponseWriter, r *http.Request, op, show string, saved *flash) {
	switch op {
	case opStart:
		h.startFlow(w, r, r.PostForm.Get("flow"), saved)
	case opSignOut:
		h.endSession(w, r, saved)
	default:
		if saved != nil {
			h.setFlash(w, r, saved)
		}
		http.Redirect(w, r, show, http.StatusSeeOther)
	}
}

// startable refuses, before anything typed is saved, a Start of the stage
// form naming no flow of the record's table.
func startable(v *view, table, flow string) error {
	if flow == "" {
		return errorf(http.StatusBadRequest, "Bad form", "Choose a flow to start.")
	}
	if fi := v.byName[flow]; fi == nil || fi.f.PrimaryTable != table {
		return errorf(http.StatusBadRequest, "Bad form", "The form asks to start %q, which is no flow of this table; reload the page.", flow)
	}
	return nil
}

// leaveHref is the page op ("leave:HREF") goes to, rebuilt from its parts:
// only pages the record page links to (the tables, a table's records, a
// record, with its instance, a flow), so that a forged form sends no one
// off the site or anywhere unexpected. False for any other.
func leaveHref(v *view, op string) (string, bool) {
	u, err := url.Parse(strings.TrimPrefix(op, opLeave))
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil || u.Fragment != "" {
		return "", false
	}
	q := u.Query()
	if u.Path == "/" && u.RawQuery == "" {
		return "/", true
	}
	if flow, ok := strings.CutPrefix(u.Path, "/flows/"); ok {
		if _, known := v.byName[flow]; known && u.RawQuery == "" {
			return "/flows/" + flow, true
		}
		return "", false
	}
	rest, ok := strings.CutPrefix(u.Path, "/records/")
	if !ok {
		return "", false
	}
	table, id, hasID := strings.Cut(rest, "/")
	if _, known := v.recordTable(table); !known {
		return "", false
	}
	if !hasID {
		if u.RawQuery != "" {
			return "", false
		}
		return "/records/" + table, true
	}
	inst := q.Get("instance")
	if !engine.IsID(id) || len(q) > 1 || len(q) == 1 && inst == "" {
		return "", false
	}
	href := recordHref(table, id)
	if inst != "" {
		href += "?instance=" + url.QueryEscape(inst)
	}
	return href, true
}
