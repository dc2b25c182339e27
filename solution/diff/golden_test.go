package diff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/diff")

const testdata = "../../testdata/diff"

// compareVersions compares testdata/diff/v1 with v2, two versions of a small
// project that change a stage, a step's required flag, a condition, a role
// grant and a variable default, add a flow and remove a column.
func compareVersions(t *testing.T) *Report {
	t.Helper()
	o := Options{Dir: testdata}
	old, err := Open("v1", o)
	if err != nil {
		t.Fatal(err)
	}
	new, err := Open("v2", o)
	if err != nil {
		t.Fatal(err)
	}
	if old.From != FromProject || old.Layout != LayoutTree {
		t.Fatalf("v1 opened as %s/%s", old.From, old.Layout)
	}
	r, err := Compare(old, new)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale (go test ./solution/diff -update rewrites it); got:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	r := compareVersions(t)
	for _, format := range Formats {
		var b bytes.Buffer
		if err := r.Write(&b, format); err != nil {
			t.Fatal(err)
		}
		ext := map[string]string{"text": "txt", "markdown": "md", "json": "json"}[format]
		checkGolden(t, "report."+ext, b.Bytes())
	}
}

// TestSemanticChanges states the changes v2 makes, independent of wording.
func TestSemanticChanges(t *testing.T) {
	r := compareVersions(t)
	want := []Change{
		{Kind: "variable", Name: "approval_threshold", Change: Changed, Field: "default", Old: "50000", New: "75000"},
		{Kind: "column", Name: "opportunity.cts_approvalnotes", Change: Removed, Old: "type memo"},
		{Kind: "stage", Name: "deal.develop", Change: Changed, Field: "display_name", Old: "Develop", New: "Develop the Opportunity"},
		{Kind: "step", Name: "deal.qualify.timeframe", Change: Changed, Field: "required", Old: "false", New: "true"},
		{Kind: "branch", Name: "deal.develop to approve", Change: Changed, Field: "when",
			Old: "self.estimatedvalue > var.approval_threshold", New: "self.estimatedvalue >= var.approval_threshold"},
		{Kind: "flow", Name: "quick_deal", Change: Added, New: "primary table lead, 2 stages: qualify, close"},
		{Kind: "grant", Name: "deal_maker.deal", Change: Changed, Field: "privileges", Old: "create, read, write", New: "create, read, write, append"},
		{Kind: "grant", Name: "deal_maker.deal", Change: Changed, Field: "depth", Old: "user", New: "business_unit"},
	}
	for _, w := range want {
		found := false
		for _, c := range r.Changes {
			if c == w {
				found = true
			}
		}
		if !found {
			t.Errorf("missing change %+v", w)
		}
	}
	if !r.Changed || len(r.Files) == 0 {
		t.Errorf("changed = %v with %d files", r.Changed, len(r.Files))
	}
	var doc struct {
		Changed bool              `json:"changed"`
		Changes []json.RawMessage `json:"changes"`
		Files   []struct {
			Path string `json:"path"`
			Diff string `json:"diff"`
		} `json:"files"`
	}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil || !doc.Changed || len(doc.Files) != len(r.Files) {
		t.Errorf("JSON shape: %v %+v", err, doc.Changed)
	}
}

func TestNoChanges(t *testing.T) {
	o := Options{Dir: testdata}
	a, err := Open("v1", o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open("v1", o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Changed || len(r.Changes) != 0 || len(r.Files) != 0 {
		t.Fatalf("a project compared with itself changed: %+v", r)
	}
	var out bytes.Buffer
	if err := r.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "{\n  \"changed\": false,\n  \"changes\": [],\n  \"files\": [],\n  \"not_compared\": []\n}\n"; got != want {
		t.Errorf("JSON of no change: %s", got)
	}
}
