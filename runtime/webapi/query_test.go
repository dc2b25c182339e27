package webapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// accounts creates the accounts the filter tests query, each at its own
// time, and returns their ids by name.
func accounts(f *fixture) map[string]string {
	f.t.Helper()
	ids := map[string]string{}
	for _, a := range []struct {
		on   string
		body map[string]any
	}{
		{"2026-01-10T08:00:00.25Z", map[string]any{"name": "Alpha", "numberofemployees": 10, "revenue": 1000.5, "creditonhold": true}},
		{"2026-01-20T00:00:00Z", map[string]any{"name": "Beta", "numberofemployees": 20, "revenue": 2000, "creditonhold": false}},
		{"2026-02-01T00:00:00Z", map[string]any{"name": "Gamma Co", "numberofemployees": 30}},
		{"2026-02-10T00:00:00Z", map[string]any{"name": "O'Brien", "revenue": 500, "creditonhold": true, "parentaccountid@odata.bind": "/accounts(ALPHA)"}},
		{"2026-03-01T12:00:00Z", map[string]any{"name": "delta_50%", "numberofemployees": 50, "revenue": 5000, "creditonhold": false}},
	} {
		tm, err := time.Parse(time.RFC3339Nano, a.on)
		if err != nil {
			f.t.Fatal(err)
		}
		f.clock.Set(tm)
		if b, ok := a.body["parentaccountid@odata.bind"].(string); ok {
			a.body["parentaccountid@odata.bind"] = strings.Replace(b, "ALPHA", ids["Alpha"], 1)
		}
		ids[a.body["name"].(string)] = f.create("accounts", a.body)
	}
	return ids
}

// names lists the names of a list answer's rows, sorted.
// wantAccounts checks the names of the accounts a $filter selects.
func (f *fixture) wantAccounts(t *testing.T, filter string, want []string) {
	t.Helper()
	r := f.do("GET", "accounts?$select=name&$filter="+url.QueryEscape(filter), f.admin, nil)
	if r.status != http.StatusOK {
		t.Errorf("%s: %d %s", filter, r.status, r.raw)
		return
	}
	if d := cmp.Diff(want, names(r)); d != "" {
		t.Errorf("%s (-want +got):\n%s", filter, d)
	}
}

func names(r *response) []string {
	out := []string{}
	for _, row := range r.rows() {
		out = append(out, row["name"].(string))
	}
	sort.Strings(out)
	return out
}

