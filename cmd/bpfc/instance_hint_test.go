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

// TestFillHintLookups: the record update a required-step refusal
// suggests gives a lookup an ID, and a lookup to several tables (a
// customer) TABLE:ID with a line that names its tables, where it gave
// both VALUE; --output json's detail is the engine's, without the hint.
func TestFillHintLookups(t *testing.T) {
	dir := copyExample(t, "sales")
	flow := filepath.Join(dir, "flows", "phone_to_case.hcl")
	src, err := os.ReadFile(flow)
	if err != nil {
		t.Fatal(err)
	}
	// Find Contact (primarycontactid, a lookup to contact) required too.
	req := strings.Replace(string(src), "column       = \"primarycontactid\"", "column       = \"primarycontactid\"\n      required     = true", 1)
	if req == string(src) {
		t.Fatal("phone_to_case.hcl has no primarycontactid step")
	}
	if err := os.WriteFile(flow, []byte(req), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy: %d %s", code, stderr)
	}
	code, stdout, stderr := bpfc(t, "-C", dir, "record", "create", "incident", "--env", "dev", "--set", "title=Broken", "--flow", "phone_to_case")
	if code != 0 {
		t.Fatalf("record create: %d %s", code, stderr)
	}
	m := regexp.MustCompile(`Created incident ([0-9a-f-]{36})\n.*instance ([0-9a-f-]{36})`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("record create started no instance: %s", stdout)
	}
	code, _, stderr = bpfc(t, "-C", dir, "instance", "next", m[2], "--env", "dev")
	want := "  fill them, then try again: bpfc -C " + dir + " record update incident " + m[1] + " --env dev --set customerid=account:ID --set primarycontactid=ID\n" +
		"  customerid is a lookup to account or contact: give it account:ID or contact:ID\n"
	if code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("instance next: %d\n%s\nwant it to end with\n%s", code, stderr, want)
	}
	code, stdout, _ = bpfc(t, "-C", dir, "instance", "next", m[2], "--env", "dev", "--output", "json")
	msg := `"message": "cannot move to the next stage: required step \"find_customer\" (incident.customerid) is empty; required step \"find_contact\" (incident.primarycontactid) is empty",`
	missing := `"missing": [
      {
        "step": "find_customer",
        "column": "customerid"
      },
      {
        "step": "find_contact",
        "column": "primarycontactid"
      }
    ]`
	if code != 1 || !strings.Contains(stdout, msg) || !strings.Contains(stdout, missing) {
		t.Errorf("instance next --output json: %d\n%s\nwant\n%s\nand\n%s", code, stdout, msg, missing)
	}
}
