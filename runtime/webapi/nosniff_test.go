package webapi

import (
	"net/http"
	"testing"
)

// TestNoSniff: every answer, a row as an error that echoes the path asked
// for, tells a browser not to read it as another type than it says.
func TestNoSniff(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, c := range []struct {
		path   string
		status int
	}{{"accounts?$top=1", http.StatusOK}, {"nosuch<script>alert(1)", http.StatusNotFound}} {
		r := f.do("GET", c.path, f.admin, nil)
		if r.status != c.status || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d, X-Content-Type-Options %q", c.path, r.status, r.header.Get("X-Content-Type-Options"))
		}
	}
}
