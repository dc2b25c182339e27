package engine

import (
	"strings"
	"testing"
)

// TestValueErrorShortensTheValue: a value far too long for its column is
// named by its start and length, not echoed whole (120 KB of it was).
func TestValueErrorShortensTheValue(t *testing.T) {
	e := &ValueError{Table: "lead", Column: "subject", Type: "string", Value: strings.Repeat("x", 120000), Reason: "is longer than 300 characters"}
	msg := e.Error()
	if len(msg) > 200 || !strings.Contains(msg, "(120000 characters) is longer than 300 characters") {
		t.Errorf("%d bytes: %.200s", len(msg), msg)
	}
}
