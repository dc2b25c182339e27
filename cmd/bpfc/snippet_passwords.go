package main

import (
	"regexp"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// urlPasswordRe finds a password in a URL on a source line: in its user
// information (scheme://user:PASSWORD@) or its password parameter
// (?password=PASSWORD). The user information runs to the last '@' before
// the query: a password written with an unencoded '/' or '@' (which the
// driver reads otherwise, and validate refuses) is still all hidden. Only a
// quote, which ends the HCL string, ends it early.
var urlPasswordRe = regexp.MustCompile(`://[^:/@\s"]*:([^\s"?#]*)@|[?&]password=([^&\s"#]*)`)

const passwordMask = "***"

// maskPasswords is a source line with each URL password in it shown as ***,
// and r moved to match: a diagnostic on a store attribute (the warning that
// the URL holds a password, an invalid store) shows its line, and output
// hides the password everywhere else.
func maskPasswords(line []byte, lineStart int, r hcl.Range) ([]byte, hcl.Range) {
	var spans [][2]int // line-relative byte spans of the passwords
	for _, m := range urlPasswordRe.FindAllSubmatchIndex(line, -1) {
		for g := 1; g <= 2; g++ {
			if s, e := m[2*g], m[2*g+1]; s >= 0 && e > s {
				spans = append(spans, [2]int{s, e})
			}
		}
	}
	if len(spans) == 0 {
		return line, r
	}
	var out []byte
	at := 0
	for _, sp := range spans {
		out = append(append(out, line[at:sp[0]]...), passwordMask...)
		at = sp[1]
	}
	out = append(out, line[at:]...)
	move := func(p hcl.Pos, end bool) hcl.Pos {
		off := p.Byte - lineStart
		if off < 0 || off > len(line) || off == 0 && p.Column > 1 {
			return p // no byte offset on this line: cellAt goes by column
		}
		shift, cols := 0, 0
		for _, sp := range spans {
			switch {
			case off >= sp[1]:
				shift += sp[1] - sp[0] - len(passwordMask)
				cols += utf8.RuneCount(line[sp[0]:sp[1]]) - len(passwordMask)
			case off > sp[0]: // within the password: at the mask's start, or its end
				inside := off - sp[0]
				if end {
					inside -= len(passwordMask)
				}
				shift += inside
				cols += inside
			}
		}
		p.Byte -= shift
		p.Column -= cols
		return p
	}
	r.Start, r.End = move(r.Start, false), move(r.End, true)
	return out, r
}
