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

// TestTrailingSlashMetadata: the metadata paths ending in '/' get the same
// 404 as the others, where EntityDefinitions(…)/ was a 501,
// EntityDefinitions/ a 400, GlobalOptionSetDefinitions/ the list and a
// cast or attribute followed by '/' a 501 about casts.
func TestTrailingSlashMetadata(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, p := range []string{
		"EntityDefinitions(LogicalName='account')/",
		"EntityDefinitions/",
		"EntityDefinitions(LogicalName='account')/Attributes/",
		"EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')/",
		"GlobalOptionSetDefinitions/",
		"GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata/",
	} {
		r := f.do("GET", p, f.admin, nil).must(t, http.StatusNotFound)
		if want := "no resource " + p + ": the path ends in '/'; drop the trailing slash, " + f.url + Prefix + strings.TrimSuffix(p, "/"); r.errCode() != "NotFound" || !strings.Contains(r.message(), want) {
			t.Errorf("GET %s: %s, want %q", p, r.raw, want)
		}
	}
	// Without the slash they are served.
	f.do("GET", "EntityDefinitions(LogicalName='account')/Attributes", f.admin, nil).must(t, http.StatusOK)
	f.do("GET", "GlobalOptionSetDefinitions", f.admin, nil).must(t, http.StatusOK)
}
