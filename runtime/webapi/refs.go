package webapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

// singleValuedRef serves Dataverse's association through a single-valued
// navigation property, as Microsoft's samples make it:
// PUT <set>(<id>)/<nav>/$ref with {"@odata.id": "<the row's URI>"} sets
// the lookup, DELETE <set>(<id>)/<nav>/$ref clears it. Each is the PATCH
// that binds the lookup to that row (or null), with the same checks and
// answers, but never creates the row it names (a missing one is 404). It
// reports false, having answered nothing, when nav is not a lookup of the
// row's table, whose path bpfc does not serve.
func (s *Server) singleValuedRef(w http.ResponseWriter, r *http.Request, seg, nav string) bool {
	set, _, ok := splitKey(seg)
	if !ok || r.Method != http.MethodPut && r.Method != http.MethodDelete {
		return false
	}
	t, terr := s.tableOf(r, set)
	if terr != nil {
		s.fail(w, r, terr) // no such set: 404, as for any path below it
		return true
	}
	if c, ok := t.Column(nav); !ok || !isLookup(c) || len(c.Targets) != 1 {
		if _, _, typed := typedNav(t, nav); !typed {
			return false
		}
	}
	var target any // DELETE: null, the lookup cleared
	var err error
	if r.Method == http.MethodPut {
		if target, err = refTarget(r, set, nav); err != nil {
			s.fail(w, r, err)
			return true
		}
	}
	change := map[string]any{nav + "@odata.bind": target}
	var readVersion int64
	if r.Method == http.MethodDelete {
		elsewhere, version, err := s.refElsewhere(r, t, seg, nav)
		if err != nil {
			s.fail(w, r, err)
			return true
		}
		if elsewhere {
			// Nothing to remove through this half: an empty update, which
			// still answers 404, 412 or 204 as the clearing would.
			change = map[string]any{}
		}
		readVersion = version
		if refReadHook != nil {
			refReadHook()
		}
	}
	body, err := json.Marshal(change)
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	p := r.Clone(r.Context())
	p.Method = http.MethodPatch
	p.URL.Path = strings.TrimSuffix(r.URL.Path, "/"+nav+"/$ref")
	p.URL.RawPath = ""
	p.Body = io.NopCloser(bytes.NewReader(body))
	p.ContentLength = int64(len(body))
	p.Header.Set("Content-Type", "application/json")
	if m := strings.TrimSpace(p.Header.Get("If-Match")); readVersion > 0 && (m == "" || m == "*") {
		// The choice between clearing and leaving the lookup was made on
		// the row as read, in another transaction: the update is made at
		// that version, so that a value written in between (the other
		// half's) is a conflict, never cleared or left unseen.
		p.Header.Set("If-Match", fmt.Sprintf(`W/"%d"`, readVersion))
		p = p.WithContext(context.WithValue(p.Context(), ownIfMatchKey{}, true))
	} else if m == "" {
		p.Header.Set("If-Match", "*") // an association changes a row, never creates one
	}
	s.patch(w, p)
	return true
}

// ownIfMatchKey marks a request whose If-Match bpfc set itself, not the
// client: a conflict there is another request's change (409), not the
// client's stale version (412).
type ownIfMatchKey struct{}

// refReadHook, when set (by a test), runs between a DELETE …/$ref's read of
// the row and its update: where another request's change can fall.
var refReadHook func()

// refTarget reads a PUT …/$ref body, {"@odata.id": "<URI>"}: the URI.
func refTarget(r *http.Request, set, nav string) (string, error) {
	if err := jsonContent(r.Header.Get("Content-Type")); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", err // 413
		}
		return "", badRequest("the body could not be read: %v", err)
	}
	if err := jsonText(buf.Bytes()); err != nil {
		return "", err
	}
	var body map[string]any
	err := json.Unmarshal(bytes.TrimPrefix(buf.Bytes(), []byte("\xef\xbb\xbf")), &body)
	uri, _ := body["@odata.id"].(string)
	if err != nil || len(body) != 1 || uri == "" {
		return "", badRequest("PUT %s(<id>)/%s/$ref takes one JSON object, {\"@odata.id\": \"<URI of the row>\"} (\"/<entityset>(<id>)\" or the whole URL)", set, nav)
	}
	return uri, nil
}

// refElsewhere reports whether nav is a half of a lookup to several
// tables (customerid_account) and the row of seg holds a value that
// points at a row of another of its tables (a contact of the same id as
// an account): a DELETE …/$ref through that half has no reference to
// remove and leaves the lookup alone. version is the row's as read. Dataverse's docs do not say; bpfc
// answers as for a reference removed (204), changing nothing. A row that
// cannot be read is not elsewhere: the update answers for it.
func (s *Server) refElsewhere(r *http.Request, t store.Table, seg, nav string) (elsewhere bool, version int64, err error) {
	c, table, ok := typedNav(t, nav)
	if !ok {
		return false, 0, nil
	}
	set, id, _ := splitKey(seg)
	_, row, err := session(r).Row(r.Context(), set, id)
	if err != nil {
		return false, 0, nil
	}
	version = rowVersion(row)
	v, _ := row[c.Name].(string)
	if v == "" {
		return false, version, nil
	}
	key, _ := row[t.PrimaryKey].(string)
	kept, err := session(r).LookupTargets(r.Context(), t.Name, []store.Row{{t.PrimaryKey: key, c.Name: v}})
	if err != nil {
		return false, version, err
	}
	if tg := kept.Of(key, c.Name); tg != "" {
		return tg != table, version, nil
	}
	// Written before the tables were kept: the first of the lookup's
	// tables holding the id, as its lookuplogicalname names it.
	for _, target := range c.Targets {
		ts, err := s.setOfTable(r, target)
		if err != nil {
			return false, version, err
		}
		if ts == "" {
			continue
		}
		_, found, err := rowsByID(r, ts, []string{v}, func(u store.Table) []string { return []string{u.PrimaryKey} })
		if err != nil {
			return false, version, err
		}
		if len(found) > 0 {
			return target != table, version, nil
		}
	}
	return false, version, nil // a row of none: clearing the id harms nothing
}
