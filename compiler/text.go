package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
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

// IsID says whether s is a row's id in the 36-character GUID form, in braces
// or not, as the run time matches ids (uuid's 32-digit and urn: forms never
// match).
func IsID(s string) bool {
	id := Unbraced(s)
	return len(id) == 36 && uuid.Validate(id) == nil
}

// CanonicalID is an id as Dataverse writes it in what it exports (every
// GUID of a flow's XAML is lower case, without braces) and as the run time
// keeps it; anything that is not an id as it is.
func CanonicalID(s string) string {
	if IsID(s) {
		return strings.ToLower(Unbraced(s))
	}
	return s
}

// EntitySetName is a table's Web API entity set: its name, pluralized as
// Dataverse pluralizes it ("lead" -> "leads", "cts_policy" -> "cts_policies").
func EntitySetName(name string) string {
	switch {
	case strings.HasSuffix(name, "s"), strings.HasSuffix(name, "x"), strings.HasSuffix(name, "ch"), strings.HasSuffix(name, "sh"):
		return name + "es"
	case strings.HasSuffix(name, "y") && len(name) > 1 && !strings.ContainsRune("aeiou", rune(name[len(name)-2])):
		return name[:len(name)-1] + "ies"
	}
	return name + "s"
}

// Plural is n and a word for what it counts, with an s unless n is 1:
// "1 flow", "3 flows".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "ch") {
		return strconv.Itoa(n) + " " + word + "es" // branches, matches
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// Length is the length of s as Dataverse counts it, in UTF-16 code units
// (a .NET string's Length): a character beyond U+FFFF, an emoji say,
// counts twice against a limit of 100.
func Length(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}
