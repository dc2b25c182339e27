package unpack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/bpfc/bpfc/compiler"
)

// What an archive does not keep, and so a round trip cannot give back
// (each is listed so that any other difference fails the test):
//   - a flow's owner (no Dataverse field holds it);
//   - names not derivable from what the archive keeps: workflow step names
//     (workflow XAML has no step ids), and the names of flows, stages, steps,
//     workflows and roles that none of their labels, columns or unique name
//     suggest (their ids are checked against candidates, see names.go);
//   - the order columns were declared in (Entity.xml lists them sorted) and
//     the order of a role's grants (privileges are sorted);
//   - the display names of external tables (the solution does not carry
//     them), which their <table>id columns take.
//
// Lookup targets are kept: every declared lookup has its relationship
// (Other/Relationships, <EntityRelationships>), so they must come back.
type lossy struct {
	workflows []string // workflow names not recovered
	steps     []string // flow.stage.step names not recovered
}

func TestRoundTripExamples(t *testing.T) {
	root := repoRoot(t)
	for _, tc := range []struct {
		dir  string
		want lossy
	}{
		{filepath.Join(root, "examples", "sales"), lossy{workflows: []string{"celebrate_deal", "notify_deal_desk"}}},
		{filepath.Join(root, "examples", "claims"), lossy{
			workflows: []string{"await_documents", "flag_suspicious_claim"},
			steps: []string{"claims_policy_renewal.bind.new_end_date", "claims_policy_renewal.review.current_premium",
				"claims_site_inspection.inspect.visit_date"},
		}},
		{filepath.Join("testdata", "everything"), lossy{
			steps: []string{"lead_to_project.fast_close.fast_notes"},
		}},
	} {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			orig := loadProject(t, tc.dir)
			res := buildProject(t, orig)
			for _, in := range []string{res.Unmanaged, res.Managed, res.TreeDir} {
				t.Run(filepath.Base(in), func(t *testing.T) {
					got, _ := mustRead(t, in)

					// The project unpack returns is what its HCL loads as.
					written, dir := writeAndLoad(t, got)
					if written.Digest() != got.Digest() {
						t.Errorf("the written HCL loads with digest %s, Read returned %s", written.Digest(), got.Digest())
					}
					checkFormatted(t, dir)

					// The same digest as the original, once what an archive
					// cannot keep is set aside — and exactly that.
					o := loadProject(t, tc.dir)
					lost := normalize(o, got)
					if diff := gocmp.Diff(tc.want, lost, gocmp.AllowUnexported(lossy{})); diff != "" {
						t.Errorf("not recovered (-want +got):\n%s", diff)
					}
					if o.Digest() != got.Digest() {
						t.Errorf("digest %s, want %s; model diff:\n%s", got.Digest(), o.Digest(), modelDiff(t, o, got))
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

// normalize sets aside, in o (the original), what an archive does not keep,
// taking got's value, and reports the names it had to take.
func normalize(o, got *compiler.Project) lossy {
	var lost lossy
	for _, f := range o.Flows {
		f.Owner = ""
	}
	// Workflows, matched by display name.
	gotWF := map[string]string{}
	for _, w := range got.Workflows {
		gotWF[w.DisplayName] = w.Name
	}
	rename := map[string]string{}
	for _, w := range o.Workflows {
		if n, ok := gotWF[w.DisplayName]; ok && n != w.Name {
			lost.workflows = append(lost.workflows, w.Name)
			rename[w.Name] = n
		}
	}
	re := func(refs []*compiler.WorkflowRef) {
		for _, r := range refs {
			if n, ok := rename[r.Name]; ok {
				r.Name = n
			}
		}
	}
	for _, w := range o.Workflows {
		if n, ok := rename[w.Name]; ok {
			w.Name = n
		}
		for _, st := range w.Steps {
			if n, ok := rename[st.Workflow]; ok {
				st.Workflow = n
			}
		}
		if gw := got.Workflow(w.Name); gw != nil && len(gw.Steps) == len(w.Steps) {
			for i, st := range w.Steps {
				st.Name = gw.Steps[i].Name
			}
		}
	}
	sort.Slice(o.Workflows, func(i, j int) bool { return o.Workflows[i].Name < o.Workflows[j].Name })
	for _, f := range o.Flows {
		re(f.OnFinish)
		re(f.OnAbandon)
		gf := got.Flow(f.Name)
		for i, s := range f.Stages {
			re(s.OnEnter)
			re(s.OnExit)
			for _, st := range s.Steps {
				if n, ok := rename[st.Workflow]; ok {
					st.Workflow = n
				}
			}
			if gf == nil || i >= len(gf.Stages) || gf.Stages[i].Name != s.Name || len(gf.Stages[i].Steps) != len(s.Steps) {
				continue
			}
			for j, st := range s.Steps {
				if n := gf.Stages[i].Steps[j].Name; n != st.Name {
					lost.steps = append(lost.steps, f.Name+"."+s.Name+"."+st.Name)
					st.Name = n
				}
			}
		}
	}
	sort.Strings(lost.steps)
	// Declaration order of columns and grants.
	for _, p := range []*compiler.Project{o, got} {
		for _, t := range p.Tables {
			sort.SliceStable(t.Columns, func(i, j int) bool {
				a, b := t.Columns[i], t.Columns[j]
				if a.Standard != b.Standard {
					return a.Standard
				}
				return !a.Standard && a.Name < b.Name
			})
		}
		for _, r := range p.Roles {
			sort.SliceStable(r.Grants, func(i, j int) bool { return r.Grants[i].Flow < r.Grants[j].Flow })
		}
	}
	// Display names of external tables.
	for _, t := range o.Tables {
		if gt := got.Table(t.Name); gt != nil && t.External && gt.External {
			t.DisplayName = gt.DisplayName
			if c, gc := t.Column(t.Name+"id"), gt.Column(t.Name+"id"); c != nil && gc != nil && c.Standard {
				c.DisplayName = gc.DisplayName
			}
		}
	}
	return lost
}

// modelDiff shows where two projects' canonical models differ.
func modelDiff(t *testing.T, a, b *compiler.Project) string {
	t.Helper()
	pretty := func(p *compiler.Project) string {
		raw, err := compiler.EncodeModel(p)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
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
