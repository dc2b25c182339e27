package webapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFilterUnquotedGUID: ids in $filter are written unquoted, as
// Dataverse writes them, on keys and lookups (any case); quoted ids keep
// working; an unquoted GUID against a column that holds no ids is refused.
func TestFilterUnquotedGUID(t *testing.T) {
	f := serve(t, fixtureOptions{})
	ids := accounts(f)
	alpha := ids["Alpha"]
	for filter, want := range map[string][]string{
		"accountid eq " + alpha:                                            {"Alpha"},
		"accountid eq " + strings.ToUpper(alpha):                           {"Alpha"},
		"accountid eq '" + alpha + "'":                                     {"Alpha"},
		"accountid ne " + alpha + " and creditonhold eq true":              {"O'Brien"},
		"_parentaccountid_value eq " + alpha:                               {"O'Brien"},
		"parentaccountid eq " + alpha:                                      {"O'Brien"},
		alpha + " eq _parentaccountid_value":                               {"O'Brien"},
		"_parentaccountid_value eq " + ids["Beta"]:                         {},
		"(accountid eq " + alpha + " or accountid eq " + ids["Beta"] + ")": {"Alpha", "Beta"},
	} {
		r := f.do("GET", "accounts?$select=name&$filter="+url.QueryEscape(filter), f.admin, nil)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d %s", filter, r.status, r.raw)
			continue
		}
		if d := cmp.Diff(want, names(r)); d != "" {
			t.Errorf("%s (-want +got):\n%s", filter, d)
		}
	}
	for filter, msg := range map[string]string{
		"name eq " + alpha:                   "name is a string column, not an id: compare it with text in quotes, not the GUID " + alpha,
		"numberofemployees eq " + alpha:      "compare it with a number",
		"contains(accountid, " + alpha + ")": "text value",
	} {
		r := f.do("GET", "accounts?$filter="+url.QueryEscape(filter), f.admin, nil)
		if r.status != 400 || r.errCode() != "BadRequest" || !strings.Contains(string(r.raw), msg) {
			t.Errorf("%s: %d %s, want 400 with %q", filter, r.status, r.raw, msg)
		}
	}
}
