package engine

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store/postgres/pgtest"
)

// TestCustomerLookupKeepsItsTable: an account and a contact share an id;
// a customer lookup written to each (a Web API binding's Ref, the CLI's
// TABLE:ID) names its own row's table and name when read, where the id
// alone named the account, the first of customerid's tables; a value
// written with no table kept (before the store kept them) reads as
// before; deleting the account empties only the lookup to it. On the
// store the tests were asked for (BPFC_TEST_STORE=postgres: PostgreSQL).
func TestCustomerLookupKeepsItsTable(t *testing.T) {
	p := testenv.Load(t, testenv.Example(t, "sales"))
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		p.Environment("dev").Store = pgtest.URL(t)
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	v := open(t, p, "dev")
	admin := v.admin()
	const shared = "5f3e0a1b-0000-4000-8000-000000000001"
	v.create(admin, "account", Values{"accountid": shared, "name": "Contoso"}, StartOptions{NoFlow: true})
	v.create(admin, "contact", Values{"contactid": shared, "firstname": "Ann", "lastname": "Lee"}, StartOptions{NoFlow: true})
	toAccount := v.create(admin, "lead", Values{"subject": "A", "lastname": "A", "customerid": Ref{Table: "account", ID: shared}}, StartOptions{NoFlow: true})
	toContact := v.create(admin, "lead", Values{"subject": "C", "lastname": "C", "customerid": Ref{Table: "contact", ID: shared}}, StartOptions{NoFlow: true})
	byText := v.create(admin, "lead", Values{"subject": "T", "lastname": "T", "customerid": "contact:" + strings.ToUpper(shared)}, StartOptions{NoFlow: true})
	old := v.create(admin, "lead", Values{"subject": "O", "lastname": "O"}, StartOptions{NoFlow: true})
	// A value as written before the store kept tables: the id alone.
	testenv.WriteBare(t, v.s, "lead", old.ID, map[string]any{"customerid": shared})
	shows := func(id, table, name string) {
		t.Helper()
		r, err := admin.Record(v.ctx, "lead", id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Values["customerid"] != shared || r.Tables["customerid"] != table || r.Labels["customerid"] != name {
			t.Errorf("lead %s: customerid %v, table %q, name %q; want %s, %q, %q", id, r.Values["customerid"], r.Tables["customerid"],
				r.Labels["customerid"], shared, table, name)
		}
	}
	shows(toAccount.ID, "account", "Contoso")
	shows(toContact.ID, "contact", "Ann Lee")
	shows(byText.ID, "contact", "Ann Lee")
	shows(old.ID, "account", "Contoso")
	// An update to the other table names it.
	v.update("lead", toAccount.ID, Values{"customerid": "contact:" + shared})
	shows(toAccount.ID, "contact", "Ann Lee")
	v.update("lead", toAccount.ID, Values{"customerid": Ref{Table: "account", ID: shared}})
	shows(toAccount.ID, "account", "Contoso")
	// A table the lookup does not look up is refused, naming its tables.
	_, err := admin.UpdateRecord(v.ctx, "lead", toAccount.ID, Values{"customerid": "lead:" + shared}, 0)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "names table lead") || !strings.Contains(err.Error(), "account or contact") {
		t.Errorf("customerid=lead:ID: %v", err)
	}
	// Deleting the account empties the lookups to it, not the one to the
	// contact of the same id.
	if err := admin.DeleteRecord(v.ctx, "account", shared); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]any{toAccount.ID: nil, toContact.ID: shared, byText.ID: shared} {
		r, err := admin.Record(v.ctx, "lead", id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Values["customerid"] != want {
			t.Errorf("lead %s after the account was deleted: customerid %v, want %v", id, r.Values["customerid"], want)
		}
	}
	shows(toContact.ID, "contact", "Ann Lee")
}