// TestFilter: every operator of $filter, and/or/not with parentheses,
// strings, numbers, null, booleans, dates and lookups, against SQL.
func TestFilter(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	all := []string{"Alpha", "Beta", "Gamma Co", "O'Brien", "delta_50%"}
	cases := map[string][]string{
		"name eq 'Alpha'":               {"Alpha"},
		"name ne 'Alpha'":               {"Beta", "Gamma Co", "O'Brien", "delta_50%"},
		"name eq 'O''Brien'":            {"O'Brien"},
		"numberofemployees gt 20":       {"Gamma Co", "delta_50%"},
		"numberofemployees ge 20":       {"Beta", "Gamma Co", "delta_50%"},
		"numberofemployees lt 20":       {"Alpha"},
		"numberofemployees le 20":       {"Alpha", "Beta"},
		"numberofemployees gt 15.5":     {"Beta", "Gamma Co", "delta_50%"},
		"numberofemployees le 19.9":     {"Alpha"},
		"numberofemployees eq 10.5":     {},
		"numberofemployees ne 10.5":     all,
		"20 lt numberofemployees":       {"Gamma Co", "delta_50%"},
		"numberofemployees eq null":     {"O'Brien"},
		"numberofemployees ne null":     {"Alpha", "Beta", "Gamma Co", "delta_50%"},
		"null eq revenue":               {"Gamma Co"},
		"revenue gt 1000":               {"Alpha", "Beta", "delta_50%"},
		"revenue le 1000.5":             {"Alpha", "O'Brien"},
		"revenue eq 2000":               {"Beta"},
		"creditonhold eq true":          {"Alpha", "O'Brien"},
		"creditonhold eq false":         {"Beta", "delta_50%"},
		"creditonhold ne true":          {"Beta", "Gamma Co", "delta_50%"},
		"not (creditonhold eq true)":    {"Beta", "Gamma Co", "delta_50%"},
		"not creditonhold eq true":      {"Beta", "Gamma Co", "delta_50%"},
		"not (numberofemployees gt 15)": {"Alpha", "O'Brien"},
		"createdon ge 2026-02-01":       {"Gamma Co", "O'Brien", "delta_50%"},
		"createdon lt 2026-01-20":       {"Alpha"},
		// Times compare as rows show them, to the second: Alpha was
		// created at 08:00:00.25 and shows 08:00:00.
		"createdon gt 2026-01-10T08:00:00Z":           {"Beta", "Gamma Co", "O'Brien", "delta_50%"},
		"createdon le 2026-01-10T08:00:00Z":           {"Alpha"},
		"createdon eq 2026-01-10T08:00:00Z":           {"Alpha"},
		"createdon ne 2026-01-10T08:00:00Z":           {"Beta", "Gamma Co", "O'Brien", "delta_50%"},
		"createdon eq 2026-01-10T08:00:00.25Z":        {},
		"createdon ne 2026-01-10T08:00:00.25Z":        all,
		"createdon lt 2026-01-10T08:00:00.5Z":         {"Alpha"},
		"createdon ge 2026-01-10T08:00:00.5Z":         {"Beta", "Gamma Co", "O'Brien", "delta_50%"},
		"createdon gt 2026-01-10T07:59:59.5Z":         all,
		"createdon le 2026-01-10T07:59:59.5Z":         {},
		"createdon lt 2026-03-01T12:00:00.001Z":       all,
		"createdon ge '2026-03-01'":                   {"delta_50%"},
		"_parentaccountid_value eq '" + "ALPHA" + "'": {"O'Brien"},
		"_parentaccountid_value ne null":              {"O'Brien"},
		// Dataverse's wildcards: % any run, _ any one character, a
		// character in brackets itself.
		"contains(name,'%')":        all,
		"contains(name,'[%]')":      {"delta_50%"},
		"endswith(name,'0[%]')":     {"delta_50%"},
		"contains(name,'_5')":       {"delta_50%"},
		"contains(name,'a[_]5')":    {"delta_50%"},
		"contains(name,'a[_]')":     {"delta_50%"},
		"contains(name,'a%c')":      {"Gamma Co"},
		"startswith(name,'_eta')":   {"Beta"},
		"startswith(name,'[_]eta')": {},
		"startswith(name,'o''[b]')": {"O'Brien"},
		// Sets and ranges in brackets, ^ first: not in them.
		"startswith(name,'[a-c]')":        {"Alpha", "Beta"},
		"startswith(name,'[A-C]eta')":     {"Beta"},
		"startswith(name,'[^a-c]')":       {"Gamma Co", "O'Brien", "delta_50%"},
		"startswith(name,'[gd]')":         {"Gamma Co", "delta_50%"},
		"endswith(name,'[0-9][%]')":       {"delta_50%"},
		"contains(name,'[%_]5')":          {"delta_50%"},
		"contains(name,'[''][b-c]')":      {"O'Brien"},
		"startswith(name,'[z-a]')":        {},
		"startswith(name,'[-b]eta')":      {"Beta"},
		"startswith(name,'[^]')":          {},
		"startswith(name,'[')":            {},
		"startswith(name,'[^a-z]')":       {},
		"contains(name,'[^a-z ''_0-9%]')": {},
		"contains(name,'a[^ ]')":          {"Alpha", "Gamma Co", "delta_50%"},
		"contains(name,'eta')":            {"Beta"},
		"startswith(name,'G')":            {"Gamma Co"},
		"endswith(name, 'Co')":            {"Gamma Co"},
		"(numberofemployees lt 15 or numberofemployees gt 40) and creditonhold eq false": {"delta_50%"},
		"numberofemployees lt 15 or numberofemployees gt 40 and creditonhold eq false":   {"Alpha", "delta_50%"},
		"numberofemployees lt 15 or (numberofemployees gt 40 and creditonhold eq false)": {"Alpha", "delta_50%"},
		"statecode eq 0 and statuscode eq 1":                                             all,
		"numberofemployees eq numberofemployees":                                         all,
		"numberofemployees lt revenue":                                                   {"Alpha", "Beta", "delta_50%"},
		"createdon eq modifiedon":                                                        all,
	}
	for filter, want := range cases {
		filter = strings.Replace(filter, "ALPHA", ids["Alpha"], 1)
		f.wantAccounts(t, filter, want)
	}
	for filter, msg := range map[string]string{
		"nosuch eq 1":                     "has no property",
		"name eq 5":                       "compare it with text",
		"numberofemployees eq 'ten'":      "compare it with a number",
		"statecode eq 'active'":           "statecode is a state column: compare it with its value, 0 (Active), not the label 'active'",
		"statecode eq 'Actve'":            "compare it with one of its values, 0 (Active), 1 (Inactive), not 'Actve'; did you mean 0 (Active)?",
		"creditonhold eq 1":               "true or false",
		"createdon gt 'yesterday'":        "a date",
		"numberofemployees gt null":       "only eq and ne",
		"contains(numberofemployees,'1')": "not text",
		"contains(name, 5)":               "text value",
		"contains(name,'" + strings.Repeat("[ab]", 33) + "')": "more than 32 sets",
		"name eq":         "unexpected end",
		"1 eq 1":          "a property on one side",
		"name eq revenue": "cannot be compared",
	} {
		r := f.do("GET", "accounts?$filter="+url.QueryEscape(filter), f.admin, nil)
		if r.status != 400 || r.errCode() != "BadRequest" || !strings.Contains(string(r.raw), msg) {
			t.Errorf("%s: %d %s, want 400 with %q", filter, r.status, r.raw, msg)
		}
	}
}

