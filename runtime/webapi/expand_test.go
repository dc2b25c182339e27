package webapi

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestExpandLookups: $expand of single-valued lookups nests the looked-up
// row under the lookup's name, with the $select in parentheses; null when
// the lookup is empty or its row is gone; several at once; on lists, on
// pages (the next link keeps $expand) and on single rows.
func TestExpandLookups(t *testing.T) {
	f := serve(t, fixtureOptions{})
	acct := f.create("accounts", map[string]any{"name": "Fabrikam", "telephone1": "555-0100"})
	with := f.create("leads", map[string]any{"subject": "Printers", "lastname": "Smith", "parentaccountid@odata.bind": "/accounts(" + acct + ")"},
		"BPFC-Flow", "none")
	without := f.create("leads", map[string]any{"subject": "Paper", "lastname": "Jones"}, "BPFC-Flow", "none")

	r := f.do("GET", "leads?$select=subject&$expand=parentaccountid($select=name)&$orderby=subject", f.admin, nil).must(t, 200)
	rows := r.rows()
	if len(rows) != 2 {
		t.Fatalf("rows: %s", r.raw)
	}
	paper, printers := rows[0], rows[1]
	if paper["leadid"] != without || paper["parentaccountid"] != nil || len(paper) != 4 {
		t.Errorf("a lead without an account: %v", paper)
	}
	nested, ok := printers["parentaccountid"].(map[string]any)
	if !ok || nested["name"] != "Fabrikam" || nested["accountid"] != acct || !strings.HasPrefix(nested["@odata.etag"].(string), `W/"`) || len(nested) != 3 {
		t.Errorf("the expanded account: %v", printers)
	}
	if _, ok := printers["_parentaccountid_value"]; ok || printers["subject"] != "Printers" || len(printers) != 4 {
		t.Errorf("the lookup read for the expansion is not shown unless selected: %v", printers)
	}

	// A single row, every column, two lookups; without $select inside,
	// the whole target row.
	r = f.do("GET", "leads("+with+")?$expand=parentaccountid,ownerid($select=fullname)", f.admin, nil).must(t, 200)
	if r.str("_parentaccountid_value") != acct || r.str("subject") != "Printers" || r.header.Get("ETag") == "" {
		t.Errorf("row: %s", r.raw)
	}
	if a, _ := r.body["parentaccountid"].(map[string]any); a["name"] != "Fabrikam" || a["telephone1"] != "555-0100" {
		t.Errorf("the whole account: %s", r.raw)
	}
	if o, _ := r.body["ownerid"].(map[string]any); o["fullname"] == nil || o["systemuserid"] != r.str("_ownerid_value") {
		t.Errorf("the owner: %s", r.raw)
	}
	// Numbers and other values of the row are as without $expand.
	plain := f.do("GET", "leads("+with+")", f.admin, nil).must(t, 200)
	for k, v := range plain.body {
		if got := r.body[k]; got != v {
			t.Errorf("%s: %v with $expand, %v without", k, got, v)
		}
	}

	// Pages keep $select and $expand.
	r = f.do("GET", "leads?$select=subject&$expand=parentaccountid($select=name)&$orderby=subject%20desc", f.admin, nil,
		"Prefer", "odata.maxpagesize=1").must(t, 200)
	next := r.str("@odata.nextLink")
	u, err := url.Parse(next)
	if err != nil || u.Query().Get("$expand") != "parentaccountid($select=name)" || u.Query().Get("$select") != "subject" {
		t.Fatalf("next link %q", next)
	}
	if a, _ := r.rows()[0]["parentaccountid"].(map[string]any); a["name"] != "Fabrikam" {
		t.Errorf("first page: %s", r.raw)
	}
	r = f.do("GET", next, f.admin, nil, "Prefer", "odata.maxpagesize=1").must(t, 200)
	if rows := r.rows(); len(rows) != 1 || rows[0]["subject"] != "Paper" || rows[0]["parentaccountid"] != nil || len(rows[0]) != 4 {
		t.Errorf("second page: %s", r.raw)
	}

	// Options inside the parentheses are separated by semicolons (which
	// url.ParseQuery would drop), as written or escaped.
	f.do("GET", "leads?$select=subject&$expand=parentaccountid($select=name;$select=name)", f.admin, nil).must(t, 400)
	r = f.do("GET", "leads?$expand=parentaccountid($select=name%3B$select=telephone1)", f.admin, nil).must(t, 400)
	if !strings.Contains(string(r.raw), "$select is given twice") {
		t.Errorf("an escaped semicolon: %s", r.raw)
	}

	// A customer lookup expands by its halves, as Dataverse names them.
	inc := f.create("incidents", map[string]any{"title": "Printer on fire", "customerid@odata.bind": "/accounts(" + acct + ")"})
	r = f.do("GET", "incidents("+inc+")?$select=title&$expand=customerid_account($select=name),customerid_contact", f.admin, nil).must(t, 200)
	if a, _ := r.body["customerid_account"].(map[string]any); a["name"] != "Fabrikam" || r.body["customerid_contact"] != nil {
		t.Errorf("customer halves: %s", r.raw)
	}

	// If-None-Match still answers 304.
	tag := f.do("GET", "leads("+with+")", f.admin, nil).header.Get("ETag")
	f.do("GET", "leads("+with+")?$expand=parentaccountid", f.admin, nil, "If-None-Match", tag).must(t, http.StatusNotModified)

	// The account gone, the lookup dangles: null.
	f.do("DELETE", "accounts("+acct+")", f.admin, nil).must(t, 204)
	r = f.do("GET", "leads("+with+")?$select=subject&$expand=parentaccountid($select=name)", f.admin, nil).must(t, 200)
	if v, ok := r.body["parentaccountid"]; !ok || v != nil {
		t.Errorf("a deleted account: %s", r.raw)
	}
}

