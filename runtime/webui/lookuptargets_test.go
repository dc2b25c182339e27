package webui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
)

// TestCustomerLookupLinksItsRow: an account and a contact share an id; a
// case's customer lookup written to the contact links to the contact's
// page, with the contact's name, on the record page and in a stage's
// steps, where it linked to the account, the first of customerid's tables.
func TestCustomerLookupLinksItsRow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.eng.As("admin")
	const shared = "5f3e0a1b-0000-4000-8000-000000000008"
	no := engine.StartOptions{NoFlow: true}
	if _, err := admin.CreateRecord(ctx, "account", engine.Values{"accountid": shared, "name": "Contoso"}, no); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateRecord(ctx, "contact", engine.Values{"contactid": shared, "firstname": "Ann", "lastname": "Lee"}, no); err != nil {
		t.Fatal(err)
	}
	c, err := admin.CreateRecord(ctx, "incident", engine.Values{"title": "Broken", "customerid": "contact:" + shared},
		engine.StartOptions{Flow: "phone_to_case"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Next(ctx, c.Instance.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.signIn()
	// A link, or while the stage form is open a button that leaves it.
	link := `/records/contact/` + shared + `" formnovalidate class="link">Ann Lee</button>`
	b.get(recordHref("incident", c.ID)).must(t, http.StatusOK, link).lacks(t, "/records/account/"+shared)
	// The identify stage, done: its steps read-only, the customer among them.
	p := b.get(recordHref("incident", c.ID)+"?stage=identify").must(t, http.StatusOK, "Find Customer").lacks(t, "/records/account/"+shared)
	// No form there: links.
	if n := strings.Count(p.body, `<a href="/records/contact/`+shared+`">Ann Lee</a>`); n != 2 {
		t.Errorf("the page viewing stage identify links the customer to the contact %d times, want 2 (its columns and the step):\n%s", n, p.body)
	}
}