// TestFilterQuotedTime: a time written as quoted text compares with a
// date and time column as the unquoted literal does; a quoted one written
// another way (no zone, a space for the T, lower case, no seconds) is a 400
// that names the column and the unquoted literal to write, as an unquoted
// time without its zone is.
func TestFilterQuotedTime(t *testing.T) {
	f := serve(t, fixtureOptions{})
	accounts(f)
	f.wantAccounts(t, "createdon eq '2026-01-10T08:00:00Z'", []string{"Alpha"})
	f.wantAccounts(t, "createdon eq 2026-01-10T08:00:00Z", []string{"Alpha"})
	for filter, want := range map[string]string{
		"createdon eq '2026-05-04T10:00:00'": "createdon is a datetime column: write createdon eq 2026-05-04T10:00:00Z, the time unquoted, not '2026-05-04T10:00:00' " +
			"(a time needs its zone: Z for UTC, or an offset such as +02:00)",
		"createdon gt '2026-05-04 10:00:00+02:00'": "createdon is a datetime column: write createdon gt 2026-05-04T10:00:00+02:00, the time unquoted, not '2026-05-04 10:00:00+02:00'",
		"createdon eq '2026-05-04t10:00:00z'":      "write createdon eq 2026-05-04T10:00:00Z, the time unquoted",
		"createdon le '2026-05-04T10:00Z'":         "write createdon le 2026-05-04T10:00Z, the time unquoted",
		"'2026-05-04T10:00' lt createdon":          "write createdon gt 2026-05-04T10:00Z, the time unquoted",
		"createdon eq 'yesterday'": "createdon is a datetime column: compare it with a date or a time, unquoted, such as createdon eq 2026-01-31 " +
			"or createdon eq 2026-01-31T10:00:00Z, not 'yesterday'",
		"createdon eq 2026-05-04T10:00:00": "invalid date 2026-05-04T10:00:00 for createdon: a time needs its zone, such as 2026-05-04T10:00:00Z (UTC)",
		// A number is said as written, not in float notation (2.0260504e+07).
		"createdon eq 20260504": "createdon is a datetime column: compare it with a date (2026-01-31 or 2026-01-31T10:00:00Z), not 20260504",
		"createdon eq -0.25":    "not -0.25",
		"createdon eq 1e-300":   "not 1e-300",
	} {
		r := f.do("GET", "accounts?$filter="+url.QueryEscape(filter), f.admin, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.message(), want) {
			t.Errorf("$filter=%s: %d %s\nwant 400 saying %s", filter, r.status, r.message(), want)
		}
	}
	// The literal it names is one the server takes.
	f.wantAccounts(t, "createdon le 2026-05-04T10:00Z", []string{"Alpha", "Beta", "Gamma Co", "O'Brien", "delta_50%"})
}

