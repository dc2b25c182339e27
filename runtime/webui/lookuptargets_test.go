package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/testenv"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/runtime/webapi"
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

// TestCustomerLookupFormKeepsItsTable: an account and a contact share an
// id; the stage form and the create form offer each as TABLE:ID, select
// only the one the value points at, and a choice of the contact saves the
// contact, where both options were the id, both selected, and the post
// saved the account (the first of customerid's tables holding it).
func TestCustomerLookupFormKeepsItsTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.eng.As("admin")
	const shared = "5f3e0a1b-0000-4000-8000-000000000009"
	no := engine.StartOptions{NoFlow: true}
	if _, err := admin.CreateRecord(ctx, "account", engine.Values{"accountid": shared, "name": "Contoso"}, no); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateRecord(ctx, "contact", engine.Values{"contactid": shared, "firstname": "Ann", "lastname": "Lee"}, no); err != nil {
		t.Fatal(err)
	}
	c, err := admin.CreateRecord(ctx, "incident", engine.Values{"title": "Broken", "customerid": "account:" + shared},
		engine.StartOptions{Flow: "phone_to_case"})
	if err != nil {
		t.Fatal(err)
	}
	kept := func(id string) string {
		t.Helper()
		r, err := admin.Record(ctx, "incident", id)
		if err != nil {
			t.Fatal(err)
		}
		return r.Tables["customerid"]
	}
	b := f.browser()
	b.signIn()
	account := `<option value="account:` + shared + `" selected>Contoso (Account)</option>`
	contact := `<option value="contact:` + shared + `">Ann Lee (Contact)</option>`
	p := b.get(recordHref("incident", c.ID)).must(t, http.StatusOK, account, contact)
	for _, m := range selectRe.FindAllStringSubmatch(p.body, -1) {
		if n := strings.Count(m[2], " selected>"); m[1] == "customerid" && n != 1 {
			t.Errorf("the stage form's customer selects %d options, want 1 (the account):\n%s", n, m[2])
		}
	}
	// The same choice again is no change.
	b.postStage(p, "save").must(t, http.StatusOK, "Nothing to save: no step changed.")
	p = b.postStage(b.get(recordHref("incident", c.ID)), "save", "customerid", "contact:"+shared).must(t, http.StatusOK, "Saved.",
		`<option value="contact:`+shared+`" selected>Ann Lee (Contact)</option>`)
	if got := kept(c.ID); got != "contact" {
		t.Errorf("the case's customer after choosing Ann Lee (Contact): a row of %q, want contact", got)
	}
	b.postStage(p, "save").must(t, http.StatusOK, "Nothing to save: no step changed.")
	if got := kept(c.ID); got != "contact" {
		t.Errorf("the case's customer after saving it unchanged: a row of %q, want contact", got)
	}

	// The create form offers the same options and creates with the contact.
	list := b.get("/records/incident").must(t, http.StatusOK, `<option value="contact:`+shared+`">Ann Lee (Contact)</option>`)
	r := b.post("/records/incident", url.Values{"csrf": {list.csrf(t)}, "f_title": {"Also broken"},
		"f_customerid": {"contact:" + shared}, "flow": {"-"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/records/incident/") {
		t.Fatalf("create: %d %s\n%s", r.status, r.location, r.body)
	}
	if got := kept(strings.TrimPrefix(r.location, "/records/incident/")); got != "contact" {
		t.Errorf("the created case's customer: a row of %q, want contact", got)
	}

	// A value written before the store kept tables, the id alone, is the
	// account (the first table holding it): selected, and unchanged when
	// posted back.
	old, err := admin.CreateRecord(ctx, "incident", engine.Values{"title": "Old"}, engine.StartOptions{Flow: "phone_to_case"})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteBare(t, f.s, "incident", old.ID, map[string]any{"customerid": shared})
	p = b.get(recordHref("incident", old.ID)).must(t, http.StatusOK, account, contact)
	b.postStage(p, "save").must(t, http.StatusOK, "Nothing to save: no step changed.")
	b.postStage(p, "save", "customerid", "contact:"+shared).must(t, http.StatusOK, "Saved.")
	if got := kept(old.ID); got != "contact" {
		t.Errorf("the old case's customer after choosing Ann Lee (Contact): a row of %q, want contact", got)
	}
}

// TestCustomerLookupFirstReadableHolder: an account and a contact share an
// id; a lead's customer written before the store kept tables (the id
// alone) is, for a salesperson who may read the contact (theirs) but not
// the account (the administrator's), the contact: the record page shows
// and links Ann Lee, as the Web API names the contact for that user (its
// rows read as the user), where the page took the account, the first
// table holding the id, and said the value was not readable by them. With
// neither readable, the value is not shown by name.
func TestCustomerLookupFirstReadableHolder(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bobToken := f.addUser("bob", "salesperson")
	const shared = "5f3e0a1b-0000-4000-8000-000000000014"
	no := engine.StartOptions{NoFlow: true}
	if _, err := f.eng.As("admin").CreateRecord(ctx, "account", engine.Values{"accountid": shared, "name": "Contoso"}, no); err != nil {
		t.Fatal(err)
	}
	contact, err := f.eng.As("bob").CreateRecord(ctx, "contact", engine.Values{"contactid": shared, "firstname": "Ann", "lastname": "Lee"}, no)
	if err != nil {
		t.Fatal(err)
	}
	lead, err := f.eng.As("bob").CreateRecord(ctx, "lead", engine.Values{"subject": "Fleet", "lastname": "Evans"}, no)
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteBare(t, f.s, "lead", lead.ID, map[string]any{"customerid": shared})
	// The Web API, as bob: the contact.
	req, err := http.NewRequest("GET", f.srv.URL+webapi.Prefix+"leads("+lead.ID+")?$select=_customerid_value", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bobToken)
	req.Header.Set("Prefer", `odata.include-annotations="*"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var row map[string]any
	err = json.NewDecoder(resp.Body).Decode(&row)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got := row["_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"]; got != "contact" {
		t.Fatalf("the Web API names bob's lead's customer a row of %v, want contact: %v", got, row)
	}
	bob := f.browser()
	bob.signInWith(bobToken)
	bob.get(recordHref("lead", lead.ID)).must(t, http.StatusOK, `<a href="/records/contact/`+shared+`">Ann Lee</a>`).
		lacks(t, "not readable by you", "/records/account/"+shared)

	// Neither readable (the contact given to the administrator): the id,
	// said not readable, and no name.
	if _, err := f.eng.As("admin").UpdateRecord(ctx, "contact", contact.ID, engine.Values{"ownerid": "admin"}, 0); err != nil {
		t.Fatal(err)
	}
	bob.get(recordHref("lead", lead.ID)).must(t, http.StatusOK, shared+" (not readable by you)").lacks(t, "Ann Lee", "Contoso")
}

// TestCustomerLookupTypedKeepsItsTable: with more accounts than a list
// offers (lookupLimit), a case's customer is typed in: the field shows the
// value as TABLE:ID (the contact, not the account of the same id), a
// TABLE:ID typed saves that table, and the field posted back unchanged is
// no change.
func TestCustomerLookupTypedKeepsItsTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.eng.As("admin")
	const shared = "5f3e0a1b-0000-4000-8000-000000000016"
	no := engine.StartOptions{NoFlow: true}
	if err := f.s.Write(ctx, func(tx store.Tx) error {
		for i := range lookupLimit {
			id := fmt.Sprintf("5f3e0a1b-0000-4000-9000-%012d", i)
			if err := tx.InsertRow("account", map[string]any{"accountid": id, "name": fmt.Sprintf("Account %d", i)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
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
	kept := func() string {
		t.Helper()
		r, err := admin.Record(ctx, "incident", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r.Tables["customerid"]
	}
	b := f.browser()
	b.signIn()
	field := func(p *page) string {
		t.Helper()
		for _, m := range inputRe.FindAllStringSubmatch(p.body, -1) {
			if m[1] == "customerid" {
				return m[2]
			}
		}
		t.Fatalf("no customerid input (the list should give way to a typed id):\n%s", p.body)
		return ""
	}
	p := b.get(recordHref("incident", c.ID)).must(t, http.StatusOK, "as TABLE:ID to name its table")
	if got := field(p); got != "contact:"+shared {
		t.Errorf("the typed customer field holds %q, want contact:%s", got, shared)
	}
	b.postStage(p, "save").must(t, http.StatusOK, "Nothing to save: no step changed.")
	if got := kept(); got != "contact" {
		t.Errorf("after saving the field unchanged: a row of %q, want contact", got)
	}
	p = b.postStage(p, "save", "customerid", "account:"+shared).must(t, http.StatusOK, "Saved.")
	if got := kept(); got != "account" {
		t.Errorf("after typing account:ID: a row of %q, want account", got)
	}
	if got := field(p); got != "account:"+shared {
		t.Errorf("the typed customer field after the save holds %q, want account:%s", got, shared)
	}
}
