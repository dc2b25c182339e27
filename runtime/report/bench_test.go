package report

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// BenchmarkReport measures a report over 1,000,000 instances of a
// three-stage flow and their 2.42 million stays in the stage log, generated
// with SQL: 60% finished (2% after moving back once), 20% abandoned, 20%
// active. The baselines in the same run are a bare COUNT(*) over the
// instance table and over the stage log.
//
//	go test -run '^$' -bench Report -benchtime 5x ./runtime/report/
func BenchmarkReport(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("BPFC_BENCH_INSTANCES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	v := deployed(b, "", map[string]string{"p.hcl": dealProject})
	db := v.s.(*sqlstore.DB).SQL()
	start := time.Now()
	generate(b, v, db, n)
	st := time.Now()
	if _, err := Build(v.ctx, v.s, Options{}); err != nil { // creates the instance table's report index
		b.Fatal(err)
	}
	b.Logf("first report %v", time.Since(st))
	b.Logf("generated %d instances in %v", n, time.Since(start).Round(time.Second))

	count := func(table string) func(*testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				var got int
				if err := db.QueryRowContext(v.ctx, `SELECT COUNT(*) FROM `+table).Scan(&got); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("baseline_count_instances", count("tr_deal"))
	b.Run("baseline_count_stays", count("stagevisit"))
	b.Run("report", func(b *testing.B) {
		var rep *Report
		for b.Loop() {
			var err error
			if rep, err = Build(v.ctx, v.s, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		f := rep.Flows[0]
		// Completed stays: a's ends carried by b and abandoned ones (and
		// the 2% back in a), b's carried by c, abandoned and the 2% again,
		// c's finished; from both places ends are kept.
		if n := int64(n); f.Instances.Total != n || f.Stages[0].Reached != n || f.Stages[1].Reached != n*8/10 || f.Stages[2].Reached != n*6/10 ||
			f.Stages[0].Completed != n*92/100 || f.Stages[1].Completed != n*72/100 || f.Stages[2].Completed != n*6/10 {
			b.Fatalf("report of the generated data: %+v %+v", f.Instances, f.Stages)
		}
		b.ReportMetric(float64(n), "instances")
	})
}

// generate fills flow deal's instance table and the stage log with n
// instances, with SQL only (SQLite's or PostgreSQL's); the stage log's
// indexes are dropped during the load and created again after it, as
// CREATE INDEX builds them faster than row-by-row inserts do.
func generate(b *testing.B, v *env, db *sql.DB, n int) {
	ctx := context.Background()
	var wf string
	stages := map[string]string{}
	if err := v.s.Read(ctx, func(tx store.Tx) error {
		wfs, err := tx.Workflows()
		if err != nil {
			return err
		}
		for _, w := range wfs {
			if w.Name == "deal" && w.Category == store.CategoryBPF {
				wf = w.ID
			}
		}
		ss, err := tx.Stages(wf)
		for _, s := range ss {
			stages[s.Name] = s.ID
		}
		return err
	}); err != nil {
		b.Fatal(err)
	}
	meta, err := v.s.Meta(ctx)
	if err != nil {
		b.Fatal(err)
	}
	pg := meta.Backend == "postgres"
	// The SQL of each backend: the numbers 0..n-1 as i, an id from i, and
	// RFC 3339 text from Unix seconds.
	nums := fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d) `, n-1)
	from := ` FROM n`
	id := func(tag string) string { return `printf('%08x-0000-4000-` + tag + `-%012x', i, i)` }
	ts := func(expr string) string { return `strftime('%Y-%m-%dT%H:%M:%SZ', ` + expr + `, 'unixepoch')` }
	indexQuery := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('stagevisit', 'stageexit') AND sql IS NOT NULL`
	if pg {
		nums, from = ``, fmt.Sprintf(` FROM generate_series(0::bigint, %d) AS n(i)`, n-1)
		id = func(tag string) string {
			return `lpad(to_hex(i), 8, '0') || '-0000-4000-` + tag + `-' || lpad(to_hex(i), 12, '0')`
		}
		ts = func(expr string) string {
			return `to_char(to_timestamp(` + expr + `) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
		}
		indexQuery = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('stagevisit', 'stageexit')
	AND indexname NOT LIKE '%pkey'`
	}
	var names, indexes []string
	rows, err := db.QueryContext(ctx, indexQuery)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var name, ddl string
		rows.Scan(&name, &ddl)
		names, indexes = append(names, name), append(indexes, ddl)
	}
	rows.Close()
	// Instance i starts at t0 and stays da, db, dc seconds in a, b, c.
	const (
		t0 = `(1767225600 + i * 30)`
		da = `(600 + (i * 7919) % 86400)`
		dB = `(1800 + (i * 104729) % 172800)`
		dc = `(300 + (i * 15485863) % 43200)`
	)
	// The k-th stay of instance i is stage log row k*n+i+1 (stays in the
	// order they began). As the runtime writes them (migration 0008), a
	// stay ended by a move has its end carried by the stay the move began
	// (prev: its k, stage and begin); where carried does not hold, the
	// stay's end, if it has left, is a row of stageexit.
	type prevStay struct {
		k              int
		stage, entered string
	}
	row := func(k int) string { return fmt.Sprintf(`%d * %d + i + 1`, k, n) }
	visit := func(k int, stage, entered, left, enteredHow, leftHow, where string, prev *prevStay, carried string) []string {
		cols, vals := "", ""
		if prev != nil {
			cols = `, prev_id, prev_stage, prev_entered_on, prev_duration_ms`
			vals = `, ` + row(prev.k) + `, '` + prev.stage + `', ` + ts(prev.entered) + `, (` + entered + ` - ` + prev.entered + `) * 1000`
		}
		and := " WHERE "
		if where != "" {
			and = " AND "
		}
		return []string{nums + `INSERT INTO stagevisit (stagevisit_id, instance_id, instance_table, workflow_id, stage_id, stage_name, entered_on,
	entered_by, entered_how` + cols + `)
SELECT ` + row(k) + `, ` + id("8000") + `, 'tr_deal', '` + wf + `', '` + stages[stage] + `', '` + stage + `', ` + ts(entered) + `,
	'u', ` + enteredHow + vals + from + where, nums + `INSERT INTO stageexit (stagevisit_id, workflow_id, stage_name, entered_on, left_on, left_by, left_how)
SELECT * FROM (SELECT ` + row(k) + ` AS stagevisit_id, '` + wf + `' AS workflow_id, '` + stage + `' AS stage_name, ` + ts(entered) + ` AS entered_on,
	` + left + ` AS left_on, 'u' AS left_by, ` + leftHow + ` AS left_how` + from + where + and + `NOT (` + carried + `)) x WHERE left_on <> ''`}
	}
	stmts := []string{`BEGIN`}
	for _, name := range names {
		stmts = append(stmts, `DROP INDEX `+name)
	}
	stmts = append(stmts,
		nums+`INSERT INTO tr_deal (businessprocessflowinstanceid, bpf_name, processid, activestageid, activestagestartedon, traversedpath,
	statecode, statuscode, completedon, bpf_duration, createdon, createdby, modifiedon, modifiedby, bpf_leadid, versionnumber)
SELECT `+id("8000")+`, 'Deal', '`+wf+`', '`+stages["a"]+`', `+ts(t0)+`, '`+stages["a"]+`',
	CASE WHEN i % 10 < 8 THEN 1 ELSE 0 END, CASE WHEN i % 10 < 6 THEN 2 WHEN i % 10 < 8 THEN 3 ELSE 1 END,
	CASE WHEN i % 10 < 6 THEN `+ts(t0+"+"+da+"+"+dB+"+"+dc)+` WHEN i % 10 < 8 THEN `+ts(t0+"+"+da)+` END,
	CASE WHEN i % 10 < 6 THEN (`+da+"+"+dB+"+"+dc+`) / 60 WHEN i % 10 < 8 THEN `+da+` / 60 END,
	`+ts(t0)+`, 'u', `+ts(t0)+`, 'u', `+id("9000")+`, 1`+from)
	stmts = slices.Concat(stmts,
		// a: every instance; open for i%10 = 8, abandoned for 6; moved on
		// to b (which carries its end) otherwise.
		visit(0, "a", t0, `CASE WHEN i % 10 = 8 THEN '' ELSE `+ts(t0+"+"+da)+` END`, `'start'`,
			`CASE i % 10 WHEN 6 THEN 'abandon' WHEN 8 THEN '' ELSE 'next' END`, ``, nil, `i % 10 NOT IN (6, 8)`),
		// b: not for 6 and 8; open for 9, abandoned for 7, moved on to c
		// for the others.
		visit(1, "b", t0+"+"+da, `CASE WHEN i % 10 = 9 THEN '' ELSE `+ts(t0+"+"+da+"+"+dB)+` END`, `'next'`,
			`CASE i % 10 WHEN 7 THEN 'abandon' WHEN 9 THEN '' ELSE 'next' END`, ` WHERE i % 10 NOT IN (6, 8)`, &prevStay{0, "a", t0}, `i % 10 < 6`),
		// c: the finished ones.
		visit(2, "c", t0+"+"+da+"+"+dB, ts(t0+"+"+da+"+"+dB+"+"+dc), `'next'`, `'finish'`, ` WHERE i % 10 < 6`, &prevStay{1, "b", t0 + "+" + da}, `1 = 0`),
		// 2% moved back from b to a once, then on to b again.
		visit(3, "a", t0+"+"+da+"+ 100", ts(t0+"+"+da+"+ 700"), `'prev'`, `'next'`, ` WHERE i % 50 = 0`, nil, `1 = 1`),
		visit(4, "b", t0+"+"+da+"+ 700", ts(t0+"+"+da+"+ 1900"), `'next'`, `'next'`, ` WHERE i % 50 = 0`, &prevStay{3, "a", t0 + "+" + da + "+ 100"}, `1 = 0`),
	)
	stmts = append(stmts, indexes...)
	stmts = append(stmts, `COMMIT`)
	if pg {
		stmts = append(stmts, `VACUUM ANALYZE`) // as autovacuum would: index-only scans
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for _, q := range stmts {
		st := time.Now()
		_, err := conn.ExecContext(ctx, q)
		b.Logf("%v %.70s", time.Since(st).Round(time.Millisecond), strings.Join(strings.Fields(q), " "))
		if err != nil {
			conn.ExecContext(ctx, `ROLLBACK`)
			b.Fatalf("%v\n%s", err, q)
		}
	}
}
