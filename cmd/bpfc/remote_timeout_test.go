package main

import (
	"net"
	"strings"
	"sync"
	"testing"
)

// testListener listens on a free loopback port.
func testListener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// silentServer listens on a loopback port and accepts every connection
// without ever answering: a server that hangs. Its address as an http:// url.
func silentServer(t *testing.T) string {
	t.Helper()
	ln := testListener(t)
	var mu sync.Mutex
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// TestRemoteDeployTimeout: --timeout bounds a remote deploy, plan and
// promote whose server takes the connection and never answers (the
// client's own limit is 15 minutes); on expiry the import says it may or
// may not have been made and where to look, a plan that nothing changed,
// and each exits 1.
func TestRemoteDeployTimeout(t *testing.T) {
	url := silentServer(t)
	dir := copyExample(t, "sales")
	addSharedEnv(t, dir, url, "")
	t.Setenv("BPFC_TOKEN_SHARED", "bpfc_x")

	code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "shared", "--timeout", "300ms")
	if code != 1 || !strings.Contains(stderr, url+" (environment shared) did not answer POST ImportSolution within 300ms") ||
		!strings.Contains(stderr, "may or may not have been made") || !strings.Contains(stderr, "bpfc env list shows the build live there") {
		t.Errorf("deploy --timeout: %d %s", code, stderr)
	}
	code, stdout, _ := bpfc(t, "-C", dir, "deploy", "--env", "shared", "--timeout", "300ms", "--output", "json")
	if r := jsonResult(t, stdout); code != 1 || r.Result != "failed" || !strings.Contains(r.Message, "may or may not have been made") {
		t.Errorf("deploy --timeout --output json: %d %s", code, stdout)
	}
	code, _, stderr = bpfc(t, "-C", dir, "plan", "--env", "shared", "--timeout", "300ms")
	if code != 1 || !strings.Contains(stderr, "did not answer POST bpfc_PlanImport within 300ms") || !strings.Contains(stderr, "Nothing was changed") {
		t.Errorf("plan --timeout: %d %s", code, stderr)
	}
	if code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "dev"); code != 0 {
		t.Fatalf("deploy dev: %d %s", code, stderr)
	}
	code, _, stderr = bpfc(t, "-C", dir, "promote", "--from", "dev", "--to", "shared", "--timeout", "300ms")
	if code != 1 || !strings.Contains(stderr, "within 300ms") {
		t.Errorf("promote --timeout: %d %s", code, stderr)
	}
	for _, bad := range []string{"soon", "0s", "-1m"} {
		code, _, stderr = bpfc(t, "-C", dir, "deploy", "--env", "shared", "--timeout", bad)
		if code != 2 || !strings.Contains(stderr, "is not a positive duration") {
			t.Errorf("deploy --timeout %s: %d %s", bad, code, stderr)
		}
	}
}
