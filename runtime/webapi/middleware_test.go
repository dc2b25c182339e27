package webapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
)

// TestRequestsNameTheirClient: every request's context names its
// connection as the client (store.WithClient), so that a store batching
// one-shot moves can expect the connection back.
func TestRequestsNameTheirClient(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var got string
	h := s.logged(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = store.ClientOf(r.Context()) }))
	r := httptest.NewRequest(http.MethodPatch, Prefix+"x", nil)
	r.RemoteAddr = "127.0.0.1:41234"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "127.0.0.1:41234" {
		t.Errorf("the request's client is %q, want its connection 127.0.0.1:41234", got)
	}
}
