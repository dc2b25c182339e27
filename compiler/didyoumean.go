package compiler

import (
	"sort"
	"strings"

	"github.com/agext/levenshtein"
)

// nameSuggestion returns the known name closest to given, or "" when none is
// close enough to be a likely typo.
func nameSuggestion(given string, known []string) string {
	best, bestDist := "", 0
	for _, k := range known {
		dist := levenshtein.Distance(given, k, nil)
		limit := 2
		if len(given) > 8 {
			limit = 3
		}
		// A known name that starts with what was typed ("date" for "datetime") also counts.
		if len(given) >= 3 && strings.HasPrefix(k, given) {
			dist = min(dist, limit)
		}
		if dist <= limit && (best == "" || dist < bestDist || dist == bestDist && k < best) {
			best, bestDist = k, dist
		}
	}
	return best
}

// ClosestName is the known name a misspelt one most likely meant, or ""
// (the rule of the diagnostics' "Did you mean", for other tools' messages).
func ClosestName(given string, known []string) string { return nameSuggestion(given, known) }

// didYouMean returns ` Did you mean "x"?` or "".
func didYouMean(given string, known []string) string {
	if s := nameSuggestion(given, known); s != "" {
		return ` Did you mean "` + s + `"?`
	}
	return ""
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
