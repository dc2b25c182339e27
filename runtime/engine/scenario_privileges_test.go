package engine

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bpfc/bpfc/runtime/store"
)

// Roles the privileges scenario adds to examples/sales, beside its
// salesperson (user depth) and sales_manager (business_unit depth).
const privilegeTestRoles = `
role "lead_auditor" {
  grant "lead_to_opportunity" {
    privileges = ["read"]
    depth      = "parent_child"
  }
}

role "lead_editor" {
  grant "lead_to_opportunity" {
    privileges = ["read", "write"]
  }
}
`

// TestPrivilegesScenario takes examples/sales on a real SQLite file
// through the privileges of records with their depth: users holding roles
// at user, business_unit, parent_child and organization depth, the basic
// level every user holds on its own rows, lookups (append and append_to),
// instances on records the user does or does not reach, and the Web API's
// reads.
func TestPrivilegesScenario(t *testing.T) {
	p := release(t, "sales", "test_roles.hcl", privilegeTestRoles)
	v := open(t, p, "dev")
	admin, ctx := v.admin(), v.ctx
	for name, roles := range map[string][]string{
		"alice": {"salesperson"}, "bob": {"salesperson"}, "mia": {"sales_manager"}, "carol": {"customer_service_representative"},
		"aud": {"lead_auditor"}, "ed": {"lead_editor"},
	} {
		if _, err := admin.AddUser(ctx, NewUser{Name: name, Roles: roles}); err != nil {
			t.Fatal(err)
		}
	}
	users, err := admin.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	userID := map[string]string{}
	for _, u := range users {
		userID[u.Name] = u.ID
	}
	alice, bob, mia, carol, aud, ed := v.as("alice"), v.as("bob"), v.as("mia"), v.as("carol"), v.as("aud"), v.as("ed")
	lead := func(s *Session, subject string, so StartOptions) *Created {
		v.clock.Advance(time.Minute) // lists are oldest first
		return v.create(s, "lead", Values{"subject": subject, "lastname": subject}, so)
	}
	aliceLead := lead(alice, "Alice1", StartOptions{})
	aliceLead2 := lead(alice, "Alice2", StartOptions{NoFlow: true})
	bobLead := lead(bob, "Bob1", StartOptions{})
	adminLead := lead(admin, "Admin1", StartOptions{NoFlow: true})
	bobContact := v.create(bob, "contact", Values{"lastname": "Bobs"}, StartOptions{})
	aliceContact := v.create(alice, "contact", Values{"lastname": "Alices"}, StartOptions{})
	if bobLead.Instance == nil || bobLead.Instance.Flow != "lead_to_opportunity" {
		t.Fatalf("bob's lead started %+v", bobLead.Instance)
	}

	ids := func(recs []*Record, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, r.Values["subject"].(string))
		}
		return out
	}
	// forbidden runs fn, which must fail with a *ForbiddenError for priv
	// on table (at depth, when the depth does not reach the row) whose
	// message contains msg, and change nothing.
	forbidden := func(t *testing.T, what, priv, depth, table, msg string, fn func() error) {
		t.Helper()
		err := v.with(t).unchanged(what, fn)
		var fe *ForbiddenError
		if !errors.As(err, &fe) || !errors.Is(err, ErrForbidden) {
			t.Fatalf("%s: %v, want a ForbiddenError", what, err)
		}
		if fe.Privilege != priv || fe.Depth != depth || fe.Table != table || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %q (privilege %q, depth %q, table %q), want %s at %q on %s, %q", what, err, fe.Privilege, fe.Depth, fe.Table,
				priv, depth, table, msg)
		}
	}

	t.Run("ListsHoldTheRowsTheDepthReaches", func(t *testing.T) {
		all := []string{"Alice1", "Alice2", "Bob1", "Admin1"}
		for _, c := range []struct {
			user string
			s    *Session
			want []string
		}{
			{"alice (salesperson, user depth)", alice, []string{"Alice1", "Alice2"}},
			{"bob (salesperson, user depth)", bob, []string{"Bob1"}},
			{"carol (no grant on lead: the basic level, her own rows)", carol, nil},
			{"mia (sales_manager, business_unit depth)", mia, all},
			{"aud (parent_child depth)", aud, all},
			{"ed (organization depth)", ed, all},
			{"admin (system_administrator)", admin, all},
		} {
			if got := ids(c.s.Records(ctx, "lead")); !slices.Equal(got, c.want) {
				t.Errorf("%s lists leads %v, want %v", c.user, got, c.want)
			}
		}
		// The Web API's filtered reads hold the same rows, with the
		// caller's own conditions.
		_, rows, err := alice.QueryRows(ctx, "leads", func(tb store.Table) (store.Query, error) {
			return store.Query{Where: store.Match{Column: "subject", Kind: store.MatchStartsWith, Text: "Alice"},
				OrderBy: []store.Order{{Column: "subject", Desc: true}}}, nil
		})
		if err != nil || len(rows) != 2 || rows[0]["subject"] != "Alice2" {
			t.Errorf("alice queries leads: %v, %v", rows, err)
		}
		_, rows, err = alice.QueryRows(ctx, "leads", func(tb store.Table) (store.Query, error) { return store.Query{}, nil })
		if err != nil || len(rows) != 2 {
			t.Errorf("alice queries every lead: %d rows, %v", len(rows), err)
		}
		_, rows, err = mia.QueryRows(ctx, "leads", func(tb store.Table) (store.Query, error) { return store.Query{}, nil })
		if err != nil || len(rows) != 4 {
			t.Errorf("mia queries every lead: %d rows, %v", len(rows), err)
		}
		// Users are read by everyone (organization depth).
		if _, rows, err := carol.QueryRows(ctx, "systemusers", func(tb store.Table) (store.Query, error) { return store.Query{}, nil }); err != nil || len(rows) != 7 {
			t.Errorf("carol reads users: %d, %v", len(rows), err)
		}
	})

	t.Run("AnotherUsersRow", func(t *testing.T) {
		const userDepth = `they hold %s on lead only at user depth (their roles and the basic level every user has), which reaches the rows they own; lead `
		msg := func(priv string) string {
			return strings.Replace(userDepth, "%s", priv, 1) + bobLead.ID + " is owned by bob"
		}
		forbidden(t, "alice reads bob's lead", PrivRead, store.DepthUser, "lead", `user "alice" may not read lead `+bobLead.ID+": "+msg(PrivRead),
			func() error { _, err := alice.Record(ctx, "lead", bobLead.ID); return err })
		forbidden(t, "alice reads bob's lead through the Web API", PrivRead, store.DepthUser, "lead", msg(PrivRead),
			func() error { _, _, err := alice.Row(ctx, "leads", bobLead.ID); return err })
		forbidden(t, "alice updates bob's lead", PrivWrite, store.DepthUser, "lead", `user "alice" may not update lead `+bobLead.ID+": "+msg(PrivWrite),
			func() error {
				_, err := alice.UpdateRecord(ctx, "lead", bobLead.ID, Values{"subject": "Mine"}, 0)
				return err
			})
		forbidden(t, "alice deletes bob's lead", PrivDelete, store.DepthUser, "lead", `user "alice" may not delete lead `+bobLead.ID+": "+msg(PrivDelete),
			func() error { return alice.DeleteRecord(ctx, "lead", bobLead.ID) })
		forbidden(t, "aud (read only) updates bob's lead", PrivWrite, store.DepthUser, "lead", "update lead "+bobLead.ID,
			func() error {
				_, err := aud.UpdateRecord(ctx, "lead", bobLead.ID, Values{"subject": "Audited"}, 0)
				return err
			})
		forbidden(t, "ed (read, write) deletes bob's lead", PrivDelete, store.DepthUser, "lead", "delete lead "+bobLead.ID,
			func() error { return ed.DeleteRecord(ctx, "lead", bobLead.ID) })
		// A missing row is not found, whoever asks.
		if _, err := alice.Record(ctx, "lead", "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("alice reads a missing lead: %v", err)
		}
		// Their own rows; a wider depth reaches every row.
		if r, err := alice.Record(ctx, "lead", aliceLead.ID); err != nil || r.Values["subject"] != "Alice1" {
			t.Errorf("alice reads her lead: %v", err)
		}
		for _, s := range []*Session{mia, aud, ed, admin} {
			if _, err := s.Record(ctx, "lead", bobLead.ID); err != nil {
				t.Errorf("%s reads bob's lead: %v", s.User(), err)
			}
		}
		if _, err := ed.UpdateRecord(ctx, "lead", bobLead.ID, Values{"description": "Edited"}, 0); err != nil {
			t.Errorf("ed (organization write) updates bob's lead: %v", err)
		}
		if _, err := mia.UpdateRecord(ctx, "lead", bobLead.ID, Values{"description": "Managed"}, 0); err != nil {
			t.Errorf("mia (business_unit write) updates bob's lead: %v", err)
		}
		if err := alice.DeleteRecord(ctx, "lead", aliceLead2.ID); err != nil {
			t.Errorf("alice deletes her own lead: %v", err)
		}
		gone := lead(bob, "Gone", StartOptions{NoFlow: true})
		if err := mia.DeleteRecord(ctx, "lead", gone.ID); err != nil {
			t.Errorf("mia (business_unit delete) deletes bob's lead: %v", err)
		}
		// Tables no grant reaches: the basic level, the user's own rows,
		// whatever the depth of the user's roles elsewhere.
		forbidden(t, "mia reads bob's contact", PrivRead, store.DepthUser, "contact", "contact "+bobContact.ID+" is owned by bob",
			func() error { _, err := mia.Record(ctx, "contact", bobContact.ID); return err })
		// Instance tables stay out of record commands.
		if _, err := alice.Records(ctx, "cts_leadtoopportunity"); !errors.Is(err, ErrInvalid) {
			t.Errorf("records of an instance table: %v", err)
		}
	})

	t.Run("Lookups", func(t *testing.T) {
		// append_to on the target's table, at a depth reaching the target.
		forbidden(t, "alice links a new lead to bob's contact", PrivAppendTo, store.DepthUser, "contact",
			`user "alice" may not set lead.parentcontactid of a new lead to contact `+bobContact.ID+`: they hold append_to on contact only at user depth (their roles and the basic level every user has)`,
			func() error {
				_, err := alice.CreateRecord(ctx, "lead", Values{"subject": "Linked", "parentcontactid": bobContact.ID}, StartOptions{})
				return err
			})
		forbidden(t, "alice links her lead to bob's contact as its customer", PrivAppendTo, store.DepthUser, "contact", "customerid",
			func() error {
				_, err := alice.UpdateRecord(ctx, "lead", aliceLead.ID, Values{"customerid": bobContact.ID}, 0)
				return err
			})
		// append on the row's table, at a depth reaching the row: ed may
		// write bob's lead (organization) but appends only to his own.
		edContact := v.create(ed, "contact", Values{"lastname": "Eds"}, StartOptions{})
		forbidden(t, "ed links bob's lead to his contact", PrivAppend, store.DepthUser, "lead",
			`user "ed" may not set lead.parentcontactid of lead `+bobLead.ID+` to contact `+edContact.ID+`: they hold append on lead only at user depth (their roles and the basic level every user has)`,
			func() error {
				_, err := ed.UpdateRecord(ctx, "lead", bobLead.ID, Values{"parentcontactid": edContact.ID}, 0)
				return err
			})
		if _, err := ed.UpdateRecord(ctx, "lead", bobLead.ID, Values{"parentcontactid": ""}, 0); err != nil {
			t.Errorf("ed empties a lookup of bob's lead (write only): %v", err)
		}
		if _, err := alice.CreateRecord(ctx, "lead", Values{"subject": "Linked", "parentcontactid": aliceContact.ID}, StartOptions{NoFlow: true}); err != nil {
			t.Errorf("alice links a new lead to her contact: %v", err)
		}
		if _, err := admin.UpdateRecord(ctx, "lead", bobLead.ID, Values{"parentcontactid": aliceContact.ID}, 0); err != nil {
			t.Errorf("the administrator links: %v", err)
		}
		// ownerid is a lookup to users (append_to on systemuser, which
		// every user holds): alice gives her lead to bob, then no longer
		// reaches it.
		given := lead(alice, "Given", StartOptions{NoFlow: true})
		if _, err := alice.UpdateRecord(ctx, "lead", given.ID, Values{"ownerid": "bob"}, 0); err != nil {
			t.Fatalf("alice gives her lead to bob: %v", err)
		}
		forbidden(t, "alice reads the lead she gave", PrivRead, store.DepthUser, "lead", "is owned by bob",
			func() error { _, err := alice.Record(ctx, "lead", given.ID); return err })
		if r, err := bob.Record(ctx, "lead", given.ID); err != nil || r.Values["ownerid"] != userID["bob"] || r.Values["createdby"] != userID["alice"] {
			t.Errorf("bob reads the lead alice gave him: %v, %v", r, err)
		}
	})

	t.Run("InstancesOnRecordsTheUserReaches", func(t *testing.T) {
		id := bobLead.Instance.ID
		// Instances are organization-owned: alice (user depth) sees
		// bob's, but not the name of his lead, which she may not read.
		in, err := alice.Instance(ctx, id)
		if err != nil {
			t.Fatalf("alice reads bob's instance: %v", err)
		}
		if in.Records["lead"] != bobLead.ID || in.RecordNames["lead"] != "" {
			t.Errorf("alice sees bob's instance with records %v, names %v", in.Records, in.RecordNames)
		}
		if in, err := bob.Instance(ctx, id); err != nil || in.RecordNames["lead"] != "Bob1" {
			t.Errorf("bob reads his instance: %v, %v", in, err)
		}
		list, err := alice.Instances(ctx, InstanceFilter{Flow: "lead_to_opportunity"})
		if err != nil || !slices.ContainsFunc(list, func(in *Instance) bool { return in.ID == id }) {
			t.Errorf("alice lists the lead flow's instances: %v", err)
		}
		// A move reads the stage's record: alice may not move bob's
		// instance, nor start a flow on his lead.
		forbidden(t, "alice moves bob's instance", PrivRead, store.DepthUser, "lead",
			`user "alice" may not move to the next stage of instance `+id+` on lead `+bobLead.ID+`: they hold read on lead only at user depth (their roles and the basic level every user has)`,
			func() error { _, err := alice.Next(ctx, id, MoveOptions{}); return err })
		forbidden(t, "alice asks where bob's instance moves", PrivRead, store.DepthUser, "lead", "is owned by bob",
			func() error {
				_, _, _, err := alice.MoveTarget(ctx, "", id, "develop", MoveOptions{})
				return err
			})
		forbidden(t, "alice starts a flow on bob's lead", PrivRead, store.DepthUser, "lead",
			`user "alice" may not start flow strategic_deal on lead `+bobLead.ID,
			func() error { _, err := alice.Start(ctx, "strategic_deal", "lead", bobLead.ID); return err })
		// Linking another user's opportunity needs reading it.
		bobOpp := v.create(bob, "opportunity", Values{"name": "Bob's deal"}, StartOptions{NoFlow: true})
		forbidden(t, "alice links bob's opportunity", PrivRead, store.DepthUser, "opportunity",
			`user "alice" may not link instance `+aliceLead.Instance.ID+` to opportunity `+bobOpp.ID,
			func() error {
				_, err := alice.Next(ctx, aliceLead.Instance.ID, MoveOptions{Link: bobOpp.ID})
				return err
			})
		// Her own: the move creates her opportunity, its relationship
		// pointing at her lead.
		moved, err := alice.Next(ctx, aliceLead.Instance.ID, MoveOptions{})
		if err != nil || moved.ActiveStage != "develop" {
			t.Fatalf("alice moves her instance: %v", err)
		}
		opp, err := alice.Record(ctx, "opportunity", moved.Records["opportunity"])
		if err != nil || opp.Values["originatingleadid"] != aliceLead.ID {
			t.Errorf("alice's new opportunity: %v, %v", opp, err)
		}
		// mia (business_unit) moves bob's instance; the opportunity she
		// creates is hers, linked to bob's lead (append_to on lead at
		// business_unit depth reaches it).
		moved, err = mia.Next(ctx, id, MoveOptions{})
		if err != nil || moved.ActiveStage != "develop" {
			t.Fatalf("mia moves bob's instance: %v", err)
		}
		opp, err = mia.Record(ctx, "opportunity", moved.Records["opportunity"])
		if err != nil || opp.Values["ownerid"] != userID["mia"] || opp.Values["originatingleadid"] != bobLead.ID {
			t.Errorf("mia's new opportunity: %v, %v", opp, err)
		}
		// bob no longer reaches the stage's record (mia's opportunity):
		// he may go back (that reads nothing) but not forward.
		forbidden(t, "bob moves on from mia's opportunity", PrivRead, store.DepthUser, "opportunity", "is owned by mia",
			func() error { _, err := bob.Next(ctx, id, MoveOptions{}); return err })
		if _, err := bob.Prev(ctx, id, MoveOptions{}); err != nil {
			t.Errorf("bob moves back: %v", err)
		}
		// carol's role grants nothing on the lead flow: her lead starts
		// none, and she may not see instances of it.
		c := lead(carol, "Carol1", StartOptions{})
		if c.Instance != nil {
			t.Errorf("carol's lead started %s", c.Instance.Flow)
		}
		if _, err := carol.Instance(ctx, id); !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "none of their roles grants read on cts_leadtoopportunity") {
			t.Errorf("carol reads bob's instance: %v", err)
		}
	})

	t.Run("PrivilegesOnATableItself", func(t *testing.T) {
		// Roles written by deploy grant flows; a privilege the store holds
		// on a table itself counts as well, at its depth.
		forbidden(t, "aud reads bob's contact", PrivRead, store.DepthUser, "contact", "is owned by bob",
			func() error { _, err := aud.Record(ctx, "contact", bobContact.ID); return err })
		if err := v.s.Write(ctx, func(tx store.Tx) error {
			ps, err := tx.Privileges("lead_auditor")
			if err != nil {
				return err
			}
			return tx.SetPrivileges("lead_auditor", append(ps, store.Privilege{Table: "contact", Privilege: PrivRead, Depth: store.DepthBusinessUnit}))
		}); err != nil {
			t.Fatal(err)
		}
		if r, err := aud.Record(ctx, "contact", bobContact.ID); err != nil || r.Values["lastname"] != "Bobs" {
			t.Errorf("aud reads bob's contact with read on contact at business_unit depth: %v", err)
		}
		if recs, err := aud.Records(ctx, "contact"); err != nil || len(recs) != 3 {
			t.Errorf("aud lists contacts: %d, %v", len(recs), err)
		}
		forbidden(t, "aud updates bob's contact", PrivWrite, store.DepthUser, "contact", "update contact "+bobContact.ID,
			func() error {
				_, err := aud.UpdateRecord(ctx, "contact", bobContact.ID, Values{"firstname": "X"}, 0)
				return err
			})
	})

	t.Run("SystemAdministratorHasFullAccess", func(t *testing.T) {
		recs, err := admin.Records(ctx, "contact")
		if err != nil || len(recs) != 3 {
			t.Errorf("the administrator lists contacts: %d, %v", len(recs), err)
		}
		if _, err := admin.UpdateRecord(ctx, "contact", bobContact.ID, Values{"firstname": "B"}, 0); err != nil {
			t.Errorf("the administrator updates bob's contact: %v", err)
		}
		if err := admin.DeleteRecord(ctx, "lead", adminLead.ID); err != nil {
			t.Errorf("the administrator deletes: %v", err)
		}
	})
}
