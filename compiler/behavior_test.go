package compiler

import "testing"

// TestDataverseBehavior: each behavior has Dataverse's DateTimeBehavior
// number and name, and reads back from either (case aside); user local is
// the default both ways.
func TestDataverseBehavior(t *testing.T) {
	for _, tc := range []struct {
		behavior string
		number   int
		name     string
	}{
		{"", 1, "UserLocal"},
		{BehaviorUserLocal, 1, "UserLocal"},
		{BehaviorDateOnly, 2, "DateOnly"},
		{BehaviorTimeZoneIndependent, 3, "TimeZoneIndependent"},
	} {
		n, name := DataverseBehavior(tc.behavior)
		if n != tc.number || name != tc.name {
			t.Errorf("DataverseBehavior(%q) = %d, %s; want %d, %s", tc.behavior, n, name, tc.number, tc.name)
		}
	}
	for in, want := range map[string]string{"1": "", "2": BehaviorDateOnly, " 3 ": BehaviorTimeZoneIndependent,
		"dateonly": BehaviorDateOnly, "TimeZoneIndependent": BehaviorTimeZoneIndependent, "UserLocal": "", "4": "", "": ""} {
		if got := BehaviorFromDataverse(in); got != want {
			t.Errorf("BehaviorFromDataverse(%q) = %q, want %q", in, got, want)
		}
	}
}
