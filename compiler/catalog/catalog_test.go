package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var columnTypes = []string{"string", "memo", "integer", "decimal", "money", "boolean", "datetime",
	"choice", "lookup", "customer", "email", "uniqueidentifier", "state", "status"}

func TestTablesSortedAndUnique(t *testing.T) {
	var names []string
	for _, tb := range Tables() {
		names = append(names, tb.Name)
	}
	want := []string{"aaduser", "account", "contact", "incident", "lead", "opportunity", "phonecall", "systemuser"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Tables() names (-want +got):\n%s", diff)
	}
}

func TestTableIdentity(t *testing.T) {
	type identity struct {
		Schema, Display, Set, Key, Primary string
		Code                               int
	}
	want := map[string]identity{
		"aaduser":     {"aaduser", "AAD User", "aadusers", "aaduserid", "displayname", 10031},
		"account":     {"Account", "Account", "accounts", "accountid", "name", 1},
		"contact":     {"Contact", "Contact", "contacts", "contactid", "fullname", 2},
		"incident":    {"Incident", "Case", "incidents", "incidentid", "title", 112},
		"lead":        {"Lead", "Lead", "leads", "leadid", "fullname", 4},
		"opportunity": {"Opportunity", "Opportunity", "opportunities", "opportunityid", "name", 3},
		"phonecall":   {"PhoneCall", "Phone Call", "phonecalls", "activityid", "subject", 4210},
		"systemuser":  {"SystemUser", "User", "systemusers", "systemuserid", "fullname", 8},
	}
	for _, tb := range Tables() {
		got := identity{tb.SchemaName, tb.DisplayName, tb.EntitySetName, tb.PrimaryKey, tb.PrimaryColumn, tb.ObjectTypeCode}
		if diff := cmp.Diff(want[tb.Name], got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tb.Name, diff)
		}
	}
}

func TestColumns(t *testing.T) {
	for _, tb := range Tables() {
		if len(tb.Columns) == 0 || tb.Columns[0].Name != tb.PrimaryKey || tb.Columns[0].Type != "uniqueidentifier" {
			t.Errorf("%s: the first column must be the primary key %s (uniqueidentifier)", tb.Name, tb.PrimaryKey)
		}
		rest := tb.Columns[1:]
		if !slices.IsSortedFunc(rest, func(a, b Column) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("%s: columns after the primary key are not sorted by name", tb.Name)
		}
		seen := map[string]bool{}
		for _, c := range tb.Columns {
			where := tb.Name + "." + c.Name
			if seen[c.Name] {
				t.Errorf("%s: duplicate column", where)
			}
			seen[c.Name] = true
			if c.DisplayName == "" {
				t.Errorf("%s: no display name", where)
			}
			if !slices.Contains(columnTypes, c.Type) {
				t.Errorf("%s: unknown type %q", where, c.Type)
			}
			if c.Type == "uniqueidentifier" && c.Name != tb.PrimaryKey {
				t.Errorf("%s: only the primary key is a uniqueidentifier", where)
			}
			hasLength := c.Type == "string" || c.Type == "memo" || c.Type == "email"
			if hasLength != (c.MaxLength > 0) {
				t.Errorf("%s: max length %d on a %s column", where, c.MaxLength, c.Type)
			}
			checkTargets(t, where, c)
			checkOptions(t, where, c)
		}
		pc, ok := tb.column(tb.PrimaryColumn)
		if !ok || pc.Type != "string" {
			t.Errorf("%s: primary column %q must be a string column", tb.Name, tb.PrimaryColumn)
		}
		for _, name := range []string{"createdon", "modifiedon"} {
			if c, ok := tb.column(name); !ok || c.Type != "datetime" {
				t.Errorf("%s: needs %s (datetime)", tb.Name, name)
			}
		}
		if tb.Name == "systemuser" || tb.Name == "aaduser" {
			continue // no owner and no state in Dataverse (a user's isdisabled, an AAD user's accountenabled)
		}
		if c, ok := tb.column("ownerid"); !ok || c.Type != "lookup" || c.Target != "systemuser" {
			t.Errorf("%s: needs ownerid (lookup to systemuser)", tb.Name)
		}
		if c, ok := tb.column("statecode"); !ok || c.Type != "state" || c.Options[0].Value != 0 {
			t.Errorf("%s: needs statecode (state) starting at 0", tb.Name)
		}
		if c, ok := tb.column("statuscode"); !ok || c.Type != "status" || len(c.Options) < 2 {
			t.Errorf("%s: needs statuscode (status)", tb.Name)
		}
	}
}

