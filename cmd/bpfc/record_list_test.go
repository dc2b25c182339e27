package main

import (
	"strings"
	"testing"
)

// TestRecordListPrimaryKey: record list's text heads its first column with
// the table's primary key, which is not always TABLEid (a phone call's is
// activityid, as in Dataverse), and shows that column once.
func TestRecordListPrimaryKey(t *testing.T) {
	dir := copyExample(t, "sales")
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy: %d %s", code, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "record", "create", "phonecall", "--env", "dev", "--set", "subject=Hello"); code != 0 {
		t.Fatalf("record create: %d %s", code, stderr)
	}
	code, stdout, stderr := bpfc(t, "-C", dir, "record", "list", "phonecall", "--env", "dev")
	if code != 0 {
		t.Fatalf("record list: %d %s", code, stderr)
	}
	header := strings.Fields(strings.SplitN(stdout, "\n", 2)[0])
	if len(header) < 2 || header[0] != "activityid" || header[1] != "subject" {
		t.Errorf("record list phonecall heads its columns %v; want activityid, subject, …", header)
	}
	for _, name := range header[1:] {
		if name == "activityid" || name == "phonecallid" {
			t.Errorf("record list phonecall shows %s beside its first column: %v", name, header)
		}
	}
}
