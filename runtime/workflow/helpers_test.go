package workflow

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/internal/testclock"
	"github.com/bpfc/bpfc/runtime/internal/testenv"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/store/postgres"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
	"github.com/bpfc/bpfc/runtime/store/sqlite"
)

// The test project: one flow per concern on lead, so that each test
// starts the flow it needs, and a workflow of every step kind.
const testProject = `
solution "WF" {
  version = "1.0.0.0"
  publisher "p" {
    prefix              = "tw"
    option_value_prefix = 10000
  }
}

environment "dev" {
  managed = false
}

variable "hook_url" {
  type    = "string"
  default = "http://127.0.0.1:9/unused"
}
variable "mailbox" {
  type    = "string"
  default = "desk@example.com"
}
variable "owner_name" {
  type    = "string"
  default = "siu.lead"
}

# a user-depth role on the action steps' flow: a realtime workflow runs as
# the calling user
role "rep" {
  grant "guarded" {
    privileges = ["create", "read", "write", "append", "append_to"]
    depth      = "user"
  }
}

# read and write on the lead at organization depth, no append or
# append_to beyond the basic level: a realtime step that sets a lookup on
# another user's row is refused, as record create and update refuse it
role "clerk" {
  grant "linking" {
    privileges = ["create", "read", "write"]
    depth      = "organization"
  }
}

# runs the actions of every lead, and reads only the contacts it owns (the
# basic level): a realtime email to a lead's contact needs to read it
role "mailer" {
  grant "actions" {
    privileges = ["read", "write"]
    depth      = "organization"
  }
}

# the move to close creates a phonecall regarding the lead (append_to on
# the lead) and points the lead at its account again (append on the lead)
flow "linking" {
  primary_table = "lead"
  order         = 8
  stage "qualify" {}
  stage "close" {
    on_enter = [workflow.call_back]
  }
  stage "relink" {
    on_enter = [workflow.relink]
  }
}

workflow "relink" {
  table = "lead"
  mode  = "realtime"
  step "account" {
    update = { parentaccountid = self.parentaccountid }
  }
}

# abandoning runs a realtime update of the lead, and a background email
flow "guarded" {
  primary_table = "lead"
  order         = 7
  stage "qualify" {}
  stage "close" {}
  on_abandon = [workflow.rate, workflow.mail]
}

# realtime: each step kind that writes the record, on the move out of qualify
flow "realtime" {
  primary_table = "lead"
  order         = 1
  stage "qualify" {
    on_exit = [workflow.rate, workflow.call_back, workflow.give_to_siu]
  }
  stage "develop" {
    table        = "opportunity"
    relationship = "originatingleadid"
    on_enter     = [workflow.rate_opportunity]
  }
  stage "close" {
    table = "opportunity"
  }
  on_finish  = [workflow.win]
  on_abandon = [workflow.mail, workflow.rate_opportunity]
}

# a realtime failure after a queued background workflow refuses the move
flow "failing" {
  primary_table = "lead"
  order         = 2
  stage "qualify" {
    on_exit = [workflow.mail, workflow.rate, workflow.give_to_nobody]
  }
  stage "close" {}
}

# background: an email and a webhook on the move out of qualify
flow "background" {
  primary_table = "lead"
  order         = 3
  stage "qualify" {
    on_exit = [workflow.mail_and_hook]
  }
  stage "close" {}
}

# action steps
flow "actions" {
  primary_table = "lead"
  order         = 4
  stage "qualify" {
    action "rate" { workflow = workflow.rate }
    action "mail" { workflow = workflow.mail }
    action "parent" { workflow = workflow.parent }
    action "stopper" { workflow = workflow.stopper }
    action "canceler" { workflow = workflow.canceler }
    action "qualify" { workflow = workflow.qualify }
    action "hook" { workflow = workflow.hook }
    action "hook_now" { workflow = workflow.hook_now }
    action "bg_canceler" { workflow = workflow.bg_canceler }
    action "deep" { workflow = workflow.rt1 }
    action "deep_ok" { workflow = workflow.rt2 }
    action "bg_deep" { workflow = workflow.bg1 }
    action "mail_people" { workflow = workflow.mail_people }
  }
  stage "close" {}
}

# wait_until, on start
flow "waiting" {
  primary_table = "lead"
  order         = 5
  stage "qualify" {
    on_enter = [workflow.waiter]
  }
  stage "close" {}
}

# a background workflow queued on start
flow "queue" {
  primary_table = "lead"
  order         = 6
  stage "qualify" {
    on_enter = [workflow.mail_and_hook]
  }
  stage "close" {}
}

workflow "rate" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = {
      description     = "Rated"
      leadqualitycode = "Hot"
      estimatedamount = self.budgetamount
    }
  }
  step "only_big" {
    when   = self.budgetamount > 1000
    update = { qualificationcomments = "big" }
  }
  step "only_small" {
    when   = self.budgetamount <= 1000
    update = { qualificationcomments = "small" }
  }
}

workflow "call_back" {
  table = "lead"
  mode  = "realtime"
  step "call" {
    create = {
      table = "phonecall"
      values = {
        subject           = self.subject
        directioncode     = true
        prioritycode      = "High"
        regardingobjectid = self.leadid
      }
    }
  }
  step "person" {
    create = {
      table  = "contact"
      values = { firstname = "Ann", lastname = "Lee" }
    }
  }
}

workflow "give_to_siu" {
  table = "lead"
  mode  = "realtime"
  step "assign" {
    assign = var.owner_name
  }
}

workflow "give_to_nobody" {
  table = "lead"
  mode  = "realtime"
  step "assign" {
    assign = { owner = "nobody" }
  }
}

workflow "rate_opportunity" {
  table = "opportunity"
  mode  = "realtime"
  step "rate" {
    update = { opportunityratingcode = "Warm" }
  }
}

workflow "win" {
  table = "opportunity"
  mode  = "realtime"
  step "won" {
    change_status = "Won"
  }
}

workflow "qualify" {
  table = "lead"
  mode  = "realtime"
  step "qualified" {
    change_status = { status = "Qualified" }
  }
}

workflow "mail" {
  table = "lead"
  step "send" {
    send_email = {
      to      = var.mailbox
      cc      = "boss@example.com"
      subject = "Lead"
      body    = self.subject
    }
  }
}

# recipients named by the record's lookups: its owner (a user) and its
# contact, and an address
workflow "mail_people" {
  table = "lead"
  mode  = "realtime"
  step "send" {
    send_email = {
      to      = self.ownerid
      cc      = self.parentcontactid
      subject = "Lead"
    }
  }
}

workflow "hook" {
  table = "lead"
  step "post" {
    webhook = { url = var.hook_url }
  }
}

workflow "hook_now" {
  table = "lead"
  mode  = "realtime"
  step "post" {
    webhook = { url = var.hook_url }
  }
}

workflow "mail_and_hook" {
  table = "lead"
  step "send" {
    send_email = {
      to      = var.mailbox
      subject = "Qualified"
      body    = self.subject
    }
  }
  step "post" {
    webhook = { url = var.hook_url }
  }
  step "done" {
    update = { description = "Hooked" }
  }
}

workflow "parent" {
  table = "lead"
  mode  = "realtime"
  step "child_now" {
    start_workflow = workflow.rate
  }
  step "child_later" {
    start_workflow = workflow.mail
  }
}

workflow "stopper" {
  table = "lead"
  mode  = "realtime"
  step "first" {
    update = { description = "first" }
  }
  step "halt" {
    when = self.budgetamount > 100
    stop = true
  }
  step "last" {
    update = { description = "last" }
  }
}

workflow "canceler" {
  table = "lead"
  mode  = "realtime"
  step "first" {
    update = { description = "first" }
  }
  step "cancel" {
    stop = { status = "canceled" }
  }
}

workflow "bg_canceler" {
  table = "lead"
  step "note" {
    create = { table = "phonecall", values = { subject = "noted" } }
  }
  step "cancel" {
    when = self.budgetamount > 100
    stop = { status = "canceled" }
  }
}

# start_workflow chains nine deep: rt1 (and bg1) start eight more; rt2
# (the eighth from the end) starts seven, as deep as Dataverse goes
workflow "rt1" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt1" }
  }
  step "next" {
    start_workflow = workflow.rt2
  }
}
workflow "rt2" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt2" }
  }
  step "next" {
    start_workflow = workflow.rt3
  }
}
workflow "rt3" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt3" }
  }
  step "next" {
    start_workflow = workflow.rt4
  }
}
workflow "rt4" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt4" }
  }
  step "next" {
    start_workflow = workflow.rt5
  }
}
workflow "rt5" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt5" }
  }
  step "next" {
    start_workflow = workflow.rt6
  }
}
workflow "rt6" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt6" }
  }
  step "next" {
    start_workflow = workflow.rt7
  }
}
workflow "rt7" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt7" }
  }
  step "next" {
    start_workflow = workflow.rt8
  }
}
workflow "rt8" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt8" }
  }
  step "next" {
    start_workflow = workflow.rt9
  }
}
workflow "rt9" {
  table = "lead"
  mode  = "realtime"
  step "note" {
    update = { description = "rt9" }
  }
}
workflow "bg1" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg1" }
  }
  step "next" {
    start_workflow = workflow.bg2
  }
}
workflow "bg2" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg2" }
  }
  step "next" {
    start_workflow = workflow.bg3
  }
}
workflow "bg3" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg3" }
  }
  step "next" {
    start_workflow = workflow.bg4
  }
}
workflow "bg4" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg4" }
  }
  step "next" {
    start_workflow = workflow.bg5
  }
}
workflow "bg5" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg5" }
  }
  step "next" {
    start_workflow = workflow.bg6
  }
}
workflow "bg6" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg6" }
  }
  step "next" {
    start_workflow = workflow.bg7
  }
}
workflow "bg7" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg7" }
  }
  step "next" {
    start_workflow = workflow.bg8
  }
}
workflow "bg8" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg8" }
  }
  step "next" {
    start_workflow = workflow.bg9
  }
}
workflow "bg9" {
  table = "lead"
  mode  = "background"
  step "note" {
    update = { description = "bg9" }
  }
}
workflow "waiter" {
  table      = "lead"
  wait_until = self.decisionmaker == true
  timeout    = "2h"
  step "decided" {
    when = self.decisionmaker == true
    send_email = {
      to      = var.mailbox
      subject = "Decided"
    }
  }
  step "gave_up" {
    when = !self.decisionmaker
    send_email = {
      to      = var.mailbox
      subject = "Timed out"
    }
  }
}
`

