package webapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// refusingStores are URLs of the test server that it refuses to connect:
// a role that does not exist (28000) and a database that does not
// (3D000). Each names what the answers must not show (the role, the
// database), which the server's log must.
func refusingStores(t *testing.T) map[string]string {
	t.Helper()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	role, noDB := *u, *u
	role.User = url.User(db + "_no_such_role")
	noDB.Path = "/" + db + "_no_such_db"
	return map[string]string{db + "_no_such_role": role.String(), db + "_no_such_db": noDB.String()}
}

// TestStoreRefused: a request whose store connection PostgreSQL refuses
// (no such role, no such database: the server's settings) answers 500
// StoreRefused, saying nothing was changed, that trying again will not
// help and to tell whoever runs the server, without Retry-After and
// without the role or database, which the server logs. It was 503
// StoreUnavailable, "try again", as for a database that is down.
func TestStoreRefused(t *testing.T) {
	for name, storeURL := range refusingStores(t) {
		_, err := pgconn.Connect(context.Background(), storeURL)
		if err == nil {
			t.Fatalf("%s: connected", name)
		}
		err = fmt.Errorf("begin: %w", err)
		var logged strings.Builder
		s := &Server{log: slog.New(slog.NewTextHandler(&logged, nil))}
		for _, method := range []string{"GET", "PATCH"} {
			w := httptest.NewRecorder()
			s.fail(w, httptest.NewRequest(method, "/api/data/v9.2/leads", nil), err)
			body := w.Body.String()
			if w.Code != http.StatusInternalServerError || !strings.Contains(body, `"StoreRefused"`) || !strings.Contains(body, "nothing was changed") ||
				!strings.Contains(body, "trying again will not help") || !strings.Contains(body, "tell whoever runs the server") ||
				strings.Contains(body, name) || w.Header().Get("Retry-After") != "" {
				t.Errorf("%s, %s: %d %s (Retry-After %q)", name, method, w.Code, body, w.Header().Get("Retry-After"))
			}
		}
		if !strings.Contains(logged.String(), name) {
			t.Errorf("%s: the server's log does not say why: %s", name, logged.String())
		}
	}
}

// TestImportStoreRefused: an import into a server whose store PostgreSQL
// refuses comes back, through the client, as the server's 500
// StoreRefused with no result: the CLI says failed, where it said busy
// (a CI job retried a wrong store URL for ever). The server logs why.
func TestImportStoreRefused(t *testing.T) {
	var logs testenv.LogBuffer
	f := serve(t, fixtureOptions{logs: &logs})
	for name, storeURL := range refusingStores(t) {
		f.p.Environment("dev").Store = storeURL
		b := build(t, f.p)
		c := &Client{URL: f.url, Token: f.admin, Env: "shared"}
		res, err := c.Import(context.Background(), b, false, deploy.Upgrade, nil, "ci")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusInternalServerError || ae.Code != "StoreRefused" || errors.Is(err, store.ErrBusy) ||
			!strings.Contains(ae.Message, "nothing was changed") || strings.Contains(ae.Message, name) {
			t.Errorf("%s: an import into a server whose store refuses it: %v", name, err)
		}
		if res != nil && res.Result == deploy.Busy {
			t.Errorf("%s: the result is busy: %+v", name, res)
		}
		if res != nil && strings.Contains(res.Message, name) {
			t.Errorf("%s: the result's message names what only the server's log should: %+v", name, res)
		}
		if logged := logs.Take(); !strings.Contains(logged, name) {
			t.Errorf("%s: the server's log does not say why the store refused:\n%s", name, logged)
		}
	}
}
