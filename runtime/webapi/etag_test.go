package webapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// If-Match takes back every tag the API hands out, W/"0" of a row without
// a version (systemusers) among them, and refuses what is not one. A list
// of several versions (RFC 9110) matches the row's, here 13, if it is
// among them (412 if not).
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
		// Lists (RFC 9110): any of them.
		{`W/"12", W/"12"`, 12, true},
		{`W/"12", *`, 0, true},
		{`W/"12", W/"13"`, 13, true},
		{`W/"11", W/"12"`, 0, false},
		{`W/"12", x`, 0, false},
		{`,`, 0, false},
	} {
		r := httptest.NewRequest("PATCH", "/", nil)
		if c.header != "" {
			r.Header.Set("If-Match", c.header)
		}
		got, err := ifMatch(r, func() (int64, error) { return 13, nil })
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("If-Match %q: %d, %v; want %d, ok %v", c.header, got, err, c.want, c.ok)
		}
	}
}

// W/"0" (also "0", W/"00") names no version of a versioned row, whose
// versions start at 1: a PATCH, DELETE or move with it is stale (412) and
// changes nothing, where it used to count as no condition.
func TestZeroTagIsStale(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Zero", "subject": "Tags"}, "BPFC-Flow", "none")
	for _, tag := range []string{`W/"0"`, `"0"`, `W/"00"`, `W/"0", W/"0"`} {
		r := f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "stale"}, "If-Match", tag).must(t, http.StatusPreconditionFailed)
		if r.errCode() != "PreconditionFailed" {
			t.Errorf("PATCH %s: %s", tag, r.raw)
		}
		f.do("DELETE", "leads("+lead+")", f.admin, nil, "If-Match", tag).must(t, http.StatusPreconditionFailed)
	}
	if got := f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil).must(t, http.StatusOK).str("subject"); got != "Tags" {
		t.Errorf("subject %q after stale writes", got)
	}
	// An instance's move, by PATCH and by bpfc's action.
	inst := f.do("POST", "leads", f.admin, map[string]any{"lastname": "Zero", "subject": "Moves"}).must(t, http.StatusNoContent).header.Get("BPFC-Instance")
	f.do("POST", "bpfc_PreviousStage", f.admin, map[string]any{"ProcessInstanceId": inst}, "If-Match", `W/"0"`).must(t, http.StatusPreconditionFailed)
	// A row without a version (a user) still takes W/"0", the tag it has.
	sam := f.do("GET", "systemusers?$top=1", f.admin, nil).must(t, http.StatusOK).rows()[0]["systemuserid"].(string)
	if r := f.do("GET", "systemusers("+sam+")", f.admin, nil).must(t, http.StatusOK); r.body["@odata.etag"] != `W/"0"` {
		t.Errorf("a user's tag: %v", r.body["@odata.etag"])
	}
}

// TestETagLists: If-None-Match and If-Match take a list of tags (RFC
// 9110), either matching when the row is at any of them: a GET is 304, a
// write is made (If-Match) or refused with 412 (If-None-Match), as with
// that one tag alone.
func TestETagLists(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "List", "subject": "Tags"}, "BPFC-Flow", "none")
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "v2"}).must(t, http.StatusNoContent)
	f.do("GET", "leads("+lead+")", f.admin, nil, "If-None-Match", `W/"9", W/"2"`).must(t, http.StatusNotModified)
	f.do("GET", "leads("+lead+")", f.admin, nil, "If-None-Match", `W/"9", W/"1"`).must(t, http.StatusOK)
	r := f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "stale"}, "If-Match", `W/"9", W/"1"`).must(t, http.StatusPreconditionFailed)
	if r.errCode() != "PreconditionFailed" {
		t.Errorf("If-Match none of whose tags is the row's: %s", r.raw)
	}
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "v3"}, "If-Match", `W/"9", W/"2"`).must(t, http.StatusNoContent)
	if got := f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil).must(t, http.StatusOK).str("subject"); got != "v3" {
		t.Errorf("subject %q, want v3", got)
	}
	f.do("DELETE", "leads("+lead+")", f.admin, nil, "If-Match", `W/"2", W/"1"`).must(t, http.StatusPreconditionFailed)
	f.do("DELETE", "leads("+lead+")", f.admin, nil, "If-Match", `W/"2", W/"3"`).must(t, http.StatusNoContent)
	// An instance's move.
	inst := f.do("POST", "leads", f.admin, map[string]any{"lastname": "List", "subject": "Moves"}).must(t, http.StatusNoContent).header.Get("BPFC-Instance")
	f.do("POST", "bpfc_AbandonInstance", f.admin, map[string]any{"ProcessInstanceId": inst}, "If-Match", `W/"98", W/"99"`).must(t, http.StatusPreconditionFailed)
	v := f.do("GET", "bpfc_RetrieveInstance(ProcessInstanceId="+inst+")", f.admin, nil).must(t, http.StatusOK).body["version"].(float64)
	tags := fmt.Sprintf(`W/"98", W/"%d"`, int64(v))
	if r := f.do("POST", "bpfc_AbandonInstance", f.admin, map[string]any{"ProcessInstanceId": inst}, "If-Match", tags).must(t, http.StatusOK); r.str("state") != "aborted" {
		t.Errorf("abandon If-Match %s: %s", tags, r.raw)
	}
}

