package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestProcTimes(t *testing.T) {
	// A command name with spaces and a parenthesis, as /proc prints it.
	stat := "4242 (post gres) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 7 3 20 0 1 0 100 0 0\n"
	path := filepath.Join(t.TempDir(), "stat")
	if err := os.WriteFile(path, []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	comm, own, children, ok := procTimes(path)
	if !ok || comm != "post gres) x" || own != 3*time.Second || children != 100*time.Millisecond {
		t.Errorf("procTimes: %q %v %v %v", comm, own, children, ok)
	}
	for _, bad := range []string{"", "4242 no parentheses 1 2 3", "4242 (short) S 1 2 3\n"} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, _, ok := procTimes(path); ok {
			t.Errorf("procTimes(%q) ok", bad)
		}
	}
	if runtime.GOOS == "linux" {
		if _, own, _, ok := procTimes("/proc/self/stat"); !ok || own < 0 {
			t.Errorf("own stat: %v %v", own, ok)
		}
	}
}

func TestLocalServer(t *testing.T) {
	for url, want := range map[string]bool{
		"postgres://u@127.0.0.1:5432/db":      true,
		"postgres://u@localhost/db":           true,
		"postgres://u@[::1]:5432/db":          true,
		"host=/var/run/postgresql dbname=db":  true,
		"postgres://u@db.example.com:5432/db": false,
		"postgres://u@10.0.0.5/db":            false,
		"not a url ::: %%%":                   false,
	} {
		if got := localServer(url); got != want {
			t.Errorf("localServer(%q) = %v", url, got)
		}
	}
}
