package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// The test project: three environments, a variable, a custom table, a column
// added to a standard table, two flows (one cross-table), a role and a
// workflow. Tests change it by replacing or dropping files.
var baseSources = map[string]string{
	"bpfc.hcl": `
solution "Sales" {
  display_name = "Sales"
  version      = "1.0.0.0"
  publisher "contoso" {
    display_name        = "Contoso"
    prefix              = "cts"
    option_value_prefix = 10000
  }
}

environment "dev" {
  managed = false
  values  = { threshold = 25000 }
}

environment "test" {
  managed      = true
  promote_from = "dev"
}

environment "prod" {
  managed                    = true
  promote_from               = "test"
  max_active_flows_per_table = 3
}
`,
	"variables.hcl": `
variable "threshold" {
  type    = "number"
  default = 50000
}
`,
	"tables.hcl": `
table "cts_project" {
  display_name   = "Project"
  primary_column = "cts_name"
  column "cts_name" {
    type = "string"
  }
  column "cts_budget" {
    type = "money"
  }
}

table "opportunity" {
  column "cts_approved" {
    type = "boolean"
  }
}
`,
	"lead.hcl": `
flow "lead_to_opportunity" {
  display_name  = "Lead to Opportunity"
  primary_table = "lead"
  stage "qualify" {
    step "budget" {
      column   = "budgetamount"
      required = true
    }
  }
  stage "develop" {
    table        = "opportunity"
    relationship = "originatingleadid"
    step "value" {
      column = "estimatedvalue"
    }
    branch {
      when = self.estimatedvalue > var.threshold
      next = stage.approve
    }
  }
  stage "approve" {
    step "ok" {
      column = "cts_approved"
    }
  }
}
`,
	"project.hcl": `
flow "project_flow" {
  display_name  = "Project"
  primary_table = "cts_project"
  stage "start" {
    step "budget" {
      column = "cts_budget"
    }
  }
}
`,
	"roles.hcl": `
role "salesperson" {
  display_name = "Salesperson"
  grant "lead_to_opportunity" {
    privileges = ["create", "read", "write"]
    depth      = "user"
  }
  grant "project_flow" {
    privileges = ["read"]
  }
}
`,
	"workflows.hcl": `
workflow "notify" {
  table = "lead"
  step "mail" {
    send_email = {
      to      = "sales@example.com"
      subject = "New lead"
    }
  }
}
`,
}

// project is a test project on disk.
type project struct {
	t     testing.TB
	dir   string
	srcs  map[string]string
	pgURL string // the database of every environment's store; "" = SQLite files in dir
}

// With BPFC_TEST_STORE=postgres, the test projects' environments are
// PostgreSQL stores (store = "postgres://…"), each project's in a database
// of its own on BPFC_TEST_POSTGRES; without that server they are skipped.
var testStore = os.Getenv("BPFC_TEST_STORE")

func newProject(t testing.TB) *project {
	pr := &project{t: t, dir: t.TempDir(), srcs: maps.Clone(baseSources)}
	if testStore == "postgres" {
		pr.pgURL = pgtest.URL(t)
	}
	return pr
}

// useStore points every environment of p at the project's PostgreSQL
// database, when it has one.
func useStore(p *compiler.Project, pgURL string) {
	if pgURL == "" {
		return
	}
	for _, e := range p.Environments {
		e.Store = pgURL
	}
}

// set replaces a file ("" removes it).
func (pr *project) set(name, src string) *project {
	if src == "" {
		delete(pr.srcs, name)
	} else {
		pr.srcs[name] = src
	}
	return pr
}

// edit replaces old by new in a file.
func (pr *project) edit(name, old, new string) *project {
	pr.t.Helper()
	if !strings.Contains(pr.srcs[name], old) {
		pr.t.Fatalf("%s has no %q", name, old)
	}
	pr.srcs[name] = strings.Replace(pr.srcs[name], old, new, 1)
	return pr
}

func (pr *project) version(v string) *project {
	return pr.edit("bpfc.hcl", `version      = "1.0.0.0"`, `version      = "`+v+`"`)
}

// load checks the project and returns it with its directory set.
func (pr *project) load() *compiler.Project {
	pr.t.Helper()
	srcs := map[string][]byte{}
	for n, s := range pr.srcs {
		srcs[n] = []byte(s)
	}
	p, diags := compiler.LoadSources(srcs)
	if diags.HasErrors() {
		pr.t.Fatalf("test project does not validate: %v", diags)
	}
	p.Dir = pr.dir
	useStore(p, pr.pgURL)
	return p
}

// build is the Build of the project as it is now, with small stand-in
// archives (a zip naming the flavour and the digest, and one workflow XAML).
func (pr *project) build() *Build {
	pr.t.Helper()
	p := pr.load()
	b, err := NewBuild(p, fakeArchive(pr.t, p, false), fakeArchive(pr.t, p, true))
	if err != nil {
		pr.t.Fatal(err)
	}
	return b
}