// contactDealFlow moves from a contact to an opportunity whose customer
// lookup (account or contact) is the stage's relationship.
const contactDealFlow = `
flow "contact_deal" {
  display_name  = "Contact Deal"
  primary_table = "contact"
  order         = 40

  stage "know" {
    step "last" { column = "lastname" }
  }
  stage "sell" {
    table        = "opportunity"
    relationship = "customerid"
    step "name" { column = "name" }
  }
}
`

// TestRelationshipKeepsItsTable: a move to a stage whose relationship is a
// customer lookup points the opportunity at the contact of the stage
// before, by table too: an account of the same id is not named, whether
// the move creates the opportunity or links one whose customer is empty.
// It named the account, the first of customerid's tables holding the id.
func TestRelationshipKeepsItsTable(t *testing.T) {
	p := testenv.Load(t, testenv.Example(t, "sales", "flows/contact_deal.hcl", contactDealFlow))
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		p.Environment("dev").Store = pgtest.URL(t)
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	v := open(t, p, "dev")
	admin := v.admin()
	for i, shared := range []string{"5f3e0a1b-0000-4000-8000-000000000011", "5f3e0a1b-0000-4000-8000-000000000012"} {
		v.create(admin, "account", Values{"accountid": shared, "name": "Contoso"}, StartOptions{NoFlow: true})
		c := v.create(admin, "contact", Values{"contactid": shared, "firstname": "Ann", "lastname": "Lee"}, StartOptions{Flow: "contact_deal"})
		mo := MoveOptions{}
		if i == 1 {
			// An opportunity with no customer yet, linked by the move.
			opp := v.create(admin, "opportunity", Values{"name": "Fleet"}, StartOptions{NoFlow: true})
			mo.Link = opp.ID
		}
		in, err := admin.Next(v.ctx, c.Instance.ID, mo)
		if err != nil {
			t.Fatal(err)
		}
		opp := in.Records["opportunity"]
		r, err := admin.Record(v.ctx, "opportunity", opp)
		if err != nil {
			t.Fatal(err)
		}
		if r.Values["customerid"] != shared || r.Tables["customerid"] != "contact" || r.Labels["customerid"] != "Ann Lee" {
			t.Errorf("move %d: the opportunity's customerid %v, table %q, name %q; want the contact %s, Ann Lee", i, r.Values["customerid"],
				r.Tables["customerid"], r.Labels["customerid"], shared)
		}
	}
}

