package engine

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Roles the sales scenario adds to the example, so that every privilege
// has a user who lacks it.
const salesTestRoles = `
role "deal_desk" {
  grant "strategic_deal" {
    privileges = ["create", "read", "write", "append", "append_to"]
  }
}

role "lead_reader" {
  grant "lead_to_opportunity" {
    privileges = ["read"]
  }
}

role "no_crossing" {
  grant "lead_to_opportunity" {
    privileges = ["create", "read", "write", "append"]
  }
}

role "cleaner" {
  grant "lead_to_opportunity" {
    privileges = ["read", "delete"]
  }
}
`

// TestSalesScenario takes examples/sales, released to dev, test and prod on
// real SQLite files, through every run-time rule.
func TestSalesScenario(t *testing.T) {
	p := release(t, "sales", "test_roles.hcl", salesTestRoles)
	dev := open(t, p, "dev")
	admin := dev.admin()
	ctx := dev.ctx
	for name, roles := range map[string][]string{
		"alice": {"salesperson"}, "dave": {"deal_desk"}, "carol": {"customer_service_representative"},
		"rita": {"lead_reader"}, "nick": {"no_crossing"}, "cleo": {"cleaner"}, "cust": {"system_customizer"}, "nobody": nil,
	} {
		if _, err := admin.AddUser(ctx, NewUser{Name: name, Roles: roles}); err != nil {
			t.Fatal(err)
		}
	}
	sc := &salesScenario{p: p, dev: dev, admin: admin, ctx: ctx}
	t.Run("RecordValues", sc.recordValues)
	t.Run("DefaultFlow", sc.defaultFlow)
	t.Run("InstancesPerRecord", sc.instancesPerRecord)
	t.Run("ListNewestModifiedFirst", sc.listNewestModifiedFirst)
	t.Run("ActivePathUsesTheEnvironmentsVariables", sc.activePathUsesTheEnvironmentsVariables)
	t.Run("Next", sc.next)
	t.Run("NewRecordPrefilled", sc.newRecordPrefilled)
	t.Run("TraversedPathLimit", sc.traversedPathLimit)
	t.Run("LinkAndPrev", sc.linkAndPrev)
	t.Run("FinishAbandonReactivate", sc.finishAbandonReactivate)
	t.Run("DeletingARecordKeepsItsInstances", sc.deletingARecordKeepsItsInstances)
	t.Run("UsersAndRoles", sc.usersAndRoles)
	t.Run("RunsTheDeployedModel", sc.runsTheDeployedModel)
}

// salesScenario is the state the sales scenario's steps share.
type salesScenario struct {
	p     *compiler.Project
	dev   *env
	admin *Session
	ctx   context.Context
}

// lead returns newLead: it creates a lead in v, ready to qualify in the
// strategic deal process.
func (sc *salesScenario) lead(v *env) func(s *Session, so StartOptions, extra Values) *Created {
	return func(s *Session, so StartOptions, extra Values) *Created {
		vals := Values{"subject": "Fleet renewal", "firstname": "Jo", "lastname": "Bloggs", "budgetamount": "30000",
			"purchasetimeframe": "This Quarter", "decisionmaker": "yes"}
		for k, v := range extra {
			vals[k] = v
		}
		return v.create(s, "lead", vals, so)
	}
}