// clock is a test clock that moves only when told.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)) }

// env is the test project deployed to a fresh SQLite environment, with an
// engine whose hooks are a Runner.
type env struct {
	t     testing.TB
	ctx   context.Context
	p     *compiler.Project
	path  string
	s     store.Store
	e     *engine.Engine
	r     *Runner
	clock *clock
}

// deployTestProject writes the test project to dir and deploys it to a new
// environment file; it returns the file's path.
func deployTestProject(t testing.TB, dir string) (*compiler.Project, string) {
	t.Helper()
	return deployProject(t, dir, testProject)
}

// deployProject is deployTestProject of the project src.
func deployProject(t testing.TB, dir, src string) (*compiler.Project, string) {
	t.Helper()
	testenv.Write(t, dir, "project.hcl", src)
	p := testenv.Load(t, dir)
	b := testenv.FakeBuild(t, p)
	path := filepath.Join(dir, "dev.db")
	if testStore == "postgres" {
		path = pgtest.URL(t)
	}
	ctx := context.Background()
	s, err := openAt(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	testenv.Import(t, p, s, b, nil)
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.PutUser(store.User{ID: "7f5b6c1e-0000-4000-8000-000000000001", Name: "siu.lead", FullName: "SIU Lead", Roles: []string{"system_administrator"}})
	}); err != nil {
		t.Fatal(err)
	}
	return p, path
}

