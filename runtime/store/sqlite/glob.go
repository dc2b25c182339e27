package sqlite

import (
	"slices"
	"strings"

	"github.com/bpfc/bpfc/runtime/store"
)

// MatchSets matches a LIKE pattern with sets of characters by GLOB, which
// has them ([a-c], [^a]) and compares case: both sides are lowered.
func (d *dialect) MatchSets(x string, parts []store.LikePart, param func(string) string) string {
	return x + " GLOB " + param(globPattern(parts))
}

// globPattern writes a LIKE pattern in GLOB's syntax: * any run, ? any one
// character, [...] a set; * ? and [ as themselves in brackets. In a set,
// ] is itself only first, - only first or last, ^ anywhere but first: the
// ranges that start or end with one of them are split so that it stands
// alone in its place.
func globPattern(parts []store.LikePart) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case store.LikeAny:
			b.WriteByte('*')
		case store.LikeOne:
			b.WriteByte('?')
		case store.LikeChar:
			switch p.Char {
			case '*', '?', '[':
				b.WriteString("[" + string(p.Char) + "]")
			default:
				b.WriteRune(p.Char)
			}
		case store.LikeSet:
			if len(p.Ranges) == 0 {
				b.WriteByte('?') // not one of no characters (matchSets answers false for one of none)
				continue
			}
			b.WriteString(globSet(p))
		}
	}
	return b.String()
}

// globSet writes a set (which holds a character: matchSets answers false
// for an empty one).
func globSet(p store.LikePart) string {
	special := func(r rune) bool { return r == ']' || r == '-' || r == '^' }
	var singles []rune // of the special characters
	var items []string
	for _, r := range p.Ranges {
		lo, hi := r.Lo, r.Hi
		for lo <= hi && special(lo) {
			singles, lo = append(singles, lo), lo+1
		}
		for hi >= lo && special(hi) {
			singles, hi = append(singles, hi), hi-1
		}
		switch {
		case lo > hi:
		case lo == hi:
			items = append(items, string(lo))
		default:
			items = append(items, string(lo)+"-"+string(hi))
		}
	}
	hasClose, hasCaret, hasDash := slices.Contains(singles, ']'), slices.Contains(singles, '^'), slices.Contains(singles, '-')
	if !p.Negate && !hasClose && len(items) == 0 && hasCaret {
		// ^ first would read as a negation: after a -, or alone as the
		// one character of the set.
		if hasDash {
			return "[-^]"
		}
		return "^"
	}
	var b strings.Builder
	b.WriteByte('[')
	if p.Negate {
		b.WriteByte('^')
	}
	if hasClose {
		b.WriteByte(']')
	}
	for _, it := range items {
		b.WriteString(it)
	}
	if hasCaret {
		b.WriteByte('^')
	}
	if hasDash {
		b.WriteByte('-')
	}
	b.WriteByte(']')
	return b.String()
}
