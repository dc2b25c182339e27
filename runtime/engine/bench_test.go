package engine

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// BenchmarkTransitions moves one instance of the sales example's phone to
// case flow back and forth between two stages of the incident table, on a
// SQLite environment file with full durability (WAL, synchronous=FULL), as
// `bpfc instance next|prev` do: each transition reads the instance, then,
// in one committed write transaction, checks the user's privileges, the
// row version, the required steps and the branches, and writes the instance
// and the stage log. IfVersion moves as a Web API client holding the
// instance's ETag does: the version it passes replaces the read.
//
// Beside it, in the same run and interleaved with it in rounds (so that
// both see the same disk), it measures the raw rate of one single-row
// UPDATE per committed transaction on a new file of the same kind, and
// reports transitions/s, raw_updates/s, their ratio (pct_of_raw) and the
// CPU time of each.
//
//	go test -run '^$' -bench Transitions -benchtime 5000x -count 3 ./runtime/engine/
func BenchmarkTransitions(b *testing.B) {
	b.Run("CLI", func(b *testing.B) { benchTransitions(b, false) })
	b.Run("IfVersion", func(b *testing.B) { benchTransitions(b, true) })
	// The reports' indexes on the stage log are written by every
	// transition (a move: stagevisit_entries and stagevisit_left); this
	// measures the engine without them.
	b.Run("CLI_without_report_indexes", func(b *testing.B) {
		benchTransitions(b, false, "DROP INDEX stageexit_done", "DROP INDEX stagevisit_entries", "DROP INDEX stagevisit_left")
	})
}

