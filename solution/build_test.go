package solution

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
	old := time.Now().Add(-2 * staleStaging)
	if err := os.Chtimes(filepath.Join(out, ".bpfc-build-123"), old, old); err != nil {
		t.Fatal(err)
	}
	write(".bpfc-build-456/running", "another build's, now") // not an interrupted one's

	p := testProject()
	res, err := build(p, fakeEmitted(p), out, nil)
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
		if strings.HasPrefix(p, ".bpfc-build-") && p != ".bpfc-build-456/running" {
			t.Errorf("staging left behind: %s", p)
		}
	}
	if _, ok := files[".bpfc-build-456/running"]; !ok {
		t.Error("the staging folder of a build running beside this one was removed")
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
	if _, err := build(p, fakeEmitted(p), out, nil); err != nil {
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

// A solution/ folder that is no build's (no build.json or model.json
// beside it) is refused, not replaced: bpfc build -o . beside a folder of
// one's own sources lost it.
func TestBuildKeepsAForeignSolutionFolder(t *testing.T) {
	out := t.TempDir()
	own := filepath.Join(out, "solution", "flows.hcl")
	os.MkdirAll(filepath.Dir(own), 0o755)
	if err := os.WriteFile(own, []byte("# mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := testProject()
	if _, err := build(p, fakeEmitted(p), out, nil); err == nil || !strings.Contains(err.Error(), "is not the tree of an earlier build") {
		t.Fatalf("build over a foreign solution/: %v", err)
	}
	if b, err := os.ReadFile(own); err != nil || string(b) != "# mine" {
		t.Errorf("the folder's file: %q %v", b, err)
	}
}

// Builds into one folder at once each succeed and leave one whole tree.
func TestConcurrentBuildsLeaveAWholeTree(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	out := t.TempDir()
	p := testProject()
	one := t.TempDir()
	if _, err := build(p, fakeEmitted(p), one, nil); err != nil {
		t.Fatal(err)
	}
	want := readAll(t, one)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() { _, errs[i] = build(p, fakeEmitted(p), out, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("build %d: %v", i, err)
		}
	}
	got := readAll(t, out)
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s is missing after concurrent builds", name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d files, want %d", len(got), len(want))
	}
}

// TestBuildProgress: a build tells its progress hook each step as it
// starts it, in order (the CLI's status line on a terminal).
func TestBuildProgress(t *testing.T) {
	p := testProject()
	out := t.TempDir()
	var steps []string
	if _, err := BuildProgress(p, out, func(s string) { steps = append(steps, s) }); err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("emitting %d flows", len(p.Flows)), "assembling the solution tree",
		"writing the archives", "writing " + out}
	if !slices.Equal(steps, want) {
		t.Errorf("progress steps:\n%q\nwant\n%q", steps, want)
	}
}
