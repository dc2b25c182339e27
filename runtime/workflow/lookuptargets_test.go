package workflow

import (
	"strings"
	"testing"

	"github.com/bpfc/bpfc/runtime/engine"
)

// copyProject: entering the lead's stage "copy" runs a realtime workflow
// that copies its customer lookup into a new case's, mails its customer,
// and copies its contact lookup into its own customer lookup; entering
// "narrow" copies its customer lookup into its contact lookup.
const copyProject = `
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

flow "copying" {
  primary_table = "lead"
  stage "qualify" {}
  stage "copy" {
    on_enter = [workflow.copy_customer]
  }
  stage "narrow" {
    on_enter = [workflow.contact_from_customer]
  }
}

workflow "copy_customer" {
  table = "lead"
  mode  = "realtime"
  step "open_case" {
    create = { table = "incident", values = { title = self.subject, customerid = self.customerid } }
  }
  step "mail_customer" {
    send_email = { to = self.customerid, subject = self.subject }
  }
  step "contact_is_customer" {
    update = { customerid = self.parentcontactid }
  }
}

workflow "contact_from_customer" {
  table = "lead"
  mode  = "realtime"
  step "contact" {
    update = { parentcontactid = self.customerid }
  }
}
`

// TestCopiedCustomerLookupKeepsItsTable: an account and a contact share an
// id. A workflow that copies a lead's customer lookup, which points at the
// contact, gives the new case that contact, mails the contact's address,
// and copying the lead's contact lookup into its customer lookup points it
// at the contact: where the id alone named the account, the first of
// customerid's tables. Copying a customer lookup that points at the
// account into the lead's contact lookup is refused, where it gave the
// contact of the same id.
func TestCopiedCustomerLookupKeepsItsTable(t *testing.T) {
	p, path := deployProject(t, t.TempDir(), copyProject)
	v := openEnv(t, p, path, Options{})
	admin := v.admin()
	const shared = "5f3e0a1b-0000-4000-8000-000000000006"
	for table, vals := range map[string]engine.Values{
		"account": {"accountid": shared, "name": "Contoso", "emailaddress1": "contoso@example.com"},
		"contact": {"contactid": shared, "firstname": "Ann", "lastname": "Lee", "emailaddress1": "ann@example.com"},
	} {
		if _, err := admin.CreateRecord(v.ctx, table, vals, engine.StartOptions{NoFlow: true}); err != nil {
			t.Fatal(err)
		}
	}
	// The lead's customer is the account first: the update step's copy of
	// the contact lookup must name the contact.
	for _, first := range []string{"contact", "account"} {
		lead, in := v.lead("copying", engine.Values{"subject": first, "customerid": engine.Ref{Table: first, ID: shared}, "parentcontactid": shared})
		if _, err := admin.Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
			t.Fatal(err)
		}
		r, err := admin.Record(v.ctx, "lead", lead)
		if err != nil {
			t.Fatal(err)
		}
		if r.Values["customerid"] != shared || r.Tables["customerid"] != "contact" {
			t.Errorf("lead to the %s: customerid %v of table %q after the copy of parentcontactid, want the contact", first, r.Values["customerid"], r.Tables["customerid"])
		}
	}
	lead, in := v.lead("copying", engine.Values{"subject": "narrow", "customerid": "contact:" + shared, "parentcontactid": shared})
	if _, err := admin.Next(v.ctx, in.ID, engine.MoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.UpdateRecord(v.ctx, "lead", lead, engine.Values{"customerid": "account:" + shared, "parentcontactid": nil}, 0); err != nil {
		t.Fatal(err)
	}
	_, err := admin.Next(v.ctx, in.ID, engine.MoveOptions{})
	if want := `lead.parentcontactid (lookup) cannot take "` + shared + `": it is a row of account, which parentcontactid does not look up (contact)`; err == nil ||
		!strings.Contains(err.Error(), want) {
		t.Errorf("copying the customer lookup to the account into the contact lookup: %v, want %s", err, want)
	}
	if r := v.record("lead", lead); r["parentcontactid"] != nil {
		t.Errorf("the refused copy set parentcontactid %v", r["parentcontactid"])
	}
	cases, err := admin.Records(v.ctx, "incident")
	if err != nil {
		t.Fatal(err)
	}
	customers := map[string]string{} // the case's customer's table by its lead's subject
	for _, c := range cases {
		r, err := admin.Record(v.ctx, "incident", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		customers[r.Values["title"].(string)] = r.Tables["customerid"]
	}
	if len(customers) != 3 || customers["contact"] != "contact" || customers["account"] != "account" || customers["narrow"] != "contact" {
		t.Errorf("the cases' customers' tables by their leads' subjects: %v", customers)
	}
	to := map[string]string{}
	for _, e := range v.emails() {
		to[e.Subject] = e.To
	}
	if len(to) != 3 || to["contact"] != "ann@example.com" || to["account"] != "contoso@example.com" {
		t.Errorf("emails to the leads' customers by the leads' subjects: %v", to)
	}
}
