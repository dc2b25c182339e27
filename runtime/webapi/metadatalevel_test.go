package webapi

import (
	"strings"
	"testing"
)

// TestMetadataLevel: odata.metadata=none (in Accept or Prefer) leaves out
// @odata.context on every kind of answer; minimal, full and no preference
// keep it. Rows keep their @odata.etag.
func TestMetadataLevel(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "Contoso"})
	paths := []string{"", "accounts", "accounts?$select=name", "accounts(" + id + ")", "EntityDefinitions",
		"EntityDefinitions(LogicalName='account')", "WhoAmI()"}
	for _, h := range [][]string{
		{"Accept", "application/json;odata.metadata=none"},
		{"Accept", "application/json; odata.metadata=none; charset=utf-8"},
		{"Prefer", "odata.metadata=none"},
		{"Prefer", "odata.include-annotations=\"*\", odata.metadata=none"},
	} {
		for _, p := range paths {
			r := f.do("GET", p, f.admin, nil, h...).must(t, 200)
			if _, ok := r.body["@odata.context"]; ok {
				t.Errorf("%s: %s: @odata.context under none: %s", h, p, r.raw)
			}
			if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "odata.metadata=none") {
				t.Errorf("%s: %s: Content-Type %q", h, p, ct)
			}
		}
		if r := f.do("GET", "accounts("+id+")", f.admin, nil, h...); r.str("@odata.etag") == "" {
			t.Errorf("%s: a row without @odata.etag: %s", h, r.raw)
		}
		r := f.do("POST", "accounts", f.admin, map[string]any{"name": "Fabrikam"}, append(h, "Prefer", "return=representation")...)
		if len(h) == 2 && h[0] == "Accept" {
			if _, ok := r.must(t, 201).body["@odata.context"]; ok {
				t.Errorf("%s: created row with @odata.context: %s", h, r.raw)
			}
		}
	}
	for _, h := range [][]string{nil, {"Accept", "application/json"}, {"Accept", "application/json;odata.metadata=minimal"},
		{"Accept", "application/json;odata.metadata=full"}, {"Prefer", "odata.metadata=full"}} {
		for _, p := range paths {
			r := f.do("GET", p, f.admin, nil, h...).must(t, 200)
			if !strings.HasPrefix(r.str("@odata.context"), f.url+Prefix+"$metadata") {
				t.Errorf("%s: %s: @odata.context %q", h, p, r.str("@odata.context"))
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; odata.metadata=minimal" {
				t.Errorf("%s: %s: Content-Type %q", h, p, ct)
			}
		}
	}
	// An error is an error whatever the level.
	r := f.do("GET", "nosuchset", f.admin, nil, "Accept", "application/json;odata.metadata=none")
	if r.status != 404 || r.errCode() == "" {
		t.Errorf("unknown set under none: %d %s", r.status, r.raw)
	}
}

// TestMetadataLevelPreference: of Accept ranges naming levels, the one the
// client prefers (highest q) is the level, not the last written: full
// preferred to none keeps @odata.context (it was left out), none preferred
// to minimal leaves it out.
func TestMetadataLevelPreference(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "Contoso"})
	for _, tc := range []struct {
		accept  string
		context bool
	}{
		{"application/json;odata.metadata=full;q=0.9, application/json;odata.metadata=none;q=0.1", true},
		{"application/json;odata.metadata=none, application/json;odata.metadata=minimal;q=0.9", false},
		{"application/json;odata.metadata=minimal;q=0.5, application/json;odata.metadata=none;q=0.8", false},
		{"application/json;odata.metadata=none;q=0.5, application/json;odata.metadata=minimal;q=0.5", true},
	} {
		r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", tc.accept).must(t, 200)
		if _, ok := r.body["@odata.context"]; ok != tc.context {
			t.Errorf("Accept %q: @odata.context present %t, want %t: %s", tc.accept, ok, tc.context, r.raw)
		}
	}
}

// TestPreferLevelRefusedByAccept: a Prefer level the Accept header
// refuses (q=0) is not the answer's level; the request is answered at
// minimal, where it used to be a 406 for the refused level, or, with
// minimal refused too, at full (it was a 406).
func TestPreferLevelRefusedByAccept(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "Contoso"})
	r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil,
		"Accept", "application/json;odata.metadata=none;q=0, application/json", "Prefer", "odata.metadata=none").must(t, 200)
	if _, ok := r.body["@odata.context"]; !ok {
		t.Errorf("answered without @odata.context, at the refused level none: %s", r.raw)
	}
	r = f.do("GET", "accounts("+id+")?$select=name", f.admin, nil,
		"Accept", "application/json;odata.metadata=none;q=0, application/json;odata.metadata=minimal;q=0, application/json",
		"Prefer", "odata.metadata=none").must(t, 200)
	if _, ok := r.body["@odata.context"]; !ok || r.header.Get("Content-Type") != "application/json; odata.metadata=full" {
		t.Errorf("none and minimal refused: %s %s, want an answer at full", r.header.Get("Content-Type"), r.raw)
	}
	r = f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", "application/json", "Prefer", "odata.metadata=none").must(t, 200)
	if _, ok := r.body["@odata.context"]; ok {
		t.Errorf("Prefer odata.metadata=none not honoured: %s", r.raw)
	}
}
