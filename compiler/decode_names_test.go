package compiler

import "testing"

// TestIdentHint: an invalid name gets the nearest valid one as a hint,
// and none when nothing valid is near.
func TestIdentHint(t *testing.T) {
	for name, want := range map[string]string{
		"Deal_Desk2":  ` Did you mean "deal_desk2"?`,
		"Deal Desk-2": ` Did you mean "deal_desk_2"?`,
		"2fast":       ` Did you mean "fast"?`,
		"__x__":       "",
		"123":         "",
		"ok_name":     "",
		"Été":         "",
		"Année_2026":  ` Did you mean "ann_e_2026"?`,
	} {
		if got := identHint(name, 64); got != want {
			t.Errorf("identHint(%q) = %q, want %q", name, got, want)
		}
	}
	if got := identHint("Abcdefghij", 5); got != ` Did you mean "abcde"?` {
		t.Errorf("cut to max: %q", got)
	}
}