// TestExpandPrivileges: the looked-up rows are read as the token's user:
// at user depth, a row someone else owns is null.
func TestExpandPrivileges(t *testing.T) {
	f := serve(t, fixtureOptions{})
	sam := f.user("sam", "salesperson")
	samID := f.do("GET", "systemusers?$filter=fullname%20eq%20'sam'&$select=fullname", f.admin, nil).must(t, 200).rows()
	if len(samID) != 1 {
		t.Fatalf("sam: %v", samID)
	}
	samUser := samID[0]["systemuserid"].(string)
	theirs := f.create("accounts", map[string]any{"name": "Admin's account"})
	lead := f.create("leads", map[string]any{"subject": "Printers", "parentaccountid@odata.bind": "/accounts(" + theirs + ")"}, "BPFC-Flow", "none")
	// Sam's own account, and a lead of his that looks it up.
	r := f.do("POST", "accounts", sam, map[string]any{"name": "Sam's account"}).must(t, 204)
	_, mine, _ := splitKey(strings.TrimPrefix(r.header.Get("OData-EntityId"), f.url+Prefix))
	r = f.do("POST", "leads", sam, map[string]any{"subject": "Paper", "parentaccountid@odata.bind": "/accounts(" + mine + ")"},
		"BPFC-Flow", "none").must(t, 204)
	_, samLead, _ := splitKey(strings.TrimPrefix(r.header.Get("OData-EntityId"), f.url+Prefix))
	// The admin gives the first lead to sam: he reads it, not its account.
	f.do("PATCH", "leads("+lead+")", f.admin, map[string]any{"ownerid@odata.bind": "/systemusers(" + samUser + ")"}).must(t, 204)

	r = f.do("GET", "leads?$select=subject&$expand=parentaccountid($select=name),ownerid($select=fullname)&$orderby=subject", sam, nil).must(t, 200)
	rows := r.rows()
	if len(rows) != 2 || rows[0]["leadid"] != samLead || rows[1]["leadid"] != lead {
		t.Fatalf("sam's leads: %s", r.raw)
	}
	if a, _ := rows[0]["parentaccountid"].(map[string]any); a["name"] != "Sam's account" {
		t.Errorf("sam's own account: %s", r.raw)
	}
	if v, ok := rows[1]["parentaccountid"]; !ok || v != nil {
		t.Errorf("an account sam may not read: %s", r.raw)
	}
	for _, row := range rows {
		if o, _ := row["ownerid"].(map[string]any); o["fullname"] != "sam" {
			t.Errorf("owner (users are readable): %v", row)
		}
	}
	// The admin reads both.
	r = f.do("GET", "leads("+lead+")?$expand=parentaccountid($select=name)", f.admin, nil).must(t, 200)
	if a, _ := r.body["parentaccountid"].(map[string]any); a["name"] != "Admin's account" {
		t.Errorf("admin: %s", r.raw)
	}
	// A user who may not read the entity set at all is refused as without
	// $expand.
	nobody := f.user("nobody")
	f.do("GET", "leads?$expand=parentaccountid", nobody, nil).must(t, 403)
}

