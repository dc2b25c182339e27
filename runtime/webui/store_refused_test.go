package webui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestStoreRefusedPage: a page whose database refuses the server's
// connection (a role that does not exist, a database that does not) says
// so, 500, that nothing was changed and that trying again will not help,
// without the role or database (the log has them); it was "Database
// unreachable", 503, "try again in a moment".
func TestStoreRefusedPage(t *testing.T) {
	f := newFixture(t)
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	role, noDB := *u, *u
	role.User = url.User(db + "_no_such_role")
	noDB.Path = "/" + db + "_no_such_db"
	for name, storeURL := range map[string]string{db + "_no_such_role": role.String(), db + "_no_such_db": noDB.String()} {
		_, err := pgconn.Connect(context.Background(), storeURL)
		if err == nil {
			t.Fatalf("%s: connected", name)
		}
		w := httptest.NewRecorder()
		f.ui.fail(w, httptest.NewRequest(http.MethodGet, "/records/lead", nil), nil, err)
		body := w.Body.String()
		if w.Code != http.StatusInternalServerError || !strings.Contains(body, "Database refused the server") ||
			!strings.Contains(body, "nothing was changed") || !strings.Contains(body, "Trying again will not help") ||
			strings.Contains(body, "Database unreachable") || strings.Contains(body, name) {
			t.Errorf("%s: %d\n%s", name, w.Code, body)
		}
		w = httptest.NewRecorder()
		f.ui.fail(w, httptest.NewRequest(http.MethodPost, "/records/lead/x/process", nil), nil, &moveError{op: opNext, saved: true, err: err})
		if body := w.Body.String(); w.Code != http.StatusInternalServerError || strings.Contains(body, "nothing was changed") ||
			!strings.Contains(body, "what you typed in the steps was saved, nothing else was done") {
			t.Errorf("%s: steps saved, then the move refused: %d\n%s", name, w.Code, body)
		}
	}
}
