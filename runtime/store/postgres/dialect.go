package postgres

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/bpfc/bpfc/runtime/store"
)

// dialect is PostgreSQL for sqlstore.
type dialect struct {
	busy time.Duration
}

func (d *dialect) Name() string { return "postgres" }

func (d *dialect) Migrations() fs.FS { return Migrations() }

// ColumnType keeps SQLite's storage classes, so that values read back have
// the same Go types on both backends: 64-bit integers for integers, choices
// and flags (0/1), doubles for decimal and money, text for the rest.
func (d *dialect) ColumnType(colType string) string {
	switch colType {
	case "integer", "choice", "state", "status", "boolean", store.TypeRowVersion:
		return "BIGINT"
	case "decimal", "money":
		return "DOUBLE PRECISION"
	}
	return "TEXT" // string memo email lookup customer uniqueidentifier datetime
}

// BeginWrite locks the environment's lock row: first without waiting; when
// another writer holds it, it tells onWait and waits up to the busy timeout
// (the connection's lock_timeout).
func (d *dialect) BeginWrite(ctx context.Context, db *sql.DB, onWait func()) (*sql.Conn, *sql.Tx, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx, err := d.lock(ctx, conn, "FOR UPDATE NOWAIT")
	if err != nil && d.IsBusy(err) {
		onWait()
		tx, err = d.lock(ctx, conn, "FOR UPDATE")
	}
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, tx, nil
}

func (d *dialect) lock(ctx context.Context, conn *sql.Conn, mode string) (*sql.Tx, error) {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, err
	}
	var id int
	if err := tx.QueryRowContext(ctx, `SELECT id FROM environmentlock WHERE id = 1 `+mode).Scan(&id); err != nil {
		tx.Rollback()
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errors.New("the environment's lock row is missing")
		}
		return nil, err
	}
	return tx, nil
}

// IsBusy: lock_not_available (NOWAIT, lock_timeout), serialization_failure
// and deadlock_detected — another transaction holds what this one needs.
func (d *dialect) IsBusy(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "55P03", "40001", "40P01":
			return true
		}
	}
	return false
}

// wrapBool lets a Go bool be written to an integer column, as 1 or 0 (as
// SQLite stores it): store.Tx.InsertRow takes bools for boolean columns.
func wrapBool(v any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	b, ok := v.(bool)
	if !ok {
		return nil, nil, false
	}
	return &boolPlan{}, boolInt(b), true
}

type boolPlan struct{ next pgtype.EncodePlan }

func (p *boolPlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *boolPlan) Encode(v any, buf []byte) ([]byte, error) {
	return p.next.Encode(boolInt(v.(bool)), buf)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
