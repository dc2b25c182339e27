package postgres

import (
	"strings"
	"unicode"

	"github.com/bpfc/bpfc/runtime/store"
)

// MatchSets matches a LIKE pattern with sets of characters by SIMILAR TO,
// which has them ([a-c], [^a]) and LIKE's % and _.
func (d *dialect) MatchSets(x string, parts []store.LikePart, param func(string) string) string {
	return x + " SIMILAR TO " + param(similarPattern(parts)) + ` ESCAPE '\'`
}

// similarPattern writes a LIKE pattern in SIMILAR TO's syntax. Every
// character but a letter or digit, and but ", is escaped with \: the
// ones SIMILAR TO reads as operators (| * + ? { } ( ) [ ] % _ \) are then
// themselves, in a set too (where \ escapes as in a regular expression);
// \" would be substring's marker and " is itself unescaped.
func similarPattern(parts []store.LikePart) string {
	var b strings.Builder
	char := func(r rune) {
		if r != '"' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	for _, p := range parts {
		switch p.Kind {
		case store.LikeAny:
			b.WriteByte('%')
		case store.LikeOne:
			b.WriteByte('_')
		case store.LikeChar:
			char(p.Char)
		case store.LikeSet:
			if len(p.Ranges) == 0 {
				b.WriteByte('_') // not one of no characters (matchSets answers false for one of none)
				continue
			}
			b.WriteByte('[')
			if p.Negate {
				b.WriteByte('^')
			}
			for _, r := range p.Ranges {
				char(r.Lo)
				if r.Hi != r.Lo {
					b.WriteByte('-')
					char(r.Hi)
				}
			}
			b.WriteByte(']')
		}
	}
	return b.String()
}
