package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordDateOnly: bpfc record create and update take a date-only
// column's value as a date and refuse one with a time (exit 1, saying
// why); record show prints the date, in text and in JSON.
func TestRecordDateOnly(t *testing.T) {
	dir := copyExample(t, "sales")
	// The table of dates the runtime's date-only tests use too.
	dates, err := os.ReadFile(filepath.Join("..", "..", "testdata", "tables", "dates.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dates.hcl"), dates, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy: %d %s", code, stderr)
	}
	code, _, stderr := bpfc(t, "-C", dir, "record", "create", "cts_event", "--env", "dev", "--set", "cts_name=Bad", "--set", "cts_day=2026-01-31T10:00:00Z")
	if code != 1 || !strings.Contains(stderr, "date-only") || !strings.Contains(stderr, "2026-12-31") {
		t.Errorf("a time in a date-only column: exit %d, %q; want 1 and why", code, stderr)
	}
	code, stdout, stderr := bpfc(t, "-C", dir, "record", "create", "cts_event", "--env", "dev", "--set", "cts_name=Launch", "--set", "cts_day=2026-01-31", "--output", "json")
	if code != 0 {
		t.Fatalf("record create: %d %s", code, stderr)
	}
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(stdout), &created); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = bpfc(t, "-C", dir, "record", "show", "cts_event", created.ID, "--env", "dev", "--output", "json")
	var shown map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &shown) != nil || shown["cts_day"] != "2026-01-31" {
		t.Errorf("record show --output json: %d %s %s; want cts_day 2026-01-31", code, stdout, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "record", "update", "cts_event", created.ID, "--env", "dev", "--set", "cts_day=2026-02-01"); code != 0 {
		t.Fatalf("record update: %d %s", code, stderr)
	}
	code, stdout, _ = bpfc(t, "-C", dir, "record", "show", "cts_event", created.ID, "--env", "dev")
	if code != 0 || !strings.Contains(stdout, "2026-02-01\n") || strings.Contains(stdout, "2026-02-01 00:00") {
		t.Errorf("record show: %d\n%s\nwant cts_day 2026-02-01 without a time", code, stdout)
	}
}
