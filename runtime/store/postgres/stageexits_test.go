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
	ctx := context.Background()
	schema := SchemaFor("old")
	db, err := openDB(url, schema, DefaultBusyTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if err := prepare(ctx, db, schema); err != nil {
		t.Fatal(err)
	}
	old, err := sqlstore.Open(ctx, db, &before{dialect: &dialect{busy: time.Second}, version: 6}, sqlstore.Options{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	storetest.WriteOldStays(t, old)
	storetest.CheckMigratedStays(t, open(t, url, Options{Name: "old"}))
}

// before is the dialect with the migrations up to version only.
type before struct {
	*dialect
	version int
}

func (b *before) Migrations() fs.FS {
	return storetest.MigrationsUpTo(b.dialect.Migrations(), b.version)
}
