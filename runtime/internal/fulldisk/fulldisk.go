// Package fulldisk gives tests SQLite's own "database or disk is full"
// error, from a database whose page limit stands in for a full disk: the
// error a store reports when the disk under it fills up.
package fulldisk

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // the driver
)

// SQLiteError returns the error SQLite gives a write that does not fit.
func SQLiteError(t testing.TB) error {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"CREATE TABLE t (b BLOB)", "PRAGMA max_page_count = 3"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_, err = db.Exec("INSERT INTO t VALUES (zeroblob(1000000))")
	if err == nil {
		t.Fatal("a write beyond max_page_count succeeded")
	}
	return err
}