// TestMalformedETags: a value that is no entity tag (RFC 9110: 1 without
// quotes) is a 400 in If-None-Match as in If-Match, where If-None-Match
// took it as naming no version (a GET was 200, a DELETE deleted). A well
// formed tag that is no version of this API (W/"x") matches no row in
// either: If-None-Match lets the request on, If-Match is 412 (it was
// 400). Dataverse's If-None-Match: null still names no version.
func TestMalformedETags(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Tags", "subject": "Malformed"}, "BPFC-Flow", "none")
	for _, bad := range []string{`1`, `W/1`, `"1`, `W/"1", 2`, `,`, `w/"1"`} {
		for _, h := range []string{"If-None-Match", "If-Match"} {
			r := f.do("GET", "leads("+lead+")", f.admin, nil, h, bad)
			if h == "If-Match" {
				// A GET takes no If-Match: its write does.
				r = f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "x"}, h, bad)
			}
			r.must(t, http.StatusBadRequest)
			if !strings.Contains(r.message(), h+" ") || !strings.Contains(r.message(), "is not an entity tag") {
				t.Errorf("%s: %s: %s", h, bad, r.raw)
			}
		}
		f.do("DELETE", "leads("+lead+")", f.admin, nil, "If-None-Match", bad).must(t, http.StatusBadRequest)
	}
	f.do("GET", "leads("+lead+")", f.admin, nil, "If-None-Match", "null").must(t, http.StatusOK)
	f.do("GET", "leads("+lead+")", f.admin, nil, "If-None-Match", `W/"x"`).must(t, http.StatusOK)
	f.do("GET", "leads("+lead+")", f.admin, nil, "If-None-Match", `W/"x", W/"1"`).must(t, http.StatusNotModified)
	r := f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "x"}, "If-Match", `W/"x"`).must(t, http.StatusPreconditionFailed)
	if r.errCode() != "PreconditionFailed" {
		t.Errorf("If-Match W/\"x\": %s", r.raw)
	}
	if got := f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil).must(t, http.StatusOK).str("subject"); got != "Malformed" {
		t.Errorf("subject %q after refused writes", got)
	}
}

// TestETagWithComma: an entity tag may hold a comma (RFC 9110's etagc), so
// the list is split outside quotes: another server's W/"a,b" matches no
// row, where it was cut in two and refused as no entity tag.
func TestETagWithComma(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Tags", "subject": "Comma"}, "BPFC-Flow", "none")
	f.do("GET", "leads("+lead+")", f.admin, nil, "If-None-Match", `W/"a,b"`).must(t, http.StatusOK)
	f.do("GET", "leads("+lead+")", f.admin, nil, "If-None-Match", `W/"a,b", W/"1"`).must(t, http.StatusNotModified)
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "x"}, "If-Match", `W/"a,b"`).must(t, http.StatusPreconditionFailed)
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"subject": "y"}, "If-Match", `W/"a,b", W/"1"`).must(t, http.StatusNoContent)
	if got := f.do("GET", "leads("+lead+")?$select=subject", f.admin, nil).must(t, http.StatusOK).str("subject"); got != "y" {
		t.Errorf("subject %q, want the write at W/\"1\"", got)
	}
}
