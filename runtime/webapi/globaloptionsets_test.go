package webapi

import (
	"net/url"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
)

// TestGlobalOptionSetDefinitions: bpfc has no global choices, so the
// list is empty (its query options still checked) and one by name or id
// is a 404 that points at the column whose own option set it names, or
// at how to read a column's.
func TestGlobalOptionSetDefinitions(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("GET", "GlobalOptionSetDefinitions", f.admin, nil).must(t, 200)
	if v, ok := r.body["value"].([]any); !ok || len(v) != 0 || !strings.HasSuffix(r.str("@odata.context"), "$metadata#GlobalOptionSetDefinitions") {
		t.Errorf("GlobalOptionSetDefinitions: %s", r.raw)
	}
	r = f.do("GET", "GlobalOptionSetDefinitions?$select=Name,DisplayName&$filter="+url.QueryEscape("Name eq 'x' or IsGlobal eq true"), f.admin, nil).must(t, 200)
	if len(r.rows()) != 0 || !strings.HasSuffix(r.str("@odata.context"), "#GlobalOptionSetDefinitions(Name,DisplayName)") {
		t.Errorf("with $select and $filter: %s", r.raw)
	}
	r = f.do("GET", "GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata?$select=Name", f.admin, nil).must(t, 200)
	if len(r.rows()) != 0 || !strings.Contains(r.str("@odata.context"), "#GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata(Name)") {
		t.Errorf("cast: %s", r.raw)
	}
	// A cast selects its type's own properties: an option set's Options, a
	// yes/no one's TrueOption and FalseOption.
	r = f.do("GET", "GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata?$select=Name,Options", f.admin, nil).must(t, 200)
	if len(r.rows()) != 0 || !strings.Contains(r.str("@odata.context"), "#GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata(Name,Options)") {
		t.Errorf("cast with Options: %s", r.raw)
	}
	f.do("GET", "GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.BooleanOptionSetMetadata?$select=TrueOption,FalseOption", f.admin, nil).must(t, 200)
	for path, want := range map[string]string{
		"GlobalOptionSetDefinitions?$select=Options":                                                  "on type 'Microsoft.Dynamics.CRM.OptionSetMetadataBase'",
		"GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata?$select=TrueOption":      "on type 'Microsoft.Dynamics.CRM.OptionSetMetadata'",
		"GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.BooleanOptionSetMetadata?$select=Optons":   "on type 'Microsoft.Dynamics.CRM.BooleanOptionSetMetadata'",
		"GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata?$filter=Options eq null": "on type 'Microsoft.Dynamics.CRM.OptionSetMetadataBase'",
	} {
		r := f.do("GET", strings.ReplaceAll(path, " ", "%20"), f.admin, nil).must(t, 400)
		if msg := errMessage(r); !strings.Contains(msg, want) {
			t.Errorf("GET %s: %q, want it to say %q", path, msg, want)
		}
	}

	// One: a column's own option set, by its name or id, names the column.
	toColumn := "its choice columns are local, each with its own option set, read as its column's OptionSet: GET " + Prefix +
		"EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='budgetstatus')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet"
	for _, key := range []string{"Name='lead_budgetstatus'", compiler.ID("optionsetmetadata", "lead", "budgetstatus")} {
		r = f.do("GET", "GlobalOptionSetDefinitions("+key+")", f.admin, nil).must(t, 404)
		if msg := errMessage(r); !strings.Contains(msg, toColumn) {
			t.Errorf("GlobalOptionSetDefinitions(%s): %q", key, msg)
		}
	}
	r = f.do("GET", "GlobalOptionSetDefinitions(Name='lead_decisionmaker')/Microsoft.Dynamics.CRM.BooleanOptionSetMetadata", f.admin, nil).must(t, 404)
	if msg := errMessage(r); !strings.Contains(msg, "Attributes(LogicalName='decisionmaker')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$expand=OptionSet") {
		t.Errorf("a yes/no column's option set: %q", msg)
	}
	r = f.do("GET", "GlobalOptionSetDefinitions(Name='nosuch')", f.admin, nil).must(t, 404)
	if msg := errMessage(r); !strings.Contains(msg, "bpfc has no global choice nosuch: its choice columns are local") ||
		!strings.Contains(msg, "Attributes(LogicalName='<column>')") {
		t.Errorf("an unknown option set: %q", msg)
	}

	// Errors.
	for path, want := range map[string]string{
		"GlobalOptionSetDefinitions?$select=Nme":                                   "Could not find a property named 'Nme' on type 'Microsoft.Dynamics.CRM.OptionSetMetadataBase' (did you mean Name?)",
		"GlobalOptionSetDefinitions?$filter=" + url.QueryEscape("IsGlobl eq true"): "(did you mean IsGlobal?)",
		"GlobalOptionSetDefinitions?$filter=" + url.QueryEscape("Name eq"):         "$filter at position",
		"GlobalOptionSetDefinitions?$expand=Options":                               "takes $select and $filter only, not $expand",
		"GlobalOptionSetDefinitions?$select=":                                      "query option $select is empty",
		"GlobalOptionSetDefinitions(Label='x')":                                    "write GlobalOptionSetDefinitions(Name='<option set>')",
	} {
		r := f.do("GET", path, f.admin, nil).must(t, 400)
		if msg := errMessage(r); !strings.Contains(msg, want) {
			t.Errorf("GET %s: %q, want it to say %q", path, msg, want)
		}
	}
	// Parameters that are no query options are ignored, as elsewhere.
	f.do("GET", "GlobalOptionSetDefinitions?tag=", f.admin, nil).must(t, 200)
	f.do("GET", "GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.Nosuch", f.admin, nil).must(t, 501)
	f.do("GET", "GlobalOptionSetDefinitions", "", nil).must(t, 401)
}

// TestGlobalOptionSetCastTakesTheAlias: GlobalOptionSetDefinitions/
// mscrm.OptionSetMetadata is the cast with the full namespace, context
// and all, as $metadata's alias lets a client write it.
func TestGlobalOptionSetCastTakesTheAlias(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("GET", "GlobalOptionSetDefinitions/mscrm.OptionSetMetadata?$select=Name,Options", f.admin, nil).must(t, 200)
	if len(r.rows()) != 0 || !strings.Contains(r.str("@odata.context"), "#GlobalOptionSetDefinitions/Microsoft.Dynamics.CRM.OptionSetMetadata(Name,Options)") {
		t.Errorf("mscrm.OptionSetMetadata: %s", r.raw)
	}
	f.do("GET", "GlobalOptionSetDefinitions/mscrm.BooleanOptionSetMetadata?$select=TrueOption", f.admin, nil).must(t, 200)
	f.do("GET", "GlobalOptionSetDefinitions/mscrm.OptionSetMetadata?$select=TrueOption", f.admin, nil).must(t, 400)
	f.do("GET", "GlobalOptionSetDefinitions/other.OptionSetMetadata", f.admin, nil).must(t, 501)
}
