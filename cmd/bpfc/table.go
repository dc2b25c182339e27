package main

import (
	"io"
	"strings"
	"unicode/utf8"
)

// table writes rows as aligned columns, the first row being the header,
// two spaces apart. A row ends at its last non-empty cell, which is not
// padded and does not widen its column: a long last cell (an error, a
// description) stays on its own row, and no line ends in spaces.
func table(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		r = trimRow(r)
		for i := 0; i < len(r)-1; i++ {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		r = trimRow(r)
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	io.WriteString(w, b.String())
}

// trimRow drops a row's empty cells at its end.
func trimRow(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

// clip keeps a table cell on one line and at most n characters: runs of
// white space (newlines too) become one space, and a longer text ends in
// "…".
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}
