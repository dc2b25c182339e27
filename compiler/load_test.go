package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"golang.org/x/tools/txtar"
)

// baseSolution is added to fixtures that declare no solution of their own.
const baseSolution = `solution "Fixture" {
  version = "1.0.0.0"
  publisher "fixture" {
    prefix = "fx"
  }
}
`

// expectRe matches expectation comments: "# ERROR: Summary" or
// "# WARNING: Summary | text the detail contains"; a line may hold several.
var expectRe = regexp.MustCompile(`#\s*(ERROR|WARNING):\s*([^|#]+?)\s*(?:\|\s*([^#]+?))?\s*(?:#|$)`)

type expectation struct {
	file     string
	line     int
	severity string
	summary  string
	detail   string
}

func (e expectation) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.file, e.line, e.severity, e.summary)
}

// fixtureSources reads a txtar fixture into sources and its expectations.
func fixtureSources(t *testing.T, path string) (map[string][]byte, []expectation) {
	t.Helper()
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[string][]byte{}
	var want []expectation
	hasSolution := false
	for _, f := range ar.Files {
		srcs[f.Name] = f.Data
		if strings.Contains(string(f.Data), "solution \"") {
			hasSolution = true
		}
		for i, line := range strings.Split(string(f.Data), "\n") {
			for rest := line; ; {
				loc := expectRe.FindStringSubmatchIndex(rest)
				if loc == nil {
					break
				}
				m := func(k int) string {
					if loc[2*k] < 0 {
						return ""
					}
					return rest[loc[2*k]:loc[2*k+1]]
				}
				want = append(want, expectation{file: f.Name, line: i + 1, severity: strings.ToLower(m(1)), summary: m(2), detail: m(3)})
				// The next comment starts at the '#' this match may have consumed.
				next := loc[1]
				if strings.HasSuffix(rest[:next], "#") {
					next--
				}
				rest = rest[next:]
			}
		}
	}
	if !hasSolution {
		srcs["zz_solution.hcl"] = []byte(baseSolution)
	}
	return srcs, want
}

