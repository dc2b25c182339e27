package valuetext

import (
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

func TestGrouped(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "-1234567.50": "-1,234,567.50", "12345.5": "12,345.5",
		"0.00": "0.00", "999.50": "999.50", "250000.00": "250,000.00"} {
		if got := Grouped(in); got != want {
			t.Errorf("Grouped(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestLabel(t *testing.T) {
	choice := store.Column{Type: compiler.TypeChoice, Options: []store.Option{{Label: "Hot", Value: 1}, {Label: "Cold", Value: 3}}}
	for _, tc := range []struct {
		c    store.Column
		v    any
		want string
		ok   bool
	}{
		{choice, int64(3), "Cold", true},
		{choice, int64(2), "", false},
		{choice, "3", "", false},
		{store.Column{Type: compiler.TypeBoolean}, true, "Yes", true},
		{store.Column{Type: compiler.TypeBoolean}, false, "No", true},
		{store.Column{Type: compiler.TypeString}, "x", "", false},
	} {
		if got, ok := Label(tc.c, tc.v); got != tc.want || ok != tc.ok {
			t.Errorf("Label(%s, %v) = %q %v, want %q %v", tc.c.Type, tc.v, got, ok, tc.want, tc.ok)
		}
	}
}
