package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bpfcIn runs bpfc in-process in dir and returns its exit status, stdout
// and stderr.
func bpfcIn(dir string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"-C", dir}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// FuzzRecordSet runs bpfc record create and record update with whatever
// --set COLUMN=VALUE flags a user may type (one a line of the input),
// against a released copy of examples/sales. The command either succeeds
// or fails with exit status 1 or 2 and a message on stderr; a failed one
// leaves the records as they were.
func FuzzRecordSet(f *testing.F) {
	for _, s := range []string{
		"subject=Fleet\nfirstname=Jo\nlastname=Bloggs\nbudgetamount=30000.5\npurchasetimeframe=this quarter\ndecisionmaker=yes\nestimatedclosedate=2026-12-31",
		"budgetamount=lots", "purchasetimeframe=Soon", "decisionmaker=maybe", "estimatedclosedate=tomorrow",
		"parentcontactid=00000000-0000-0000-0000-000000000001", "budgetamont=1", "createdon=2026-01-01",
		"budgetamount", "budgetamount=70368744177664.01", "budgetamount=922337203685476.99", "estimatedclosedate=0001-01-01",
		"parentcontactid=", "subject=x\nsubject=y", "=x", " subject =x", "statecode=1", "leadid=00000000-0000-0000-0000-000000000002",
		"budgetamount=-0", "budgetamount=1e400", "decisionmaker=NO", "estimatedclosedate=2026-02-30T25:00:00Z", "subject=" + strings.Repeat("é", 300),
	} {
		f.Add(len(s)%2 == 0, s)
	}
	dir := filepath.Join(f.TempDir(), "sales")
	if err := os.CopyFS(dir, os.DirFS(mustAbs("../../examples/sales"))); err != nil {
		f.Fatal(err)
	}
	for _, sub := range []string{".bpfc", "dist"} {
		os.RemoveAll(filepath.Join(dir, sub))
	}
	if code, _, stderr := bpfcIn(dir, "release"); code != 0 {
		f.Fatalf("release: %d %s", code, stderr)
	}
	code, stdout, stderr := bpfcIn(dir, "record", "create", "lead", "--env", "dev", "--set", "subject=Seed", "--set", "lastname=S", "--output", "json")
	var created struct{ ID string }
	if code != 0 || json.Unmarshal([]byte(stdout), &created) != nil || created.ID == "" {
		f.Fatalf("record create: %d %s %s", code, stdout, stderr)
	}
	lead := created.ID
	state := func(t *testing.T) string {
		code, stdout, stderr := bpfcIn(dir, "record", "list", "lead", "--env", "dev", "--output", "json")
		if code != 0 {
			t.Fatalf("record list: %d %s", code, stderr)
		}
		return stdout
	}

	f.Fuzz(func(t *testing.T, update bool, lines string) {
		args := []string{"record", "create", "lead"}
		if update {
			args = []string{"record", "update", "lead", lead}
		}
		args = append(args, "--env", "dev", "--output", "json")
		for _, l := range strings.Split(lines, "\n") {
			args = append(args, "--set", l)
		}
		before := state(t)
		start := time.Now()
		code, stdout, stderr := bpfcIn(dir, args...)
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("%q took %v", args, d)
		}
		switch code {
		case 0:
			// A created lead goes again, so that the list stays short.
			var c struct{ ID string }
			if !update && json.Unmarshal([]byte(stdout), &c) == nil && c.ID != "" {
				if code, _, stderr := bpfcIn(dir, "record", "delete", "lead", c.ID, "--env", "dev"); code != 0 {
					t.Fatalf("record delete: %d %s", code, stderr)
				}
			}
			return
		case 1, 2:
		default:
			t.Fatalf("%q: exit status %d: %s", args, code, stderr)
		}
		if !strings.HasPrefix(stderr, "bpfc: ") {
			t.Fatalf("%q: exit status %d with stderr %q", args, code, stderr)
		}
		if after := state(t); after != before {
			t.Fatalf("%q failed (%s) but changed the records:\n%s\n%s", args, stderr, before, after)
		}
	})
}
