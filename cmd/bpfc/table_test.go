package main

import (
	"strings"
	"testing"
)

// TestTable: columns two spaces apart; a row's last non-empty cell is not
// padded and does not widen its column; no line ends in spaces.
func TestTable(t *testing.T) {
	var b strings.Builder
	table(&b, [][]string{
		{"NAME", "STATUS", "VERSION"},
		{"dev", "Shop", "1.0"},
		{"pg", "error: " + strings.Repeat("x", 100), ""},
		{"test", "(not created)", ""},
		{"é", "ü", "…"},
	})
	want := "NAME  STATUS  VERSION\n" +
		"dev   Shop    1.0\n" +
		"pg    error: " + strings.Repeat("x", 100) + "\n" +
		"test  (not created)\n" +
		"é     ü       …\n"
	if got := b.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"failed:\n\t127.0.0.1:1 refused\n\t127.0.0.1:1 refused", 80, "failed: 127.0.0.1:1 refused 127.0.0.1:1 refused"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefghi…"},
		{"abcd efghijk", 6, "abcd…"},
		{"ééééééé", 5, "éééé…"},
	} {
		if got := clip(tc.in, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
