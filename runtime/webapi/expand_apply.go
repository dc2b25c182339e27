package webapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/odata"
	"github.com/bpfc/bpfc/runtime/store"
)

// expanding serves a GET of an entity set or a row with $expand; any other
// GET goes to next as it came.
func (s *Server) expanding(next func(http.ResponseWriter, *http.Request)) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		raw := rawValues(r.URL.RawQuery, "$expand")
		if raw == nil {
			next(w, r)
			return
		}
		q := r.URL.Query()
		set, _, _ := splitKey(r.PathValue("seg"))
		if functionNamed(set) != nil || set == "EntityDefinitions" || set == "GlobalOptionSetDefinitions" {
			next(w, r)
			return
		}
		sets, err := s.entitySets(r, set)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t, isSet := sets[set]
		if pt, ok := processTables[set]; ok {
			t, isSet = pt, true
		}
		if !isSet {
			s.fail(w, r, unknownSet(set, sets))
			return
		}
		if len(raw) != 1 {
			s.fail(w, r, badRequest("query option $expand is given %d times", len(raw)))
			return
		}
		items, err := parseExpand(raw[0])
		if err != nil {
			s.fail(w, r, err)
			return
		}
		exps, err := resolve(t, items, sets)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Serve it without $expand, reading the lookups too.
		inner := url.Values{}
		for k, v := range q {
			inner[k] = v
		}
		inner.Del("$expand")
		var added []string // properties read only for the expansion
		if sel := q.Get("$select"); sel != "" {
			have := map[string]bool{}
			if props, err := odata.ParseSelect(sel); err == nil {
				for _, p := range props {
					if c, err := column(t, p); err == nil {
						have[c.Name] = true
					}
				}
			}
			for _, x := range exps {
				if !have[x.lookup.Name] {
					have[x.lookup.Name] = true
					added = append(added, propertyName(x.lookup))
					sel += "," + propertyName(x.lookup)
				}
			}
			inner.Set("$select", sel)
		}
		r2 := r.WithContext(r.Context())
		u := *r.URL
		u.RawQuery = inner.Encode()
		r2.URL = &u
		rec := &bufferedResponse{header: http.Header{}}
		next(rec, r2)
		if rec.status != http.StatusOK {
			rec.copyTo(w)
			return
		}
		body, objs, err := decodeAnswer(rec.body.Bytes())
		if err != nil {
			s.fail(w, r, fmt.Errorf("$expand: the answer to expand: %w", err))
			return
		}
		for _, x := range exps {
			if err := s.expand(r, t, x, objs); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		for _, o := range objs {
			for _, p := range added {
				delete(o, p)
				// Its annotations too: they would describe a property the
				// row does not have.
				for k := range o {
					if strings.HasPrefix(k, p+"@") {
						delete(o, k)
					}
				}
			}
		}
		if ctx, ok := body["@odata.context"].(string); ok {
			// The context named the properties read, lookups added for
			// the expansion among them; OData's names the request's
			// $select and each expansion's own, "(subject,parentaccountid(name))".
			inner := "#" + set + selected(r2)
			body["@odata.context"] = strings.Replace(ctx, inner, "#"+set+expandedContext(r, exps), 1)
		}
		if link, ok := body["@odata.nextLink"].(string); ok {
			body["@odata.nextLink"] = restoreOptions(link, r.URL.RawQuery)
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		writeJSON(w, http.StatusOK, body)
	}
}

// rawValues are the values of query option key as the raw query has
// them: url.ParseQuery drops a pair with a semicolon, which separates the
// options inside $expand's parentheses. nil when the query has none.
func rawValues(rawQuery, key string) []string {
	var out []string
	for _, pair := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if uk, err := url.QueryUnescape(k); err != nil || uk != key {
			continue
		}
		uv, err := url.QueryUnescape(v)
		if err != nil {
			uv = v
		}
		out = append(out, uv)
	}
	return out
}

// decodeAnswer reads an answer of a list (its rows are under value) or of
// a row (the answer is the row), keeping numbers as written.
func decodeAnswer(b []byte) (map[string]any, []map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		return nil, nil, err
	}
	vs, isList := body["value"].([]any)
	if !isList {
		return body, []map[string]any{body}, nil
	}
	objs := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		o, ok := v.(map[string]any)
		if !ok {
			return nil, nil, errors.New("a row is not an object")
		}
		objs = append(objs, o)
	}
	return body, objs, nil
}

// restoreOptions is the next link made for the request served without
// $expand, on the request's own query as the client wrote it: its $select
// and $expand, and the link's $skiptoken and $top.
func restoreOptions(link, rawQuery string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	set := url.Values{}
	for _, k := range []string{"$skiptoken", "$top"} {
		if v, ok := u.Query()[k]; ok {
			set[k] = v
		}
	}
	u.RawQuery = withQuery(rawQuery, set)
	return u.String()
}

// expandChunk is how many rows one read of an expansion asks for by id.
const expandChunk = 200

