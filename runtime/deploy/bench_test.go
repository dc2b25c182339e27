package deploy

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/gen"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// The benchmark solution: 100 active flows of 10 stages × 10 steps on lead
// (1,000 stages, 10,000 steps, 100 instance tables).
const benchFlows, benchStages, benchSteps = 100, 30, 30

func benchProject(b *testing.B) *Build {
	srcs := gen.Project(benchFlows, benchStages, benchSteps)
	p, diags := compiler.LoadSources(srcs)
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	p.Dir = b.TempDir()
	bd, err := NewBuild(p, fakeArchive(b, p, false), fakeArchive(b, p, true))
	if err != nil {
		b.Fatal(err)
	}
	return bd
}

// BenchmarkImport100Flows imports the generated 100-flow solution into a
// new environment file (creating the environment is not timed).
func BenchmarkImport100Flows(b *testing.B) {
	bd := benchProject(b)
	env := bd.Project.Environment("dev")
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("dev%d.db", i)), sqlite.Options{Name: "dev"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Import(ctx, Target{Env: env, Store: s}, bd, quiet()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

// BenchmarkRawInserts is the baseline: the rows an import writes for the
// flows (100 workflow records, 3,000 stages with their steps as JSON) and
// 100 CREATE TABLEs, with plain prepared statements in one transaction on
// the same kind of file: what the store's SQL costs without any of the
// import's checks.
func BenchmarkRawInserts(b *testing.B) {
	bd := benchProject(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("raw%d.db", i)), sqlite.Options{Name: "dev"})
		if err != nil {
			b.Fatal(err)
		}
		db := s.SQL()
		b.StartTimer()
		if err := rawInserts(ctx, db, bd.Project); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

func rawInserts(ctx context.Context, db *sql.DB, p *compiler.Project) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	wf, err := tx.PrepareContext(ctx, `INSERT INTO workflow (workflow_id, name, unique_name, category, created_on, modified_on) VALUES ($1, $2, $3, 4, '', '')`)
	if err != nil {
		return err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO processstage (processstage_id, workflow_id, position, name, table_name, steps) VALUES ($1, $2, $3, $4, $5, $6)`)
	if err != nil {
		return err
	}
	for _, f := range p.Flows {
		id := p.FlowID(f)
		if _, err := wf.ExecContext(ctx, id, f.Name, f.InstanceTable); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE "`+f.InstanceTable+`" (id TEXT PRIMARY KEY, a TEXT, b INTEGER, versionnumber INTEGER NOT NULL DEFAULT 0)`); err != nil {
			return err
		}
		for i, s := range f.Stages {
			type step struct{ ID, Name, Column string }
			var rows []step
			for _, x := range s.Steps {
				rows = append(rows, step{p.StepID(f, s, x), x.Name, x.Column})
			}
			steps, err := json.Marshal(rows)
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, p.StageID(f, s), id, i, s.Name, s.Table, string(steps)); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// BenchmarkPlanRemovedColumn plans an upgrade that drops a column of a
// custom table of 200,000 rows, 100,000 of them with a value: the plan
// counts the values it deletes, and the instances at stages, in the
// database (it read every key of them).
func BenchmarkPlanRemovedColumn(b *testing.B) {
	pr := newProject(b)
	pr.deploy("dev", quiet())
	pr.write("dev", func(tx store.Tx) error {
		for i := range 200_000 {
			row := map[string]any{"cts_projectid": fmt.Sprintf("p%06d", i), "cts_name": "p", store.RowVersionColumn: int64(1)}
			if i%2 == 0 {
				row["cts_budget"] = float64(i)
			}
			if err := tx.InsertRow("cts_project", row); err != nil {
				return err
			}
		}
		return nil
	})
	pr.version("2.0.0.0").edit("tables.hcl", `  column "cts_budget" {
    type = "money"
  }
`, "").edit("project.hcl", `    step "budget" {
      column = "cts_budget"
    }
`, "")
	bd := pr.build()
	pl := pr.pipeline(bd.Project)
	b.ResetTimer()
	for range b.N {
		plan, err := pl.Plan(context.Background(), "dev", bd, quiet())
		if err != nil {
			b.Fatal(err)
		}
		if !hasData(plan.Changes, "remove", "column", "cts_project.cts_budget", "deletes its values in 100000 rows") {
			b.Fatalf("the plan: %+v", plan.Changes)
		}
	}
}