// TestFixtures checks every fixture under testdata/compiler: each diagnostic
// must be announced by a comment on the line it starts on, and every comment
// must be matched by a diagnostic.
func TestFixtures(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/compiler/*.txtar")
	if len(paths) == 0 {
		t.Fatal("no fixtures found")
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			srcs, want := fixtureSources(t, path)
			_, diags := compiler.LoadSources(srcs)
			var got []expectation
			details := map[string]string{}
			for _, d := range diags {
				e := expectation{severity: "error", summary: d.Summary}
				if d.Severity == hcl.DiagWarning {
					e.severity = "warning"
				}
				if d.Subject != nil {
					e.file, e.line = d.Subject.Filename, d.Subject.Start.Line
				}
				got = append(got, e)
				details[e.String()] += d.Detail + "\n"
			}
			var wantKeys, gotKeys []string
			for _, w := range want {
				wantKeys = append(wantKeys, w.String())
				if w.detail != "" && !strings.Contains(details[w.String()], w.detail) {
					t.Errorf("%s: detail %q does not contain %q", w, details[w.String()], w.detail)
				}
			}
			for _, g := range got {
				gotKeys = append(gotKeys, g.String())
			}
			sort.Strings(wantKeys)
			sort.Strings(gotKeys)
			if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
				for _, d := range diags {
					t.Logf("%s", d.Error())
				}
				t.Errorf("diagnostics differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExamplesValidate keeps the shipped examples clean.
func TestExamplesValidate(t *testing.T) {
	dirs, _ := filepath.Glob("../examples/*")
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, diags := compiler.Load(dir)
			for _, d := range diags {
				t.Errorf("%s", d.Error())
			}
			if p == nil || len(p.Flows) == 0 {
				t.Fatal("no flows loaded")
			}
		})
	}
	if n == 0 {
		t.Fatal("no examples found")
	}
}

// TestProjectFiles: a project's files are its *.hcl files below it, but
// not those of hidden directories, build outputs (dist/, or another with a
// build.json) or another project (a directory with a bpfc.hcl of its own).
func TestProjectFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"bpfc.hcl", "flows/a.hcl", "flows/notes.txt", ".bpfc/x.hcl", compiler.OutputDir + "/y.hcl",
		"other/bpfc.hcl", "other/flows/b.hcl", "flows/deep/c.hcl", "out/build.json", "out/d.hcl", ".draft.hcl", "flows/.#a.hcl"} {
		path := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := compiler.ProjectFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{".draft.hcl", "bpfc.hcl", "flows/a.hcl", "flows/deep/c.hcl"}, got); diff != "" {
		t.Errorf("ProjectFiles (-want +got):\n%s", diff)
	}
}

// TestPipelineFromFiles: one environment per file, read in name order
// (dev, prod, test), is still the pipeline dev -> test -> prod.
func TestPipelineFromFiles(t *testing.T) {
	p, diags := compiler.LoadSources(map[string][]byte{
		"main.hcl": []byte(baseSolution),
		"dev.hcl":  []byte(`environment "dev" {}`),
		"prod.hcl": []byte("environment \"prod\" {\n  promote_from = \"test\"\n}\n"),
		"test.hcl": []byte("environment \"test\" {\n  promote_from = \"dev\"\n}\n"),
		"qa.hcl":   []byte(`environment "qa" {}`),
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var names []string
	for _, e := range p.Environments {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "dev,test,prod,qa" {
		t.Errorf("pipeline %s, want dev,test,prod,qa", got)
	}
}

// Brackets nested past what hcl's recursive parser survives are refused
// with a diagnostic, not a crash.
func TestDeepNesting(t *testing.T) {
	deep := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    branch {\n      when = " +
		strings.Repeat("(", 100000) + "true" + strings.Repeat(")", 100000) + "\n      next = stage.a\n    }\n  }\n}\n"
	_, diags := compiler.LoadSources(map[string][]byte{"deep.hcl": []byte(deep)})
	if !diags.HasErrors() || diags[0].Summary != "Too deeply nested" || diags[0].Subject.Start.Line != 5 {
		t.Errorf("deep nesting: %v", diags)
	}
	// A run of prefix operators nests as deep.
	// Within brackets, lines and comments between them do not end the run
	// (the parser reads past them, and overflowed its stack).
	for _, op := range []string{"!", "-", "! ", "(!\n", "(- /* */"} {
		open, close := "", ""
		if o, rest, ok := strings.Cut(op, "("); ok && o == "" {
			op, open, close = rest, "(", ")"
		}
		src := "variable \"v\" {\n  default = " + open + strings.Repeat(op, 400000) + "true" + close + "\n}\n"
		if _, diags := compiler.LoadSources(map[string][]byte{"ops.hcl": []byte(src)}); !diags.HasErrors() || diags[0].Summary != "Too deeply nested" {
			t.Errorf("%q × 400000: %v", op, diags)
		}
	}
	// Templates nest: brackets in a string's interpolation, and strings in
	// strings, as deep as the parser recurses (it overflowed its stack).
	for _, v := range []string{
		"\"${" + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000) + "}\"",
		strings.Repeat("\"${", 100000) + "1" + strings.Repeat("}\"", 100000),
	} {
		src := "variable \"v\" {\n  default = " + v + "\n}\n"
		if _, diags := compiler.LoadSources(map[string][]byte{"tmpl.hcl": []byte(src)}); !diags.HasErrors() || diags[0].Summary != "Too deeply nested" {
			t.Errorf("%.10s…: %v", v, diags)
		}
	}
	// Closers with nothing open do not make room for more openers after
	// them (the parser recovers past the first line and recursed on the
	// second until its stack overflowed).
	unmatched := "x = " + strings.Repeat(")", 300000) + "\nvariable \"v\" {\n  default = " + strings.Repeat("(", 300000) + "1\n}\n"
	if _, diags := compiler.LoadSources(map[string][]byte{"closers.hcl": []byte(unmatched)}); !diags.HasErrors() || diags[0].Summary != "Too deeply nested" {
		t.Errorf("closers before openers: %v", diags)
	}
	// Operators before brackets nest with them: 499 "!" before each of 499
	// "(" is no run and no bracket depth past the bound, but the parser is
	// inside every one of them at once (its stack overflowed).
	mixed := []byte("x = " + strings.Repeat(strings.Repeat("!", 499)+"(", 499) + "true" + strings.Repeat(")", 499) + "\n")
	if d := compiler.TooDeep(mixed, "mixed.hcl"); d == nil || !strings.Contains(d.Detail, "operators before them") {
		t.Errorf("operators before brackets: %v", d)
	}
	// A few of them, as real conditions have, are not.
	few := []byte("x = " + strings.Repeat("!(a && -(", 100) + "1" + strings.Repeat("))", 100) + "\n")
	if d := compiler.TooDeep(few, "few.hcl"); d != nil {
		t.Errorf("100 levels of !( and -(: %v", d)
	}
	// What the file declares before the deep line is still known to the
	// others: the only error is the nesting (there was also "Unknown
	// variable" for a variable declared above it).
	src := baseSolution + "variable \"threshold\" {\n  type    = \"number\"\n  default = 1\n}\nenvironment \"dev\" {\n  values = { x = " +
		strings.Repeat("{a=", 3000) + "1" + strings.Repeat("}", 3000) + " }\n}\n"
	flow := "flow \"f\" {\n  primary_table = \"lead\"\n  stage \"a\" {\n    branch {\n      when = self.budgetamount > var.threshold\n      next = stage.b\n    }\n  }\n  stage \"b\" {}\n}\n"
	_, diags = compiler.LoadSources(map[string][]byte{"bpfc.hcl": []byte(src), "flows.hcl": []byte(flow)})
	if len(diags) != 1 || diags[0].Summary != "Too deeply nested" {
		t.Errorf("a deep value in bpfc.hcl: %v", diags)
	}
	// Brackets in strings, heredocs and comments do not count.
	shallow := "# " + strings.Repeat("(", 1000) + "\n/* " + strings.Repeat("(", 1000) + " */\nvariable \"v\" {\n  default = \"" + strings.Repeat("[", 1000) +
		"\"\n  description = <<EOT\n" + strings.Repeat("{", 1000) + "\nEOT\n}\n"
	if _, diags := compiler.LoadSources(map[string][]byte{"ok.hcl": []byte(shallow)}); diags.HasErrors() {
		for _, d := range diags {
			if d.Summary == "Too deeply nested" {
				t.Errorf("brackets in a comment and a string: %v", d)
			}
		}
	}
}

