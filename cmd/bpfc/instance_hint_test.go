package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFillHintQuotesDir: the record update a required-step refusal
// suggests quotes a -C directory with a space, so that it pastes into a
// shell as one argument (as init's next step quotes it).
func TestFillHintQuotesDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my sales")
	if err := os.Rename(copyExample(t, "sales"), dir); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy: %d %s", code, stderr)
	}
	code, stdout, stderr := bpfc(t, "-C", dir, "record", "create", "phonecall", "--env", "dev", "--set", "subject=Hello")
	if code != 0 {
		t.Fatalf("record create: %d %s", code, stderr)
	}
	m := regexp.MustCompile(`instance ([0-9a-f-]{36})`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("record create started no instance: %s", stdout)
	}
	code, _, stderr = bpfc(t, "-C", dir, "instance", "next", m[1], "--env", "dev")
	if code != 1 || !strings.Contains(stderr, "fill it, then try again") {
		t.Fatalf("instance next: %d %s; want the required-step refusal", code, stderr)
	}
	if want := "bpfc -C '" + dir + "' record update phonecall "; !strings.Contains(stderr, want) {
		t.Errorf("the hint does not quote the directory:\n%s\nwant %q", stderr, want)
	}
}
