package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
)

// bpfcIn runs bpfc in-process in dir and returns its exit status, stdout
// and stderr.
func bpfcIn(dir string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"-C", dir}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// releasedSales is a released copy of examples/sales (its dev environment
// a SQLite store) with one lead, and the lead's id.
func releasedSales(f *testing.F) (dir, lead string) {
	f.Helper()
	dir = filepath.Join(f.TempDir(), "sales")
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
	return dir, created.ID
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
	dir, lead := releasedSales(f)
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

// FuzzReportSince runs bpfc report --since with whatever a user may type,
// in each format, on a released copy of examples/sales with an instance:
// a report (JSON that parses, with --output json), or a usage error (exit
// status 2) that quotes the value.
func FuzzReportSince(f *testing.F) {
	for _, s := range []string{"2026-05-01", "2026-05-01T09:00:00Z", "2026-05-01T09:00:00", "12h", "7d", "90m", "2h30m", "0d", "-1d", "1e9d", "100001d",
		"9999-12-31", "0000-01-01", "1753-01-01T00:00:00+14:00", "2562047h", "-5m", " 7d ", "", "yesterday", "+3d", "0x10d"} {
		f.Add(s, uint8(0))
	}
	f.Add("2026-05-01", uint8(3))
	dir, _ := releasedSales(f)
	formats := []string{"json", "table", "csv", "html"}
	f.Fuzz(func(t *testing.T, since string, format uint8) {
		fm := formats[int(format)%len(formats)]
		args := []string{"report", "--env", "dev", "--since", since, "--format", fm}
		code, stdout, stderr := bpfcIn(dir, args...)
		switch code {
		case 0:
			if fm == "json" && !json.Valid([]byte(stdout)) {
				t.Fatalf("%q: not JSON: %s", args, stdout)
			}
		case 2:
			if !strings.HasPrefix(stderr, "bpfc: ") {
				t.Fatalf("%q: exit status 2 with stderr %q", args, stderr)
			}
		default:
			t.Fatalf("%q: exit status %d: %s", args, code, stderr)
		}
	})
}

// FuzzFmt runs bpfc fmt on a copy of examples/sales whose one file (at an
// index of the project's files) holds src. fmt either refuses (and leaves
// the file as it was), or writes a file that means what the old one did:
// the project loads to the same model, errors alike.
func FuzzFmt(f *testing.F) {
	src := mustAbs("../../examples/sales")
	names, err := compiler.ProjectFiles(src)
	if err != nil {
		f.Fatal(err)
	}
	orig := map[string][]byte{}
	for _, n := range names {
		if orig[n], err = compiler.ReadSource(src, n); err != nil {
			f.Fatal(err)
		}
	}
	for i, n := range names {
		f.Add(uint8(i), orig[n])
		// Unformatted: what fmt rewrites.
		f.Add(uint8(i), bytes.ReplaceAll(bytes.ReplaceAll(orig[n], []byte("  "), []byte("\t ")), []byte(" = "), []byte("=")))
	}
	f.Add(uint8(0), []byte("solution \"S\" {\n  description = <<-EOT\n      two\n    one\n  EOT\n}\n"))
	f.Add(uint8(1), []byte("variable \"x\" {\ntype=\"json\"\ndefault={a=[1,2,{b=\"${\"c\"}\"}]}\n}\n"))
	dir := filepath.Join(f.TempDir(), "sales")
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := names[int(which)%len(names)]
		srcs := map[string][]byte{}
		for n, b := range orig {
			srcs[n] = b
		}
		srcs[name] = data
		os.RemoveAll(dir)
		for n, b := range srcs {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, n)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		code, _, stderr := bpfcIn(dir, "fmt")
		after, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if code != 0 {
			if code != 1 || stderr == "" {
				t.Fatalf("fmt: exit status %d: %q", code, stderr)
			}
			if !bytes.Equal(after, data) {
				t.Fatalf("fmt failed but rewrote %s", name)
			}
			return
		}
		p1, d1 := compiler.LoadSources(srcs)
		srcs[name] = after
		p2, d2 := compiler.LoadSources(srcs)
		if d1.HasErrors() != d2.HasErrors() || len(d1) != len(d2) {
			t.Fatalf("fmt changed what %s says:\n%s\nbefore: %v\nafter: %v", name, after, d1, d2)
		}
		if !d1.HasErrors() && p1.Digest() != p2.Digest() {
			t.Fatalf("fmt changed the model %s gives:\n%q\n%q", name, data, after)
		}
	})
}
