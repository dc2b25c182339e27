package store

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FoldName is the key under which user names that strings.EqualFold takes
// for one are equal: each character replaced by one member of its simple
// case-folding orbit (the characters unicode.SimpleFold cycles through,
// which EqualFold compares equal), the same for the whole orbit: the lower
// case of the orbit's first character when that is in the orbit, else that
// first. So "ALICE" and "alice" are "alice", Σ, σ and ς are σ, the Kelvin
// sign K is k and the long ſ is s (EqualFold takes them for k and s), but
// ß stays ß (EqualFold does not take it for ss, which is two characters)
// and İ stays İ (its lower case i is another orbit's). Bytes that are no
// UTF-8 become U+FFFD, as EqualFold reads them.
//
// The store keeps it beside each user's name, indexed, so that a name is
// checked against the others by one look-up (Tx.UsersFolded). It follows
// the Unicode tables of the Go that computed it.
func FoldName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	// The orbit's first character, and its lower case when that is in
	// the orbit: chosen by the orbit, not by r (ς and σ are both lower
	// case; Σ's lower case is σ).
	first := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		first = min(first, f)
	}
	lower := unicode.ToLower(first)
	for f := first; ; {
		if f == lower {
			return lower
		}
		if f = unicode.SimpleFold(f); f == first {
			return first
		}
	}
}
