package webapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestImportStoreUnreachable: an import the server cannot start because
// it cannot reach its environment's database (nothing listens at the
// store's address) comes back, through the client, as result "busy":
// nothing was changed, nor written to the history, and running it again
// may go through, which CI tells apart from a failure by that value. The
// error stays the server's 503 StoreUnavailable, not store.ErrBusy (the
// environment was not held by another import).
func TestImportStoreUnreachable(t *testing.T) {
	f := serve(t, fixtureOptions{})
	// Port 19559 of the tests' range, where nothing listens.
	f.p.Environment("dev").Store = "postgres://bpfc@127.0.0.1:19559/bpfc?sslmode=disable&connect_timeout=5"
	b := build(t, f.p)
	c := &Client{URL: f.url, Token: f.admin, Env: "shared"}
	res, err := c.Import(context.Background(), b, false, deploy.Upgrade, nil, "ci")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable || ae.Code != "StoreUnavailable" || errors.Is(err, store.ErrBusy) ||
		!strings.Contains(ae.Message, "nothing was changed") {
		t.Fatalf("an import into a server whose store is unreachable: %v", err)
	}
	if res == nil || res.Result != deploy.Busy || res.Message != err.Error() || res.Solution != b.Solution() || res.Version != b.Version() ||
		res.Digest != b.Digest || res.Environment != "shared" || res.Mode != string(deploy.Upgrade) || res.Changes == nil {
		t.Errorf("the result: %+v", res)
	}
}

// TestImportStoreUnreachableRetryAfter: ImportSolution's 503 answers
// (StoreUnavailable here, Busy alike) carry Retry-After, as every other
// 503 of the API does and as the README promises; the import's own answer
// had none.
func TestImportStoreUnreachableRetryAfter(t *testing.T) {
	var logs testenv.LogBuffer
	f := serve(t, fixtureOptions{logs: &logs})
	f.p.Environment("dev").Store = "postgres://bpfc@127.0.0.1:19559/bpfc?sslmode=disable&connect_timeout=5"
	req, err := (&Client{}).importRequest(build(t, f.p), false, deploy.Upgrade, deploy.SentValues{}, false)
	if err != nil {
		t.Fatal(err)
	}
	r := f.do("POST", "ImportSolution", f.admin, req).must(t, http.StatusServiceUnavailable)
	if r.errCode() != "StoreUnavailable" || r.header.Get("Retry-After") != "1" {
		t.Errorf("ImportSolution, the store unreachable: %s (Retry-After %q)", r.raw, r.header.Get("Retry-After"))
	}
	// The answer sends whoever runs the server to its log: it says why.
	if logged := logs.Take(); !strings.Contains(logged, "127.0.0.1:19559") {
		t.Errorf("the server's log does not say why the store was unavailable:\n%s", logged)
	}
}
