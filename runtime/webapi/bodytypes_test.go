package webapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestBodyJSONTypes: a value whose JSON type does not fit its column is
// refused as Dataverse refuses it (a choice's label, "yes" for a yes/no
// column, an amount as a string), naming the column, the type expected,
// what came and what to send; nothing is written. What Dataverse's reader
// converts (a whole number in a string for a choice, "true", an amount as
// a string under IEEE754Compatible=true) is taken.
func TestBodyJSONTypes(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"}, "BPFC-Flow", "none")
	for _, c := range []struct {
		body string
		want string
	}{
		{`{"purchasetimeframe": "this quarter"}`,
			`Cannot convert the literal 'this quarter' to the expected type 'Edm.Int32': purchasetimeframe is a choice: send its value, 1 (This Quarter), not the label`},
		{`{"purchasetimeframe": "soon"}`,
			`Cannot convert the literal 'soon' to the expected type 'Edm.Int32': purchasetimeframe is a choice: send one of its values as a JSON number: 0 (Immediate), 1 (This Quarter), 2 (Next Quarter), 3 (This Year), 4 (Unknown)`},
		{`{"purchasetimeframe": "Next Quater"}`, `4 (Unknown); did you mean 2 (Next Quarter)?`},
		{`{"purchasetimeframe": true}`, `Cannot convert the literal 'true' to the expected type 'Edm.Int32'`},
		{`{"statecode": "Qualified"}`, `statecode is a state: send its value, 1 (Qualified), not the label`},
		{`{"statuscode": "Contacted"}`, `statuscode is a status: send its value, 2 (Contacted), not the label`},
		{`{"decisionmaker": "yes"}`,
			`Cannot convert the literal 'yes' to the expected type 'Edm.Boolean': decisionmaker is yes/no: send true or false`},
		{`{"decisionmaker": 1}`, `Cannot convert the literal '1' to the expected type 'Edm.Boolean'`},
		{`{"numberofemployees": "forty"}`,
			`Cannot convert the literal 'forty' to the expected type 'Edm.Int32': numberofemployees is a whole number: send a JSON number`},
		{`{"budgetamount": "30000"}`,
			`Cannot convert the literal '30000' to the expected type 'Edm.Decimal': budgetamount is money: send a JSON number, 30000 (a string only under Content-Type: application/json; IEEE754Compatible=true)`},
		{`{"budgetamount": 1e400}`, `budgetamount is a money column: \"1e400\" is outside money's range (±922,337,203,685,477)`},
		{`{"numberofemployees": 99999999999999999999}`, `is outside a whole number's range`},
		{`{"budgetamount": false}`, `Cannot convert the literal 'false' to the expected type 'Edm.Decimal'`},
		{`{"subject": 5}`, `Cannot convert the literal '5' to the expected type 'Edm.String': subject is text: send a JSON string, \"5\"`},
		{`{"estimatedclosedate": 20261231}`, `Cannot convert the literal '20261231' to the expected type 'Edm.DateTimeOffset'`},
		{`{"estimatedclosedate": ""}`, `or null to clear it`},
		// A time needs its offset, as Dataverse's reader refuses one without.
		{`{"estimatedclosedate": "2026-12-31T17:00:00"}`,
			`Cannot convert the literal '2026-12-31T17:00:00' to the expected type 'Edm.DateTimeOffset': estimatedclosedate is a date and time: give its offset`},
		{`{"estimatedclosedate": "2026-12-31T17:00"}`, `to the expected type 'Edm.DateTimeOffset'`},
		// A lookup is bound, not given its id as a plain property.
		{`{"parentcontactid": "` + id + `"}`,
			`A primitive value was given for parentcontactid, a lookup (a navigation property): bind it instead, parentcontactid@odata.bind: `},
		{`{"customerid": "` + id + `"}`, `customerid_account@odata.bind or customerid_contact@odata.bind`},
		// The first bad value of the body, as Dataverse answers one error.
		{`{"subject": "ok", "decisionmaker": "no", "purchasetimeframe": "Immediate"}`, `decisionmaker is yes/no`},
	} {
		r := f.do("PATCH", "leads("+id+")", f.admin, c.body).must(t, http.StatusBadRequest)
		if r.errCode() != "BadRequest" || !strings.Contains(r.str("error")+string(r.raw), c.want) {
			t.Errorf("%s: %s, want %q", c.body, r.raw, c.want)
		}
	}
	// A create is refused the same way, and nothing is written.
	r := f.do("POST", "leads", f.admin, `{"lastname": "Jones", "subject": "Desks", "purchasetimeframe": "Immediate"}`).must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), "send its value, 0 (Immediate), not the label") {
		t.Errorf("create: %s", r.raw)
	}
	if rows := f.do("GET", "leads?$filter=lastname%20eq%20'Jones'", f.admin, nil).must(t, 200).rows(); len(rows) != 0 {
		t.Errorf("a refused create wrote %v", rows)
	}
	// An upsert (PATCH of a row not there) too.
	f.do("PATCH", "leads(6d7f3c0e-1b2a-4c5d-9e8f-0a1b2c3d4e5f)", f.admin, `{"lastname": "Jones", "subject": "Desks", "decisionmaker": "yes"}`).
		must(t, http.StatusBadRequest)
	f.do("GET", "leads(6d7f3c0e-1b2a-4c5d-9e8f-0a1b2c3d4e5f)", f.admin, nil).must(t, http.StatusNotFound)
	row := f.do("GET", "leads("+id+")", f.admin, nil).must(t, 200)
	if row.str("@odata.etag") != `W/"1"` || row.body["purchasetimeframe"] != nil || row.body["decisionmaker"] == true {
		t.Errorf("a refused PATCH wrote: %s", row.raw)
	}

	// What Dataverse takes: JSON types, and the strings its reader converts.
	f.do("PATCH", "leads("+id+")", f.admin, `{"purchasetimeframe": 1, "decisionmaker": true, "budgetamount": 30000.25,
		"numberofemployees": 40, "estimatedclosedate": "2026-12-31T17:00:00Z"}`).must(t, http.StatusNoContent)
	f.do("PATCH", "leads("+id+")", f.admin, `{"purchasetimeframe": "2", "decisionmaker": "False", "numberofemployees": " 41 "}`).
		must(t, http.StatusNoContent)
	row = f.do("GET", "leads("+id+")", f.admin, nil).must(t, 200)
	if row.body["purchasetimeframe"] != 2.0 || row.body["decisionmaker"] != false || row.body["numberofemployees"] != 41.0 ||
		row.body["budgetamount"] != 30000.25 {
		t.Errorf("typed values: %s", row.raw)
	}
	// A time without its seconds has them added, as Dataverse's reader
	// adds them (an HTML datetime-local input's value with its offset).
	for in, want := range map[string]string{"2026-12-31T17:05Z": "2026-12-31T17:05:00Z", "2026-12-31T17:05+02:00": "2026-12-31T15:05:00Z",
		"2026-12-31T17:05:09-01:00": "2026-12-31T18:05:09Z", "2026-12-31T17:05z": "2026-12-31T17:05:00Z", "2026-12-30": "2026-12-30T00:00:00Z"} {
		f.do("PATCH", "leads("+id+")", f.admin, `{"estimatedclosedate": "`+in+`"}`).must(t, http.StatusNoContent)
		if got := f.do("GET", "leads("+id+")?$select=estimatedclosedate", f.admin, nil).must(t, 200).str("estimatedclosedate"); got != want {
			t.Errorf("estimatedclosedate %s reads %s, want %s", in, got, want)
		}
	}
	// null clears, whatever the type.
	f.do("PATCH", "leads("+id+")", f.admin, `{"purchasetimeframe": null, "decisionmaker": null, "budgetamount": null}`).must(t, http.StatusNoContent)

	// IEEE754Compatible=true: an amount comes as a string, and only so.
	ieee := "application/json; IEEE754Compatible=true"
	f.do("PATCH", "leads("+id+")", f.admin, `{"budgetamount": "1234.56"}`, "Content-Type", ieee).must(t, http.StatusNoContent)
	if row := f.do("GET", "leads("+id+")?$select=budgetamount", f.admin, nil).must(t, 200); row.body["budgetamount"] != 1234.56 {
		t.Errorf("IEEE754Compatible amount: %s", row.raw)
	}
	r = f.do("PATCH", "leads("+id+")", f.admin, `{"budgetamount": 5}`, "Content-Type", ieee).must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), `budgetamount is money, and the body says IEEE754Compatible=true: send it as a string, \"5\"`) {
		t.Errorf("IEEE754Compatible number: %s", r.raw)
	}
}

