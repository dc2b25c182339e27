package postgres

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestCommitAnsweredRollback: a shared transaction whose COMMIT the server
// answers with ROLLBACK (the transaction had failed) got the server's
// answer: a definite failure, never an unknown outcome, also when the
// context has ended by the time the caller asks (sqlstore passes
// ctx.Err() != nil as ended). It was a plain error, which CommitUncertain
// took for a COMMIT without an answer once the context had ended.
func TestCommitAnsweredRollback(t *testing.T) {
	url := pgtest.URL(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT 1/0"); err == nil {
		t.Fatal("1/0 did not fail the transaction")
	}
	tctx, cancel := context.WithCancel(ctx)
	p := &pipeTx{ctx: tctx, conn: conn}
	err = p.Commit()
	cancel() // ended after the answer, before the caller looks
	if err == nil || !errors.Is(err, pgx.ErrTxCommitRollback) || (&dialect{}).CommitUncertain(err, true) {
		t.Fatalf("a COMMIT answered ROLLBACK: %v; want a definite failure (pgx.ErrTxCommitRollback)", err)
	}
}
