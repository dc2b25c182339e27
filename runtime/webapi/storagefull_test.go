package webapi

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	_ "github.com/bpfc/bpfc/runtime/store/postgres" // registers disk_full
	_ "github.com/bpfc/bpfc/runtime/store/sqlite"   // registers SQLITE_FULL and the driver
)

// TestStorageFull: a full disk under the store answers 507 StorageFull,
// saying that nothing was written, from either backend (it was a 500
// InternalError with the database's words).
func TestStorageFull(t *testing.T) {
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
	_, full := db.Exec("INSERT INTO t VALUES (zeroblob(1000000))")
	for name, err := range map[string]error{"sqlite": full, "postgres": &pgconn.PgError{Code: "53100", Message: "could not extend file"}} {
		status, d := classify(err, false)
		if status != http.StatusInsufficientStorage || d.Code != "StorageFull" {
			t.Errorf("%s: %d %+v", name, status, d)
		}
	}
	if status, _ := classify(&pgconn.PgError{Code: "23505"}, false); status == http.StatusInsufficientStorage {
		t.Error("another database error taken for a full disk")
	}
}
