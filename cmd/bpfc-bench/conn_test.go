package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestWriterConn: a writer's moves go on one kept-alive connection, as
// PATCH requests with the token, If-Match and the JSON body, and the
// answer's status and ETag come back; a connection the server closes is
// an error; only loopback is dialed.
func TestWriterConn(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != "PATCH" || r.URL.Path != "/api/data/v9.2/cts_phonetocases(1)" ||
			r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" ||
			string(body) != `{"activestageid@odata.bind":"/processstages(s2)"}`:
			http.Error(w, "unexpected request", http.StatusBadRequest)
		case r.Header.Get("If-Match") == `W/"9"`:
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusPreconditionFailed)
		default:
			w.Header().Set("ETag", `W/"`+r.Header.Get("If-Match")[3:4]+`1"`)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	wc, err := dialWriter(context.Background(), srv.URL+"/api/data/v9.2/", "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close()
	for _, v := range []string{"1", "2", "3"} {
		code, etag, err := wc.patch("cts_phonetocases(1)", moveBody("s2"), `W/"`+v+`"`)
		if err != nil || code != http.StatusNoContent || etag != `W/"`+v+`1"` {
			t.Fatalf("move at %s: %d %q %v", v, code, etag, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for three moves, want 1", n)
	}
	if code, _, err := wc.patch("cts_phonetocases(1)", moveBody("s2"), `W/"9"`); code != http.StatusPreconditionFailed || err == nil {
		t.Errorf("closed by the server: %d %v, want 412 and an error", code, err)
	}
	if _, err := dialWriter(context.Background(), "http://192.0.2.1/api/data/v9.2/", "tok"); err == nil {
		t.Error("dialed beyond loopback")
	}
}
