package main

import (
	"testing"
	"time"
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
	for _, in := range []string{"1w", "-3h", "yesterday", "d", "-1d", ""} {
		if got, ok := sinceTime(in, now); ok {
			t.Errorf("sinceTime(%q) = %v, want refused", in, got)
		}
	}
}