// TestRelationshipComparesItsTable: an account and a contact share an id;
// an opportunity whose customer is the account does not point back at the
// contact of a stage whose relationship is customerid. Linking it to the
// move is refused (it belongs to the account), and a move back to the
// opportunity table does not take it for the record the instance had
// there: a new one is created for the contact. Both counted it as linked,
// comparing the id alone. A value written with no table kept names the
// first table holding its id, as record show reads it.
func TestRelationshipComparesItsTable(t *testing.T) {
	p := testenv.Load(t, testenv.Example(t, "sales", "flows/contact_deal.hcl", contactDealFlow))
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		p.Environment("dev").Store = pgtest.URL(t)
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	v := open(t, p, "dev")
	admin := v.admin()
	const shared = "5f3e0a1b-0000-4000-8000-000000000013"
	no := StartOptions{NoFlow: true}
	v.create(admin, "account", Values{"accountid": shared, "name": "Contoso"}, no)
	c := v.create(admin, "contact", Values{"contactid": shared, "firstname": "Ann", "lastname": "Lee"}, StartOptions{Flow: "contact_deal"})
	accounts := v.create(admin, "opportunity", Values{"name": "Account's", "customerid": "account:" + shared}, no)

	// --link to the account's opportunity: refused, nothing changed.
	_, err := admin.Next(v.ctx, c.Instance.ID, MoveOptions{Link: accounts.ID})
	var re *ErrRefused
	if !errors.As(err, &re) || re.Rule != RuleLink || !strings.Contains(err.Error(), "belongs to account "+shared) {
		t.Fatalf("linking the account's opportunity to the contact's move: %v", err)
	}
	if in := v.show(c.Instance.ID); in.ActiveStage != "know" || in.Records["opportunity"] != "" {
		t.Fatalf("after the refused link: stage %s, opportunity %q", in.ActiveStage, in.Records["opportunity"])
	}

	// On to sell (a new opportunity of the contact), back, and that one
	// deleted: the account's is the only one with the id, and no earlier
	// record of this contact.
	in := v.must(admin.Next(v.ctx, c.Instance.ID, MoveOptions{}))
	first := in.Records["opportunity"]
	if first == "" || first == accounts.ID {
		t.Fatalf("the first move's opportunity: %q", first)
	}
	v.must(admin.Prev(v.ctx, c.Instance.ID, MoveOptions{}))
	if err := admin.DeleteRecord(v.ctx, "opportunity", first); err != nil {
		t.Fatal(err)
	}
	in = v.must(admin.Next(v.ctx, c.Instance.ID, MoveOptions{}))
	opp := in.Records["opportunity"]
	if opp == accounts.ID || opp == "" {
		t.Fatalf("the move back to sell took opportunity %q (the account's is %s), want a new one", opp, accounts.ID)
	}
	r, err := admin.Record(v.ctx, "opportunity", opp)
	if err != nil {
		t.Fatal(err)
	}
	if r.Tables["customerid"] != "contact" {
		t.Errorf("the new opportunity's customer: a row of %q, want contact", r.Tables["customerid"])
	}
	r, err = admin.Record(v.ctx, "opportunity", accounts.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Values["customerid"] != shared || r.Tables["customerid"] != "account" {
		t.Errorf("the account's opportunity: customerid %v of %q, want %s of account", r.Values["customerid"], r.Tables["customerid"], shared)
	}

	// The id alone, as written before the store kept tables, names the
	// first of the lookup's tables holding it (record show reads it so):
	// an account's where one shares the contact's id, so neither linked
	// nor returned to; the contact's where none does, linked as before.
	idAlone := func(opp, id string) {
		t.Helper()
		testenv.WriteBare(t, v.s, "opportunity", opp, map[string]any{"customerid": id})
	}
	const shared2 = "5f3e0a1b-0000-4000-8000-000000000014"
	v.create(admin, "account", Values{"accountid": shared2, "name": "Fabrikam"}, no)
	c2 := v.create(admin, "contact", Values{"contactid": shared2, "firstname": "Bo", "lastname": "Ek"}, StartOptions{Flow: "contact_deal"})
	old := v.create(admin, "opportunity", Values{"name": "Old"}, no)
	idAlone(old.ID, shared2)
	if r, err := admin.Record(v.ctx, "opportunity", old.ID); err != nil || r.Tables["customerid"] != "account" {
		t.Fatalf("record show of the opportunity whose customer is the id alone: %v, %v", r, err)
	}
	_, err = admin.Next(v.ctx, c2.Instance.ID, MoveOptions{Link: old.ID})
	if !errors.As(err, &re) || re.Rule != RuleLink || !strings.Contains(err.Error(), "belongs to account "+shared2) {
		t.Fatalf("linking the opportunity whose customer is the id alone, an account's too: %v", err)
	}
	in = v.must(admin.Next(v.ctx, c2.Instance.ID, MoveOptions{}))
	v.must(admin.Prev(v.ctx, c2.Instance.ID, MoveOptions{}))
	if err := admin.DeleteRecord(v.ctx, "opportunity", in.Records["opportunity"]); err != nil {
		t.Fatal(err)
	}
	if in := v.must(admin.Next(v.ctx, c2.Instance.ID, MoveOptions{})); in.Records["opportunity"] == old.ID {
		t.Errorf("the move back to sell took the opportunity whose customer is the id alone, the account's (%s)", old.ID)
	}

	const own = "5f3e0a1b-0000-4000-8000-000000000015"
	c3 := v.create(admin, "contact", Values{"contactid": own, "firstname": "Cy", "lastname": "Ng"}, StartOptions{Flow: "contact_deal"})
	old3 := v.create(admin, "opportunity", Values{"name": "Old 3"}, no)
	idAlone(old3.ID, own)
	if in := v.must(admin.Next(v.ctx, c3.Instance.ID, MoveOptions{Link: old3.ID})); in.Records["opportunity"] != old3.ID {
		t.Errorf("linking the opportunity whose customer is the id alone, the contact's only: %q, want %s", in.Records["opportunity"], old3.ID)
	}
}

// TestLinkNamesTheRelationshipTable: linking, from a contact's stage, an
// opportunity whose customer is an account (another id than the
// contact's) is refused as the account's; it was said to belong to
// "another contact".
func TestLinkNamesTheRelationshipTable(t *testing.T) {
	p := testenv.Load(t, testenv.Example(t, "sales", "flows/contact_deal.hcl", contactDealFlow))
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		p.Environment("dev").Store = pgtest.URL(t)
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	v := open(t, p, "dev")
	admin := v.admin()
	no := StartOptions{NoFlow: true}
	acc := v.create(admin, "account", Values{"name": "Contoso"}, no)
	c := v.create(admin, "contact", Values{"firstname": "Ann", "lastname": "Lee"}, StartOptions{Flow: "contact_deal"})
	opp := v.create(admin, "opportunity", Values{"name": "Contoso's", "customerid": "account:" + acc.ID}, no)
	_, err := admin.Next(v.ctx, c.Instance.ID, MoveOptions{Link: opp.ID})
	var re *ErrRefused
	if !errors.As(err, &re) || re.Rule != RuleLink || !strings.Contains(err.Error(), "belongs to account "+acc.ID+", not to this contact") {
		t.Fatalf("linking an account's opportunity to a contact's move: %v", err)
	}
}

// TestCustomerLookupNamesReadableHolder: a lead's customer is an id alone
// (written before tables were kept) that an account the salesperson
// cannot read and a contact they own share; record show names the
// contact for them, as the Web API and the pages do, where it said the
// account was not readable by them. Neither readable: the account, so
// labelled.
func TestCustomerLookupNamesReadableHolder(t *testing.T) {
	p := testenv.Load(t, testenv.Example(t, "sales"))
	if os.Getenv("BPFC_TEST_STORE") == "postgres" {
		p.Environment("dev").Store = pgtest.URL(t)
	}
	testenv.Deploy(t, p, "dev", testenv.FakeBuild(t, p))
	v := open(t, p, "dev")
	admin := v.admin()
	if _, err := admin.AddUser(v.ctx, NewUser{Name: "bob", Roles: []string{"salesperson"}}); err != nil {
		t.Fatal(err)
	}
	bob := v.e.As("bob")
	const shared = "5f3e0a1b-0000-4000-8000-000000000015"
	v.create(admin, "account", Values{"accountid": shared, "name": "Contoso"}, StartOptions{NoFlow: true})
	v.create(bob, "contact", Values{"contactid": shared, "firstname": "Ann", "lastname": "Lee"}, StartOptions{NoFlow: true})
	lead := v.create(bob, "lead", Values{"subject": "Fleet", "lastname": "Evans"}, StartOptions{NoFlow: true})
	testenv.WriteBare(t, v.s, "lead", lead.ID, map[string]any{"customerid": shared})
	shows := func(table, name string) {
		t.Helper()
		r, err := bob.Record(v.ctx, "lead", lead.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Tables["customerid"] != table || r.Labels["customerid"] != name {
			t.Errorf("bob's lead: customerid table %q, name %q; want %q, %q", r.Tables["customerid"], r.Labels["customerid"], table, name)
		}
	}
	shows("contact", "Ann Lee")
	if _, err := admin.UpdateRecord(v.ctx, "contact", shared, Values{"ownerid": "admin"}, 0); err != nil {
		t.Fatal(err)
	}
	shows("account", NotReadableLabel)
}
