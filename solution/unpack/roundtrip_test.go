package unpack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
)

// TestRoundTripExamples: unpacking an archive bpfc built, or its unpacked
// tree, gives back a project with the original's digest, with nothing set
// aside. What Dataverse has no field for travels in the bpfc extension of the
// XAML (the names of flows, stages, steps, workflows and workflow steps, a
// flow's owner); what Dataverse does not keep is not meaning, and the digest
// is canonical over it (the order columns and grants are declared in, the
// display names of external tables). Lookup targets come back from the
// relationships every declared lookup has.
func TestRoundTripExamples(t *testing.T) {
	root := repoRoot(t)
	for _, dir := range []string{
		filepath.Join(root, "examples", "sales"),
		filepath.Join(root, "examples", "claims"),
		filepath.Join("testdata", "everything"),
	} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			orig := loadProject(t, dir)
			res := buildProject(t, orig)
			for _, in := range []string{res.Unmanaged, res.Managed, res.TreeDir} {
				t.Run(filepath.Base(in), func(t *testing.T) {
					got, warns := mustRead(t, in)
					for _, w := range warns {
						if strings.Contains(w.Message, "not recovered") {
							t.Errorf("warning: %v", w)
						}
					}

					// The project unpack returns is what its HCL loads as.
					written, dir := writeAndLoad(t, got)
					if written.Digest() != got.Digest() {
						t.Errorf("the written HCL loads with digest %s, Read returned %s", written.Digest(), got.Digest())
					}
					checkFormatted(t, dir)

					// The same digest as the original.
					if orig.Digest() != got.Digest() {
						t.Errorf("digest %s, want %s; model diff:\n%s", got.Digest(), orig.Digest(), modelDiff(t, orig, got))
					}

					// Unpacking what the unpacked project builds changes nothing: a fixpoint.
					again, _ := mustRead(t, buildProject(t, written).Unmanaged)
					if again.Digest() != got.Digest() {
						t.Errorf("second round trip: digest %s, want %s; model diff:\n%s", again.Digest(), got.Digest(), modelDiff(t, got, again))
					}
				})
			}
		})
	}
}

// TestRoundTripWithoutExtension: an archive whose XAML lost the names bpfc
// carries (as an export from Dataverse does: it drops what it ignores) still
// unpacks; names come back from the component ids where a label, column or
// unique name suggests them, and exactly the others are reported and renamed.
// The owner has nowhere else to come from.
func TestRoundTripWithoutExtension(t *testing.T) {
	root := repoRoot(t)
	for _, tc := range []struct {
		dir  string
		lost []string // flow.stage.step or workflow names not recovered
	}{
		{filepath.Join(root, "examples", "sales"), []string{"celebrate_deal", "notify_deal_desk"}},
		{filepath.Join(root, "examples", "claims"), []string{"await_documents",
			"claims_policy_renewal.bind.new_end_date", "claims_policy_renewal.review.current_premium",
			"claims_site_inspection.inspect.visit_date", "flag_suspicious_claim"}},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			orig := loadProject(t, tc.dir)
			tree := buildProject(t, orig).TreeDir
			names := regexp.MustCompile(` bpfc:(Name|Owner)="[^"]*"`)
			xamls, _ := filepath.Glob(filepath.Join(tree, "Workflows", "*.xaml"))
			for _, x := range xamls {
				b, err := os.ReadFile(x)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(x, names.ReplaceAll(b, nil), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, warns := mustRead(t, tree)
			have := componentNames(got)
			var lost []string
			for _, n := range componentNames(orig) {
				if !slices.Contains(have, n) {
					lost = append(lost, n)
				}
			}
			if diff := gocmp.Diff(tc.lost, lost); diff != "" {
				t.Errorf("names not recovered (-want +got):\n%s", diff)
			}
			reported := 0
			for _, w := range warns {
				if strings.Contains(w.Message, "not recovered") {
					reported++
				}
			}
			if reported != len(tc.lost) {
				t.Errorf("%d names reported as not recovered, want %d", reported, len(tc.lost))
			}
			for _, f := range got.Flows {
				if f.Owner != "" {
					t.Errorf("flow %s: owner %q from nowhere", f.Name, f.Owner)
				}
			}
		})
	}
}

