package postgres

import (
	"testing"

	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

// TestLookupTargetsMigrated: an environment made before migration 0015,
// with rows, migrates: its rows keep their lookups, with no table kept,
// and tables are kept from then on.
func TestLookupTargetsMigrated(t *testing.T) {
	url := pgtest.URL(t)
	storetest.WriteOldCustomerRows(t, oldStore(t, url, 14))
	storetest.CheckLookupTargetsMigrated(t, open(t, url, Options{Name: "old"}))
}
