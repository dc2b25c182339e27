package engine

import (
	"errors"
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

// TestEveryBadValue: a write with several values that do not fit names
// them all, in column order, and writes nothing; one alone is as before.
func TestEveryBadValue(t *testing.T) {
	v := open(t, release(t, "sales"), "dev")
	admin := v.admin()
	_, err := admin.CreateRecord(v.ctx, "lead", Values{"subject": "x", "budgetamount": "lots", "decisionmaker": "maybe", "nosuch": "1"}, StartOptions{NoFlow: true})
	var many *ValuesError
	var one *ValueError
	if !errors.As(err, &many) || len(many.Errs) != 3 || !errors.Is(err, ErrInvalid) || !errors.As(err, &one) || one.Column != "budgetamount" {
		t.Fatalf("three bad values: %v", err)
	}
	if rs, err := admin.Records(v.ctx, "lead"); err != nil || len(rs) != 0 {
		t.Errorf("written: %d %v", len(rs), err)
	}
	_, err = admin.CreateRecord(v.ctx, "lead", Values{"budgetamount": "lots"}, StartOptions{NoFlow: true})
	if !errors.As(err, &one) || errors.As(err, &many) {
		t.Errorf("one bad value: %#v", err)
	}
}
