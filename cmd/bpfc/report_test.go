package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // New York's rules, whatever the machine has
)

// TestSinceTime: --since takes a date, a time or a span back from now.
func TestSinceTime(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2026-05-01":           time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
		"2026-05-01T09:00:00Z": time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC),
		"12h":                  now.Add(-12 * time.Hour),
		"2h30m":                now.Add(-150 * time.Minute),
		"7d":                   time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
	} {
		if got, ok := sinceTime(in, now); !ok || !got.Equal(want) {
			t.Errorf("sinceTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	// Days are 24 hours wherever the machine is: across a change of
	// daylight saving time too (New York's clocks went back on 2026-11-01).
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	local := time.Date(2026, 11, 5, 12, 0, 0, 0, ny)
	if got, _ := sinceTime("7d", local); !got.Equal(local.Add(-7 * 24 * time.Hour)) {
		t.Errorf("7d back from %v in New York: %v, want 168 hours before", local, got.UTC())
	}
	for _, in := range []string{"1w", "-3h", "yesterday", "d", "-1d", ""} {
		if got, ok := sinceTime(in, now); ok {
			t.Errorf("sinceTime(%q) = %v, want refused", in, got)
		}
	}
}

// TestSinceInTheFuture: a --since after now would count nothing, silently;
// it is refused as a usage error (BadRequest) that says to give a past
// date, before any environment is opened.
func TestSinceInTheFuture(t *testing.T) {
	for _, since := range []string{"2999-01-01", time.Now().UTC().Add(time.Hour).Format(time.RFC3339)} {
		code, stdout, stderr := bpfc(t, "-C", t.TempDir(), "report", "--env", "dev", "--since", since, "--output", "json")
		if code != 2 || !strings.Contains(stderr, `report: --since "`+since+`" is in the future`) || !strings.Contains(stderr, "give a past date") {
			t.Errorf("--since %s: exit %d, stderr %q", since, code, stderr)
		}
		var doc struct{ Error errorDetail }
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Error.Code != "BadRequest" {
			t.Errorf("--since %s: JSON: %v %s", since, err, stdout)
		}
	}
}
