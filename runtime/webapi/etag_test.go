package webapi

import (
	"net/http/httptest"
	"testing"
)

// If-Match takes back every tag the API hands out, W/"0" of a row without
// a version (systemusers) among them, and refuses what is not one.
func TestIfMatch(t *testing.T) {
	for _, c := range []struct {
		header string
		want   int64
		ok     bool
	}{
		{"", 0, true},
		{"*", 0, true},
		{`W/"0"`, 0, true},
		{`W/"12"`, 12, true},
		{`"12"`, 12, true},
		{`W/"-1"`, 0, false},
		{`W/"x"`, 0, false},
		{`12`, 0, false},
	} {
		r := httptest.NewRequest("PATCH", "/", nil)
		if c.header != "" {
			r.Header.Set("If-Match", c.header)
		}
		got, err := ifMatch(r)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("If-Match %q: %d, %v; want %d, ok %v", c.header, got, err, c.want, c.ok)
		}
	}
}
