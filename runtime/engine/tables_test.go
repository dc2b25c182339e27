package engine

import (
	"context"
	"errors"
	"testing"
)

// TestUnknownTableSuggests: a table named by its Web API entity set name
// ("leads") is told which table that is; a mistyped table name gets the
// closest one, and one written as its display name ("case") the table that
// has it; an unrelated name gets none of these. Every one is still a
// not-found error, wherever a table is named.
func TestUnknownTableSuggests(t *testing.T) {
	dev := open(t, release(t, "sales"), "dev")
	admin := dev.as("admin")
	ctx := context.Background()
	for _, tc := range []struct{ table, want string }{
		{"leads", `no table "leads" in dev: leads is the Web API's name for table lead`},
		{"opportunities", `no table "opportunities" in dev: opportunities is the Web API's name for table opportunity`},
		{"cts_leadtoopportunities", `no table "cts_leadtoopportunities" in dev: cts_leadtoopportunities is the Web API's name for table cts_leadtoopportunity`},
		{"laed", `no table "laed" in dev; did you mean lead?`},
		{"Lead", `no table "Lead" in dev; did you mean lead?`},
		{"opportunty", `no table "opportunty" in dev; did you mean opportunity?`},
		{"case", `no table "case" in dev; did you mean incident? "Case" is its display name; a table is named by its logical name`},
		{"Phone Call", `no table "Phone Call" in dev; did you mean phonecall?`},
		// A flow's instance table is no table these take: neither its
		// flow's display name nor a near name is told to use it.
		{"Lead to Opportunity Sales Process", `no table "Lead to Opportunity Sales Process" in dev`},
		{"cts_leadtoopportunit", `no table "cts_leadtoopportunit" in dev`},
		{"nosuchtable", `no table "nosuchtable" in dev`},
		{"dev", `no table "dev" in dev`},
		{"x", `no table "x" in dev`},
	} {
		ops := map[string]func() error{
			"create": func() error {
				_, err := admin.CreateRecord(ctx, tc.table, Values{"subject": "X"}, StartOptions{})
				return err
			},
			"list": func() error { _, err := admin.Records(ctx, tc.table); return err },
			"instances": func() error {
				_, err := admin.Instances(ctx, InstanceFilter{Table: tc.table, RecordID: "00000000-0000-0000-0000-000000000001"})
				return err
			},
		}
		for op, do := range ops {
			err := dev.unchanged(op+" "+tc.table, do)
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrNotFound) {
				t.Errorf("%s %s:\n got %v\nwant %s (ErrNotFound)", op, tc.table, err, tc.want)
			}
		}
	}
}

func TestClosest(t *testing.T) {
	known := []string{"account", "contact", "lead", "opportunity", "subject", "budgetamount"}
	for _, tc := range []struct{ name, want string }{
		{"laed", "lead"},
		{"leads", "lead"},
		{"subjct", "subject"},
		{"budgetamont", "budgetamount"},
		{"contacts", "contact"},
		{"dev", ""}, // three edits from lead, but only three letters typed
		{"x", ""},
		{"nosuchtable", ""},
		{"", ""},
	} {
		if got := closest(tc.name, known); got != tc.want {
			t.Errorf("closest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	// Two neighbouring letters swapped are one slip, even in a short name;
	// two swaps are two.
	users := []string{"admin", "bob", "ann"}
	for _, tc := range []struct{ name, want string }{{"bbo", "bob"}, {"nan", "ann"}, {"nna", ""}, {"BBO", "bob"}} {
		if got := closest(tc.name, users); got != tc.want {
			t.Errorf("closest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