// TestPaging: server-driven paging by @odata.nextLink under Prefer:
// odata.maxpagesize, in any order (empty values included), with $top and
// $select; every row once, in order.
func TestPaging(t *testing.T) {
	f := serve(t, fixtureOptions{})
	type acct struct {
		name string
		emp  any
		on   time.Time
	}
	var want []acct
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 25 {
		a := acct{name: fmt.Sprintf("acct-%02d", i), on: base.Add(time.Duration(i%4) * time.Hour)}
		body := map[string]any{"name": a.name}
		if i%3 != 0 {
			a.emp = int64(i % 5)
			body["numberofemployees"] = i % 5
		}
		f.clock.Set(a.on)
		f.create("accounts", body)
		want = append(want, a)
	}
	// numberofemployees desc (empty last), then name.
	slices.SortStableFunc(want, func(x, y acct) int {
		switch {
		case x.emp == nil && y.emp == nil:
		case x.emp == nil:
			return 1
		case y.emp == nil:
			return -1
		case x.emp.(int64) != y.emp.(int64):
			return int(y.emp.(int64) - x.emp.(int64))
		}
		return strings.Compare(x.name, y.name)
	})
	var wantNames []string
	for _, a := range want {
		wantNames = append(wantNames, a.name)
	}
	collect := func(path string, pageSize int) ([]string, []int) {
		var got []string
		var sizes []int
		for path != "" && len(sizes) < 20 {
			r := f.do("GET", path, f.admin, nil, "Prefer", fmt.Sprintf("odata.maxpagesize=%d", pageSize)).must(t, 200)
			if r.header.Get("Preference-Applied") != fmt.Sprintf("odata.maxpagesize=%d", pageSize) {
				t.Errorf("Preference-Applied %q", r.header.Get("Preference-Applied"))
			}
			for _, row := range r.rows() {
				got = append(got, row["name"].(string))
				if _, ok := row["revenue"]; ok {
					t.Errorf("$select not applied: %v", row)
				}
				if row["@odata.etag"] == nil || row["accountid"] == nil {
					t.Errorf("row without etag or key: %v", row)
				}
			}
			sizes = append(sizes, len(r.rows()))
			path = r.str("@odata.nextLink")
		}
		return got, sizes
	}
	got, sizes := collect("accounts?$select=name,numberofemployees&$orderby=numberofemployees%20desc,name", 7)
	if d := cmp.Diff(wantNames, got); d != "" {
		t.Errorf("pages (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{7, 7, 7, 4}, sizes); d != "" {
		t.Errorf("page sizes (-want +got):\n%s", d)
	}
	// $top bounds the total across pages.
	got, sizes = collect("accounts?$select=name&$orderby=numberofemployees%20desc,name&$top=10", 4)
	if d := cmp.Diff(wantNames[:10], got); d != "" || !slices.Equal(sizes, []int{4, 4, 2}) {
		t.Errorf("$top=10 by 4: %v %v", got, sizes)
	}
	// A filter and a time order, paged by 3.
	got, _ = collect("accounts?$select=name&$filter=numberofemployees%20ne%20null&$orderby=createdon", 3)
	if len(got) != 16 {
		t.Errorf("filtered pages: %d rows %v", len(got), got)
	}
	// Default order: the primary key; no nextLink when everything fits.
	r := f.do("GET", "accounts?$select=name", f.admin, nil).must(t, 200)
	if len(r.rows()) != 25 || r.str("@odata.nextLink") != "" {
		t.Errorf("unpaged: %d rows, next %q", len(r.rows()), r.str("@odata.nextLink"))
	}
	// $top alone.
	r = f.do("GET", "accounts?$select=name&$top=3&$orderby=name%20desc", f.admin, nil).must(t, 200)
	if d := cmp.Diff([]string{"acct-22", "acct-23", "acct-24"}, names(r)); d != "" || r.str("@odata.nextLink") != "" {
		t.Errorf("$top=3: %s", r.raw)
	}
}

// TestCount: $count=true adds @odata.count, the rows of the filter the
// user may read over every page, whatever $top or the page size.
func TestCount(t *testing.T) {
	f := serve(t, fixtureOptions{})
	sam := f.user("sam", "salesperson")
	for _, subject := range []string{"Paper", "Pens", "Printers"} {
		f.create("leads", map[string]any{"subject": subject}, "BPFC-Flow", "none")
	}
	f.do("POST", "leads", sam, map[string]any{"subject": "Sam's"}, "BPFC-Flow", "none").must(t, 204)
	r := f.do("GET", "leads?$select=subject&$count=true&$top=1&$filter=startswith(subject,'P')", f.admin, nil).must(t, 200)
	if n, _ := r.body["@odata.count"].(float64); n != 3 || len(r.rows()) != 1 {
		t.Errorf("admin's count of P leads: %s", r.raw)
	}
	r = f.do("GET", "leads?$select=subject&$count=true", sam, nil, "Prefer", "odata.maxpagesize=1").must(t, 200)
	if n, _ := r.body["@odata.count"].(float64); n != 1 {
		t.Errorf("sam (user depth) counts %s", r.raw)
	}
	if _, ok := f.do("GET", "leads?$select=subject", f.admin, nil).must(t, 200).body["@odata.count"]; ok {
		t.Error("@odata.count without $count=true")
	}
	f.do("GET", "leads?$count=yes", f.admin, nil).must(t, http.StatusBadRequest)
}

// TestMaxPageSizeIgnored: a page size the server cannot use (0, negative,
// no number) is ignored, as RFC 7240 has a server ignore a preference it
// cannot apply: the default page, no Preference-Applied, not 400.
func TestMaxPageSizeIgnored(t *testing.T) {
	f := serve(t, fixtureOptions{limits: Limits{MaxPageSize: 2}})
	for _, subject := range []string{"Paper", "Pens", "Printers"} {
		f.create("leads", map[string]any{"subject": subject}, "BPFC-Flow", "none")
	}
	for _, v := range []string{"0", "-3", "many", ""} {
		r := f.do("GET", "leads?$select=subject", f.admin, nil, "Prefer", "odata.maxpagesize="+v).must(t, http.StatusOK)
		if len(r.rows()) != 2 || r.str("@odata.nextLink") == "" || r.header.Get("Preference-Applied") != "" {
			t.Errorf("odata.maxpagesize=%s: Preference-Applied %q, %s", v, r.header.Get("Preference-Applied"), r.raw)
		}
	}
	r := f.do("GET", "leads?$select=subject", f.admin, nil, "Prefer", "odata.maxpagesize=1").must(t, http.StatusOK)
	if len(r.rows()) != 1 || r.header.Get("Preference-Applied") != "odata.maxpagesize=1" {
		t.Errorf("odata.maxpagesize=1: Preference-Applied %q, %s", r.header.Get("Preference-Applied"), r.raw)
	}
}

// TestCountOnly: $top=0 with $count=true, as clients ask for the count
// alone, is the count and no rows (OData allows $top=0), without a next
// page; EntityDefinitions?$top=0 is no definition, not every one.
func TestCountOnly(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, subject := range []string{"Paper", "Pens", "Printers"} {
		f.create("leads", map[string]any{"subject": subject}, "BPFC-Flow", "none")
	}
	r := f.do("GET", "leads?$select=subject&$count=true&$top=0", f.admin, nil, "Prefer", "odata.maxpagesize=1").must(t, http.StatusOK)
	if n, _ := r.body["@odata.count"].(float64); n != 3 || r.rows() != nil || r.body["value"] == nil || r.str("@odata.nextLink") != "" {
		t.Errorf("count only: %s", r.raw)
	}
	r = f.do("GET", "leads?$top=0", f.admin, nil).must(t, http.StatusOK)
	if len(r.rows()) != 0 || r.str("@odata.nextLink") != "" {
		t.Errorf("$top=0: %s", r.raw)
	}
	r = f.do("GET", "EntityDefinitions?$select=LogicalName&$top=0", f.admin, nil).must(t, http.StatusOK)
	if len(r.rows()) != 0 {
		t.Errorf("EntityDefinitions?$top=0: %s", r.raw)
	}
	if r := f.do("GET", "leads?$top=-1", f.admin, nil).must(t, http.StatusBadRequest); !strings.Contains(string(r.raw), "0 or more") {
		t.Errorf("$top=-1: %s", r.raw)
	}
}

// TestTextIgnoresCase: as Dataverse, $filter compares text and $orderby
// sorts it without regard to case (contains and startswith too), and a
// page continues in that order.
func TestTextIgnoresCase(t *testing.T) {
	f := serve(t, fixtureOptions{})
	accounts(f) // Alpha, Beta, Gamma Co, O'Brien, delta_50%
	for filter, want := range map[string][]string{
		"name eq 'alpha'":           {"Alpha"},
		"name eq 'ALPHA'":           {"Alpha"},
		"name ne 'alpha'":           {"Beta", "Gamma Co", "O'Brien", "delta_50%"},
		"name gt 'c'":               {"Gamma Co", "O'Brien", "delta_50%"},
		"contains(name, 'GAMMA')":   {"Gamma Co"},
		"startswith(name, 'DELTA')": {"delta_50%"},
		"endswith(name, 'co')":      {"Gamma Co"},
		"name eq 'o''brien'":        {"O'Brien"},
		"name eq 'Delta_50%'":       {"delta_50%"},
	} {
		f.wantAccounts(t, filter, want)
	}
	// Sorted without regard to case, page by page.
	var got []string
	next := "accounts?$select=name&$orderby=name"
	for next != "" {
		r := f.do("GET", next, f.admin, nil, "Prefer", "odata.maxpagesize=2").must(t, http.StatusOK)
		for _, row := range r.rows() {
			got = append(got, row["name"].(string))
		}
		next = r.str("@odata.nextLink")
	}
	if want := []string{"Alpha", "Beta", "delta_50%", "Gamma Co", "O'Brien"}; !cmp.Equal(want, got) {
		t.Errorf("$orderby=name, paged: %v, want %v", got, want)
	}
}

// TestPagingLongQuery: a next page's link keeps the client's own query as
// it was written (not escaped again, so no longer), and a query the server
// took is never refused as too long on a later page.
func TestPagingLongQuery(t *testing.T) {
	f := serve(t, fixtureOptions{limits: Limits{MaxQuery: 600}})
	for i := range 5 {
		f.create("accounts", map[string]any{"name": fmt.Sprintf("acct-%d", i)})
	}
	// Quotes and spaces as a client writes them: url.Values would escape
	// each ' as %27 and make the link longer than this query.
	var conds []string
	for i := 0; len(strings.Join(conds, "%20and%20")) < 520; i++ {
		conds = append(conds, fmt.Sprintf("name%%20ne%%20'x%03d'", i))
	}
	query := "$select=name&$filter=" + strings.Join(conds, "%20and%20")
	path, pages, rows := "accounts?"+query, 0, 0
	for path != "" && pages < 10 {
		r := f.do("GET", path, f.admin, nil, "Prefer", "odata.maxpagesize=2").must(t, 200)
		pages++
		rows += len(r.rows())
		path = ""
		if next, ok := r.body["@odata.nextLink"].(string); ok {
			_, q, _ := strings.Cut(next, "?")
			if !strings.HasPrefix(q, query+"&") {
				t.Fatalf("the next link's query is not the client's with a token: %s", q)
			}
			path = "accounts?" + q
		}
	}
	if rows != 5 || pages != 3 {
		t.Errorf("%d rows in %d pages, want 5 in 3", rows, pages)
	}
}

// TestLongRequests: a URL or headers longer than the server takes are
// refused in JSON, as every refusal: a query over Limits.MaxQuery (414)
// however long (beyond 64 KiB Go's server answered 431 in plain text), a
// path over 64 KiB (414), headers over 64 KiB (431).
func TestLongRequests(t *testing.T) {
	f := serve(t, fixtureOptions{})
	terms := make([]string, 3000) // about 110 KiB
	for i := range terms {
		terms[i] = fmt.Sprintf("subject%%20eq%%20'abcdefghij%d'", i)
	}
	for _, c := range []struct {
		path    string
		headers []string
		status  int
	}{
		{"leads?$filter=" + strings.Join(terms[:1000], "%20or%20"), nil, http.StatusRequestURITooLong},
		{"leads?$filter=" + strings.Join(terms, "%20or%20"), nil, http.StatusRequestURITooLong},
		{"leads(" + strings.Repeat("a", 70<<10) + ")", nil, http.StatusRequestURITooLong},
		{"leads", []string{"X-Long", strings.Repeat("a", 70<<10)}, http.StatusRequestHeaderFieldsTooLarge},
	} {
		r := f.do("GET", c.path, f.admin, nil, c.headers...).must(t, c.status)
		if r.errCode() != "TooLarge" {
			t.Errorf("%.40s…: %s", c.path, r.raw)
		}
	}
	// Below the limits, a long request is served.
	f.do("GET", "leads?$filter="+strings.Join(terms[:100], "%20or%20"), f.admin, nil, "X-Long", strings.Repeat("a", 30<<10)).must(t, http.StatusOK)
}

// TestDataverseQueries: Dataverse's whole-query parameters (FetchXML,
// saved and user queries) do not run here: refused, not answered with
// every row.
func TestDataverseQueries(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, q := range []string{"fetchXml=%3Cfetch%2F%3E", "savedQuery=00000000-0000-0000-00aa-000010001001", "userQuery=00000000-0000-0000-0000-000000000001"} {
		r := f.do("GET", "leads?"+q, f.admin, nil).must(t, 400)
		if !strings.Contains(string(r.raw), "not supported") {
			t.Errorf("%s: %s", q, r.raw)
		}
	}
}

// TestEmptyOptions: an empty query option is refused, not answered as if
// it were absent ($filter= with every row).
func TestEmptyOptions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	lead := f.create("leads", map[string]any{"lastname": "Jones", "subject": "Scanners"}, "BPFC-Flow", "none")
	for _, path := range []string{"leads?$filter=", "leads?$select=", "leads?$orderby=%20", "leads?$top=", "leads(" + lead + ")?$select="} {
		if r := f.do("GET", path, f.admin, nil).must(t, 400); !strings.Contains(string(r.raw), "is empty") {
			t.Errorf("%s: %s", path, r.raw)
		}
	}
}

