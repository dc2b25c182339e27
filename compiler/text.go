package compiler

import (
	"fmt"
	"strconv"
)

// Shorten is s for a message: as it is up to 80 characters, else its
// first 60 and how long it is ("abc…" (120000 characters)); a value of
// 100 KB given where a URL belongs was echoed whole, into the history too.
func Shorten(s string) string {
	r := []rune(s)
	if len(r) <= 80 {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s (%d characters)", strconv.Quote(string(r[:60])+"…"), len(r))
}

// Unbraced is an id without the braces Dataverse may write it in
// ({3B7F…}); anything else as it is.
func Unbraced(s string) string {
	if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
		return s[1 : len(s)-1]
	}
	return s
}
