package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
)

// dated is a flow that branches on the date-only column of
// testdata/tables/dates.hcl.
const dated = `
flow "dated" {
  primary_table = "cts_event"
  stage "plan" {
    step "day" { column = "cts_day" }
    branch {
      when = self.cts_day >= "2026-06-01"
      next = stage.late
    }
  }
  stage "early" {}
  stage "late" {}
}
`

// TestDateOnlyValues: the engine takes a date-only column's value as a
// date (what bpfc record create/update pass as text), refuses one with a
// time, keeps it as midnight UTC, shows it as 2026-01-31, and a condition
// compares it with a date.
func TestDateOnlyValues(t *testing.T) {
	p := release(t, "sales", "dates.hcl", testenv.Testdata(t, "tables/dates.hcl"), "dated.hcl", dated)
	dev := open(t, p, "dev")
	admin, ctx := dev.admin(), dev.ctx

	for _, v := range []any{"2026-06-01T10:00:00Z", "2026-06-01T00:00:00", time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), "June 1st", "2026-02-30"} {
		_, err := admin.CreateRecord(ctx, "cts_event", Values{"cts_name": "Bad", "cts_day": v}, StartOptions{})
		var ve *ValueError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "date-only") {
			t.Errorf("cts_day %v: %v, want a ValueError saying the column is date-only", v, err)
		}
	}

	late := dev.create(admin, "cts_event", Values{"cts_name": "Late", "cts_day": "2026-06-01"}, StartOptions{Flow: "dated"})
	early := dev.create(admin, "cts_event", Values{"cts_name": "Early", "cts_day": time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)}, StartOptions{Flow: "dated"})
	rec, err := admin.Record(ctx, "cts_event", late.ID)
	if err != nil {
		t.Fatal(err)
	}
	if day, _ := rec.Values["cts_day"].(time.Time); !day.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("stored cts_day %v, want 2026-06-01 midnight UTC", rec.Values["cts_day"])
	}
	if got := rec.Shown()["cts_day"]; got != "2026-06-01" || len(rec.DateOnly) != 1 {
		t.Errorf("shown cts_day %v (date-only columns %v), want 2026-06-01", got, rec.DateOnly)
	}
	if in := dev.must(admin.Next(ctx, late.Instance.ID, MoveOptions{})); in.ActiveStage != "late" {
		t.Errorf("2026-06-01 >= 2026-06-01 went to %s, want late", in.ActiveStage)
	}
	if in := dev.must(admin.Next(ctx, early.Instance.ID, MoveOptions{})); in.ActiveStage != "early" {
		t.Errorf("2026-05-31 >= 2026-06-01 went to %s, want early", in.ActiveStage)
	}
}
