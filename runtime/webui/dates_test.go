package webui

import (
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestDateOnlyDisplay: a date-only column shows its date, even a value
// written with a time before the column became date-only; a date and time
// column shows the time.
func TestDateOnlyDisplay(t *testing.T) {
	at := time.Date(2026, 1, 31, 10, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		c    store.Column
		want string
	}{
		{store.Column{Type: "datetime", Behavior: "date_only"}, "31 Jan 2026"},
		{store.Column{Type: "datetime"}, "31 Jan 2026 10:30 UTC"},
	} {
		if got := displayValue(tc.c, at); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}