// benchTransitions measures transitions, after running ddl (changes to the
// stage log's indexes) on the environment.
func benchTransitions(b *testing.B, ifVersion bool, ddl ...string) {
	p := release(b, "sales")
	v := open(b, p, "dev")
	ctx := context.Background()
	for _, q := range ddl {
		if _, err := v.s.(*sqlstore.DB).SQL().ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	s := New(v.s, Options{}).As("admin") // no hooks: the engine alone
	acct, err := s.CreateRecord(ctx, "account", Values{"name": "Fabrikam"}, StartOptions{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.CreateRecord(ctx, "incident", Values{"title": "Printer on fire", "customerid": acct.ID}, StartOptions{Flow: "phone_to_case"})
	if err != nil {
		b.Fatal(err)
	}
	id := c.Instance.ID
	in, err := s.Next(ctx, id, MoveOptions{}) // identify -> research
	if err != nil {
		b.Fatal(err)
	}
	version := in.Version
	raw := newRawUpdater(b)
	const round = 50
	var moving, updating, cpu, rawCPU time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(round, b.N-done)
		c0 := cpuTime()
		start := time.Now()
		for i := done; i < done+n; i++ {
			move := s.Next // research -> resolve
			if i%2 == 1 {
				move = s.Prev // resolve -> research
			}
			mo := MoveOptions{}
			if ifVersion {
				mo.IfVersion = version
			}
			in, err := move(ctx, id, mo)
			if err != nil {
				b.Fatal(err)
			}
			version = in.Version
		}
		moving += time.Since(start)
		cpu += cpuTime() - c0
		b.StopTimer()
		c1 := cpuTime()
		updating += raw.run(n)
		rawCPU += cpuTime() - c1
		b.StartTimer()
		done += n
	}
	b.StopTimer()
	rate := float64(b.N) / moving.Seconds()
	rawRate := float64(b.N) / updating.Seconds()
	b.ReportMetric(rate, "transitions/s")
	b.ReportMetric(rawRate, "raw_updates/s")
	b.ReportMetric(100*rate/rawRate, "pct_of_raw")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu_µs/transition")
	b.ReportMetric(float64(rawCPU.Microseconds())/float64(b.N), "cpu_µs/raw_update")
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rawUpdater runs transactions of one single-row UPDATE each on a new
// environment file: the same pragmas (WAL, synchronous=FULL) and the same
// BEGIN IMMEDIATE as the store's writes, none of their work.
type rawUpdater struct {
	b  *testing.B
	db *sql.DB
}

func newRawUpdater(b *testing.B) *rawUpdater {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "raw.db"), sqlite.Options{Name: "raw"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	db := s.SQL()
	for _, q := range []string{`CREATE TABLE counter (id TEXT PRIMARY KEY, n INTEGER NOT NULL)`, `INSERT INTO counter VALUES ('a', 0)`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	return &rawUpdater{b: b, db: db}
}

func (r *rawUpdater) run(n int) time.Duration {
	ctx := context.Background()
	start := time.Now()
	for range n {
		tx, err := r.db.BeginTx(ctx, nil)
		if err != nil {
			r.b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE counter SET n = n + 1 WHERE id = $1`, "a"); err != nil {
			r.b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			r.b.Fatal(err)
		}
	}
	return time.Since(start)
}

// BenchmarkLargeTables starts a lead to opportunity instance and moves it
// across to the opportunity, back and across again, with 0 and 100,000
// rows already in the opportunity table and in the flow's instance table:
// the start counts the lead's instances and the move across finds the
// opportunity it had by the lead's lookup, both by an indexed lookup, so
// the cost should not grow with the tables (it was 585 ms with 100,000
// rows against 7.5 ms with none before lookups were indexed).
//
//	go test -run '^$' -bench LargeTables -benchtime 50x ./runtime/engine/
func BenchmarkLargeTables(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			v := open(b, release(b, "sales"), "dev")
			ctx := context.Background()
			db, ok := v.s.(*sqlstore.DB)
			if m, err := v.s.Meta(ctx); !ok || err != nil || m.Backend != "sqlite" {
				b.Skip("fills the tables with SQLite's SQL")
			}
			for _, table := range []string{"opportunity (opportunityid, name", "cts_leadtoopportunity (businessprocessflowinstanceid, bpf_name"} {
				q := fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
INSERT INTO %s, versionnumber) SELECT lower(hex(randomblob(16))), 'row ' || i, 1 FROM c`, n, table)
				if _, err := db.SQL().ExecContext(ctx, q); n > 0 && err != nil {
					b.Fatal(err)
				}
			}
			s := New(v.s, Options{}).As("admin")
			b.ResetTimer()
			for range b.N {
				l, err := s.CreateRecord(ctx, "lead", Values{"subject": "Fleet", "lastname": "Bloggs"}, StartOptions{Flow: "lead_to_opportunity"})
				if err != nil {
					b.Fatal(err)
				}
				for _, move := range []func(context.Context, string, MoveOptions) (*Instance, error){s.Next, s.Prev, s.Next} {
					if _, err := move(ctx, l.Instance.ID, MoveOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkManyUsers reads, with 0 and 100,000 other users in the
// environment, what a request names users by: the user a Web API request
// acts for (MSCRMCallerID, by systemuserid and by name) and an instance
// whose stage log five users wrote, shown with their names. Each names a
// few users, so the cost should not grow with the users; nor should
// adding one or changing one's roles. The list of every user grows, by design.
//
//	go test -run '^$' -bench ManyUsers -benchtime 20x ./runtime/engine/
func BenchmarkManyUsers(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			v := open(b, release(b, "sales"), "dev")
			ctx := context.Background()
			db, ok := v.s.(*sqlstore.DB)
			if m, err := v.s.Meta(ctx); !ok || err != nil || m.Backend != "sqlite" {
				b.Skip("fills the tables with SQLite's SQL")
			}
			for _, q := range []string{
				fmt.Sprintf(`WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < %d)
INSERT INTO systemuser (systemuserid, domainname, domainname_fold, fullname, versionnumber)
SELECT lower(hex(randomblob(16))), 'user' || i, 'user' || i, 'User ' || i, 1 FROM c`, n),
				`INSERT INTO systemuserroles (systemuserid, role) SELECT systemuserid, 'salesperson' FROM systemuser WHERE domainname LIKE 'user%'`,
			} {
				if _, err := db.SQL().ExecContext(ctx, q); n > 0 && err != nil {
					b.Fatal(err)
				}
			}
			admin := New(v.s, Options{}).As("admin")
			acct, err := admin.CreateRecord(ctx, "account", Values{"name": "Fabrikam"}, StartOptions{})
			if err != nil {
				b.Fatal(err)
			}
			c, err := admin.CreateRecord(ctx, "incident", Values{"title": "Printer on fire", "customerid": acct.ID}, StartOptions{Flow: "phone_to_case"})
			if err != nil {
				b.Fatal(err)
			}
			var mover store.User
			for i := range 5 {
				if mover, err = admin.AddUser(ctx, NewUser{Name: fmt.Sprintf("mover%d", i), Roles: []string{"system_administrator"}}); err != nil {
					b.Fatal(err)
				}
				move := New(v.s, Options{}).As(mover.Name).Next
				if i%2 == 1 {
					move = New(v.s, Options{}).As(mover.Name).Prev
				}
				if _, err := move(ctx, c.Instance.ID, MoveOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			// A user who is no administrator: the change asks whether another is.
			clerk, err := admin.AddUser(ctx, NewUser{Name: "clerk", Roles: []string{"salesperson"}})
			if err != nil {
				b.Fatal(err)
			}
			added := 0
			for _, op := range []struct {
				name string
				run  func() error
			}{
				{"on_behalf_of_id", func() error { _, err := admin.OnBehalfOf(ctx, strings.ToUpper(mover.ID)); return err }},
				{"on_behalf_of_name", func() error { _, err := admin.OnBehalfOf(ctx, mover.Name); return err }},
				{"instance", func() error { _, err := admin.Instance(ctx, c.Instance.ID); return err }},
				// Every user, by design: one statement, not one a user.
				{"list", func() error { _, err := admin.Users(ctx); return err }},
				// Whether an administrator remains: not by reading every user.
				{"set", func() error {
					_, err := admin.SetUser(ctx, clerk.Name, UserChange{Roles: &[]string{"salesperson"}})
					return err
				}},
				{"add", func() error {
					added++
					_, err := admin.AddUser(ctx, NewUser{Name: fmt.Sprintf("new%d", added), Roles: []string{"salesperson"}})
					return err
				}},
			} {
				b.Run(op.name, func(b *testing.B) {
					for range b.N {
						if err := op.run(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
