package webui

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// BenchmarkLargeTables renders the pages of a lead (the leads' list, a
// lead's record page with its stage form, the flow page, the flow's
// processes without a record) with 0 and 100,000 rows already in the
// tables the lead's lookups point at and in the flow's instance table
// (each instance on a lead): a page shows one page of rows, so its cost
// should not grow with the tables; the list of processes without a record
// looks through at most scanLimit instances, newest first.
//
//	go test -run '^$' -bench LargeTables -benchtime 20x ./runtime/webui/
func BenchmarkLargeTables(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			f := newFixture(b)
			ctx := context.Background()
			db, ok := f.s.(*sqlstore.DB)
			if m, err := f.s.Meta(ctx); !ok || err != nil || m.Backend != "sqlite" {
				b.Skip("fills the tables with SQLite's SQL")
			}
			var tables []store.Table
			if err := f.s.Read(ctx, func(tx store.Tx) error {
				for _, name := range []string{"account", "contact", "lead", "opportunity", "cts_leadtoopportunity"} {
					t, err := tx.Table(name)
					if err != nil {
						return err
					}
					tables = append(tables, t)
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			for _, t := range tables {
				q := fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
INSERT INTO %q (%q, createdon, versionnumber) SELECT lower(hex(randomblob(16))), '2026-01-01T00:00:00Z', 1 FROM c`, n, t.Name, t.PrimaryKey)
				if _, err := db.SQL().ExecContext(ctx, q); n > 0 && err != nil {
					b.Fatal(err)
				}
			}
			// Each instance on a lead of its own, as a started flow's is: the
			// flow page looks through them for those no record page reaches.
			if _, err := db.SQL().ExecContext(ctx, `UPDATE cts_leadtoopportunity SET bpf_leadid =
	(SELECT leadid FROM lead WHERE lead.rowid = cts_leadtoopportunity.rowid)`); n > 0 && err != nil {
				b.Fatal(err)
			}
			lead, err := f.eng.As("admin").CreateRecord(ctx, "lead", engine.Values{"subject": "Fleet", "lastname": "Bloggs"},
				engine.StartOptions{Flow: "lead_to_opportunity"})
			if err != nil {
				b.Fatal(err)
			}
			br := f.browser()
			br.signIn()
			for _, page := range []struct{ name, path string }{{"list", "/records/lead"}, {"record", "/records/lead/" + lead.ID},
				{"flow", "/flows/lead_to_opportunity"}, {"detached", "/flows/lead_to_opportunity/instances"}} {
				b.Run(page.name, func(b *testing.B) {
					br.t = b
					for range b.N {
						br.get(page.path).must(b, http.StatusOK)
					}
				})
			}
		})
	}
}
