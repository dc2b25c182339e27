package webui

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestStoreUnreachablePage: a page whose database cannot be reached (down,
// its port wrong) says so, 503, that nothing was changed and to try again,
// without the database's host; it was "Something went wrong", 500.
func TestStoreUnreachablePage(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = pgconn.Connect(context.Background(), "postgres://bpfc@"+addr+"/bpfc?sslmode=disable&connect_timeout=5")
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	w := httptest.NewRecorder()
	f.ui.fail(w, httptest.NewRequest(http.MethodGet, "/records/lead", nil), nil, err)
	body := w.Body.String()
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(body, "Database unreachable") ||
		!strings.Contains(body, "nothing was changed") || strings.Contains(body, addr) {
		t.Errorf("%d\n%s", w.Code, body)
	}
	// A Next whose steps were saved before its move could not reach the
	// database: the page does not say that nothing was changed.
	w = httptest.NewRecorder()
	f.ui.fail(w, httptest.NewRequest(http.MethodPost, "/records/lead/x/process", nil), nil, &moveError{op: opNext, saved: true, err: err})
	body = w.Body.String()
	if w.Code != http.StatusServiceUnavailable || strings.Contains(body, "nothing was changed") ||
		!strings.Contains(body, "what you typed in the steps was saved, nothing else was done") {
		t.Errorf("steps saved, then the move unreachable: %d\n%s", w.Code, body)
	}
}
