package webapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestRemoteImport: a build deployed through ImportSolution (what bpfc
// deploy does for an environment with url = "http://…") is installed with
// its exact digest, runs at once, and is in the history; refusals come back
// with the import's result.
func TestRemoteImport(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	// The next version of the project, built where the developer is.
	dir := f.p.Dir
	hcl, err := os.ReadFile(filepath.Join(dir, "bpfc.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	next := filepath.Join(t.TempDir(), "next")
	if err := os.CopyFS(next, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(next, ".bpfc"))
	testenv.Write(t, next, "bpfc.hcl", strings.Replace(string(hcl), `version      = "1.0.0.0"`, `version      = "1.1.0.0"`, 1))
	b := build(t, testenv.Load(t, next))

	c := &Client{URL: f.url, Token: f.admin}
	res, err := c.Import(ctx, b, false, deploy.Upgrade, nil, "dev-laptop")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.Result != deploy.Applied || res.Version != "1.1.0.0" || res.Digest != b.Digest {
		t.Fatalf("result: %+v", res)
	}
	var sol store.Solution
	var hist []store.ImportRecord
	err = f.s.Read(ctx, func(tx store.Tx) error {
		var err error
		if sol, err = tx.Solution("ContosoSales"); err != nil {
			return err
		}
		hist, err = tx.Imports(store.ImportFilter{Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if sol.Version != "1.1.0.0" || sol.BuildDigest != b.Digest || len(hist) != 1 || hist[0].Who != "dev-laptop (as admin)" {
		t.Errorf("installed %+v, history %+v", sol, hist)
	}
	// The new build runs at once.
	f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"})

	// A lower version is refused, with the result.
	old := build(t, f.p)
	res, err = c.Import(ctx, old, false, deploy.Upgrade, nil, "")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusConflict || ae.Code != "ImportRefused" || res == nil || res.Result != deploy.Refused {
		t.Errorf("downgrade: %v %+v", err, res)
	}
	// Named as the client's project names the environment.
	ci := &Client{URL: f.url, Token: f.admin, Env: "ci"}
	if _, err := ci.Import(ctx, old, false, deploy.Upgrade, nil, ""); err == nil || !strings.Contains(err.Error(), "into ci refused") {
		t.Errorf("a refusal to a client calling the environment ci: %v", err)
	}
	// The managed archive into an unmanaged environment, a non-administrator,
	// and a body that is not an import are refused.
	if _, err := c.Import(ctx, b, true, deploy.Upgrade, nil, ""); !errors.As(err, &ae) || ae.Status != 400 {
		t.Errorf("managed into dev: %v", err)
	}
	sam := &Client{URL: f.url, Token: f.user("sam", "salesperson")}
	if _, err := sam.Import(ctx, b, false, deploy.Upgrade, nil, ""); !errors.As(err, &ae) || ae.Status != 403 {
		t.Errorf("salesperson: %v", err)
	}
	f.do("POST", "ImportSolution", f.admin, map[string]any{"Archive": "x"}).must(t, 400)
}

// blockingHooks holds every transition until released.
type blockingHooks struct {
	entered chan struct{}
	release chan struct{}
}

func (h *blockingHooks) Transition(ctx context.Context, tx store.Tx, t *engine.Transition) error {
	if t.Kind == engine.KindNext {
		h.entered <- struct{}{}
		select {
		case <-h.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// TestRequestTimeout: a request that takes longer than the limit is
// stopped with 503 Timeout, and what it did is rolled back.
func TestRequestTimeout(t *testing.T) {
	h := &blockingHooks{entered: make(chan struct{}, 1), release: make(chan struct{})}
	defer close(h.release)
	// The limit leaves the set-up's requests time on a loaded machine
	// (300 ms was too short for a create on PostgreSQL beside other tests).
	f := serve(t, fixtureOptions{hooks: h, limits: Limits{RequestTimeout: time.Second}})
	acct := f.create("accounts", map[string]any{"name": "Fabrikam"})
	f.create("incidents", map[string]any{"title": "Printer on fire", "customerid@odata.bind": "/accounts(" + acct + ")"})
	r := f.do("GET", "cts_phonetocases", f.admin, nil).must(t, 200)
	inst := r.rows()[0]["businessprocessflowinstanceid"].(string)
	ids, _ := f.stageIDs(inst)
	go func() { <-h.entered }()
	r = f.do("PATCH", "cts_phonetocases("+inst+")", f.admin, moveTo(ids["research"])).must(t, http.StatusServiceUnavailable)
	if r.errCode() != "Timeout" || r.header.Get("Retry-After") == "" {
		t.Errorf("timeout: %s %v", r.raw, r.header)
	}
	if r := f.do("GET", "cts_phonetocases("+inst+")", f.admin, nil).must(t, 200); r.str("_activestageid_value") != ids["identify"] {
		t.Errorf("the stopped move was kept: %s", r.raw)
	}
}

// TestGracefulShutdown: a shutdown lets the requests in flight finish
// (their changes committed) and then refuses new connections.
func TestGracefulShutdown(t *testing.T) {
	h := &blockingHooks{entered: make(chan struct{}, 1), release: make(chan struct{})}
	f := serve(t, fixtureOptions{hooks: h})
	acct := f.create("accounts", map[string]any{"name": "Fabrikam"})
	f.create("incidents", map[string]any{"title": "Printer on fire", "customerid@odata.bind": "/accounts(" + acct + ")"})
	inst := f.do("GET", "cts_phonetocases", f.admin, nil).must(t, 200).rows()[0]["businessprocessflowinstanceid"].(string)
	ids, _ := f.stageIDs(inst)

	done := make(chan *response, 1)
	go func() { done <- f.do("PATCH", "cts_phonetocases("+inst+")", f.admin, moveTo(ids["research"])) }()
	<-h.entered // the move is in its transaction
	stopped := make(chan error, 1)
	go func() { stopped <- f.stop() }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Fatalf("stopped with a request in flight: %v", err)
	default:
	}
	close(h.release)
	if r := <-done; r.status != http.StatusNoContent {
		t.Errorf("in-flight move: %d %s", r.status, r.raw)
	}
	if err := <-stopped; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if _, err := http.Get(f.url + "/healthz"); err == nil {
		t.Error("still accepting after shutdown")
	}
	var stage string
	err := f.s.Read(context.Background(), func(tx store.Tx) error {
		vs, err := tx.StageVisits(store.StageVisitFilter{InstanceID: inst})
		if len(vs) > 0 {
			stage = vs[len(vs)-1].Stage
		}
		return err
	})
	if err != nil || stage != "research" {
		t.Errorf("the in-flight move was not kept: %q %v", stage, err)
	}
}

// TestDecodeBinary: Edm.Binary parameters are read as base64url (OData's
// JSON format) or standard base64, padded or not.
func TestDecodeBinary(t *testing.T) {
	want := []byte{0xfb, 0xff, 0xbf, 0x01} // "+/+/AQ==" in standard base64
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		s := enc.EncodeToString(want)
		if got, err := decodeBinary(s); err != nil || !bytes.Equal(got, want) {
			t.Errorf("decodeBinary(%q) = %x, %v", s, got, err)
		}
	}
	if _, err := decodeBinary("not base64!"); err == nil {
		t.Error("decodeBinary accepted a string that is no base64")
	}
}
