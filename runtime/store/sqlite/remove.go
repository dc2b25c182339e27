package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// RemoveIfUnused removes the store file at path (with its -wal, -shm and
// -journal files) when nothing is installed in it and no import ever
// succeeded there, checked under an exclusive lock: it undoes the creation
// of an environment whose first import did not apply, without removing one
// that another process deployed to meanwhile, or one it is writing now (the
// lock is busy: left alone). It reports whether it removed the store; a
// missing file is not an error.
func RemoveIfUnused(ctx context.Context, path string) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	db, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		return false, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	d := &dialect{}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		if d.IsBusy(err) {
			return false, fmt.Errorf("%w (%v)", store.ErrBusy, err)
		}
		return false, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") //nolint:errcheck // after a removal there is nothing to roll back
	var tables int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('solution', 'importjob')`).Scan(&tables); err != nil {
		return false, err
	}
	if tables == 2 {
		var used int
		if err := conn.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM solution) + (SELECT COUNT(*) FROM importjob WHERE result = ?)`,
			store.ResultSucceeded).Scan(&used); err != nil {
			return false, err
		}
		if used > 0 {
			return false, nil
		}
	}
	// Removed while the lock is held: no other process wrote in between.
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	return true, nil
}
