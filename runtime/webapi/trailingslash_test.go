package webapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestTrailingSlash: a path ending in '/' (accounts/, a row's) is a 404
// that says to drop the slash, with the path to send, where it was a 501
// saying paths below an entity set are not supported.
func TestTrailingSlash(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "Slash"})
	for _, c := range []struct{ method, path, want string }{
		{"GET", "accounts/", "no resource accounts/: the path ends in '/'; drop the trailing slash, " + f.url + Prefix + "accounts"},
		{"PATCH", "accounts(" + id + ")/", "drop the trailing slash, " + f.url + Prefix + "accounts(" + id + ")"},
	} {
		r := f.do(c.method, c.path, f.admin, map[string]any{}).must(t, http.StatusNotFound)
		if r.errCode() != "NotFound" || !strings.Contains(r.message(), c.want) {
			t.Errorf("%s %s: %s", c.method, c.path, r.raw)
		}
	}
	// An older version's path keeps its prefix.
	r := f.do("GET", f.url+"/api/data/v9.1/accounts/", f.admin, nil).must(t, http.StatusNotFound)
	if !strings.Contains(r.message(), f.url+"/api/data/v9.1/accounts") {
		t.Errorf("v9.1: %s", r.raw)
	}
}
