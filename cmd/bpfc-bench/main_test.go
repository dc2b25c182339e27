package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestBench runs a short bench: moves are acknowledged, and on one
// contended instance every acknowledged move is one row of the stage log.
func TestBench(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-example", "../../examples/sales", "-writers", "2", "-contenders", "8", "-duration", "500ms",
		"-max-requests", "400", "-json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	c := r.Contention
	if r.Transitions == 0 || r.Errors != 0 || c == nil || c.Acknowledged == 0 || c.Lost != 0 || c.Errors != 0 ||
		c.LogEntries != c.Acknowledged || r.Transitions > 400 || c.Attempts > 400 {
		t.Errorf("report: %s", out.String())
	}
}

func TestBenchFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-writers", "0"}, &out, &errb); code != 2 {
		t.Errorf("-writers 0: exit %d", code)
	}
}