func (sc *salesScenario) recordValues(t *testing.T) {
	dev, admin, ctx := sc.dev.with(t), sc.admin, sc.ctx
	contact := dev.create(admin, "contact", Values{"firstname": "Ann", "lastname": "Lee", "emailaddress1": "ann@example.com"}, StartOptions{})
	if contact.Instance != nil {
		t.Errorf("a contact started flow %s: no flow runs on contacts", contact.Instance.Flow)
	}
	acct := dev.create(admin, "account", Values{"name": "Contoso"}, StartOptions{})
	lead := dev.create(admin, "lead", Values{"subject": "Fleet", "firstname": "Jo", "lastname": "Bloggs", "budgetamount": "30000.50",
		"purchasetimeframe": "this quarter", "purchaseprocess": "1", "decisionmaker": "yes", "estimatedclosedate": "2026-12-31",
		"parentcontactid": contact.ID, "customerid": acct.ID, "numberofemployees": "250"}, StartOptions{NoFlow: true})
	if lead.Instance != nil {
		t.Error("--no-flow started a flow")
	}
	r, err := admin.Record(ctx, "lead", lead.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"budgetamount": 30000.5, "purchasetimeframe": int64(1), "purchaseprocess": int64(1), "decisionmaker": true,
		"estimatedclosedate": time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "parentcontactid": contact.ID, "customerid": acct.ID,
		"numberofemployees": int64(250), "fullname": "Jo Bloggs", "statecode": int64(0), "statuscode": int64(1),
		store.RowVersionColumn: int64(1), "createdon": dev.clock.Now(), "leadid": lead.ID, "description": nil}
	for k, v := range want {
		if got := r.Values[k]; got != v {
			t.Errorf("lead.%s = %#v, want %#v", k, got, v)
		}
	}
	if r.Values["ownerid"] == nil || r.Values["ownerid"] != r.Values["createdby"] {
		t.Errorf("owner %v, created by %v: want the administrator", r.Values["ownerid"], r.Values["createdby"])
	}

	long := strings.Repeat("x", 301)
	for _, tc := range []struct {
		table string
		vals  Values
		msg   string
		is    error
	}{
		{"lead", Values{"budgetamount": "lots"}, `lead.budgetamount is a money column: "lots" is not a number`, ErrInvalid},
		{"lead", Values{"budgetamount": "1e400"}, `lead.budgetamount is a money column: "1e400" is outside money's range (±922,337,203,685,477)`, ErrInvalid},
		{"lead", Values{"budgetamount": "-1e400"}, `is outside money's range`, ErrInvalid},
		{"lead", Values{"numberofemployees": "99999999999999999999"}, `is outside a whole number's range`, ErrInvalid},
		{"lead", Values{"purchasetimeframe": "Soon"}, `lead.purchasetimeframe is a choice column: "Soon" is not one of its options: Immediate (0), This Quarter (1), Next Quarter (2), This Year (3), Unknown (4)`, ErrInvalid},
		{"lead", Values{"purchasetimeframe": "9"}, `"9" is not one of its options`, ErrInvalid},
		{"lead", Values{"purchasetimeframe": "this quater"}, `Unknown (4); did you mean This Quarter?`, ErrInvalid},
		{"lead", Values{"decisionmaker": "maybe"}, `lead.decisionmaker is a boolean column: "maybe" is not yes or no`, ErrInvalid},
		{"lead", Values{"estimatedclosedate": "tomorrow"}, `lead.estimatedclosedate is a datetime column: "tomorrow" is not a date`, ErrInvalid},
		{"lead", Values{"parentcontactid": "00000000-0000-0000-0000-000000000001"}, `lead.parentcontactid is a lookup column: "00000000-0000-0000-0000-000000000001" is not the id of a row of contact`, ErrInvalid},
		{"lead", Values{"customerid": contact.ID + "x"}, `is not the id of a row of account or contact`, ErrInvalid},
		// A name where the id goes is told a lookup takes the id.
		{"lead", Values{"parentcontactid": "Ann Lee"}, `lead.parentcontactid is a lookup column: "Ann Lee" is not the id of a row of contact: a lookup is set to the row's id (a GUID such as 3f2c5b1e-0d4a-4c1e-9b8f-2a6d7e5c4b3a), not its name: list the rows of contact to find it`, ErrInvalid},
		{"lead", Values{"subject": long}, `lead.subject is a string column: "xxx`, ErrInvalid},
		{"lead", Values{"subject": long}, `is longer than 300 characters`, ErrInvalid},
		{"lead", Values{"emailaddress1": "not-an-email"}, `lead.emailaddress1 is an email column: "not-an-email" is not an email address`, ErrInvalid},
		{"lead", Values{"numberofemployees": "2.5"}, `lead.numberofemployees is an integer column: "2.5" is not a whole number`, ErrInvalid},
		{"lead", Values{"budgetamont": "1"}, `table lead has no column "budgetamont" (did you mean budgetamount?)`, ErrInvalid},
		{"lead", Values{"SUBJECT": "x"}, `table lead has no column "SUBJECT" (did you mean subject?)`, ErrInvalid},
		// The compiler's rule of a likely typo: a name's start counts, a
		// short name is not "corrected" into another word.
		{"lead", Values{"budget": "1"}, `table lead has no column "budget" (did you mean budgetamount?)`, ErrInvalid},
		{"lead", Values{"xy": "1"}, `table lead has no column "xy"`, ErrInvalid},
		{"lead", Values{"createdon": "2026-01-01"}, `lead.createdon is set by the system`, ErrInvalid},
		{"lead", Values{"leadid": "not-a-guid"}, `lead.leadid is a uniqueidentifier column: "not-a-guid" is not an id`, ErrInvalid},
		{"lead", Values{"leadid": lead.ID}, `lead ` + lead.ID + ` already exists`, ErrInvalid},
		{"cts_leadtoopportunity", Values{}, `is the instance table of a flow`, ErrInvalid},
		{"systemuser", Values{"domainname": "x"}, `users are written with bpfc user add`, ErrInvalid},
		{"nosuchtable", Values{}, `no table "nosuchtable" in dev`, ErrNotFound},
	} {
		err := dev.unchanged("create "+tc.table, func() error {
			_, err := admin.CreateRecord(ctx, tc.table, tc.vals, StartOptions{})
			return err
		})
		if !strings.Contains(err.Error(), tc.msg) || !errors.Is(err, tc.is) {
			t.Errorf("create %s %v:\n got %v\nwant %q (%v)", tc.table, tc.vals, err, tc.msg, tc.is)
		}
	}

	// A lookup takes its id in upper case and braces too, stored as ids are.
	if rec, err := admin.CreateRecord(ctx, "lead", Values{"lastname": "Upper", "parentcontactid": "{" + strings.ToUpper(contact.ID) + "}"}, StartOptions{NoFlow: true}); err != nil {
		t.Errorf("a lookup in upper case and braces: %v", err)
	} else if r, err := admin.Record(ctx, "lead", rec.ID); err != nil || r.Values["parentcontactid"] != contact.ID {
		t.Errorf("the lookup stored: %+v %v", r, err)
	}
	// Dataverse's Guid.Empty as an id asks for a new one.
	if rec, err := admin.CreateRecord(ctx, "lead", Values{"leadid": "00000000-0000-0000-0000-000000000000", "lastname": "Nil"}, StartOptions{NoFlow: true}); err != nil ||
		rec.ID == "00000000-0000-0000-0000-000000000000" || !IsID(rec.ID) {
		t.Errorf("create with the nil GUID: %+v %v", rec, err)
	}

	r2, err := admin.UpdateRecord(ctx, "lead", lead.ID, Values{"budgetamount": 1000, "parentcontactid": "", "firstname": "Joanna"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Version != 2 || r2.Values["budgetamount"] != 1000.0 || r2.Values["parentcontactid"] != nil || r2.Values["fullname"] != "Joanna Bloggs" {
		t.Errorf("updated lead = %v", r2.Values)
	}
	err = dev.unchanged("update at a stale version", func() error {
		_, err := admin.UpdateRecord(ctx, "lead", lead.ID, Values{"budgetamount": 5}, 1)
		return err
	})
	var conflict *ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "version 1, now 2") {
		t.Errorf("stale update: %v", err)
	}
	err = dev.unchanged("update of a missing lead", func() error {
		_, err := admin.UpdateRecord(ctx, "lead", "nope", Values{"budgetamount": 5}, 0)
		return err
	})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `no lead "nope" in dev`) {
		t.Errorf("update of a missing lead: %v", err)
	}
	recs, err := admin.Records(ctx, "account")
	if err != nil || len(recs) != 1 || recs[0].ID != acct.ID {
		t.Errorf("account records = %v, %v", recs, err)
	}
}

