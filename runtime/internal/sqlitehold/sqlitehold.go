// Package sqlitehold holds a SQLite store file locked for a test, as
// another process in the middle of a write would: the busy paths of
// opening, importing and uninstalling are tested against it. It is
// imported only by tests.
package sqlitehold

import (
	"context"
	"database/sql"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Hold keeps every other connection out of the SQLite file at path until
// the test ends: an exclusive transaction under locking_mode EXCLUSIVE, so
// not even a reader gets in.
func Hold(t testing.TB, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		conn.Close()
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		conn.Close()
		db.Close()
	})
}
