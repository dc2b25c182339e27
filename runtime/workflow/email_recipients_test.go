package workflow

import (
	"errors"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// TestEmailToRecords: a send_email recipient given as a lookup (self.ownerid,
// self.parentcontactid) is sent to the address of the row it names, as
// Dataverse's e-mail sends to an activity party's primary address (a user's
// internalemailaddress, a contact's emailaddress1), where bpfc wrote the
// row's id into the outbox as the address. An empty lookup copies no one;
// a row without an address fails the step, saying whose.
func TestEmailToRecords(t *testing.T) {
	v := newEnv(t, Options{})
	contact := func(vals engine.Values) string {
		c, err := v.admin().CreateRecord(v.ctx, "contact", vals, engine.StartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	var owner store.User
	if err := v.s.Read(v.ctx, func(tx store.Tx) (err error) {
		owner, err = tx.User("admin")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	ann := contact(engine.Values{"firstname": "Ann", "lastname": "Lee", "emailaddress1": "ann@example.com"})
	_, in := v.lead("actions", engine.Values{"parentcontactid": ann})
	if _, err := v.admin().RunAction(v.ctx, in.ID, "mail_people"); err != nil {
		t.Fatal(err)
	}
	if es := v.emails(); len(es) != 1 || es[0].To != owner.Email || owner.Email == "" || es[0].Cc != "ann@example.com" {
		t.Fatalf("outbox %+v, want to %q (the owner's address), cc ann@example.com", es, owner.Email)
	}

	_, in = v.lead("actions", nil)
	if _, err := v.admin().RunAction(v.ctx, in.ID, "mail_people"); err != nil {
		t.Fatal(err)
	}
	if es := v.emails(); len(es) != 2 || es[0].To != owner.Email || es[0].Cc != "" {
		t.Errorf("without a contact: outbox %+v, want no cc", es)
	}

	bob := contact(engine.Values{"firstname": "Bob", "lastname": "Roe"})
	_, in = v.lead("actions", engine.Values{"parentcontactid": bob})
	_, err := v.admin().RunAction(v.ctx, in.ID, "mail_people")
	if err == nil || !strings.Contains(err.Error(), "Bob Roe") || !strings.Contains(err.Error(), "emailaddress1 is empty") {
		t.Errorf("to a contact without an address: %v", err)
	}
	if es := v.emails(); len(es) != 2 {
		t.Errorf("a failed step wrote the outbox: %+v", es)
	}
}

// TestEmailToRecordsNeedsRead: a realtime workflow runs as the calling
// user, and its email to a lookup's row reads that row as the user: a
// user who may not read the lead's contact fails the step (forbidden, the
// change undone, nothing in the outbox) and the refusal never shows the
// contact's address. A contact the user owns is mailed.
func TestEmailToRecordsNeedsRead(t *testing.T) {
	v := newEnv(t, Options{})
	if _, err := v.admin().AddUser(v.ctx, engine.NewUser{Name: "mailer", Roles: []string{"mailer"}}); err != nil {
		t.Fatal(err)
	}
	mailer := v.e.As("mailer")
	ann, err := v.admin().CreateRecord(v.ctx, "contact", engine.Values{"firstname": "Ann", "lastname": "Lee", "emailaddress1": "ann@example.com"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	_, in := v.lead("actions", engine.Values{"parentcontactid": ann.ID})
	before := v.dump()
	_, err = mailer.RunAction(v.ctx, in.ID, "mail_people")
	want := `user "mailer" may not read contact ` + ann.ID + `, to which the email's cc sends: they hold read on contact only at user depth`
	if !errors.Is(err, engine.ErrForbidden) || !strings.Contains(err.Error(), want) {
		t.Fatalf("mail to a contact the user may not read: %v, want forbidden: %s", err, want)
	}
	if strings.Contains(err.Error(), "ann@example.com") {
		t.Errorf("the refusal shows the address: %v", err)
	}
	if v.dump() != before {
		t.Error("a forbidden realtime email changed the environment")
	}
	if es := v.emails(); len(es) != 0 {
		t.Errorf("outbox %+v, want empty", es)
	}

	own, err := mailer.CreateRecord(v.ctx, "contact", engine.Values{"firstname": "Cy", "lastname": "Poe", "emailaddress1": "cy@example.com"}, engine.StartOptions{NoFlow: true})
	if err != nil {
		t.Fatal(err)
	}
	_, in = v.lead("actions", engine.Values{"parentcontactid": own.ID})
	if _, err := mailer.RunAction(v.ctx, in.ID, "mail_people"); err != nil {
		t.Fatalf("mail to the user's own contact: %v", err)
	}
	if es := v.emails(); len(es) != 1 || es[0].Cc != "cy@example.com" {
		t.Errorf("outbox %+v, want cc cy@example.com", es)
	}
}