func (sc *salesScenario) defaultFlow(t *testing.T) {
	dev, admin, ctx := sc.dev.with(t), sc.admin, sc.ctx
	flowOf := func(c *Created) string {
		if c.Instance == nil {
			return ""
		}
		return c.Instance.Flow
	}
	for _, tc := range []struct {
		user, table string
		so          StartOptions
		want        string
	}{
		{"admin", "lead", StartOptions{}, "lead_to_opportunity"}, // order 10 before strategic_deal's 20
		{"alice", "lead", StartOptions{}, "lead_to_opportunity"},
		{"dave", "lead", StartOptions{}, "strategic_deal"}, // the only lead flow deal_desk may start
		{"carol", "lead", StartOptions{}, ""},              // no lead flow for customer service
		{"rita", "lead", StartOptions{}, ""},               // read only
		{"admin", "lead", StartOptions{Flow: "strategic_deal"}, "strategic_deal"},
		{"admin", "lead", StartOptions{Flow: "strategicdeal"}, "strategic_deal"}, // by unique name
		{"admin", "lead", StartOptions{NoFlow: true}, ""},
		{"admin", "opportunity", StartOptions{}, "opportunity_sales"},
		{"admin", "incident", StartOptions{}, "phone_to_case"},
		{"carol", "phonecall", StartOptions{}, "phone_call_triage"},
	} {
		vals := Values{"subject": "x", "lastname": "y"}
		switch tc.table {
		case "opportunity":
			vals = Values{"name": "Deal"}
		case "incident":
			vals = Values{"title": "Broken"}
		case "phonecall":
			vals = Values{"subject": "Call"}
		}
		c := dev.create(dev.as(tc.user), tc.table, vals, tc.so)
		if got := flowOf(c); got != tc.want {
			t.Errorf("%s creates a %s (%+v): flow %q, want %q", tc.user, tc.table, tc.so, got, tc.want)
		}
		if c.Instance != nil && (c.Instance.ActiveStage != "qualify" && c.Instance.ActiveStage != "identify" || c.Instance.Records[tc.table] != c.ID) {
			t.Errorf("started instance = %+v", c.Instance)
		}
	}
	err := dev.unchanged("both a flow and no flow", func() error {
		_, err := admin.CreateRecord(ctx, "lead", Values{"subject": "x"}, StartOptions{Flow: "strategic_deal", NoFlow: true})
		return err
	})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("flow and no flow: %v", err)
	}
	err = dev.unchanged("carol starts the lead flow", func() error {
		_, err := dev.as("carol").CreateRecord(ctx, "lead", Values{"subject": "x"}, StartOptions{Flow: "lead_to_opportunity"})
		return err
	})
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), `user "carol" may not start instances of flow lead_to_opportunity: none of their roles grants create on cts_leadtoopportunity`) {
		t.Errorf("carol starting the lead flow: %v", err)
	}
	err = dev.unchanged("a flow of another table", func() error {
		_, err := admin.CreateRecord(ctx, "lead", Values{"subject": "x"}, StartOptions{Flow: "opportunity_sales"})
		return err
	})
	refused(t, err, RuleFlowTable, "cannot start flow opportunity_sales: the flow runs on opportunity records, not lead")
}

