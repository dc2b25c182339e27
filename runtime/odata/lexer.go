package odata

import "strings"

type kind int

const (
	tEOF kind = iota
	tIdent
	tString
	tNumber
	tDate
	tGUID
	tEnum // Namespace.Type'Member': text the type, member the member
	tLParen
	tRParen
	tComma
	tLBracket // [ and ] enclose a query function's list of values
	tRBracket
	tEquals // = names a query function's parameter
	tInvalid
)

type token struct {
	kind   kind
	text   string
	member string // tEnum's
	pos    int
}

// punctuation are the tokens of one character.
var punctuation = map[byte]kind{'(': tLParen, ')': tRParen, ',': tComma, '[': tLBracket, ']': tRBracket, '=': tEquals}

type lexer struct {
	src string
	pos int
}

func (l *lexer) next() token {
	for l.pos < len(l.src) && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t') {
		l.pos++
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}
	}
	c := l.src[l.pos]
	if n := guidAt(l.src[l.pos:]); n > 0 {
		l.pos += n
		return token{kind: tGUID, text: l.src[start:l.pos], pos: start}
	}
	if k, ok := punctuation[c]; ok {
		l.pos++
		return token{kind: k, text: string(c), pos: start}
	}
	switch {
	case c == '\'':
		// A string; '' is an escaped quote.
		var b strings.Builder
		l.pos++
		for l.pos < len(l.src) {
			if l.src[l.pos] == '\'' {
				if l.pos+1 < len(l.src) && l.src[l.pos+1] == '\'' {
					b.WriteByte('\'')
					l.pos += 2
					continue
				}
				l.pos++
				return token{kind: tString, text: b.String(), pos: start}
			}
			b.WriteByte(l.src[l.pos])
			l.pos++
		}
		return token{kind: tInvalid, text: l.src[start:], pos: start}
	case c >= '0' && c <= '9' || c == '-' || c == '.':
		for l.pos < len(l.src) && strings.IndexByte("0123456789.-+eE:TZ", l.src[l.pos]) >= 0 {
			l.pos++
		}
		text := l.src[start:l.pos]
		// 2026-01-31 or 2026-01-31T10:00:00Z are dates; everything else a number.
		if len(text) >= 10 && text[4] == '-' && text[7] == '-' {
			return token{kind: tDate, text: text, pos: start}
		}
		return token{kind: tNumber, text: text, pos: start}
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		for l.pos < len(l.src) {
			c := l.src[l.pos]
			if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
				l.pos++
				continue
			}
			// A path through a navigation property (processid/workflowid)
			// is one name; the server says which it serves.
			if c == '/' && l.pos+1 < len(l.src) && (l.src[l.pos+1] == '_' || isLetter(l.src[l.pos+1])) {
				l.pos++
				continue
			}
			// A qualified name: the type of an enum value.
			if c == '.' && l.pos+1 < len(l.src) && (l.src[l.pos+1] == '_' || isLetter(l.src[l.pos+1])) {
				l.pos++
				continue
			}
			break
		}
		name := l.src[start:l.pos]
		if strings.Contains(name, ".") && l.pos < len(l.src) && l.src[l.pos] == '\'' {
			// An enum value, Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'.
			if t := l.next(); t.kind == tString {
				return token{kind: tEnum, text: name, member: t.text, pos: start}
			}
			return token{kind: tInvalid, text: l.src[start:], pos: start}
		}
		return token{kind: tIdent, text: name, pos: start}
	}
	l.pos++
	return token{kind: tInvalid, text: string(c), pos: start}
}

// guidAt is the length of the unquoted GUID literal that s starts with
// (8-4-4-4-12 hexadecimal digits, not followed by a name character), or 0.
func guidAt(s string) int {
	const n = 36
	if len(s) < n {
		return 0
	}
	for i := 0; i < n; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return 0
			}
		default:
			if !isHex(c) {
				return 0
			}
		}
	}
	if len(s) > n {
		if c := s[n]; c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			return 0
		}
	}
	return n
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
