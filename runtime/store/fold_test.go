package store

import (
	"strings"
	"testing"
	"unicode"
)

// TestFoldName: two names have one FoldName exactly when strings.EqualFold
// takes them for one: every character of an orbit unicode.SimpleFold
// cycles through folds to one of the orbit, and characters of other orbits
// to others.
func TestFoldName(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // no UTF-8
		}
		k := foldRune(r)
		if !strings.EqualFold(string(r), string(k)) {
			t.Fatalf("%U folds to %U, which EqualFold does not take for it", r, k)
		}
		if next := unicode.SimpleFold(r); foldRune(next) != k {
			t.Fatalf("%U folds to %U, %U of its orbit to %U", r, k, next, foldRune(next))
		}
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"alice", "ALICE", true},
		{"Alice@Contoso.Example", "alice@contoso.example", true},
		{"kim", "\u212Aim", true},    // the Kelvin sign
		{"sam", "\u017Fam", true},    // long s
		{"ΣΊΣΥΦΟΣ", "σίσυφος", true}, // final sigma
		{"Ørsted", "øRSTED", true},
		{"straße", "STRASSE", false}, // ß is not ss
		{"İrem", "irem", false},      // dotted capital I
		{"ırem", "irem", false},      // dotless small i
		{"ann", "anne", false},
		{"a\xffb", "a\xfeb", true}, // bad bytes are U+FFFD to both
	} {
		if got := FoldName(c.a) == FoldName(c.b); got != c.same || strings.EqualFold(c.a, c.b) != c.same {
			t.Errorf("%q and %q: FoldName equal %v, EqualFold %v, want %v", c.a, c.b, got, strings.EqualFold(c.a, c.b), c.same)
		}
	}
	if got := FoldName("Alice"); got != "alice" {
		t.Errorf("FoldName(Alice) = %q, want alice", got)
	}
}