// TestLongFilters: a thousand terms or'ed together (ids, as integrations
// send them) are answered, and conditions nested too deep are a 400 saying
// so — both were a 500 (SQLite's "Expression tree is too large").
func TestLongFilters(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	terms := []string{"name eq 'Alpha'"}
	for i := range 997 {
		terms = append(terms, fmt.Sprintf("name eq 'n%d'", i))
	}
	r := f.do("GET", "accounts?$select=name&$filter="+url.QueryEscape(strings.Join(terms, " or ")), f.admin, nil).must(t, http.StatusOK)
	if rows := r.rows(); len(rows) != 1 || rows[0]["name"] != "Alpha" {
		t.Errorf("998 terms or'ed: %s", r.raw)
	}
	and := []string{"accountid eq " + ids["Alpha"]}
	for range 999 {
		and = append(and, "name ne 'x'")
	}
	if rows := f.do("GET", "accounts?$select=name&$filter="+url.QueryEscape(strings.Join(and, " and ")), f.admin, nil).must(t, http.StatusOK).rows(); len(rows) != 1 {
		t.Errorf("1,000 terms and'ed: %v", rows)
	}
	deep := strings.Repeat("not (", 150) + "name eq 'x'" + strings.Repeat(")", 150)
	r = f.do("GET", "accounts?$filter="+url.QueryEscape(deep), f.admin, nil).must(t, http.StatusBadRequest)
	if !strings.Contains(r.message(), "nest more than") {
		t.Errorf("150 nots: %s", r.raw)
	}
}

