package webapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bpfc/bpfc/runtime/internal/fulldisk"
	_ "github.com/bpfc/bpfc/runtime/store/postgres" // registers disk_full
	_ "github.com/bpfc/bpfc/runtime/store/sqlite"   // registers SQLITE_FULL
)

// TestStorageFull: a full disk under the store answers 507 StorageFull,
// saying that nothing was written, from either backend (it was a 500
// InternalError with the database's words).
func TestStorageFull(t *testing.T) {
	for name, err := range map[string]error{"sqlite": fulldisk.SQLiteError(t), "postgres": &pgconn.PgError{Code: "53100", Message: "could not extend file"}} {
		status, d := classify(err, false)
		if status != http.StatusInsufficientStorage || d.Code != "StorageFull" {
			t.Errorf("%s: %d %+v", name, status, d)
		}
	}
	if status, _ := classify(&pgconn.PgError{Code: "23505"}, false); status == http.StatusInsufficientStorage {
		t.Error("another database error taken for a full disk")
	}
}

// TestConnectionLost: a connection to PostgreSQL ended under a request
// answers 503 StoreUnavailable, saying that a change may or may not have
// been written (it was a 500 saying nothing was, for moves that had
// committed); a read says nothing was changed.
func TestConnectionLost(t *testing.T) {
	lost := fmt.Errorf("one-shot write of 2 rows of cts_phonetocase: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P01",
		Message: "terminating connection due to administrator command"})
	status, d := classify(lost, true)
	if status != http.StatusServiceUnavailable || d.Code != "StoreUnavailable" || !strings.Contains(d.Message, "may or may not have been written") {
		t.Errorf("lost connection: %d %+v", status, d)
	}
	s := &Server{log: slog.New(slog.DiscardHandler)}
	for method, want := range map[string]string{"PATCH": "may or may not have been written", "GET": "nothing was changed"} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(method, "/api/data/v9.2/leads", nil)
		s.fail(w, r, lost)
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), want) || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d %s", method, w.Code, w.Body.String())
		}
	}
}

// TestStoreUnreachable: a request whose connection to PostgreSQL cannot be
// made (the database down, its port wrong) answers 503 StoreUnavailable
// with Retry-After, saying that nothing was changed, without the
// database's host and user, which the server logs instead (it was a 500
// InternalError that gave them to any client and said nothing to do).
func TestStoreUnreachable(t *testing.T) {
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
	err = fmt.Errorf("begin: %w", err)
	var logged strings.Builder
	s := &Server{log: slog.New(slog.NewTextHandler(&logged, nil))}
	for _, method := range []string{"GET", "PATCH"} {
		w := httptest.NewRecorder()
		s.fail(w, httptest.NewRequest(method, "/api/data/v9.2/leads", nil), err)
		body := w.Body.String()
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(body, `"StoreUnavailable"`) || !strings.Contains(body, "nothing was changed") ||
			strings.Contains(body, addr) || w.Header().Get("Retry-After") == "" {
			t.Errorf("%s: %d %s", method, w.Code, body)
		}
	}
	if !strings.Contains(logged.String(), addr) {
		t.Errorf("the server's log does not say why: %s", logged.String())
	}
}

// TestSchemaMismatch: a statement that names a column the store lacks (a
// newer bpfc migrated it under this server) says to upgrade the server.
func TestSchemaMismatch(t *testing.T) {
	status, d := classify(fmt.Errorf("prepare: %w", &pgconn.PgError{Code: "42703", Message: `column "left_on" does not exist`}), false)
	if status != http.StatusInternalServerError || !strings.Contains(d.Message, "a newer bpfc may have upgraded it (upgrade this server") {
		t.Errorf("%d %+v", status, d)
	}
	if _, d := classify(&pgconn.PgError{Code: "23505"}, false); strings.Contains(d.Message, "newer bpfc") {
		t.Error("another database error taken for a schema mismatch")
	}
}
