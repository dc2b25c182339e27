package compiler

import (
	"strings"
	"testing"
)

// TestShorten: values up to 80 characters are quoted whole; longer ones
// are cut, saying how long they were.
func TestShorten(t *testing.T) {
	if got := Shorten(`say "hi"`); got != `"say \"hi\""` {
		t.Errorf("short: %s", got)
	}
	long := strings.Repeat("é", 120000)
	if got := Shorten(long); got != `"`+strings.Repeat("é", 60)+`…" (120000 characters)` {
		t.Errorf("long: %.80s…", got)
	}
}

func TestEntitySetName(t *testing.T) {
	for name, want := range map[string]string{
		"lead": "leads", "cts_policy": "cts_policies", "cts_day": "cts_days", "cts_box": "cts_boxes",
		"cts_branch": "cts_branches", "cts_wish": "cts_wishes", "cts_bus": "cts_buses", "y": "ys",
	} {
		if got := EntitySetName(name); got != want {
			t.Errorf("EntitySetName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestPlural(t *testing.T) {
	for want, got := range map[string]string{
		"1 flow": Plural(1, "flow"), "0 flows": Plural(0, "flow"), "3 branches": Plural(3, "branch"), "1 branch": Plural(1, "branch"),
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestClosestNameIgnoresCase: a name in the wrong case is the name meant,
// before any other within the typo distance ("B" meant "b", not "a").
func TestClosestNameIgnoresCase(t *testing.T) {
	for given, want := range map[string]string{"B": "b", "Develop": "develop", "dve": "dev", "xyz": ""} {
		if got := ClosestName(given, []string{"a", "b", "dev", "develop"}); got != want {
			t.Errorf("ClosestName(%q) = %q, want %q", given, got, want)
		}
	}
}
