package webapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestAcceptNotJSON: an Accept that leaves JSON out (application/xml) is
// a 406 that says to ask for JSON, as OData answers a format it does not
// write, and a write with it changes nothing; where it was a 200 in JSON.
// No Accept, */*, application/json with its parameters, and a browser's
// list ending in */* still get JSON; $metadata still takes XML.
func TestAcceptNotJSON(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "Before"})
	for _, accept := range []string{"application/xml", "text/html", "application/json;q=0, text/plain", "application/atom+xml, text/xml"} {
		r := f.do("GET", "accounts", f.admin, nil, "Accept", accept).must(t, http.StatusNotAcceptable)
		if r.errCode() != "NotAcceptable" || !strings.Contains(r.message(), "send Accept: application/json") {
			t.Errorf("Accept %s: %s", accept, r.raw)
		}
	}
	f.do("PATCH", "accounts("+id+")", f.admin, map[string]any{"name": "After"}, "Accept", "application/xml").must(t, http.StatusNotAcceptable)
	for _, accept := range []string{"", "*/*", "application/json", "application/json;odata.metadata=minimal", "application/*",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "not a media type"} {
		r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", accept).must(t, http.StatusOK)
		if r.str("name") != "Before" {
			t.Errorf("Accept %q: %s", accept, r.raw)
		}
	}
	req, err := http.NewRequest("GET", f.url+Prefix+"$metadata", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.admin)
	req.Header.Set("Accept", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("$metadata with Accept: application/xml: %d", resp.StatusCode)
	}
}

// TestAcceptPrecedence: the most specific range that matches JSON decides
// (RFC 9110 §12.5.1), so application/json;q=0 refuses JSON though */*
// follows (it was a 200), and a range that is not type/subtype ("json",
// which was a 406 since the 406 check came) is disregarded as before.
func TestAcceptPrecedence(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "Q"})
	for _, accept := range []string{"application/json;q=0, */*", "*/*, application/json;q=0", "application/*;q=0, */*",
		"application/json;q=0, application/*", "json, text/html"} {
		r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", accept).must(t, http.StatusNotAcceptable)
		if r.errCode() != "NotAcceptable" {
			t.Errorf("Accept %q: %s", accept, r.raw)
		}
	}
	for _, accept := range []string{"json", "*/json", "application/", "*/*;q=0, application/json", "application/*;q=0, application/json;q=0.5",
		"application/json;q=0, application/json;odata.metadata=minimal", "text/html, */*;q=0.1"} {
		r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", accept).must(t, http.StatusOK)
		if r.str("name") != "Q" {
			t.Errorf("Accept %q: %s", accept, r.raw)
		}
	}
}

// TestAcceptParamsSpecificity: a range with parameters is more specific
// than the same range without (RFC 9110 §12.5.1), so its q decides for the
// answer it matches: refusing the minimal JSON bpfc writes by default
// though a bare application/json follows is answered at another level the
// client takes (none; it was a 406); a refused level bpfc is not writing
// does not refuse the answer, nor does the refused range pick the level.
func TestAcceptParamsSpecificity(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "P"})
	for _, accept := range []string{"application/json;odata.metadata=minimal;q=0, application/json",
		"application/json, application/json;odata.metadata=minimal;q=0",
		"application/json;odata.metadata=minimal;q=0, application/json;q=0.9, */*",
		"application/*;odata.metadata=minimal;q=0, application/*"} {
		r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", accept).must(t, http.StatusOK)
		if _, ok := r.body["@odata.context"]; ok || r.str("name") != "P" || r.header.Get("Content-Type") != "application/json; odata.metadata=none" {
			t.Errorf("Accept %q refusing minimal: %s %s, want an answer at none", accept, r.header.Get("Content-Type"), r.raw)
		}
	}
	for _, accept := range []string{"application/json;odata.metadata=minimal;q=0.5, application/json;q=0",
		"application/json;odata.metadata=none, application/json;q=0",
		"application/json;odata.metadata=full;q=0, application/json",
		"application/json;q=0;odata.streaming=true, application/json;odata.metadata=minimal"} {
		r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", accept).must(t, http.StatusOK)
		if r.str("name") != "P" {
			t.Errorf("Accept %q: %s", accept, r.raw)
		}
	}
	r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept", "application/json;odata.metadata=none;q=0, application/json")
	if _, ok := r.must(t, http.StatusOK).body["@odata.context"]; !ok {
		t.Errorf("a refused odata.metadata=none chose the level: %s", r.raw)
	}
}

// TestAcceptFallbackLevel: a request whose Accept refuses the level it
// asks for is answered at the best level the client takes, full among
// them (said full, not the minimal it refused); 406 only when Accept
// refuses every level.
func TestAcceptFallbackLevel(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("accounts", map[string]any{"name": "F"})
	const noMinimalNorNone = "application/json;odata.metadata=minimal;q=0, application/json;odata.metadata=none;q=0, application/json"
	for _, h := range [][]string{
		{"Accept", noMinimalNorNone},
		{"Accept", noMinimalNorNone, "Prefer", "odata.metadata=none"},
		{"Accept", "application/json;odata.metadata=minimal;q=0, application/json;odata.metadata=full;q=0.2, application/json;odata.metadata=none;q=0"},
	} {
		r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, h...).must(t, http.StatusOK)
		if _, ok := r.body["@odata.context"]; !ok || r.str("name") != "F" || r.header.Get("Content-Type") != "application/json; odata.metadata=full" {
			t.Errorf("%q: %s %s, want an answer at full", h, r.header.Get("Content-Type"), r.raw)
		}
	}
	r := f.do("GET", "accounts("+id+")?$select=name", f.admin, nil, "Accept",
		"application/json;odata.metadata=minimal;q=0, application/json;odata.metadata=none;q=0, application/json;odata.metadata=full;q=0, application/json")
	if r.must(t, http.StatusNotAcceptable).errCode() != "NotAcceptable" {
		t.Errorf("every level refused: %s", r.raw)
	}
}
