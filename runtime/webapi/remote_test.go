package webapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store/sqlstore"
)

// TestClientRecordLookupNameUnread: the read that names a lookup's row
// for record show is extra; when the server fails it (here a 500 for the
// contact, whose stored birthdate no longer reads as a time), the record
// that was read is still given, the lookup with its id and a label saying
// why its name is missing. A refusal of the record itself still fails.
func TestClientRecordLookupNameUnread(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	admin := &Client{URL: f.url, Token: f.admin, Env: "remote"}
	alice := &Client{URL: f.url, Token: f.user("alice", "salesperson"), Env: "remote"}

	contact, err := admin.CreateRecord(ctx, "contact", engine.Values{"lastname": "Hidden"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	lead, err := alice.CreateRecord(ctx, "lead", engine.Values{"subject": "Linked"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.UpdateRecord(ctx, "lead", lead.ID, engine.Values{"parentcontactid": contact.ID}, 0); err != nil {
		t.Fatal(err)
	}
	// Alice may not read the administrator's contact: the server gives no
	// name, and the client's read of the contact says why.
	r, err := alice.Record(ctx, "lead", lead.ID)
	if err != nil || r.Labels["parentcontactid"] != engine.NotReadableLabel {
		t.Fatalf("before the contact breaks: %v %v", r, err)
	}

	// Another program leaves a birthdate that is no time: reading the
	// contact whole fails on the server (500), while the lead's own read,
	// which names its lookups from their ids and names only, does not.
	db, ok := f.s.(*sqlstore.DB)
	if !ok {
		t.Fatalf("store %T", f.s)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE contact SET birthdate = 'not a time' WHERE contactid = '`+contact.ID+`'`); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Do(ctx, "GET", "contacts("+contact.ID+")", nil, nil, nil); !isStatus(err, 500) {
		t.Fatalf("the contact's read: %v, want a 500", err)
	}
	r, err = alice.Record(ctx, "lead", lead.ID)
	if err != nil {
		t.Fatalf("record show fails on the read of its lookup's name: %v", err)
	}
	if r.Values["parentcontactid"] != contact.ID || r.Values["subject"] != "Linked" {
		t.Errorf("the lead's values: %v", r.Values)
	}
	if l := r.Labels["parentcontactid"]; !strings.HasPrefix(l, "name could not be read: HTTP 500") {
		t.Errorf("the lookup's label: %q", l)
	}

	// The record itself refused is still an error.
	carol := &Client{URL: f.url, Token: f.user("carol", "customer_service_representative"), Env: "remote"}
	if _, err := carol.Record(ctx, "lead", lead.ID); !isStatus(err, 403) {
		t.Errorf("carol reading alice's lead: %v", err)
	}
	nobody := &Client{URL: f.url, Token: "not-a-token", Env: "remote"}
	if _, err := nobody.Record(ctx, "lead", lead.ID); !isStatus(err, 401) {
		t.Errorf("a wrong token: %v", err)
	}
}

// The other reasons a lookup's name goes unread, as labelled.
func TestNameUnread(t *testing.T) {
	for err, want := range map[error]string{
		&APIError{Status: 401, Code: "Unauthorized"}: "name could not be read: HTTP 401 Unauthorized",
		&timeoutError{limit: 2 * time.Minute}:        "name could not be read: no answer within 2m0s",
		errors.New("cannot reach"):                   "name could not be read: the server was not reached",
	} {
		if got := nameUnread(fmt.Errorf("GET: %w", err)); got != want {
			t.Errorf("%v: %q, want %q", err, got, want)
		}
	}
}

func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}

// TestClientUnknownTable: a remote environment's client names an unknown
// table in the words a local one does: the table an entity set name stands
// for, the closest name, or the table whose display name it is.
func TestClientUnknownTable(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ctx := context.Background()
	admin := &Client{URL: f.url, Token: f.admin, Env: "shared"}
	for _, tc := range []struct{ table, want string }{
		{"leads", `no table "leads" in shared: leads is the Web API's name for table lead`},
		{"laed", `no table "laed" in shared; did you mean lead?`},
		{"case", `no table "case" in shared; did you mean incident? "Case" is its display name; a table is named by its logical name`},
		{"Lead to Opportunity Sales Process", `no table "Lead to Opportunity Sales Process" in shared`},
		{"cts_leadtoopportunit", `no table "cts_leadtoopportunit" in shared`},
		{"nosuchtable", `no table "nosuchtable" in shared`},
	} {
		_, err := admin.Records(ctx, tc.table)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 404 || ae.Message != tc.want {
			t.Errorf("records of %s: %v, want 404 %s", tc.table, err, tc.want)
		}
	}
}
