package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
	"github.com/bpfc/bpfc/runtime/store/storetest"
)

// BenchmarkQueryPage reads a page of 50 rows of a table in its default
// order (the primary key), the first and the next after a key, as the
// Web API reads $top=50 and its next link (storetest.BenchPages), with 0
// and 100,000 rows in the table: a page should cost the same at both sizes.
//
//	BPFC_TEST_POSTGRES=… go test -run '^$' -bench QueryPage -benchtime 20x ./runtime/store/postgres/
func BenchmarkQueryPage(b *testing.B) {
	pgtest.Skip(b)
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			s := benchStore(b)
			tb := storetest.BenchTable(b, s, []store.Column{{Name: "pp_name", Type: "string"}},
				fmt.Sprintf(`INSERT INTO pp_thing (pp_thingid, pp_name, versionnumber)
SELECT md5(i::text), 'row ' || i, 1 FROM generate_series(1, %d) i`, n), `ANALYZE pp_thing`)
			storetest.BenchPages(b, s, store.Query{Table: tb, Limit: 51})
		})
	}
}

// BenchmarkNewestFirst reads the first page of 50 rows of a table newest
// first (createdon descending, the web pages' record lists), and the page
// after it, with 0 and 100,000 rows, a hundred to a second: a page
// should cost the same at both sizes.
//
//	BPFC_TEST_POSTGRES=… go test -run '^$' -bench NewestFirst -benchtime 20x ./runtime/store/postgres/
func BenchmarkNewestFirst(b *testing.B) {
	pgtest.Skip(b)
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			s := benchStore(b)
			tb := storetest.BenchTable(b, s, []store.Column{{Name: "pp_name", Type: "string"}, {Name: "createdon", Type: "datetime"}},
				fmt.Sprintf(`INSERT INTO pp_thing (pp_thingid, pp_name, createdon, versionnumber)
SELECT md5(i::text), 'row ' || i, to_char(timestamp '2026-01-01' + (i / 100) * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 1
FROM generate_series(1, %d) i`, n), `ANALYZE pp_thing`)
			q := store.Query{Table: tb, OrderBy: []store.Order{{Column: "createdon", Desc: true}}, Limit: 51}
			storetest.BenchPages(b, s, q)
		})
	}
}

// benchStore opens an environment in a database of its own on the test
// server, closed when b ends.
func benchStore(b *testing.B) *sqlstore.DB {
	s, err := Open(context.Background(), pgtest.URL(b), Options{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
