package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRemoteMoveReadBackFails: a move the server made and answered, after
// which the server went (its read of the instance for printing is
// refused), says the change was made and exits 0. It said only "cannot
// reach … is bpfc serve running there?", exit 1, and a user who then ran
// next again moved the instance one stage further.
func TestRemoteMoveReadBackFails(t *testing.T) {
	var moved atomic.Bool
	var target atomic.Pointer[url.URL] // the server, known once the fixture started it
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if moved.Load() {
			// The server is gone: the connection ends without an answer.
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		if r.Method == http.MethodPost {
			defer moved.Store(true)
		}
		httputil.NewSingleHostReverseProxy(target.Load()).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	f := newRemoteFixture(t, "environment \"flaky\" {\n  managed = false\n  url     = \""+proxy.URL+"\"\n}\n")
	base, err := url.Parse(f.base)
	if err != nil {
		t.Fatal(err)
	}
	target.Store(base)
	t.Setenv("BPFC_TOKEN_FLAKY", f.token)
	out := f.must("record", "create", "lead", "--set", "subject=Fleet", "--set", "lastname=Bloggs", "--flow", "strategic_deal", "--output", "json")
	lead, _ := jsonField(t, out, "id").(string)
	inst, _ := jsonField(t, out, "instance").(string)
	f.must("record", "update", "lead", lead, "--set", "budgetamount=30000", "--set", "purchasetimeframe=Immediate", "--set", "decisionmaker=yes")

	code, stdout, stderr := bpfc(t, "-C", f.client, "instance", "next", inst, "--env", "flaky")
	if code != 0 || !strings.HasPrefix(stdout, "Moved instance "+inst+" to stage develop\n") ||
		!strings.Contains(stderr, "bpfc: warning: the change was made (instance "+inst+", version 2), but reading the instance back failed") ||
		!strings.Contains(stderr, "instance show "+inst+" --env flaky shows it") {
		t.Errorf("a move whose read-back failed: exit %d\n%s%s", code, stdout, stderr)
	}
	if !moved.Load() {
		t.Fatal("the move did not go through the proxy")
	}
	if show := f.must("instance", "show", inst); !strings.Contains(show, "Stage:     develop") {
		t.Errorf("the move was not made:\n%s", show)
	}
}