func checkTargets(t *testing.T, where string, c Column) {
	t.Helper()
	switch c.Type {
	case "lookup":
		if _, ok := Lookup(c.Target); !ok {
			t.Errorf("%s: lookup target %q is not in the catalog", where, c.Target)
		}
		for _, tg := range c.Targets {
			if _, ok := Lookup(tg); !ok {
				t.Errorf("%s: lookup target %q is not in the catalog", where, tg)
			}
		}
		if len(c.Targets) > 0 && c.Targets[0] != c.Target {
			t.Errorf("%s: Target %q must be the first of Targets %v", where, c.Target, c.Targets)
		}
	case "customer":
		if c.Target != "account" || !slices.Equal(c.Targets, []string{"account", "contact"}) {
			t.Errorf("%s: a customer column targets account and contact, got %q %v", where, c.Target, c.Targets)
		}
	default:
		if c.Target != "" || c.Targets != nil {
			t.Errorf("%s: a %s column has no target", where, c.Type)
		}
	}
}

func checkOptions(t *testing.T, where string, c Column) {
	t.Helper()
	withOptions := c.Type == "choice" || c.Type == "state" || c.Type == "status"
	if withOptions != (len(c.Options) > 0) {
		t.Errorf("%s: %d options on a %s column", where, len(c.Options), c.Type)
	}
	labels := map[string]bool{}
	for i, o := range c.Options {
		if o.Label == "" || labels[o.Label] {
			t.Errorf("%s: empty or duplicate option label %q", where, o.Label)
		}
		labels[o.Label] = true
		if i > 0 && c.Options[i-1].Value >= o.Value {
			t.Errorf("%s: options not sorted by value with unique values at %q", where, o.Label)
		}
	}
}

// The columns language.md names and the columns of Dataverse's three
// out-of-the-box business process flows must stay in the catalog.
func TestFlowColumns(t *testing.T) {
	want := map[string]map[string]string{
		"lead": {
			"subject": "string", "budgetamount": "money", "purchasetimeframe": "choice", "purchaseprocess": "choice",
			"parentcontactid": "lookup", "parentaccountid": "lookup", "decisionmaker": "boolean", "qualificationcomments": "memo",
		},
		"opportunity": {
			"name": "string", "estimatedvalue": "money", "originatingleadid": "lookup",
			"parentcontactid": "lookup", "parentaccountid": "lookup", "purchasetimeframe": "choice", "budgetamount": "money",
			"purchaseprocess": "choice", "decisionmaker": "boolean", "description": "memo", "qualificationcomments": "memo",
			"currentsituation": "memo", "customerneed": "memo", "proposedsolution": "memo",
			"identifycustomercontacts": "boolean", "identifycompetitors": "boolean", "identifypursuitteam": "boolean",
			"developproposal": "boolean", "completeinternalreview": "boolean", "presentproposal": "boolean",
			"completefinalproposal": "boolean", "presentfinalproposal": "boolean", "finaldecisiondate": "datetime",
			"sendthankyounote": "boolean", "filedebrief": "boolean",
		},
		"incident": {
			"title": "string", "customerid": "customer", "description": "memo", "caseorigincode": "choice",
			"casetypecode": "choice", "parentcaseid": "lookup", "primarycontactid": "lookup", "existingcase": "lookup",
			"routecase": "boolean", "customercontacted": "boolean", "followuptaskcreated": "boolean",
			"activitiescomplete": "boolean", "checkemail": "boolean",
		},
		"phonecall": {
			"subject": "string", "regardingobjectid": "lookup", "phonenumber": "string", "description": "memo",
			"directioncode": "boolean",
		},
		"contact": {
			"firstname": "string", "lastname": "string", "fullname": "string", "emailaddress1": "email",
			"telephone1": "string", "parentcustomerid": "customer", "jobtitle": "string",
		},
		"account": {
			"name": "string", "accountnumber": "string", "emailaddress1": "email", "telephone1": "string",
			"primarycontactid": "lookup", "revenue": "money", "numberofemployees": "integer", "industrycode": "choice",
		},
		"systemuser": {"fullname": "string", "domainname": "string", "internalemailaddress": "email", "isdisabled": "boolean"},
	}
	for table, cols := range want {
		tb, ok := Lookup(table)
		if !ok {
			t.Errorf("table %s missing", table)
			continue
		}
		for name, typ := range cols {
			c, ok := tb.column(name)
			if !ok {
				t.Errorf("%s.%s missing", table, name)
			} else if c.Type != typ {
				t.Errorf("%s.%s is %s, want %s", table, name, c.Type, typ)
			}
		}
	}
}

