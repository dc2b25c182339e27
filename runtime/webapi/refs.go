package webapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
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
	if p.Header.Get("If-Match") == "" {
		p.Header.Set("If-Match", "*") // an association changes a row, never creates one
	}
	s.patch(w, p)
	return true
}

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
