package webui

import (
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

// opLeave is a button of the stage form standing for a link: "leave:HREF".
const opLeave = "leave:"

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
