package webapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// closeAfterStart is an engine hook that, inside the transaction of a
// flow's start, has PostgreSQL refuse new connections to the environment's
// database and the pool keep none idle: the create commits on the
// connection it holds, and the next read needs a connection that cannot
// be made.
type closeAfterStart struct {
	admin *pgx.Conn
	db    string
	s     *store.Store
}

func (h *closeAfterStart) Transition(ctx context.Context, _ store.Tx, tr *engine.Transition) error {
	if tr.Kind != engine.KindStart || h.admin == nil {
		return nil
	}
	if _, err := h.admin.Exec(ctx, `ALTER DATABASE `+h.db+` WITH ALLOW_CONNECTIONS false`); err != nil {
		return err
	}
	(*h.s).(*sqlstore.DB).SQL().SetMaxIdleConns(0)
	return nil
}

// TestCreatedThenStoreUnreachable: a POST with Prefer: return=representation
// whose record was created, but whose store could not be reached to read
// the record back, answers 204 with the record's OData-EntityId and no
// representation: it was a 503 StoreUnavailable saying "nothing was
// changed; try again", with Retry-After, and a client that tried again
// created the record twice.
func TestCreatedThenStoreUnreachable(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	p := project(t, "sales")
	p.Environment("dev").Store = u
	testenv.Deploy(t, p, "dev", build(t, p))
	au, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(au.Path, "/")
	au.Path = "/postgres"
	admin, err := pgx.Connect(ctx, au.String())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	h := &closeAfterStart{admin: admin, db: db}
	f := serveEnv(t, p, "dev", fixtureOptions{hooks: h})
	h.s = &f.s
	res := f.do("POST", "leads", f.admin, map[string]any{"subject": "Fleet", "lastname": "Bloggs"}, "Prefer", "return=representation")
	h.admin = nil
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+db+` WITH ALLOW_CONNECTIONS true`); err != nil {
		t.Fatal(err)
	}
	f.s.(*sqlstore.DB).SQL().SetMaxIdleConns(2)
	loc := res.header.Get("OData-EntityId")
	if res.status != http.StatusNoContent || loc == "" || res.header.Get("Preference-Applied") != "" || res.header.Get("Retry-After") != "" {
		t.Fatalf("created, its read back failing: %d (Preference-Applied %q, Retry-After %q, OData-EntityId %q) %s", res.status,
			res.header.Get("Preference-Applied"), res.header.Get("Retry-After"), loc, res.raw)
	}
	got := f.do("GET", loc, f.admin, nil).must(t, http.StatusOK)
	if got.body["subject"] != "Fleet" {
		t.Errorf("the lead the answer names: %s", got.raw)
	}
	rows := f.do("GET", "leads?$select=subject&$filter=subject%20eq%20'Fleet'", f.admin, nil).must(t, http.StatusOK).rows()
	if len(rows) != 1 {
		t.Errorf("leads named Fleet: %v", rows)
	}
}