func fakeArchive(t testing.TB, p *compiler.Project, managed bool) Archive {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("Other/Solution.xml")
	flavour := "unmanaged"
	name := p.Solution.Name + "_" + strings.ReplaceAll(p.Solution.Version, ".", "_")
	if managed {
		flavour, name = "managed", name+"_managed"
	}
	w.Write([]byte("<Managed>" + flavour + "</Managed><Digest>" + p.Digest() + "</Digest>"))
	for _, f := range p.Flows {
		w, _ := zw.Create("Workflows/" + strings.ReplaceAll(f.DisplayName, " ", "") + "-" + strings.ToUpper(p.FlowID(f)) + ".xaml")
		w.Write([]byte("<Activity x:Class=\"" + f.Name + "\"/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return Archive{Name: name + ".zip", Data: buf.Bytes()}
}

// pipeline is the project's pipeline with quiet defaults.
func (pr *project) pipeline(p *compiler.Project) *Pipeline {
	return &Pipeline{Project: p, Getenv: func(string) string { return "" }}
}

func quiet() Options { return Options{Who: "tester", Getenv: func(string) string { return "" }} }

// deploy deploys the project as it is now and fails the test on error.
func (pr *project) deploy(env string, o Options) *Result {
	pr.t.Helper()
	b := pr.build()
	res, err := pr.pipeline(b.Project).Deploy(context.Background(), env, b, o)
	if err != nil {
		pr.t.Fatalf("deploy to %s: %v", env, err)
	}
	return res
}

// refuse deploys and expects a refusal mentioning every want; it checks
// that the environment's data did not change (only its history may).
func (pr *project) refuse(env string, o Options, want ...string) *Refusal {
	pr.t.Helper()
	before := pr.dump(env, "importjob")
	b := pr.build()
	res, err := pr.pipeline(b.Project).Deploy(context.Background(), env, b, o)
	var ref *Refusal
	if !errors.As(err, &ref) {
		pr.t.Fatalf("deploy to %s: want a refusal, got %v", env, err)
	}
	if res == nil || res.Result != Refused {
		pr.t.Errorf("result = %+v, want refused", res)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			pr.t.Errorf("refusal does not say %q:\n%v", w, err)
		}
	}
	if after := pr.dump(env, "importjob"); after != before {
		pr.t.Errorf("a refused import changed %s:\n%s", env, firstDiff(before, after))
	}
	return ref
}

func (pr *project) path(env string) string { return filepath.Join(pr.dir, environ.Dir, env+".db") }

// created reports whether the environment's store exists.
func (pr *project) created(env string) bool {
	pr.t.Helper()
	if pr.pgURL != "" {
		ok, err := postgres.Exists(context.Background(), pr.pgURL, postgres.SchemaFor(env))
		must(pr.t, err)
		return ok
	}
	_, err := os.Stat(pr.path(env))
	return err == nil
}

// open opens the environment's store.
func (pr *project) open(env string, busy time.Duration) store.Store {
	pr.t.Helper()
	var s store.Store
	var err error
	if pr.pgURL != "" {
		s, err = postgres.Open(context.Background(), pr.pgURL, postgres.Options{Name: env, BusyTimeout: busy})
	} else {
		s, err = sqlite.Open(context.Background(), pr.path(env), sqlite.Options{Name: env, BusyTimeout: busy})
	}
	must(pr.t, err)
	return s
}

// dump is the environment's data as text ("" when it does not exist yet).
func (pr *project) dump(env string, skip ...string) string {
	pr.t.Helper()
	if !pr.created(env) {
		return ""
	}
	var d string
	var err error
	if pr.pgURL != "" {
		d, err = postgres.Dump(context.Background(), pr.pgURL, postgres.SchemaFor(env), skip...)
	} else {
		d, err = sqlite.Dump(context.Background(), pr.path(env), skip...)
	}
	must(pr.t, err)
	return d
}

// read runs fn on the environment's store.
func (pr *project) read(env string, fn func(tx store.Tx)) {
	pr.t.Helper()
	s := pr.open(env, time.Second)
	defer s.Close()
	if err := s.Read(context.Background(), func(tx store.Tx) error { fn(tx); return nil }); err != nil {
		pr.t.Fatal(err)
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "before: " + x + "\nafter:  " + y
		}
	}
	return ""
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// writeFiles writes the project's sources to its directory.
func (pr *project) writeFiles() {
	pr.t.Helper()
	for n, src := range pr.srcs {
		must(pr.t, os.WriteFile(filepath.Join(pr.dir, n), []byte(src), 0o644))
	}
}
