package store

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Match's LIKE pattern (Match.Like), as Dataverse reads the text of its
// contains, startswith and endswith (T-SQL's wildcards):
//
//	%        any run of characters
//	_        any one character
//	[abc]    one of the characters listed; a-c in it a range
//	[^abc]   one character not listed
//	\c       the character c itself (\%, \_, \[, \\)
//
// In a set, a - first or last is itself, as is a ^ after the first
// place; \ makes a character itself there too. A range whose end comes
// before its start holds no character. Text and pattern compare lowered
// (the stores lower both), so a range of capitals is the lower-case one.

// LikePart is one element of a LIKE pattern.
type LikePart struct {
	Kind   LikeKind
	Char   rune        // LikeChar
	Negate bool        // LikeSet: a character not in Ranges
	Ranges []LikeRange // LikeSet: empty when it holds no character (negated: any one)
}

// LikeRange is a range of characters in a set, Lo to Hi inclusive (Lo ==
// Hi for one character).
type LikeRange struct{ Lo, Hi rune }

// LikeKind is what a LikePart matches.
type LikeKind int

// Kinds of LikePart.
const (
	LikeChar LikeKind = iota // the character Char
	LikeAny                  // %: any run of characters
	LikeOne                  // _: any one character
	LikeSet                  // [...]: one character of a set, or not of it
)

// MaxLikeSets bounds the sets in one pattern.
const MaxLikeSets = 32

// ParseLike reads a LIKE pattern. A [ that opens no set ends in an error:
// write \[ for the character.
func ParseLike(pattern string) ([]LikePart, error) {
	if !utf8.ValidString(pattern) {
		return nil, fmt.Errorf("the pattern is not UTF-8: %w", ErrBadQuery)
	}
	rs := []rune(pattern)
	var out []LikePart
	sets := 0
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '%':
			out = append(out, LikePart{Kind: LikeAny})
		case '_':
			out = append(out, LikePart{Kind: LikeOne})
		case '\\':
			if i+1 < len(rs) {
				i++
			}
			out = append(out, LikePart{Kind: LikeChar, Char: rs[i]})
		case '[':
			if sets++; sets > MaxLikeSets {
				return nil, fmt.Errorf("more than %d sets of characters in brackets in one pattern: %w", MaxLikeSets, ErrBadQuery)
			}
			p, end, err := parseLikeSet(rs, i+1)
			if err != nil {
				return nil, err
			}
			out, i = append(out, p), end
		default:
			out = append(out, LikePart{Kind: LikeChar, Char: r})
		}
	}
	return out, nil
}

// parseLikeSet reads a set whose [ is before rs[i]; end is its ].
func parseLikeSet(rs []rune, i int) (p LikePart, end int, err error) {
	p.Kind = LikeSet
	if i < len(rs) && rs[i] == '^' {
		p.Negate, i = true, i+1
	}
	// The set's characters, each with whether it was escaped (an escaped
	// - is no range).
	type item struct {
		r       rune
		escaped bool
	}
	var items []item
	for ; i < len(rs) && rs[i] != ']'; i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			i++
			items = append(items, item{rs[i], true})
			continue
		}
		items = append(items, item{rs[i], false})
	}
	if i >= len(rs) {
		return p, 0, fmt.Errorf("a [ opens a set of characters that no ] closes (write \\[ for the character): %w", ErrBadQuery)
	}
	if len(items) == 0 {
		return p, 0, fmt.Errorf("an empty set of characters []: %w", ErrBadQuery)
	}
	for j := 0; j < len(items); j++ {
		lo := items[j].r
		if j+2 < len(items) && items[j+1].r == '-' && !items[j+1].escaped {
			hi := items[j+2].r
			if lo <= hi {
				p.Ranges = append(p.Ranges, LikeRange{lo, hi})
			}
			j += 2
			continue
		}
		p.Ranges = append(p.Ranges, LikeRange{lo, lo})
	}
	return p, i, nil
}

// HasSets reports whether parts hold a set of characters.
func HasSets(parts []LikePart) bool {
	for _, p := range parts {
		if p.Kind == LikeSet {
			return true
		}
	}
	return false
}

// PlaceLike is a LIKE pattern as kind places it in the text, anywhere,
// at the start or at the end: the pattern with a run of any characters
// before it (contains, endswith) and after it (contains, startswith), to
// match the whole text. false for a kind that is none of those.
func PlaceLike(kind string, parts []LikePart) ([]LikePart, bool) {
	anyRun := LikePart{Kind: LikeAny}
	switch kind {
	case MatchContains:
		return append(append([]LikePart{anyRun}, parts...), anyRun), true
	case MatchStartsWith:
		return append(slices.Clip(parts), anyRun), true
	case MatchEndsWith:
		return append([]LikePart{anyRun}, parts...), true
	}
	return parts, false
}

// likeRegexp is the regular expression of a LIKE pattern as kind places
// it (PlaceLike), matching the whole text. Every character of the pattern
// is written as its code point (\x{…}), never as itself.
func likeRegexp(kind string, parts []LikePart) (*regexp.Regexp, error) {
	parts, _ = PlaceLike(kind, parts)
	var b strings.Builder
	b.WriteString("(?s)^")
	for _, p := range parts {
		switch p.Kind {
		case LikeAny:
			b.WriteString(".*")
		case LikeOne:
			b.WriteString(".")
		case LikeChar:
			b.WriteString(codePoint(p.Char))
		case LikeSet:
			if len(p.Ranges) == 0 && p.Negate {
				b.WriteString(".") // not one of no characters: any one
				continue
			}
			if len(p.Ranges) == 0 {
				b.WriteString(`[^\x{0}-\x{10FFFF}]`) // no character
				continue
			}
			b.WriteString("[")
			if p.Negate {
				b.WriteString("^")
			}
			for _, r := range p.Ranges {
				b.WriteString(codePoint(r.Lo))
				if r.Hi != r.Lo {
					b.WriteString("-" + codePoint(r.Hi))
				}
			}
			b.WriteString("]")
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func codePoint(r rune) string { return `\x{` + strconv.FormatInt(int64(r), 16) + `}` }
