package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
)

// TestRemoteDeployInterrupted: a remote deploy whose context ends (Ctrl-C)
// while the server imports says that the import may or may not have been
// made and where to look, instead of a bare connection error: env list, which
// reaches the server, not history --env, which refuses a remote environment.
func TestRemoteDeployInterrupted(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read whole, so that the server notices the client leaving.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done() // an import that takes long; the client leaves
	}))
	defer srv.Close()
	dir := copyExample(t, "sales")
	addSharedEnv(t, dir, srv.URL, "")
	t.Setenv("BPFC_TOKEN_SHARED", "bpfc_x")
	p, diags := compiler.Load(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	b, err := buildForDeploy(p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-arrived:
		case <-time.After(30 * time.Second):
		}
		cancel()
	}()
	var out, errb bytes.Buffer
	g := &globals{dir: dir, output: "text", stdout: &out, stderr: &errb}
	err = remoteDeploy(ctx, g, p.Environment("shared"), b, deploy.Options{}, 0)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(err.Error(), "interrupted while "+srv.URL+" imported it") ||
		!strings.Contains(err.Error(), "bpfc env list shows the build live in shared (this one is "+shortDigest(b.Digest)+")") ||
		strings.Contains(err.Error(), "bpfc history --env shared") {
		t.Errorf("an interrupted remote deploy: %v\n%s", err, out.String())
	}
}