// TestFilterEmptyTextWritten: empty text written to a column empties it
// (null), as README says: eq null finds the row, eq with empty text
// does not.
func TestFilterEmptyTextWritten(t *testing.T) {
	f := serve(t, fixtureOptions{})
	f.create("accounts", map[string]any{"name": "Full", "telephone1": "555"})
	f.create("accounts", map[string]any{"name": "Blank", "telephone1": ""})
	for q, want := range map[string][]string{
		"telephone1 eq null": {"Blank"},
		"telephone1 ne null": {"Full"},
		"telephone1 eq ''":   nil,
		"telephone1 ne ''":   {"Blank", "Full"},
	} {
		rows := f.do("GET", "accounts?$select=name&$orderby=name&$filter="+url.PathEscape(q), f.admin, nil).must(t, http.StatusOK).rows()
		var got []string
		for _, r := range rows {
			got = append(got, fmt.Sprint(r["name"]))
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
}

// TestFilterQueryFunctions: Dataverse's In, NotIn, Null and NotNull query
// functions, as its clients write them, their values text read by the
// column's type (numbers, yes/no, ids in any form, times); a value the
// column cannot hold, and a query function bpfc has not, are 400.
func TestFilterQueryFunctions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	const ns = "Microsoft.Dynamics.CRM."
	for filter, want := range map[string][]string{
		ns + "In(PropertyName='name',PropertyValues=['alpha','Beta','nobody'])":                              {"Alpha", "Beta"},
		ns + "NotIn(PropertyName='name',PropertyValues=['Alpha','Beta'])":                                    {"Gamma Co", "O'Brien", "delta_50%"},
		ns + "In(PropertyName='numberofemployees',PropertyValues=['10','30'])":                               {"Alpha", "Gamma Co"},
		ns + "In(PropertyName='revenue',PropertyValues=['1000.5'])":                                          {"Alpha"},
		ns + "NotIn(PropertyName='revenue',PropertyValues=['1000.5'])":                                       {"Beta", "O'Brien", "delta_50%"},
		ns + "In(PropertyName='creditonhold',PropertyValues=['true'])":                                       {"Alpha", "O'Brien"},
		ns + "In(PropertyName='statecode',PropertyValues=['0']) and " + ns + "Null(PropertyName='revenue')":  {"Gamma Co"},
		ns + "NotNull(PropertyName='_parentaccountid_value')":                                                {"O'Brien"},
		ns + "In(PropertyName='parentaccountid',PropertyValues=['{" + strings.ToUpper(ids["Alpha"]) + "}'])": {"O'Brien"},
		ns + "In(PropertyName='createdon',PropertyValues=['2026-01-20T00:00:00Z','2026-01-10T08:00:00Z'])":   {"Alpha", "Beta"},
		"not " + ns + "In(PropertyName='name',PropertyValues=['Alpha']) and startswith(name,'B')":            {"Beta"},
		// A row without a value (Gamma Co's revenue) is in neither In nor
		// NotIn, nor in their negations, as FetchXML's in and not-in.
		"not " + ns + "In(PropertyName='revenue',PropertyValues=['1000.5'])":                              {"Beta", "O'Brien", "delta_50%"},
		"not " + ns + "NotIn(PropertyName='revenue',PropertyValues=['1000.5'])":                           {"Alpha"},
		"not not " + ns + "In(PropertyName='revenue',PropertyValues=['1000.5'])":                          {"Alpha"},
		"not not " + ns + "NotIn(PropertyName='revenue',PropertyValues=['1000.5'])":                       {"Beta", "O'Brien", "delta_50%"},
		"not (" + ns + "In(PropertyName='revenue',PropertyValues=['1000.5']) and startswith(name,'G'))":   {"Alpha", "Beta", "O'Brien", "delta_50%"},
		"not (" + ns + "NotIn(PropertyName='revenue',PropertyValues=['1000.5']) or startswith(name,'G'))": {"Alpha"},
		"not (" + ns + "In(PropertyName='revenue',PropertyValues=['1000.5']) or startswith(name,'A'))":    {"Beta", "O'Brien", "delta_50%"},
	} {
		f.wantAccounts(t, filter, want)
	}
	for filter, want := range map[string]string{
		ns + "In(PropertyName='statecode',PropertyValues=['Active'])":         "statecode is a state column: compare it with its value, 0 (Active), not the label 'Active'",
		ns + "In(PropertyName='numberofemployees',PropertyValues=['ten'])":    "numberofemployees is an integer column: compare it with a number",
		ns + "In(PropertyName='nme',PropertyValues=['x'])":                    `accounts has no property "nme" (did you mean name?)`,
		ns + "LastXDays(PropertyName='createdon',PropertyValue=3)":            "is not a query function bpfc has",
		ns + "In(PropertyName='_parentaccountid_value',PropertyValues=['x'])": "holds ids: compare it with a GUID",
	} {
		r := f.do("GET", "accounts?$select=name&$filter="+url.QueryEscape(filter), f.admin, nil).must(t, http.StatusBadRequest)
		if msg, _ := r.body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, want) {
			t.Errorf("%s: %q, want it to contain %q", filter, msg, want)
		}
	}
	// Metadata's $filter takes comparisons only.
	r := f.do("GET", "EntityDefinitions(LogicalName='account')/Attributes?$select=LogicalName&$filter="+
		url.QueryEscape(ns+"In(PropertyName='LogicalName',PropertyValues=['name'])"), f.admin, nil).must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), "not of metadata") {
		t.Errorf("a query function on metadata: %s", r.raw)
	}
}

