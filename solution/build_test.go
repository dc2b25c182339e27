package solution

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildRemovesStaleOutputs(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	out := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(out, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("solution/Workflows/Removed-0000.xaml", "<old />")
	write("ContosoSales_1_3_0_0.zip", "old")
	write("ContosoSales_1_3_0_0_managed.zip", "old")
	write("OldName_2_0_0_0.zip", "old")
	write("build.json", `{"solution": "OldName"}`)
	write("Unrelated_1_0_0_0.zip", "not ours")
	write("notes.txt", "not ours")
	write(".bpfc-build-123/leftover", "junk")

	p := testProject()
	res, err := build(p, fakeEmitted(p), out)
	if err != nil {
		t.Fatal(err)
	}
	files := readAll(t, out)
	for _, gone := range []string{"solution/Workflows/Removed-0000.xaml", "ContosoSales_1_3_0_0.zip",
		"ContosoSales_1_3_0_0_managed.zip", "OldName_2_0_0_0.zip", ".bpfc-build-123/leftover"} {
		if _, ok := files[gone]; ok {
			t.Errorf("%s was not removed", gone)
		}
	}
	for _, kept := range []string{"Unrelated_1_0_0_0.zip", "notes.txt", "ContosoSales_1_4_0_0.zip",
		"ContosoSales_1_4_0_0_managed.zip", "schema.json", "build.json", "solution/Other/Solution.xml"} {
		if _, ok := files[kept]; !ok {
			t.Errorf("%s is missing", kept)
		}
	}
	for p := range files {
		if strings.HasPrefix(p, ".bpfc-build-") {
			t.Errorf("staging left behind: %s", p)
		}
	}
	var info BuildInfo
	if err := json.Unmarshal(files["build.json"], &info); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Info, info); diff != "" {
		t.Errorf("build.json differs from Result.Info:\n%s", diff)
	}
	if info.Digest != p.Digest() || !strings.HasPrefix(info.Digest, "sha256:") {
		t.Errorf("digest %q", info.Digest)
	}

	// A second build over the first is a no-op on content.
	before := readAll(t, out)
	if _, err := build(p, fakeEmitted(p), out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, readAll(t, out)); diff != "" {
		t.Errorf("rebuild changed the output:\n%s", diff)
	}
}

func TestBuildInfoComponents(t *testing.T) {
	p := testProject()
	got := Components(p)
	kinds := map[string]int{}
	for i, c := range got {
		kinds[c.Kind]++
		if i > 0 && (got[i-1].Kind > c.Kind || got[i-1].Kind == c.Kind && got[i-1].Name >= c.Name) {
			t.Errorf("not sorted at %d: %v after %v", i, c, got[i-1])
		}
	}
	want := map[string]int{"flow": 2, "stage": 4, "step": 2, "workflow": 1, "role": 1, "variable": 5}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("component kinds (-want +got):\n%s", diff)
	}
}

func TestCreateSettings(t *testing.T) {
	got, err := CreateSettings(testProject())
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "EnvironmentVariables": [
    {
      "SchemaName": "cts_approval_threshold",
      "Value": ""
    },
    {
      "SchemaName": "cts_config",
      "Value": ""
    },
    {
      "SchemaName": "cts_fast_track",
      "Value": ""
    },
    {
      "SchemaName": "cts_folder_service_url",
      "Value": ""
    }
  ],
  "ConnectionReferences": []
}
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	p := testProject()
	p.Variables = nil
	got, _ = CreateSettings(p)
	if want := "{\n  \"EnvironmentVariables\": [],\n  \"ConnectionReferences\": []\n}\n"; string(got) != want {
		t.Errorf("no variables: %q", got)
	}
}
