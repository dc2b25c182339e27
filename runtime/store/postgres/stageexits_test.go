package postgres

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

// TestStageExitsMigrated: migration 0007 moves the ends of stays written
// in place before it into stageexit.
func TestStageExitsMigrated(t *testing.T) {
	url := pgtest.URL(t)
	storetest.WriteOldStays(t, oldStore(t, url, 6))
	storetest.CheckMigratedStays(t, open(t, url, Options{Name: "old"}))
}

// oldStore makes the environment "old" as a bpfc whose last migration was
// version made it.
func oldStore(t *testing.T, url string, version int) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	schema := SchemaFor("old")
	db, err := openDB(url, schema, DefaultBusyTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepare(ctx, db, schema); err != nil {
		t.Fatal(err)
	}
	old, err := sqlstore.Open(ctx, db, &before{dialect: &dialect{busy: time.Second}, version: version}, sqlstore.Options{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	return old
}

// before is the dialect with the migrations up to version only.
type before struct {
	*dialect
	version int
}

func (b *before) Migrations() fs.FS {
	return storetest.MigrationsUpTo(b.dialect.Migrations(), b.version)
}
