package solution

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// The digest lives in package compiler (digest.go); it is tested here,
// where the build that records it lives.

func TestDigestIgnoresSourcePositions(t *testing.T) {
	a, b := testProject(), testProject()
	b.Dir = "/elsewhere"
	b.Files = map[string]*hcl.File{"x.hcl": {}}
	b.Flows[1].DeclRange = hcl.Range{Filename: "other.hcl", Start: hcl.Pos{Line: 9}}
	b.Flows[1].Attrs = compiler.Ranges{"order": {Filename: "other.hcl"}}
	b.Roles[0].Grants[0].Depth = "organization" // the default, written out
	b.Environments = []*compiler.Environment{{Name: "prod", Managed: true}}
	b.Policy = &compiler.Policy{RequireOwner: true}
	if a.Digest() != b.Digest() {
		t.Error("digest changed with source positions, explicit defaults, environments or policy")
	}
	if d := a.Digest(); !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		t.Errorf("digest %q", d)
	}
}

func TestDigestSeesSemanticChanges(t *testing.T) {
	base := testProject().Digest()
	for name, change := range map[string]func(p *compiler.Project){
		"stage order": func(p *compiler.Project) {
			s := p.Flows[1].Stages
			s[1], s[2] = s[2], s[1]
		},
		"condition operator": func(p *compiler.Project) { p.Flows[1].Stages[1].Branches[0].When.(*compiler.Binary).Op = compiler.OpGe },
		"branch target":      func(p *compiler.Project) { p.Flows[1].Stages[1].Branches[0].Next = "qualify" },
		"variable default":   func(p *compiler.Project) { p.Variables[0].Default = cty.NumberIntVal(50001) },
		"json default":       func(p *compiler.Project) { p.Variables[1].Default = cty.StringVal(`{"a":"x<y","b":1}`) },
		"display name":       func(p *compiler.Project) { p.Flows[0].DisplayName = "Claims" },
		"required":           func(p *compiler.Project) { p.Flows[1].Stages[0].Steps[0].Required = false },
		"role depth":         func(p *compiler.Project) { p.Roles[0].Grants[1].Depth = "business_unit" },
		"privileges":         func(p *compiler.Project) { p.Roles[0].Grants[1].Privileges = []string{"read", "write"} },
		"version":            func(p *compiler.Project) { p.Solution.VersionNums[3] = 1 },
		"publisher prefix":   func(p *compiler.Project) { p.Solution.Publisher.Prefix = "ctz" },
		"column type":        func(p *compiler.Project) { p.Tables[1].Columns[0].Type = compiler.TypeMemo },
		"workflow step value": func(p *compiler.Project) {
			p.Workflows[0].Steps[0].Values["description"] = &compiler.Literal{Value: cty.StringVal("x")}
		},
		"workflow mode": func(p *compiler.Project) { p.Workflows[0].Mode = compiler.ModeRealtime },
		"flow active":   func(p *compiler.Project) { p.Flows[0].Active = false },
	} {
		p := testProject()
		change(p)
		if p.Digest() == base {
			t.Errorf("%s: digest unchanged", name)
		}
	}
}

// TestDigestIgnoresReformatting loads the example project, then a copy with
// comments, blank lines and re-indentation added and two files merged into
// one: same digest. A one-character semantic edit changes it.
func TestDigestIgnoresReformatting(t *testing.T) {
	orig := loadExample(t)
	src := "../examples/sales"
	copyTo := func(edit func(rel, text string) string) string {
		dir := t.TempDir()
		err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".hcl") {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out := edit(filepath.ToSlash(rel), string(b))
			if out == "" {
				return nil
			}
			os.MkdirAll(filepath.Join(dir, filepath.Dir(rel)), 0o755)
			return os.WriteFile(filepath.Join(dir, rel), []byte(out), 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	load := func(dir string) *compiler.Project {
		p, diags := compiler.Load(dir)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", dir, diags)
		}
		return p
	}
	variables, _ := os.ReadFile(filepath.Join(src, "variables.hcl"))
	reformatted := copyTo(func(rel, text string) string {
		if rel == "variables.hcl" {
			return "" // moved into roles.hcl below
		}
		var b strings.Builder
		b.WriteString("# reformatted copy\n\n")
		for _, line := range strings.Split(text, "\n") {
			b.WriteString("  " + strings.TrimLeft(line, " ") + "\n\n")
		}
		if rel == "roles.hcl" {
			b.WriteString("\n" + string(variables))
		}
		return b.String()
	})
	if got, want := load(reformatted).Digest(), orig.Digest(); got != want {
		t.Errorf("reformatting changed the digest: %s != %s", got, want)
	}
	edited := copyTo(func(rel, text string) string {
		return strings.Replace(text, "default      = 50000", "default      = 50001", 1)
	})
	if load(edited).Digest() == orig.Digest() {
		t.Error("changing a default kept the digest")
	}
}

// TestDigestJSONTextIsItsValue: a json default written as the JSON text an
// object encodes to ships the same definition as the object, so it is the
// same build; other text (spaced) is a different definition.
func TestDigestJSONTextIsItsValue(t *testing.T) {
	digest := func(def string) string {
		t.Helper()
		dir := t.TempDir()
		src := `solution "S" {
  version = "1.0.0.0"
  publisher "p" {
    prefix = "cts"
  }
}
variable "routing" {
  type    = "json"
  default = ` + def + `
}
`
		if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		p, diags := compiler.Load(dir)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return p.Digest()
	}
	object := digest(`{ queue = "<sales>", weights = [1, 2.5] }`)
	if text := digest(`"{\"queue\":\"<sales>\",\"weights\":[1,2.5]}"`); text != object {
		t.Errorf("JSON text of the object: digest %s, the object's %s", text, object)
	}
	if spaced := digest(`"{ \"queue\": \"<sales>\", \"weights\": [1, 2.5] }"`); spaced == object {
		t.Error("spaced JSON text, which ships other text, has the object's digest")
	}
}