// TestDeepNestingColumn: the nesting error's column is hcl's, as every other
// diagnostic's: a token's characters in grapheme clusters, the spaces
// between tokens in bytes, so FILE:LINE:COL points at the bracket after
// characters of several bytes.
func TestDeepNestingColumn(t *testing.T) {
	deep := strings.Repeat("(", 499)
	for _, c := range []struct {
		line string
		col  int
	}{
		// 中, 文 and é: three clusters of eight bytes in the string token.
		{"\"中文é\" == ((1", 11},
		// e and a combining acute accent: one cluster of three bytes.
		{"\"e\u0301\" == ((1", 9},
		// After a comment token on the line (a block comment of two
		// clusters) and a tab between tokens (one byte, one column).
		{"/*é*/\t((1", 8},
		// A string nests, and so does its interpolation: the "${" after
		// its text is one level too deep.
		{"\"中${((1", 3},
	} {
		src := []byte("x = " + deep + "\n" + c.line + strings.Repeat(")", 501) + "\n")
		d := compiler.TooDeep(src, "f.hcl")
		if d == nil {
			t.Errorf("%q: not too deep", c.line)
			continue
		}
		off := len("x = " + deep + "\n")
		line, want := 2, off+strings.Index(c.line, "((")+1
		if strings.Contains(c.line, "${") {
			want = off + strings.Index(c.line, "${")
		}
		if s := d.Subject.Start; s.Line != line || s.Column != c.col || s.Byte != want || d.Subject.End.Column <= s.Column {
			t.Errorf("%q: at %d:%d (byte %d), want %d:%d (byte %d)", c.line, s.Line, s.Column, s.Byte, line, c.col, want)
		}
	}
}

// Two environments on one SQLite file are an error however the file is
// written: relative or absolute, through a linked directory.
func TestSharedStoreSpellings(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".bpfc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, ".bpfc"), filepath.Join(dir, "link")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	for _, store := range []string{"sqlite://" + filepath.Join(dir, ".bpfc", "dev.db"), "sqlite://link/dev.db", "sqlite://./.bpfc/../.bpfc/dev.db"} {
		src := baseSolution + "environment \"dev\" {}\nenvironment \"test\" {\n  store = \"" + store + "\"\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "bpfc.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		_, diags := compiler.Load(dir)
		found := false
		for _, d := range diags {
			found = found || d.Summary == "Shared store"
		}
		if !found {
			t.Errorf("%s beside dev's default: %v", store, diags)
		}
	}
}

// TestChoiceLabelCaseDigest: a condition that names an option by its label
// in another case builds what the label as written does (the build matches
// it ignoring case), so the digest is the same too.
func TestChoiceLabelCaseDigest(t *testing.T) {
	digest := func(label string) string {
		p, diags := compiler.LoadSources(map[string][]byte{"a.hcl": []byte(baseSolution + `
table "fx_thing" {
  primary_column = "fx_name"
  column "fx_name" { type = "string" }
  column "fx_heat" {
    type    = "choice"
    options = { "Hot" = 1, "Cold" = 2 }
  }
}
flow "f" {
  primary_table = "fx_thing"
  stage "one" {
    step "heat" { column = "fx_heat" }
    branch {
      when = self.fx_heat == "` + label + `"
      next = stage.two
    }
  }
  stage "two" {}
}
`)})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return p.Digest()
	}
	if a, b := digest("Cold"), digest("COLD"); a != b {
		t.Errorf("digest with \"Cold\" %s, with \"COLD\" %s", a, b)
	}
}
