// Package valuetext writes stored values as people read them: a choice's
// label, Yes or No, numbers with thousands separators. The web pages and
// the Web API's formatted values share it.
package valuetext

import (
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Label is the label of v in column c: a choice's, state's or status's
// option label, Yes or No for a boolean; false for other columns, or a
// value that is no option.
func Label(c store.Column, v any) (string, bool) {
	switch c.Type {
	case compiler.TypeBoolean:
		if b, ok := v.(bool); ok {
			if b {
				return "Yes", true
			}
			return "No", true
		}
	case compiler.TypeChoice, compiler.TypeState, compiler.TypeStatus:
		if n, ok := v.(int64); ok {
			for _, o := range c.Options {
				if int64(o.Value) == n {
					return o.Label, true
				}
			}
		}
	}
	return "", false
}

// Grouped writes a decimal number (1234567.50) with thousands separators
// in its whole part (1,234,567.50).
func Grouped(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}
