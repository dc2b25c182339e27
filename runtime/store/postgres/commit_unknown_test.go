package postgres

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// holdCommit adds to the dev schema's publisher table a deferred
// constraint trigger running body at COMMIT: what holds a COMMIT in flight
// (pg_sleep) or refuses it (RAISE), as a deferred constraint does.
func holdCommit(t *testing.T, admin *sql.DB, body string) {
	t.Helper()
	schema := SchemaFor("dev")
	if _, err := admin.Exec(`CREATE FUNCTION ` + schema + `.atcommit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	` + body + `;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER atcommit AFTER INSERT ON ` + schema + `.publisher
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ` + schema + `.atcommit()`); err != nil {
		t.Fatal(err)
	}
}

// TestCommitConnectionLost: a write whose backend is ended while its
// COMMIT is in flight (an administrator's pg_terminate_backend) got no
// answer: the store says the outcome is unknown (ErrCommitUnknown, and a
// lost connection), not a plain failure that would read "nothing was
// written" — though here the server rolled it back.
func TestCommitConnectionLost(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url, Options{Name: "dev", BusyTimeout: 5 * time.Second})
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	holdCommit(t, admin, `PERFORM pg_sleep(60)`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Ends the writer's backend once its COMMIT sleeps.
		for ctx.Err() == nil {
			var n int
			if err := admin.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND wait_event = 'PgSleep' AND query ILIKE 'commit%'`).Scan(&n); err == nil && n > 0 {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	err = s.Write(context.Background(), func(tx store.Tx) error {
		return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
	})
	if !errors.Is(err, store.ErrCommitUnknown) || !store.IsConnectionLost(err) {
		t.Fatalf("a write whose backend ended during its COMMIT: %v; want ErrCommitUnknown (lost connection: %v)", err, store.IsConnectionLost(err))
	}
	err = s.Read(context.Background(), func(tx store.Tx) error {
		if _, err := tx.Publisher("p"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the publisher after its backend ended in the COMMIT: %v, want none (the server rolled it back)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCommitRefused: a COMMIT the server refuses (a deferred constraint
// violated) is a definite failure, not an unknown outcome.
func TestCommitRefused(t *testing.T) {
	url := pgtest.URL(t)
	s := open(t, url, Options{Name: "dev", BusyTimeout: 5 * time.Second})
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	holdCommit(t, admin, `RAISE EXCEPTION 'publisher refused' USING ERRCODE = 'check_violation'`)
	err = s.Write(context.Background(), func(tx store.Tx) error {
		return tx.PutPublisher(store.Publisher{Name: "p", Prefix: "pp"})
	})
	var pe *pgconn.PgError
	if errors.Is(err, store.ErrCommitUnknown) || store.IsConnectionLost(err) || !errors.As(err, &pe) || pe.Code != "23514" {
		t.Fatalf("a COMMIT refused by a deferred constraint: %v; want the server's check_violation, no unknown outcome", err)
	}
}
