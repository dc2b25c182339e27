package webapi

import (
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bpfc/bpfc/runtime/internal/fulldisk"
	_ "github.com/bpfc/bpfc/runtime/store/postgres" // registers disk_full
	_ "github.com/bpfc/bpfc/runtime/store/sqlite"   // registers SQLITE_FULL
)

// TestStorageFull: a full disk under the store answers 507 StorageFull,
// saying that nothing was written, from either backend (it was a 500
// InternalError with the database's words).
func TestStorageFull(t *testing.T) {
	for name, err := range map[string]error{"sqlite": fulldisk.SQLiteError(t), "postgres": &pgconn.PgError{Code: "53100", Message: "could not extend file"}} {
		status, d := classify(err, false)
		if status != http.StatusInsufficientStorage || d.Code != "StorageFull" {
			t.Errorf("%s: %d %+v", name, status, d)
		}
	}
	if status, _ := classify(&pgconn.PgError{Code: "23505"}, false); status == http.StatusInsufficientStorage {
		t.Error("another database error taken for a full disk")
	}
}
