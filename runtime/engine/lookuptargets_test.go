package engine

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
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
	if err := v.s.Write(v.ctx, func(tx store.Tx) error {
		tb, err := tx.Table("lead")
		if err != nil {
			return err
		}
		_, err = tx.UpdateRow(tb, old.ID, map[string]any{"customerid": shared}, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
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