// TestNextLinkAsWritten: a page's @odata.nextLink is the client's query as
// written with $skiptoken (and $top) beside it, spelt with its $ as
// Dataverse writes it, so that a client that finds "$skiptoken=" in the
// link finds it; with $expand too, whose answer is made in two steps.
func TestNextLinkAsWritten(t *testing.T) {
	f := serve(t, fixtureOptions{})
	accounts(f)
	for _, query := range []string{
		"$select=name&$filter=revenue%20ne%20null&$orderby=name%20desc",
		"$select=name&$expand=parentaccountid($select=name)&$orderby=name",
		"$expand=parentaccountid&$top=3",
	} {
		r := f.do("GET", "accounts?"+query, f.admin, nil, "Prefer", "odata.maxpagesize=1").must(t, http.StatusOK)
		next := r.str("@odata.nextLink")
		kept := strings.TrimSuffix(query, "&$top=3") // $top is the link's own, what is left of it
		if !strings.HasPrefix(next, f.url+Prefix+"accounts?"+kept+"&") || !strings.Contains(next, "&$skiptoken=") || strings.Contains(next, "%24") {
			t.Errorf("%s: next link %q", query, next)
		}
		if strings.Contains(query, "$top=3") && !strings.HasSuffix(next, "&$top=2") {
			t.Errorf("%s: next link %q, want the $top left", query, next)
		}
		r = f.do("GET", next, f.admin, nil, "Prefer", "odata.maxpagesize=1").must(t, http.StatusOK)
		if n := r.str("@odata.nextLink"); len(r.rows()) != 1 || !strings.HasPrefix(n, f.url+Prefix+"accounts?"+kept+"&") || strings.Count(n, "$skiptoken") != 1 {
			t.Errorf("%s: second page's next link %q", query, n)
		}
	}
}