func (sc *salesScenario) instancesPerRecord(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	lead := newLead(admin, StartOptions{}, nil)
	for i := 1; i < MaxInstancesPerRecord; i++ {
		flow := "strategic_deal"
		if i%2 == 0 {
			flow = "lead_to_opportunity"
		}
		if _, err := admin.Start(ctx, flow, "lead", lead.ID); err != nil {
			t.Fatalf("instance %d: %v", i+1, err)
		}
	}
	err := dev.unchanged("an eleventh instance", func() error {
		_, err := admin.Start(ctx, "strategic_deal", "lead", lead.ID)
		return err
	})
	refused(t, err, RuleMaxInstances, "already holds 10 process instances")
	ins, err := admin.Instances(ctx, InstanceFilter{Table: "lead", RecordID: lead.ID})
	if err != nil || len(ins) != MaxInstancesPerRecord {
		t.Errorf("instances of the lead: %d, %v", len(ins), err)
	}
	if _, err := admin.Start(ctx, "nosuchflow", "lead", lead.ID); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "the deployed flows are lead_to_opportunity, opportunity_sales") {
		t.Errorf("unknown flow: %v", err)
	}
	if _, err := admin.Start(ctx, "strategic_deal", "lead", "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("start on a missing record: %v", err)
	}
}

