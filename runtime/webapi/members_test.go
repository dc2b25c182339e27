package webapi

import (
	"strings"
	"testing"
)

// TestBodyErrors: a body an action cannot read is answered in the API's
// words, as Dataverse answers: the member, the type the action's parameter
// takes and what was sent, the member most likely meant; never
// encoding/json's "json: unknown field" or "json: cannot unmarshal".
func TestBodyErrors(t *testing.T) {
	f := serve(t, fixtureOptions{})
	for _, c := range []struct{ action, body, want string }{
		{"bpfc_NextStage", `{"ProcessInstanceId": "x", "Stage": "x"}`,
			`The property 'Stage' does not exist on type 'Microsoft.Dynamics.CRM.bpfc_NextStage'. Send only its parameters: ProcessInstanceId, LinkId`},
		{"bpfc_NextStage", `{"ProcessInstanceId": "x", "LinkIds": "x"}`,
			`The property 'LinkIds' does not exist on type 'Microsoft.Dynamics.CRM.bpfc_NextStage'; did you mean LinkId? Send only its parameters: ProcessInstanceId, LinkId`},
		{"bpfc_ExportSolution", `{"SolutionNam": "x"}`,
			`The property 'SolutionNam' does not exist on type 'Microsoft.Dynamics.CRM.bpfc_ExportSolution'; did you mean SolutionName? Send only its parameters: SolutionName, SummaryOnly`},
		{"ImportSolution", `{"CustomizationFile": "", "Setings": {}}`,
			`The property 'Setings' does not exist on type 'Microsoft.Dynamics.CRM.ImportSolution'; did you mean Settings?`},
		{"bpfc_ExportSolution", `{"SolutionName": "x", "SummaryOnly": "yes"}`,
			`the body of bpfc_ExportSolution: SummaryOnly is a string where true or false (Edm.Boolean) is expected`},
		{"bpfc_StartInstance", `{"FlowName": 5}`,
			`the body of bpfc_StartInstance: FlowName is a number where a string (Edm.String) is expected`},
		{"ImportSolution", `{"CustomizationFile": "", "Settings": {"cts_x": 1}}`,
			`the body of ImportSolution: Settings holds a number where a string is expected: Settings maps names to string values, e.g. {\"cts_threshold\": \"5000\"}`},
		{"ImportSolution", `{"CustomizationFile": "", "Settings": ["x"]}`,
			`the body of ImportSolution: Settings is an array where an object of names to string values (mscrm.bpfc_Settings) is expected`},
		{"bpfc_ExportSolution", `[]`,
			`the body of bpfc_ExportSolution is an array, not a JSON object: send its parameters as the members of one JSON object, e.g. {\"SolutionName\": …}`},
		{"bpfc_NextStage", `"not json"`,
			`the body of bpfc_NextStage is a string, not a JSON object`},
		{"bpfc_NextStage", `{"ProcessInstanceId": }`,
			`the body of bpfc_NextStage is not valid JSON (near byte 23: invalid character '}' looking for beginning of value)`},
		{"bpfc_NextStage", ``,
			`the body of bpfc_NextStage is empty: send its parameters as the members of one JSON object, e.g. {\"ProcessInstanceId\": …}`},
		{"bpfc_NextStage", `{"ProcessInstanceId": "x"`,
			`the body of bpfc_NextStage ends before its JSON object does`},
	} {
		r := f.do("POST", c.action, f.admin, c.body).must(t, 400)
		if !strings.Contains(string(r.raw), c.want) || strings.Contains(string(r.raw), "json:") {
			t.Errorf("%s %s:\n got %s\nwant %s", c.action, c.body, r.raw, c.want)
		}
	}
	// A row's body, as much: where its JSON breaks.
	for body, want := range map[string]string{
		`{"subject": "x",}`: `the body is not valid JSON (near byte 16: invalid character '}' looking for beginning of object key string): send a row as one JSON object of its columns`,
		`{"subject": "x"`:   `the body is not valid JSON (it ends before its JSON object does)`,
	} {
		r := f.do("POST", "leads", f.admin, body).must(t, 400)
		if !strings.Contains(string(r.raw), want) {
			t.Errorf("POST leads %s:\n got %s\nwant %s", body, r.raw, want)
		}
	}
}