// TestExpandErrors: what $expand does not take is a 400 that says why.
func TestExpandErrors(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for path, want := range map[string]string{
		"leads?$expand=nosuch":                                     `leads has no navigation property "nosuch"`,
		"leads?$expand=parentacountid":                             "did you mean parentaccountid?",
		"leads?$expand=subject":                                    "subject is a string column of leads, not a lookup",
		"leads?$expand=_parentaccountid_value":                     "expand its navigation property, parentaccountid",
		"accounts?$expand=leads":                                   "collection-valued navigation properties",
		"accounts?$expand=lead_parent_account":                     "the lead rows that look up an account) are not supported; only lookups of accounts expand; read those rows with leads?$filter=_parentaccountid_value eq <id>",
		"leads?$expand=parentaccountid($expand=ownerid)":           "nested $expand is not supported",
		"leads?$expand=parentaccountid($filter=name eq 'x')":       "only $select is supported inside the parentheses",
		"leads?$expand=parentaccountid($top=1)":                    "only $select is supported",
		"leads?$expand=parentaccountid($select=nosuch)":            `accounts has no property "nosuch"`,
		"leads?$expand=parentaccountid(":                           "not closed",
		"leads?$expand=parentaccountid)":                           "closes that was not opened",
		"leads?$expand=parentaccountid()":                          "the parentheses are empty",
		"leads?$expand=parentaccountid,parentaccountid":            "names parentaccountid twice",
		"leads?$expand=parentaccountid/ownerid":                    "paths are not supported",
		"incidents?$expand=customerid":                             "expand the half for one table: customerid_account or customerid_contact",
		"leads?$expand=parentaccountid&$expand=ownerid":            "$expand is given 2 times",
		"leads?$expand=parentaccountid($select=name;$select=name)": "$select is given twice",
	} {
		r := f.do("GET", strings.ReplaceAll(path, " ", "%20"), f.admin, nil)
		e, _ := r.body["error"].(map[string]any)
		if msg, _ := e["message"].(string); r.status != 400 || r.errCode() != "BadRequest" || !strings.Contains(msg, want) {
			t.Errorf("%s: %d %s, want 400 with %q", path, r.status, r.raw, want)
		}
	}
	// Other options of the request are checked as without $expand.
	f.do("GET", "leads?$expand=parentaccountid&$select=nosuch", f.admin, nil).must(t, 400)
	f.do("GET", "nosuchset?$expand=parentaccountid", f.admin, nil).must(t, 404)
	// EntityDefinitions takes $expand=Attributes as before.
	f.do("GET", "EntityDefinitions(LogicalName='lead')?$expand=Attributes", f.admin, nil).must(t, 200)
}

