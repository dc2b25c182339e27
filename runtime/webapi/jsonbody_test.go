package webapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSONNotHTMLEscaped: the API writes "&", "<" and ">" as themselves,
// as Dataverse does, in rows, links (a nextLink's "&$skiptoken="), with
// $expand, and in errors, where json.Marshal's "\u0026" would not match a
// client's raw text.
func TestJSONNotHTMLEscaped(t *testing.T) {
	f := serve(t, fixtureOptions{})
	f.create("accounts", map[string]any{"name": "Smith & Sons <UK>"})
	f.create("accounts", map[string]any{"name": "Jones & Co"})
	for _, path := range []string{
		"accounts?$select=name&$orderby=name%20desc",
		"accounts?$select=name&$orderby=name%20desc&$expand=parentaccountid($select=name)",
	} {
		r := f.do("GET", path, f.admin, nil, "Prefer", "odata.maxpagesize=1").must(t, http.StatusOK)
		raw := string(r.raw)
		if !strings.Contains(raw, `"Smith & Sons <UK>"`) || !strings.Contains(raw, "&$skiptoken=") || strings.Contains(raw, `\u00`) {
			t.Errorf("%s: %s", path, raw)
		}
	}
	r := f.do("GET", "accounts", "", nil).must(t, http.StatusUnauthorized)
	if !strings.Contains(string(r.raw), "Bearer <token>") {
		t.Errorf("401: %s", r.raw)
	}
}
