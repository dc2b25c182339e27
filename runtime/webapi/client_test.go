package webapi

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/engine"
)

// TestClientAgainstOtherServers: an environment's url that names something
// other than a bpfc serve never reads as success or as an empty message.
func TestClientAgainstOtherServers(t *testing.T) {
	b := &deploy.Build{Digest: "sha256:x", Model: []byte("{}"), Unmanaged: deploy.Archive{Name: "x.zip", Data: []byte("PK")}}
	ctx := context.Background()

	// Any service that answers 200 {}: no import's result.
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	defer ok.Close()
	c := &Client{URL: ok.URL, Token: "t", Env: "ci"}
	res, err := c.Import(ctx, b, false, deploy.Upgrade, nil, "tester")
	if err == nil || res != nil || !strings.Contains(err.Error(), "not a bpfc serve") || !strings.Contains(err.Error(), "environment ci") {
		t.Errorf("a 200 {} from another service: %v, %v", res, err)
	}
	// ... nor a list of instances (it printed a row of zero values).
	if ins, err := c.Instances(ctx, engine.InstanceFilter{}); err == nil || !strings.Contains(err.Error(), "without a list of instances") {
		t.Errorf("instances from another service: %v, %v", ins, err)
	}

	// A proxy's empty 404 and 502.
	for _, status := range []int{http.StatusNotFound, http.StatusBadGateway} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
		c := &Client{URL: srv.URL, Token: "t", Env: "lb"}
		_, err := c.Do(ctx, http.MethodGet, "leads", nil, nil, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != status || !strings.Contains(ae.Message, srv.URL+Prefix+"leads") ||
			!strings.Contains(ae.Message, "names a bpfc serve") {
			t.Errorf("an empty %d: %v", status, err)
		}
		srv.Close()
	}

	// Nothing listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c = &Client{URL: "http://" + addr, Token: "t", Env: "gone"}
	_, err = c.Do(ctx, http.MethodGet, "leads", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot reach http://"+addr+" (environment gone)") || !strings.Contains(err.Error(), "bpfc serve running") {
		t.Errorf("nothing listening: %v", err)
	}

	// https:// for bpfc serve, which speaks plain http: the url to write.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	host := strings.TrimPrefix(plain.URL, "http://")
	c = &Client{URL: "https://" + host, Token: "t", Env: "tls"}
	_, err = c.Do(ctx, http.MethodGet, "leads", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "https://"+host+" (environment tls) answers plain http, not https") ||
		!strings.Contains(err.Error(), "set the environment's url to http://"+host) {
		t.Errorf("https to a plain http server: %v", err)
	}
}

// TestClientRefusesRedirectsElsewhere: a redirect to another host sends
// nothing there (a 307 would repeat an import's body, its secrets with
// it), and says where the server pointed.
func TestClientRefusesRedirectsElsewhere(t *testing.T) {
	var got atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer other.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer proxy.Close()
	c := &Client{URL: proxy.URL, Token: "t", Env: "remote"}
	_, err := c.Do(context.Background(), http.MethodPost, "leads", map[string]any{"subject": "x"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "redirected to "+other.URL) || !strings.Contains(err.Error(), "set the environment's url") {
		t.Errorf("a redirect elsewhere: %v", err)
	}
	if got.Load() != 0 {
		t.Errorf("the other host got %d requests", got.Load())
	}
}

// A server that takes a change and drops the connection before answering
// (killed after its commit): the change may have been made, so the client
// says to read before retrying instead of "cannot reach".
func TestClientLostAnswer(t *testing.T) {
	var got atomic.Int32
	lost := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(lost.Close)
	c := &Client{URL: lost.URL, Token: "t", Env: "dev"}
	c.HTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // one attempt: no replay on a fresh connection
	_, err := c.Do(context.Background(), http.MethodPost, "bpfc_NextStage", map[string]any{"ProcessInstanceId": "x"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "took POST bpfc_NextStage but the connection was lost before its answer") ||
		!strings.Contains(err.Error(), "the change may have been made there") || strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("a lost answer: %v", err)
	}
	if n := got.Load(); n != 1 {
		t.Errorf("the server saw %d requests, want 1", n)
	}
	// history refuses a remote environment: a lost import's answer names
	// env list, which reaches the server, and history only where it runs.
	_, err = c.Do(context.Background(), http.MethodPost, "ImportSolution", map[string]any{}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "bpfc env list shows the build live there, and bpfc history, run where its server runs") {
		t.Errorf("a lost import's answer: %v", err)
	}
	if err == nil || strings.Contains(err.Error(), "(bpfc instance show, bpfc history)") {
		t.Errorf("a lost answer names history, which refuses a remote environment: %v", err)
	}
}

// A server that takes the connection and never answers fails the request
// after its timeout, naming the server, instead of holding the command.
func TestClientGivesUpOnASilentServer(t *testing.T) {
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(stuck.Close)
	defer func(d time.Duration) { shortAnswer = d }(shortAnswer)
	shortAnswer = 200 * time.Millisecond
	c := &Client{URL: stuck.URL, Token: "t", Env: "far"}
	start := time.Now()
	_, err := c.Do(context.Background(), http.MethodGet, "WhoAmI()", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), stuck.URL+" (environment far) did not answer GET WhoAmI() within 200ms") {
		t.Errorf("a silent server: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

// TestClientPlanWithoutArchive: a plan of a build without the archive the
// environment takes, against a server of an older bpfc (which wants
// CustomizationFile), is that refusal; a current server's other 400s
// (about OtherCustomizationFile, say) are what they say.
func TestClientPlanWithoutArchive(t *testing.T) {
	b := &deploy.Build{Digest: "sha256:x", Model: []byte("{}"), Unmanaged: deploy.Archive{Name: "x.zip", Data: []byte("PK")},
		Project: &compiler.Project{Solution: &compiler.Solution{Name: "Sales", Version: "1.0.0.0"}}}
	for msg, refusal := range map[string]bool{
		"CustomizationFile must be the solution archive, base64-encoded":      true,
		"OtherCustomizationFile must be the solution archive, base64-encoded": false,
		"OtherCustomizationFile is not the build of the Model":                false,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "BadRequest", "message": msg}})
		}))
		c := &Client{URL: srv.URL, Token: "t", Env: "prod"}
		_, err := c.Plan(context.Background(), b, true, deploy.Upgrade, deploy.SentValues{})
		var ref *deploy.Refusal
		if got := errors.As(err, &ref); got != refusal || !refusal && !strings.Contains(err.Error(), msg) {
			t.Errorf("a 400 %q: %v (a refusal: %v, want %v)", msg, err, got, refusal)
		}
		srv.Close()
	}
}