// TestFilterInOperator: OData's in operator is 400, naming the query
// function In with the request's own property and values, and that
// rewrite, sent as it is, finds the rows.
func TestFilterInOperator(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, name := range []string{"Alpha", "Beta", "Gamma"} {
		f.create("accounts", map[string]any{"name": name})
	}
	r := f.do("GET", "accounts?$select=name&$filter="+url.QueryEscape("name in ('Alpha','Gamma')"), f.admin, nil).must(t, http.StatusBadRequest)
	const rewrite = "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['Alpha','Gamma'])"
	if !strings.Contains(r.message(), rewrite) || !strings.Contains(r.message(), "join eq comparisons with or") {
		t.Fatalf("in: %s", r.raw)
	}
	r = f.do("GET", "accounts?$select=name&$orderby=name&$filter="+url.QueryEscape(rewrite), f.admin, nil).must(t, http.StatusOK)
	if d := cmp.Diff([]string{"Alpha", "Gamma"}, names(r)); d != "" {
		t.Errorf("the rewrite (-want +got):\n%s", d)
	}
}

// TestFilterQuoting: text in double quotes, text never closed and text
// without quotes are 400s that say how OData quotes text, the value
// written as it should be.
func TestFilterQuoting(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for filter, want := range map[string]string{
		`name eq "O'Brien"`:             `text is written in single quotes, 'O''Brien', not double quotes`,
		`contains(name,"Smith")`:        `text is written in single quotes, 'Smith', not double quotes`,
		`name eq 'Smith`:                `the text 'Smith has no closing quote`,
		`name eq Smith`:                 `accounts has no property "Smith"; text is written in single quotes: name eq 'Smith'`,
		`revenue gt 5 or name ne Smith`: `name ne 'Smith'`,
	} {
		r := f.do("GET", "accounts?$filter="+url.QueryEscape(filter), f.admin, nil).must(t, http.StatusBadRequest)
		if !strings.Contains(r.message(), want) {
			t.Errorf("%s: %s, want %q", filter, r.message(), want)
		}
	}
	// A column compared with an unknown one that is not text is no quoting
	// matter.
	if r := f.do("GET", "accounts?$filter="+url.QueryEscape("revenue eq Smith"), f.admin, nil).must(t, http.StatusBadRequest); strings.Contains(r.message(), "quotes") {
		t.Errorf("revenue eq Smith: %s", r.message())
	}
}

// TestFilterSymbols: operators written as other languages write them
// (==, !=, &&, ||) are 400s that name OData's word for each.
func TestFilterSymbols(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for filter, want := range map[string]string{
		"name == 'a'":                   "OData writes == as eq",
		"name != 'a'":                   "OData writes != as ne",
		"name eq 'a' && revenue gt 5":   "OData writes && as and",
		"(name eq 'a' || revenue gt 5)": "OData writes || as or",
	} {
		r := f.do("GET", "accounts?$filter="+url.QueryEscape(filter), f.admin, nil).must(t, http.StatusBadRequest)
		if !strings.Contains(r.message(), want) {
			t.Errorf("%s: %s, want %q", filter, r.message(), want)
		}
	}
}
