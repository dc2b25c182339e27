package compiler

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
)

// nameSuggestion returns the known name closest to given, or "" when none is
// close enough to be a likely typo. Of names equally close, the one fewer
// edits away wins: a prefix counts as near whatever follows it, so "customer"
// is as near "customercontacted" as "customerid", yet meant the latter.
func nameSuggestion(given string, known []string) string {
	best, bestDist, bestEdits := "", 0, 0
	for _, k := range known {
		if strings.EqualFold(given, k) {
			return k // "stage.B" for "b": the case is the slip
		}
		dist := levenshtein.Distance(given, k, nil)
		if Swapped(given, k) {
			dist = 1 // "dve" for "dev": one slip, two edits
		}
		edits := dist
		limit := 2
		switch {
		case len(given) > 8:
			limit = 3
		case len(given) <= 3: // two edits of three letters is another word
			limit = 1
		}
		// A known name that starts with what was typed ("date" for "datetime") also counts.
		if len(given) >= 3 && strings.HasPrefix(k, given) {
			dist = min(dist, limit)
		}
		if dist <= limit && (best == "" || dist < bestDist ||
			dist == bestDist && (edits < bestEdits || edits == bestEdits && k < best)) {
			best, bestDist, bestEdits = k, dist, edits
		}
	}
	return best
}

// ClosestName is the known name a misspelt one most likely meant, or ""
// (the rule of the diagnostics' "Did you mean", for other tools' messages).
func ClosestName(given string, known []string) string { return nameSuggestion(given, known) }

// Swapped says whether a and b differ only by two neighbouring letters
// swapped: one slip of the fingers, which edit distance counts as two.
func Swapped(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) != len(y) {
		return false
	}
	i := 0
	for i < len(x) && x[i] == y[i] {
		i++
	}
	return i+1 < len(x) && x[i] == y[i+1] && x[i+1] == y[i] && string(x[i+2:]) == string(y[i+2:])
}

// didYouMean returns ` Did you mean "x"?` or "".
func didYouMean(given string, known []string) string {
	if s := nameSuggestion(given, known); s != "" {
		return ` Did you mean "` + s + `"?`
	}
	return ""
}

// maxListed is the most known names a diagnostic lists when none is near.
const maxListed = 12

// didYouMeanOr is didYouMean, or, when no known name is near, the known
// names after intro (" Its stages are "a", "b"."; at most maxListed), so
// that the message says what was expected; "" when there are none.
func didYouMeanOr(given string, known []string, intro string) string {
	if hint := didYouMean(given, known); hint != "" {
		return hint
	}
	if len(known) == 0 {
		return ""
	}
	if len(known) > maxListed {
		return fmt.Sprintf(" %s %s and %d more.", intro, joinQuoted(known[:maxListed]), len(known)-maxListed)
	}
	return " " + intro + " " + joinQuoted(known) + "."
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func joinQuoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ", ")
}

func sortStrings(s []string) { sort.Strings(s) }

// didYouMeanTable is didYouMean over the project's tables, or else, when
// given is the display name of exactly one ("case", "Phone Call": makers know
// Dataverse's tables by the names its apps show), that table by its logical
// name.
func didYouMeanTable(given string, p *Project) string {
	var names, displays []string
	for _, t := range p.Tables {
		if !t.invalidName { // its declaration is told its mistake
			names, displays = append(names, t.Name), append(displays, t.DisplayName)
		}
	}
	if hint := didYouMean(given, names); hint != "" {
		return hint
	}
	return displayNameHint(given, names, displays, "table")
}

// didYouMeanColumn is didYouMean over the columns of t that keep takes, or
// else, when given is the display name of exactly one of them ("Origin" for
// caseorigincode), that column by its logical name.
func didYouMeanColumn(given string, t *Table, keep func(*Column) bool) string {
	if hint := didYouMean(given, columnNamesWhere(t, keep)); hint != "" {
		return hint
	}
	var names, displays []string
	for _, c := range t.Columns {
		if keep(c) && !c.invalidName {
			names, displays = append(names, c.Name), append(displays, c.DisplayName)
		}
	}
	return displayNameHint(given, names, displays, "column")
}

// displayNameHint is ` Did you mean "incident"? "Case" is its display name;
// a table is named by its logical name.` when given matches, in any case and
// spacing, the display name of exactly one of names; else "".
func displayNameHint(given string, names, displays []string, kind string) string {
	key := SquashName(given)
	if key == "" {
		return ""
	}
	match, display := "", ""
	for i, d := range displays {
		if d == "" || SquashName(d) != key {
			continue
		}
		if match != "" && match != names[i] {
			return "" // two share it: no guess
		}
		match, display = names[i], d
	}
	if match == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q? %q is its display name; a %s is named by its logical name.", match, display, kind)
}

// SquashName is s lower-cased without spaces, so that "Phone Call" and
// "phonecall" compare equal.
func SquashName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}
