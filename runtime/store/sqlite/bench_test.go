package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

// BenchmarkJobList lists the newest 50 jobs of a state (bpfc job list
// --state S --limit 50, the Web API's bpfc_RetrieveJobs) with 0 and
// 100,000 succeeded jobs in the queue's history, 100 of them failed: a
// page of a state's newest should not cost the whole history.
//
//	go test -run '^$' -bench JobList -benchtime 20x ./runtime/store/sqlite/
func BenchmarkJobList(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("jobs=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b)
			if _, err := s.SQL().ExecContext(ctx, fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
INSERT INTO workflowjob (workflow, build_digest, table_name, record_id, state, max_attempts, next_run_at, created_on, modified_on)
SELECT 'notify', 'd', 'lead', 'r' || i, CASE WHEN i %% 1000 = 0 THEN 'failed' ELSE 'succeeded' END, 3,
	'2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z', '2026-01-01T00:00:00.000000000Z' FROM c`, n)); err != nil {
				b.Fatal(err)
			}
			for _, state := range []string{store.JobSucceeded, store.JobFailed} {
				b.Run(state, func(b *testing.B) {
					for range b.N {
						err := s.Read(ctx, func(tx store.Tx) error {
							_, err := tx.(store.JobTx).Jobs(store.JobFilter{State: state, Limit: 50})
							return err
						})
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkNewestFirst reads the first page of 50 rows of a table newest
// first (createdon descending, the web pages' record lists), and the page
// after it, with 0 and 100,000 rows, a hundred to a second: a page
// should cost the same at both sizes.
//
//	go test -run '^$' -bench NewestFirst -benchtime 20x ./runtime/store/sqlite/
func BenchmarkNewestFirst(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			s := benchStore(b)
			tb := storetest.BenchTable(b, s, []store.Column{{Name: "pp_name", Type: "string"}, {Name: "createdon", Type: "datetime"}},
				fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
INSERT INTO pp_thing (pp_thingid, pp_name, createdon, versionnumber)
SELECT lower(hex(randomblob(16))), 'row ' || i, strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', '2026-01-01', '+' || (i / 100) || ' seconds'), 1 FROM c`, n))
			q := store.Query{Table: tb, OrderBy: []store.Order{{Column: "createdon", Desc: true}}, Limit: 51}
			storetest.BenchPages(b, s, q)
		})
	}
}

// benchStore opens an environment in a file of its own, closed when b
// ends.
func benchStore(b *testing.B) *sqlstore.DB {
	s, err := Open(context.Background(), filepath.Join(b.TempDir(), "dev.db"), Options{Name: "dev"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