func (sc *salesScenario) listNewestModifiedFirst(t *testing.T) {
	dev, admin, ctx, newLead := sc.dev.with(t), sc.admin, sc.ctx, sc.lead(sc.dev.with(t))
	lead := newLead(admin, StartOptions{}, nil)
	i1 := lead.Instance.ID
	dev.clock.Advance(time.Minute)
	i2 := dev.must(admin.Start(ctx, "strategic_deal", "lead", lead.ID)).ID
	dev.clock.Advance(time.Minute)
	i3 := dev.must(admin.Start(ctx, "lead_to_opportunity", "lead", lead.ID)).ID
	dev.clock.Advance(time.Minute)
	moved := dev.must(admin.Next(ctx, i1, MoveOptions{})) // crosses to a new opportunity
	ids := func(ins []*Instance, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, in := range ins {
			out = append(out, in.ID)
		}
		return out
	}
	if got := ids(admin.Instances(ctx, InstanceFilter{Table: "lead", RecordID: lead.ID})); !slices.Equal(got, []string{i1, i3, i2}) {
		t.Errorf("instances of the lead = %v, want %v", got, []string{i1, i3, i2})
	}
	if got := ids(admin.Instances(ctx, InstanceFilter{Table: "opportunity", RecordID: moved.Records["opportunity"]})); !slices.Equal(got, []string{i1}) {
		t.Errorf("instances of the opportunity = %v", got)
	}
	got := ids(admin.Instances(ctx, InstanceFilter{Flow: "strategic_deal"}))
	if !slices.Contains(got, i2) || slices.Contains(got, i1) {
		t.Errorf("strategic deal instances = %v", got)
	}
	all := ids(admin.Instances(ctx, InstanceFilter{}))
	if len(all) < 3 || all[0] != i1 {
		t.Errorf("all instances start with %v, want %s", all[:1], i1)
	}
	if got := ids(dev.as("carol").Instances(ctx, InstanceFilter{Table: "lead", RecordID: lead.ID})); len(got) != 0 {
		t.Errorf("carol sees lead instances %v", got)
	}
	if _, err := dev.as("carol").Instances(ctx, InstanceFilter{Flow: "strategic_deal"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("carol lists strategic deals: %v", err)
	}
}

func (sc *salesScenario) activePathUsesTheEnvironmentsVariables(t *testing.T) {
	dev, p := sc.dev.with(t), sc.p
	prod := open(t, p, "prod")
	paths := map[string][]string{}
	for _, v := range []*env{dev, prod} {
		lead := v.create(v.admin(), "lead", Values{"subject": "Fleet", "lastname": "Bloggs", "budgetamount": "30000",
			"purchasetimeframe": "0", "decisionmaker": "true"}, StartOptions{Flow: "strategic_deal"})
		in := v.must(v.admin().Next(v.ctx, lead.Instance.ID, MoveOptions{}))
		v.update("opportunity", in.Records["opportunity"], Values{"estimatedvalue": "30000"})
		paths[v.path] = v.show(in.ID).ActivePath
	}
	if got, want := paths[dev.path], []string{"qualify", "develop", "approval", "propose", "close"}; !slices.Equal(got, want) {
		t.Errorf("dev (threshold 25000): path %v, want %v", got, want)
	}
	if got, want := paths[prod.path], []string{"qualify", "develop", "propose", "close"}; !slices.Equal(got, want) {
		t.Errorf("prod (threshold 100000): path %v, want %v", got, want)
	}
}
