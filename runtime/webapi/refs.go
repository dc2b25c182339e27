package webapi

import (
	"bytes"
	"encoding/json"
	"errors"
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
	// DELETE through the half of a customer lookup its value does not
	// point at leaves it alone, as the PATCH of that null does (otherHalves).
	body, err := json.Marshal(map[string]any{nav + "@odata.bind": target})
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
	if strings.TrimSpace(p.Header.Get("If-Match")) == "" {
		p.Header.Set("If-Match", "*") // an association changes a row, never creates one
	}
	s.patch(w, p)
	return true
}

// ownIfMatchKey marks a request whose If-Match bpfc set itself, not the
// client: a conflict there is another request's change (409), not the
// client's stale version (412).
type ownIfMatchKey struct{}

// refReadHook, when set (by a test), runs between a DELETE …/$ref's (or a
// PATCH's null through a customer lookup's half) read of the row and its
// update: where another request's change can fall.
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

// heldElsewhere reports whether row, of t, holds in lookup c (to several
// tables) a value that points at a row of a table other than table: the
// table kept with it, else the first of c's tables holding the id (a
// value written before the tables were kept), as its lookuplogicalname
// names it. An empty value, or one no table holds, is not elsewhere.
func (s *Server) heldElsewhere(r *http.Request, t store.Table, c store.Column, table string, row store.Row) (bool, error) {
	v, _ := row[c.Name].(string)
	if v == "" {
		return false, nil
	}
	key, _ := row[t.PrimaryKey].(string)
	kept, err := session(r).LookupTargets(r.Context(), t.Name, []store.Row{{t.PrimaryKey: key, c.Name: v}})
	if err != nil {
		return false, err
	}
	if tg := kept.Of(key, c.Name); tg != "" {
		return tg != table, nil
	}
	for _, target := range c.Targets {
		ts, err := s.setOfTable(r, target)
		if err != nil {
			return false, err
		}
		if ts == "" {
			continue
		}
		_, found, err := rowsByID(r, ts, []string{v}, func(u store.Table) []string { return []string{u.PrimaryKey} })
		if err != nil {
			return false, err
		}
		if len(found) > 0 {
			return target != table, nil
		}
	}
	return false, nil // a row of none: clearing the id harms nothing
}

// otherHalves drops from a PATCH's fields a null bound through the half
// of a customer lookup its row's value does not point at
// ("customerid_account@odata.bind": null on a lead whose customer is a
// contact): there is no reference to remove through that half, as for
// DELETE …/customerid_account/$ref, and the lookup is left alone. Through
// the half it points at, the null clears it. The choice is made on the row
// as read: when the client named no version, the update is made at that
// one (pinned), so that another request's change in between is a
// conflict, never the clearing of a value it did not see. A row that
// cannot be read (or is missing, and upserted) is left to the update.
// Microsoft's docs say a null clears a single-valued navigation property,
// not what it does through the half a value does not point at; bpfc
// answers as for a reference removed (204), changing nothing.
func (s *Server) otherHalves(r *http.Request, t store.Table, set, id string, fields []field, version int64) (kept []field, at int64, pinned bool, err error) {
	var row store.Row
	for i, f := range fields {
		if f.half == "" || f.value != nil {
			kept = append(kept, f)
			continue
		}
		if row == nil {
			_, read, err := session(r).Row(r.Context(), set, id)
			if err != nil {
				return fields, version, false, nil
			}
			if row = read; version == 0 {
				version, pinned = rowVersion(row), true
			}
			if refReadHook != nil {
				refReadHook()
			}
		}
		c, _ := t.Column(f.column)
		elsewhere, err := s.heldElsewhere(r, t, c, f.half, row)
		if err != nil {
			return nil, 0, false, err
		}
		if !elsewhere {
			kept = append(kept, fields[i])
		}
	}
	return kept, version, pinned, nil
}