// TestExpandMetadata: $metadata names the navigation properties $expand
// takes, a customer lookup's halves included.
func TestExpandMetadata(t *testing.T) {
	f := serve(t, fixtureOptions{})
	req, err := http.NewRequest("GET", f.url+Prefix+"$metadata", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+f.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<NavigationProperty Name="customerid_account" Type="mscrm.account">`,
		`<NavigationProperty Name="customerid_contact" Type="mscrm.contact">`, `<NavigationProperty Name="parentaccountid" Type="mscrm.account">`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("$metadata has no %s", want)
		}
	}
	if strings.Contains(string(body), `NavigationProperty Name="customerid"`) {
		t.Error("$metadata names a customer lookup as one navigation property")
	}
	// Every navigation property's type is an entity type of the document
	// (an instance table's processid and activestageid name none).
	types := map[string]bool{}
	for _, m := range regexp.MustCompile(`<EntityType Name="([^"]+)"`).FindAllStringSubmatch(string(body), -1) {
		types["mscrm."+m[1]] = true
	}
	for _, m := range regexp.MustCompile(`<NavigationProperty Name="([^"]+)" Type="([^"]+)"`).FindAllStringSubmatch(string(body), -1) {
		if !types[m[2]] {
			t.Errorf("navigation property %s names %s, which $metadata does not define", m[1], m[2])
		}
	}
}

// TestExpandAnnotationsAndContext: with $expand and
// odata.include-annotations the expanded row is annotated as Dataverse
// annotates it (formatted values, its lookups), a lookup read only for the
// expansion leaves no annotations of its own behind, and the context URL
// names the request's $select and each expansion's, not the lookups added.
func TestExpandAnnotationsAndContext(t *testing.T) {
	f := serve(t, fixtureOptions{})
	parent := f.create("accounts", map[string]any{"name": "Contoso"})
	acct := f.create("accounts", map[string]any{"name": "Fabrikam", "revenue": 1234.5, "parentaccountid@odata.bind": "/accounts(" + parent + ")"})
	lead := f.create("leads", map[string]any{"subject": "Printers", "lastname": "Smith", "parentaccountid@odata.bind": "/accounts(" + acct + ")"},
		"BPFC-Flow", "none")

	const q = "?$select=subject&$expand=parentaccountid($select=name,revenue,statecode,_parentaccountid_value)"
	for _, path := range []string{"leads(" + lead + ")" + q, "leads" + q} {
		r := f.do("GET", path, f.admin, nil, "Prefer", `odata.include-annotations="*"`).must(t, http.StatusOK)
		row := r.body
		if rows := r.rows(); rows != nil {
			row = rows[0]
		}
		for k := range row {
			if strings.HasPrefix(k, "_parentaccountid_value") {
				t.Errorf("%s: %s is left of the lookup read for the expansion: %s", path, k, r.raw)
			}
		}
		nested, _ := row["parentaccountid"].(map[string]any)
		for prop, want := range map[string]any{
			"revenue@OData.Community.Display.V1.FormattedValue":                          "1,234.50",
			"statecode@OData.Community.Display.V1.FormattedValue":                        "Active",
			"_parentaccountid_value@OData.Community.Display.V1.FormattedValue":           "Contoso",
			"_parentaccountid_value@Microsoft.Dynamics.CRM.lookuplogicalname":            "account",
			"_parentaccountid_value@Microsoft.Dynamics.CRM.associatednavigationproperty": "parentaccountid",
		} {
			if got := nested[prop]; got != want {
				t.Errorf("%s: the expanded account's %s = %#v, want %#v", path, prop, got, want)
			}
		}
		ctx := "$metadata#leads(subject,parentaccountid(name,revenue,statecode,_parentaccountid_value))"
		if !strings.HasPrefix(path, "leads?") {
			ctx += "/$entity"
		}
		if got := r.str("@odata.context"); !strings.HasSuffix(got, ctx) {
			t.Errorf("%s: @odata.context %q, want …%s", path, got, ctx)
		}
	}

	// Without the preference, the expanded row has no annotations.
	r := f.do("GET", "leads("+lead+")"+q, f.admin, nil).must(t, http.StatusOK)
	if nested, _ := r.body["parentaccountid"].(map[string]any); len(nested) != 6 {
		t.Errorf("without annotations: %v", nested)
	}
}
