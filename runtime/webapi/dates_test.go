package webapi

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// TestDateOnlyColumn: a date-only column is read and written as a date,
// 2026-01-31 (Edm.Date, as Dataverse's Web API has it); a value with a
// time is refused with 400, written or compared; $filter compares it with
// a date, unquoted or quoted.
func TestDateOnlyColumn(t *testing.T) {
	// The sales example with testdata/tables/dates.hcl: a date-only column
	// (behavior = "date_only"), and one of the default behavior.
	p := project(t, "sales", "dates.hcl", testenv.Testdata(t, "tables/dates.hcl"))
	testenv.Deploy(t, p, "dev", build(t, p))
	f := serveEnv(t, p, "dev", fixtureOptions{})

	id := f.create("cts_events", map[string]any{"cts_name": "Launch", "cts_day": "2026-01-31", "cts_at": "2026-01-31T10:00:00Z"})
	f.create("cts_events", map[string]any{"cts_name": "Review", "cts_day": "2026-03-01"})
	got := f.do("GET", "cts_events("+id+")?$select=cts_day,cts_at", f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
	if got.str("cts_day") != "2026-01-31" || got.str("cts_at") != "2026-01-31T10:00:00Z" {
		t.Errorf("read back cts_day %q, cts_at %q: want 2026-01-31 and 2026-01-31T10:00:00Z", got.str("cts_day"), got.str("cts_at"))
	}
	if s := got.str("cts_day@OData.Community.Display.V1.FormattedValue"); s != "1/31/2026" {
		t.Errorf("formatted cts_day %q, want 1/31/2026", s)
	}

	for _, v := range []any{"2026-01-31T10:00:00Z", "2026-01-31T00:00:00Z", "31/01/2026", 20260131} {
		r := f.do("PATCH", "cts_events("+id+")", f.admin, map[string]any{"cts_day": v})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.raw), "date-only") {
			t.Errorf("PATCH cts_day %v: %d %s, want 400 saying the column is date-only", v, r.status, r.raw)
		}
		r = f.do("POST", "cts_events", f.admin, map[string]any{"cts_name": "Bad", "cts_day": v})
		if r.status != http.StatusBadRequest {
			t.Errorf("POST cts_day %v: %d %s, want 400", v, r.status, r.raw)
		}
	}
	f.do("PATCH", "cts_events("+id+")", f.admin, map[string]any{"cts_day": "2026-02-01"}).must(t, http.StatusNoContent)

	names := func(filter string) string {
		r := f.do("GET", "cts_events?$select=cts_name&$orderby=cts_day&$filter="+url.QueryEscape(filter), f.admin, nil).must(t, http.StatusOK)
		var out []string
		for _, row := range r.rows() {
			out = append(out, row["cts_name"].(string))
		}
		return strings.Join(out, ",")
	}
	for filter, want := range map[string]string{
		"cts_day eq 2026-02-01":   "Launch",
		"cts_day eq '2026-03-01'": "Review",
		"cts_day ge 2026-01-15":   "Launch,Review",
		"cts_day lt 2026-03-01":   "Launch",
		"cts_day ne null":         "Launch,Review",
		"cts_at ge 2026-01-31":    "Launch", // a date and time column compares with a date's midnight
	} {
		if got := names(filter); got != want {
			t.Errorf("$filter=%s: %q, want %q", filter, got, want)
		}
	}
	for _, filter := range []string{"cts_day eq 2026-02-01T00:00:00Z", "cts_day eq '2026-02-01T00:00:00Z'", "cts_day gt 5"} {
		r := f.do("GET", "cts_events?$filter="+url.QueryEscape(filter), f.admin, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.raw), "date") {
			t.Errorf("$filter=%s: %d %s, want 400", filter, r.status, r.raw)
		}
	}

	// The metadata says so: Edm.Date, and DateTimeBehavior DateOnly.
	_, raw := f.metadata()
	if !bytes.Contains(raw, []byte(`<Property Name="cts_day" Type="Edm.Date"`)) || !bytes.Contains(raw, []byte(`<Property Name="cts_at" Type="Edm.DateTimeOffset"`)) {
		t.Errorf("$metadata: cts_day should be Edm.Date, cts_at Edm.DateTimeOffset")
	}
	def := f.do("GET", "EntityDefinitions(LogicalName='cts_event')", f.admin, nil).must(t, http.StatusOK)
	behaviors := map[string]any{}
	for _, a := range def.body["Attributes"].([]any) {
		m := a.(map[string]any)
		if b, ok := m["DateTimeBehavior"].(map[string]any); ok {
			behaviors[m["LogicalName"].(string)] = b["Value"]
		}
	}
	if behaviors["cts_day"] != "DateOnly" || behaviors["cts_at"] != "UserLocal" {
		t.Errorf("DateTimeBehavior: %v", behaviors)
	}

	// A remote client (bpfc record --remote) reads the date as the engine does.
	c := &Client{URL: f.url, Token: f.admin, Env: "dev"}
	rec, err := c.Record(context.Background(), "cts_event", id)
	if err != nil {
		t.Fatal(err)
	}
	if day, _ := rec.Values["cts_day"].(time.Time); !day.Equal(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)) || rec.Shown()["cts_day"] != "2026-02-01" {
		t.Errorf("remote record: cts_day %v, shown %v", rec.Values["cts_day"], rec.Shown()["cts_day"])
	}
}