// newEnv deploys the test project and opens it with a runner.
func newEnv(t testing.TB, o Options) *env {
	t.Helper()
	p, path := deployTestProject(t, t.TempDir())
	return openEnv(t, p, path, o)
}

func openEnv(t testing.TB, p *compiler.Project, path string, o Options) *env {
	t.Helper()
	ctx := context.Background()
	c := newClock()
	s, err := openAt(ctx, path, c.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if o.Now == nil {
		o.Now = c.Now
	}
	r := New(s, o)
	e := engine.New(s, engine.Options{Now: o.Now, Hooks: r})
	return &env{t: t, ctx: ctx, p: p, path: path, s: s, e: e, r: r, clock: c}
}

func (v *env) admin() *engine.Session { return v.e.As("admin") }

// lead creates a lead starting flow.
func (v *env) lead(flow string, vals engine.Values) (string, *engine.Instance) {
	v.t.Helper()
	all := engine.Values{"lastname": "Smith", "subject": "Big deal"}
	for k, x := range vals {
		all[k] = x
	}
	c, err := v.admin().CreateRecord(v.ctx, "lead", all, engine.StartOptions{Flow: flow})
	if err != nil {
		v.t.Fatalf("create lead: %v", err)
	}
	return c.ID, c.Instance
}

func (v *env) record(table, id string) store.Row {
	v.t.Helper()
	rec, err := v.admin().Record(v.ctx, table, id)
	if err != nil {
		v.t.Fatalf("read %s %s: %v", table, id, err)
	}
	return rec.Values
}

func (v *env) setVar(name, value string) {
	v.t.Helper()
	if err := v.s.Write(v.ctx, func(tx store.Tx) error {
		return tx.PutVariableValue(store.VariableValue{SchemaName: "tw_" + name, Value: value, Source: "environment"})
	}); err != nil {
		v.t.Fatal(err)
	}
}

func (v *env) jobs() []store.Job {
	v.t.Helper()
	js, err := v.r.Jobs(v.ctx, store.JobFilter{})
	if err != nil {
		v.t.Fatal(err)
	}
	return js
}

func (v *env) emails() []store.Email {
	v.t.Helper()
	es, err := v.r.Emails(v.ctx, store.EmailFilter{})
	if err != nil {
		v.t.Fatal(err)
	}
	return es
}

func (v *env) runDue() []store.Job {
	v.t.Helper()
	js, err := v.r.RunDue(v.ctx)
	if err != nil {
		v.t.Fatal(err)
	}
	return js
}

// With BPFC_TEST_STORE=postgres the environment is a PostgreSQL store, in
// a database of its own on BPFC_TEST_POSTGRES; without that server the
// tests are skipped.
var testStore = os.Getenv("BPFC_TEST_STORE")

// openAt opens the environment "dev" at a file path or a postgres:// URL.
func openAt(ctx context.Context, loc string, now func() time.Time) (store.Store, error) {
	if strings.HasPrefix(loc, "postgres") {
		return postgres.Open(ctx, loc, postgres.Options{Name: "dev", Now: now})
	}
	return sqlite.Open(ctx, loc, sqlite.Options{Name: "dev", Now: now})
}

func (v *env) dump() string {
	v.t.Helper()
	var d string
	var err error
	if strings.HasPrefix(v.path, "postgres") {
		d, err = postgres.Dump(v.ctx, v.path, postgres.SchemaFor("dev"))
	} else {
		d, err = sqlite.Dump(v.ctx, v.path)
	}
	if err != nil {
		v.t.Fatal(err)
	}
	return d
}