// TestBodyJSONTypesInstance: an instance table's columns take the same
// JSON types: statecode and statuscode their values (as numbers, or text
// holding them), not their labels.
func TestBodyJSONTypesInstance(t *testing.T) {
	f := serve(t, fixtureOptions{})
	r := f.do("POST", "leads", f.admin, map[string]any{"lastname": "Smith", "subject": "Printers"}, "BPFC-Flow", "strategic_deal").
		must(t, http.StatusNoContent)
	inst := r.header.Get("BPFC-Instance")
	r = f.do("PATCH", "cts_strategicdeals("+inst+")", f.admin, `{"statecode": "Inactive", "statuscode": "Finished"}`).must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), `Cannot convert the literal 'Inactive' to the expected type 'Edm.Int32': statecode is a state: send its value, 1 (Inactive), not the label`) {
		t.Errorf("state label: %s", r.raw)
	}
	r = f.do("PATCH", "cts_strategicdeals("+inst+")", f.admin, `{"bpf_name": 7}`).must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), `bpf_name is text: send a JSON string, \"7\"`) {
		t.Errorf("name as a number: %s", r.raw)
	}
	if r := f.do("GET", "cts_strategicdeals("+inst+")", f.admin, nil).must(t, http.StatusOK); r.str("@odata.etag") != `W/"1"` {
		t.Errorf("a refused PATCH changed the instance: %s", r.raw)
	}
	f.do("PATCH", "cts_strategicdeals("+inst+")", f.admin, `{"statecode": 1, "statuscode": "3"}`).must(t, http.StatusNoContent)
}

