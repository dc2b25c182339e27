package webui

import (
	"context"
	"net/http"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// linkedLead makes a lead in the lead-to-opportunity flow whose lookups
// point at an account, a contact and an opportunity (its owner is the
// administrator). With own, those rows have lookups of their own set too:
// the account to its primary contact and the lead it came from, the
// contact to its company and the lead, the opportunity to its contact and
// the lead (besides the customer it needs, and the users every row has).
func (f *fixture) linkedLead(own bool) string {
	f.t.Helper()
	ctx := context.Background()
	admin := f.eng.As("admin")
	no := engine.StartOptions{NoFlow: true}
	create := func(table string, vals engine.Values, so engine.StartOptions) string {
		f.t.Helper()
		c, err := admin.CreateRecord(ctx, table, vals, so)
		if err != nil {
			f.t.Fatal(err)
		}
		return c.ID
	}
	update := func(table, id string, vals engine.Values) {
		f.t.Helper()
		if _, err := admin.UpdateRecord(ctx, table, id, vals, 0); err != nil {
			f.t.Fatal(err)
		}
	}
	account := create("account", engine.Values{"name": "Contoso"}, no)
	contact := create("contact", engine.Values{"lastname": "Ames"}, no)
	opp := create("opportunity", engine.Values{"name": "Fleet", "customerid": account}, no)
	lead := create("lead", engine.Values{"subject": "Fleet", "lastname": "Bloggs", "parentaccountid": account,
		"parentcontactid": contact, "customerid": account, "qualifyingopportunityid": opp}, engine.StartOptions{Flow: "lead_to_opportunity"})
	if own {
		update("account", account, engine.Values{"primarycontactid": contact, "originatingleadid": lead})
		update("contact", contact, engine.Values{"parentcustomerid": account, "originatingleadid": lead})
		update("opportunity", opp, engine.Values{"parentcontactid": contact, "originatingleadid": lead})
	}
	return lead
}

// statements is what the store ran to answer a GET of path: the page is
// read once before, so that the caches a first visit fills (statements,
// users' access) are full, as on a server that has been up a while.
func (b *browser) statements(path string) sqlstore.Counts {
	b.t.Helper()
	db, ok := b.f.s.(*sqlstore.DB)
	if !ok {
		b.t.Fatalf("the store is a %T, not an SQL store that counts its statements", b.f.s)
	}
	b.get(path).must(b.t, http.StatusOK)
	before := db.Counts()
	b.get(path).must(b.t, http.StatusOK)
	after := db.Counts()
	return sqlstore.Counts{Transactions: after.Transactions - before.Transactions, Statements: after.Statements - before.Statements}
}

// recordPageStatements is the most statements a lead's record page with
// its stage form and four lookups set (owner, account, contact,
// opportunity) runs: 26 on SQLite and PostgreSQL alike since the pages
// read a lookup's row without naming that row's own lookups (49 when they
// named them), 27 since they read the table kept with its customer lookup
// (customerid), to link it to its row. A change that makes the page read
// more must raise it knowingly, with the cost in the README's Performance
// section.
const recordPageStatements = 27

// TestRecordPageReads: a lead's record page reads the rows its lookups
// point at for their names, not the rows those rows' own lookups point at
// (Session.Record names them, for record show; the pages use
// RecordValues), and stays within its budget of statements.
func TestRecordPageReads(t *testing.T) {
	f := newFixture(t)
	b := f.browser()
	b.signIn()
	bare := b.statements("/records/lead/" + f.linkedLead(false))
	linked := b.statements("/records/lead/" + f.linkedLead(true))
	t.Logf("record page: %+v; with the linked rows' own lookups empty: %+v", linked, bare)
	if linked != bare {
		t.Errorf("the record page of a lead whose linked rows have lookups of their own ran %+v, of one whose rows have none %+v: "+
			"it reads what those lookups point at, which it does not show", linked, bare)
	}
	if linked.Statements > recordPageStatements {
		t.Errorf("the record page ran %d statements (%+v), more than its %d", linked.Statements, linked, recordPageStatements)
	}
}
