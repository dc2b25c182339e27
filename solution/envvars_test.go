package solution

import (
	"archive/zip"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// TestCurrentValues reads the current values an archive ships: a real
// export's file, the list form, a byte order mark; anything else is an
// error naming the file.
func TestCurrentValues(t *testing.T) {
	real, err := os.ReadFile(conformancePath(t,
		"powercat-business-approvals-kit/BusinessApprovalKit/SolutionPackage/src/environmentvariabledefinitions/cat_ApprovalKitOrgUrl/environmentvariablevalues.json"))
	if err != nil {
		t.Fatal(err)
	}
	zipOf := func(files map[string]string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for n, s := range files {
			w, _ := zw.Create(n)
			w.Write([]byte(s))
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	got, err := CurrentValues(zipOf(map[string]string{
		"solution.xml": "<ImportExportXml/>",
		"environmentvariabledefinitions/cat_ApprovalKitOrgUrl/environmentvariablevalues.json":    string(real),
		"environmentvariabledefinitions/cat_ApprovalKitOrgUrl/environmentvariabledefinition.xml": "<environmentvariabledefinition/>",
		"EnvironmentVariableDefinitions/cat_List/environmentvariablevalues.json":                 "\ufeff" + `{"environmentvariablevalues":{"environmentvariablevalue":[{"value":"[1,2]"}]}}`,
		"environmentvariabledefinitions/cat_Empty/environmentvariablevalues.json":                `{"environmentvariablevalues":{"environmentvariablevalue":{"value":""}}}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cat_ApprovalKitOrgUrl": "orgc08dc7f0.crm.dynamics.com", "cat_List": "[1,2]", "cat_Empty": ""}
	if len(got) != len(want) {
		t.Errorf("CurrentValues = %q, want %q", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	for body, wantErr := range map[string]string{
		`{"environmentvariablevalues":`: "not the JSON of a current value",
		`{"environmentvariablevalues":{"environmentvariablevalue":[{"value":"a"},{"value":"b"}]}}`: "must hold one environmentvariablevalue",
		`{"environmentvariablevalues":{"environmentvariablevalue":{"iscustomizable":"1"}}}`:        "has no value",
		`{}`: "must hold one environmentvariablevalue",
	} {
		_, err := CurrentValues(zipOf(map[string]string{"environmentvariabledefinitions/x_v/environmentvariablevalues.json": body}))
		if err == nil || !strings.Contains(err.Error(), wantErr) || !strings.Contains(err.Error(), "x_v/environmentvariablevalues.json") {
			t.Errorf("%s: err = %v, want %q naming the file", body, err, wantErr)
		}
	}
	if _, err := CurrentValues([]byte("PK no zip")); err == nil {
		t.Error("not a zip: no error")
	}
}

// TestVariableRequired: isrequired is 1 where bpfc's deploy asks for a
// value — no default, or an empty one — unless the variable is optional.
func TestVariableRequired(t *testing.T) {
	for _, tc := range []struct {
		v    compiler.Variable
		want string
	}{
		{compiler.Variable{SchemaName: "a_x", Type: compiler.VarString}, "1"},
		{compiler.Variable{SchemaName: "a_x", Type: compiler.VarString, Default: cty.StringVal("")}, "1"},
		{compiler.Variable{SchemaName: "a_x", Type: compiler.VarString, Default: cty.StringVal("v")}, "0"},
		{compiler.Variable{SchemaName: "a_x", Type: compiler.VarNumber, Default: cty.NumberIntVal(0)}, "0"},
		{compiler.Variable{SchemaName: "a_x", Type: compiler.VarString, Optional: true}, "0"},
		{compiler.Variable{SchemaName: "a_x", Type: compiler.VarSecret}, "1"},
	} {
		doc, err := VariableXML(&tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if got := doc.FindElement("//isrequired").Text(); got != tc.want {
			t.Errorf("%+v: isrequired %s, want %s", tc.v, got, tc.want)
		}
	}
}