// TestBodyTextValues: BPFC-Values: text (bpfc's own client) has strings
// read as the CLI reads --set values: labels, yes/no, amounts.
func TestBodyTextValues(t *testing.T) {
	f := serve(t, fixtureOptions{})
	id := f.create("leads", map[string]any{"lastname": "Smith", "subject": "Printers"}, "BPFC-Flow", "none")
	f.do("PATCH", "leads("+id+")", f.admin, `{"purchasetimeframe": "this quarter", "decisionmaker": "yes", "budgetamount": "30000"}`,
		"BPFC-Values", "text").must(t, http.StatusNoContent)
	row := f.do("GET", "leads("+id+")", f.admin, nil).must(t, 200)
	if row.body["purchasetimeframe"] != 1.0 || row.body["decisionmaker"] != true || row.body["budgetamount"] != 30000.0 {
		t.Errorf("text values: %s", row.raw)
	}
	// The engine's refusals still hold.
	r := f.do("PATCH", "leads("+id+")", f.admin, `{"decisionmaker": "maybe"}`, "BPFC-Values", "text").must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), "is not yes or no") {
		t.Errorf("text refusal: %s", r.raw)
	}
	r = f.do("PATCH", "leads("+id+")", f.admin, `{"decisionmaker": "yes"}`, "BPFC-Values", "labels").must(t, http.StatusBadRequest)
	if !strings.Contains(string(r.raw), `BPFC-Values: \"labels\" is not a way of reading values`) {
		t.Errorf("unknown BPFC-Values: %s", r.raw)
	}
}