// expand sets x's navigation property of every row (objs, of t): the row
// its lookup names, read as the request's user (null when empty, gone or
// not readable, or, for a half of a lookup to several tables, when the
// value points at another table's row).
func (s *Server) expand(r *http.Request, t store.Table, x expansion, objs []map[string]any) error {
	prop := propertyName(x.lookup)
	elsewhere := func(int) bool { return false }
	if x.lookup.Polymorphic() {
		var err error
		if elsewhere, err = s.pointsElsewhere(r, t, x, objs); err != nil {
			return err
		}
	}
	var ids []string
	for i, o := range objs {
		if id, ok := o[prop].(string); ok && id != "" && !elsewhere(i) {
			ids = append(ids, id)
		}
	}
	tt, found, err := rowsByID(r, x.target.EntitySetName, ids, func(store.Table) []string { return x.cols })
	if err != nil {
		return err
	}
	var rows []store.Row
	var nested []map[string]any
	for i, o := range objs {
		id, _ := o[prop].(string)
		row, ok := found[strings.ToLower(id)]
		if !ok || id == "" || elsewhere(i) {
			o[x.name] = nil
			continue
		}
		n := rowJSON(tt, row, x.cols)
		o[x.name] = n
		rows, nested = append(rows, row), append(nested, n)
	}
	// Dataverse annotates an expanded row as it does the row itself.
	ann, _ := wantedAnnotations(r, tt)
	return s.annotate(r, ann, tt, rows, nested, x.cols)
}

// pointsElsewhere reports whether row i of objs (rows of t) has a value
// in x's lookup to several tables that points at a row of another table
// than x's half: an account and a contact may share an id. A value's
// table is the one kept with it, else the first of the lookup's tables
// holding it as the user reads them, as its lookuplogicalname says.
func (s *Server) pointsElsewhere(r *http.Request, t store.Table, x expansion, objs []map[string]any) (func(int) bool, error) {
	c, prop := x.lookup, propertyName(x.lookup)
	rows := make([]store.Row, len(objs))
	for i, o := range objs {
		id, _ := o[t.PrimaryKey].(string)
		v, _ := o[prop].(string)
		rows[i] = store.Row{t.PrimaryKey: id, c.Name: v}
	}
	kept, err := session(r).LookupTargets(r.Context(), t.Name, rows)
	if err != nil {
		return nil, err
	}
	var unkept []string
	for _, row := range rows {
		if v := row[c.Name].(string); v != "" && kept.Of(row[t.PrimaryKey].(string), c.Name) == "" {
			unkept = append(unkept, v)
		}
	}
	// The ids without a kept table that a table before x's holds.
	earlier := map[string]bool{}
	for _, table := range c.Targets[:max(slices.Index(c.Targets, x.target.Name), 0)] {
		if len(unkept) == 0 {
			break
		}
		set, err := s.setOfTable(r, table)
		if err != nil {
			return nil, err
		}
		if set == "" {
			continue
		}
		_, found, err := rowsByID(r, set, unkept, func(u store.Table) []string { return []string{u.PrimaryKey} })
		if err != nil {
			return nil, err
		}
		for id := range found {
			earlier[id] = true
		}
	}
	return func(i int) bool {
		v := rows[i][c.Name].(string)
		if v == "" {
			return false
		}
		if tg := kept.Of(rows[i][t.PrimaryKey].(string), c.Name); tg != "" {
			return tg != x.target.Name
		}
		return earlier[strings.ToLower(v)]
	}, nil
}

// expandedContext is the context URL's list of properties for a request
// with $expand: its $select's, then each expansion with the properties of
// its own $select, "(subject,parentaccountid(name))"; "" without $select,
// as for a request without $expand.
func expandedContext(r *http.Request, exps []expansion) string {
	sel := selected(r)
	if sel == "" {
		return ""
	}
	props := []string{strings.TrimSuffix(strings.TrimPrefix(sel, "("), ")")}
	for _, x := range exps {
		if len(x.cols) == 0 {
			continue
		}
		var nested []string
		for _, name := range x.cols {
			if c, ok := x.target.Column(name); ok {
				nested = append(nested, propertyName(c))
			} else {
				nested = append(nested, name)
			}
		}
		props = append(props, x.name+"("+strings.Join(nested, ",")+")")
	}
	return "(" + strings.Join(props, ",") + ")"
}

// rowsByID reads the rows of set with the given ids as the request's
// user, keyed by the id in lower case, expandChunk ids a statement; cols
// chooses the columns for the table (nil: every one). A set the user may
// not read gives none. $expand and the lookup annotations share it.
func rowsByID(r *http.Request, set string, ids []string, cols func(store.Table) []string) (store.Table, map[string]store.Row, error) {
	var t store.Table
	found := map[string]store.Row{}
	seen := map[string]bool{}
	var unique []string
	for _, id := range ids {
		if l := strings.ToLower(id); !seen[l] {
			seen[l] = true
			unique = append(unique, id)
		}
	}
	for len(unique) > 0 {
		n := min(len(unique), expandChunk)
		chunk := unique[:n]
		unique = unique[n:]
		var rows []store.Row
		var err error
		t, rows, err = queryRows(r, set, func(t store.Table) (store.Query, error) {
			ofIDs := make(store.Any, len(chunk))
			for i, id := range chunk {
				ofIDs[i] = store.Compare{Column: t.PrimaryKey, Op: store.OpEq, Value: id}
			}
			return store.Query{Select: cols(t), Where: ofIDs}, nil
		})
		if errors.Is(err, engine.ErrForbidden) {
			break
		}
		if err != nil {
			return t, nil, err
		}
		for _, row := range rows {
			if id, ok := row[t.PrimaryKey].(string); ok {
				found[strings.ToLower(id)] = row
			}
		}
	}
	return t, found, nil
}

// bufferedResponse keeps an answer for expanding to complete.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// copyTo writes the answer as it is.
func (b *bufferedResponse) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}