func TestKnownValues(t *testing.T) {
	options := func(table, column string) []Option {
		tb, _ := Lookup(table)
		c, _ := tb.column(column)
		return c.Options
	}
	checks := []struct {
		table, column string
		want          []Option
	}{
		{"lead", "purchasetimeframe", []Option{{"Immediate", 0}, {"This Quarter", 1}, {"Next Quarter", 2}, {"This Year", 3}, {"Unknown", 4}}},
		{"lead", "statecode", []Option{{"Open", 0}, {"Qualified", 1}, {"Disqualified", 2}}},
		{"opportunity", "statecode", []Option{{"Open", 0}, {"Won", 1}, {"Lost", 2}}},
		{"incident", "statecode", []Option{{"Active", 0}, {"Resolved", 1}, {"Canceled", 2}}},
		{"incident", "caseorigincode", []Option{{"Phone", 1}, {"Email", 2}, {"Web", 3}, {"Facebook", 2483}, {"Twitter", 3986}}},
		{"phonecall", "statuscode", []Option{{"Open", 1}, {"Made", 2}, {"Canceled", 3}, {"Received", 4}}},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, options(c.table, c.column)); diff != "" {
			t.Errorf("%s.%s options (-want +got):\n%s", c.table, c.column, diff)
		}
	}
	regarding, _ := Lookup("phonecall")
	r, _ := regarding.column("regardingobjectid")
	if diff := cmp.Diff([]string{"account", "contact", "incident", "lead", "opportunity"}, r.Targets); diff != "" {
		t.Errorf("phonecall.regardingobjectid targets (-want +got):\n%s", diff)
	}
}

func TestCopies(t *testing.T) {
	all := Tables()
	for i := range all {
		all[i].Name = "changed"
		for j := range all[i].Columns {
			all[i].Columns[j].Name = "changed"
			for k := range all[i].Columns[j].Options {
				all[i].Columns[j].Options[k].Label = "changed"
			}
			for k := range all[i].Columns[j].Targets {
				all[i].Columns[j].Targets[k] = "changed"
			}
		}
	}
	lead, ok := Lookup("lead")
	if !ok || lead.Columns[0].Name != "leadid" {
		t.Fatalf("mutating Tables() changed the catalog")
	}
	c, _ := lead.column("purchasetimeframe")
	if c.Options[0].Label != "Immediate" {
		t.Errorf("mutating Tables() changed option labels")
	}
	phone, _ := Lookup("phonecall")
	r, _ := phone.column("regardingobjectid")
	if r.Targets[0] != "account" {
		t.Errorf("mutating Tables() changed lookup targets")
	}
	if _, ok := Lookup("nosuchtable"); ok {
		t.Errorf("Lookup of an unknown table succeeded")
	}
}
