package main

import (
	"bytes"
	"testing"
)

// TestSkipLeftOutOrder: the warnings about a settings file's values for
// variables the build left out come in the order of the values' names, the
// same on every run.
func TestSkipLeftOutOrder(t *testing.T) {
	const want = "warning: the settings file's value for cts_a is not used: the archive's variable CTS_A was left out\n" +
		"warning: the settings file's value for cts_b is not used: the archive's variable cts_b was left out\n" +
		"warning: the settings file's value for cts_c is not used: the archive's variable cts_c was left out\n" +
		"warning: the settings file's value for cts_d is not used: the archive's variable cts_d was left out\n"
	for i := range 20 {
		var errb bytes.Buffer
		g := &globals{output: "text", stdout: &bytes.Buffer{}, stderr: &errb}
		settings := map[string]string{"cts_d": "4", "cts_b": "2", "cts_kept": "k", "cts_a": "1", "cts_c": "3"}
		skipLeftOut(g, settings, []string{"cts_c", "cts_b", "CTS_A", "cts_d"})
		if got := errb.String(); got != want {
			t.Fatalf("run %d:\n%s\nwant:\n%s", i, got, want)
		}
		if len(settings) != 1 || settings["cts_kept"] != "k" {
			t.Fatalf("settings left: %v", settings)
		}
	}
}
