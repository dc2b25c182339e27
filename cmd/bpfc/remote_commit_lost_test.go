package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
)

// TestRemoteDeployNotCommitted: a server whose import lost its store
// connection during the COMMIT and read that it was not committed answers
// 503 StoreUnavailable with the import's own message; deploy through it
// prints that message as a local deploy does ("import of … into shared:
// the connection … was not committed: nothing was changed, and running it
// again is safe"), not "failed, nothing was changed: … may or may not …",
// and exits 1 with result "failed".
func TestRemoteDeployNotCommitted(t *testing.T) {
	const said = "the connection to the store was lost while it committed, and the store shows it was not committed: nothing was changed, and running it again is safe"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"error":  map[string]string{"code": "StoreUnavailable", "message": said, "environment": "dev"},
			"result": deploy.Result{Environment: "dev", Solution: "ContosoSales", Version: "1.0.0.0", Result: deploy.Failed, Message: said, ImportID: 7, Changes: []deploy.Change{}},
		})
	}))
	defer srv.Close()
	dir := copyExample(t, "sales")
	addSharedEnv(t, dir, srv.URL, "")
	t.Setenv("BPFC_TOKEN_SHARED", "bpfc_x")
	code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "shared")
	if code != 1 || !strings.Contains(stderr, "import of ContosoSales 1.0.0.0 into shared: "+said) || strings.Contains(stderr, "failed, nothing was changed") {
		t.Errorf("remote deploy not committed, text: %d %s", code, stderr)
	}
	code, stdout, _ := bpfc(t, "-C", dir, "deploy", "--env", "shared", "--output", "json")
	if r := jsonResult(t, stdout); code != 1 || r.Result != deploy.Failed || r.Message != said || r.Environment != "shared" {
		t.Errorf("remote deploy not committed, json: %d %s", code, stdout)
	}
}

// TestRemoteDeployStoreUnreachable: a server that cannot reach its
// environment's database answers ImportSolution 503 StoreUnavailable
// without an import's result (none started); deploy through it is result
// "busy" under --output json, so that CI retries it, and its text says
// that nothing was changed and why, not that it waited for the
// environment; it exits 1.
func TestRemoteDeployStoreUnreachable(t *testing.T) {
	const msg = "the server cannot reach the environment's store (its database): nothing was changed; try again, and if it lasts, tell whoever runs the server (its log says why)"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "StoreUnavailable", "message": msg, "environment": "dev"}})
	}))
	defer srv.Close()
	dir := copyExample(t, "sales")
	addSharedEnv(t, dir, srv.URL, "")
	t.Setenv("BPFC_TOKEN_SHARED", "bpfc_x")
	code, stdout, _ := bpfc(t, "-C", dir, "deploy", "--env", "shared", "--output", "json")
	if r := jsonResult(t, stdout); code != 1 || r.Result != deploy.Busy || r.Environment != "shared" || r.Solution != "ContosoSales" || !strings.Contains(r.Message, msg) {
		t.Errorf("remote deploy, store unreachable, json: %d %s", code, stdout)
	}
	code, _, stderr := bpfc(t, "-C", dir, "deploy", "--env", "shared")
	if code != 1 || !strings.Contains(stderr, "import of ContosoSales 1.0.0.0 into shared did not start, nothing was changed (nor is it in the history): run it again: "+msg) ||
		strings.Contains(stderr, "gave up waiting") {
		t.Errorf("remote deploy, store unreachable, text: %d %s", code, stderr)
	}
}