// componentNames lists the names of a project's workflows and of its flows'
// stages and steps (flow.stage.step), sorted.
func componentNames(p *compiler.Project) []string {
	var out []string
	for _, w := range p.Workflows {
		out = append(out, w.Name)
	}
	for _, f := range p.Flows {
		for _, s := range f.Stages {
			out = append(out, f.Name+"."+s.Name)
			for _, st := range s.Steps {
				out = append(out, f.Name+"."+s.Name+"."+st.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestDigestCanonical: what Dataverse does not keep does not enter the digest
// (the order of columns and grants, external tables' display names); the
// order of stages and steps does.
func TestDigestCanonical(t *testing.T) {
	dir := filepath.Join("testdata", "everything")
	base := loadProject(t, dir).Digest()
	p := loadProject(t, dir)
	var ext *compiler.Table
	for _, tb := range p.Tables {
		slices.Reverse(tb.Columns)
		if tb.External {
			ext = tb
		}
	}
	for _, r := range p.Roles {
		slices.Reverse(r.Grants)
	}
	if ext == nil {
		t.Fatal("the everything project has no external table")
	}
	ext.DisplayName = "Vendor"
	ext.Column(ext.PrimaryKey).DisplayName = "Vendor"
	if got := p.Digest(); got != base {
		t.Errorf("digest changed with column and grant order or an external display name: %s, want %s", got, base)
	}
	p = loadProject(t, dir)
	steps := p.Flows[0].Stages[0].Steps
	if len(steps) < 2 {
		t.Fatal("want a stage with two steps")
	}
	steps[0], steps[1] = steps[1], steps[0]
	if p.Digest() == base {
		t.Error("digest unchanged when steps were reordered")
	}
}

// TestRoundTripDeterministic: the same archive always gives the same files.
func TestRoundTripDeterministic(t *testing.T) {
	orig := loadProject(t, filepath.Join(repoRoot(t), "examples", "sales"))
	res := buildProject(t, orig)
	var first map[string][]byte
	for range 3 {
		p, _ := mustRead(t, res.Unmanaged)
		files, err := Render(p)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = files
			continue
		}
		if diff := gocmp.Diff(first, files); diff != "" {
			t.Fatalf("render differs between runs:\n%s", diff)
		}
	}
	want := []string{"bpfc.hcl", "flows/lead_to_opportunity.hcl", "flows/opportunity_sales.hcl", "flows/phone_call_triage.hcl",
		"flows/phone_to_case.hcl", "flows/strategic_deal.hcl", "roles.hcl", "tables.hcl", "workflows.hcl"}
	var got []string
	for n := range first {
		got = append(got, n)
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
}

// checkFormatted asserts every file is as `bpfc fmt` writes it.
func checkFormatted(t *testing.T, dir string) {
	t.Helper()
	files, err := compiler.ProjectFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if formatted := hclFormat(b); !bytes.Equal(formatted, b) {
			t.Errorf("%s is not in canonical form:\n%s", f, gocmp.Diff(string(b), string(formatted)))
		}
	}
}

// modelDiff shows where two projects' models differ, with columns and grants
// sorted as the digest sorts them.
func modelDiff(t *testing.T, a, b *compiler.Project) string {
	t.Helper()
	pretty := func(p *compiler.Project) string {
		raw, err := compiler.EncodeModel(p)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		sortBy := func(list any, k string) {
			l, _ := list.([]any)
			sort.SliceStable(l, func(i, j int) bool {
				return fmt.Sprint(l[i].(map[string]any)[k]) < fmt.Sprint(l[j].(map[string]any)[k])
			})
		}
		// A project may have no tables or roles (null in the model).
		tables, _ := v["tables"].([]any)
		roles, _ := v["roles"].([]any)
		for _, tb := range tables {
			sortBy(tb.(map[string]any)["columns"], "name")
		}
		for _, r := range roles {
			sortBy(r.(map[string]any)["grants"], "flow")
		}
		out, _ := json.MarshalIndent(v, "", " ")
		return string(out)
	}
	d := gocmp.Diff(pretty(a), pretty(b))
	if len(d) > 6000 {
		d = d[:6000] + "\n…"
	}
	return strings.TrimSpace(fmt.Sprint(d))
}
