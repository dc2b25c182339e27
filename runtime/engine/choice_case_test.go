package engine

import (
	"errors"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestChoiceLabelAsWritten: where two options' labels differ only in case,
// the label as written names its own option; another case names the first
// that matches so, as before.
func TestChoiceLabelAsWritten(t *testing.T) {
	c := store.Column{Name: "tw_twin", Type: "choice", Options: []store.Option{{Label: "Hot", Value: 1}, {Label: "hot", Value: 2}}}
	bad := func(string, ...any) error { return errors.New("bad") }
	for in, want := range map[string]int64{"Hot": 1, "hot": 2, " hot ": 2, "HOT": 1} {
		if got, err := choice(c, in, bad); err != nil || got != want {
			t.Errorf("choice(%q) = %v, %v; want %d", in, got, err, want)
		}
	}
}
