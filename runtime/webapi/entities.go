package webapi

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	body := map[string]any{"value": sets}
	setContext(w, r, body, "")
	writeJSON(w, http.StatusOK, body)
}

// get serves a function, a row or a list.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	seg := r.PathValue("seg")
	name, prop, key, isKey := namedKey(seg)
	if op := functionNamed(name); op != nil {
		op.serve(s, w, r, op, seg)
		return
	}
	switch {
	case isAction(name):
		s.fail(w, r, errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "%s is an action: call it with POST", name))
	case name == "EntityDefinitions":
		s.entityDefinitions(w, r, seg)
	case name == "GlobalOptionSetDefinitions":
		s.globalOptionSets(w, r, seg, "")
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
	// A preference the server cannot apply is ignored (RFC 7240), as
	// Dataverse ignores a page size past its limit: odata.maxpagesize=0, or
	// one that is no number, is the default page, without
	// Preference-Applied.
	if n, err := strconv.Atoi(prefer(r)["odata.maxpagesize"]); err == nil && n > 0 {
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
	out := map[string]any{}
	setContext(w, r, out, "#"+set+selected(r))
	if opts.count {
		// The rows of the filter the user may read, every page's, up to
		// Dataverse's limit.
		all := *opts
		all.top, all.after, all.pageSize = noTop, nil, maxCount
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
	if opts.top != noTop && opts.top <= n {
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
		if opts.top != noTop {
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
	tags, anyTag, err := noneMatchTags(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
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
	if anyTag || slices.Contains(tags, rowVersion(row)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := rowJSON(t, row, cols)
	if err := s.annotateOne(w, r, t, row, body, cols); err != nil {
		s.fail(w, r, err)
		return
	}
	setContext(w, r, body, "#"+set+selected(r)+"/$entity")
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
