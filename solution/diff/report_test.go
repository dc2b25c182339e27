package diff

import (
	"strings"
	"testing"
)

// TestNoChangesListsNotCompared: a report with no changes still lists what
// was not compared (a revision's label read on one line is a change no
// model shows), in text and in markdown.
func TestNoChangesListsNotCompared(t *testing.T) {
	const note = `old: HEAD~1:f.hcl:4:20: The display name "A\nB" holds a line break`
	r := &Report{Old: "HEAD~1", New: "HEAD", Changes: []Change{}, Files: []FileDiff{}, NotCompared: []string{note}}
	for _, format := range []string{"text", "markdown"} {
		var b strings.Builder
		if err := r.Write(&b, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "No changes.") || !strings.Contains(b.String(), "HEAD~1:f.hcl:4:20") {
			t.Errorf("%s:\n%s", format, b.String())
		}
	}
}
