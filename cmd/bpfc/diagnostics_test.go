package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/bpfc/bpfc/compiler"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/text/width"
)

// TestSnippetShowsNoControlCharacters: a source line with control
// characters or bytes that are no UTF-8 (a binary file named .hcl) is shown
// with a replacement character for each, never sent raw to the terminal
// (an escape sequence in a file would have coloured or moved it).
func TestSnippetShowsNoControlCharacters(t *testing.T) {
	var b bytes.Buffer
	src := []byte("x = \"a\x00\x1b[31mRED\xff\"\n")
	writeSnippet(&b, src, hcl.Range{Start: hcl.Pos{Line: 1, Column: 6}, End: hcl.Pos{Line: 1, Column: 7}})
	out := b.String()
	if !utf8.ValidString(out) || strings.IndexFunc(out, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) >= 0 {
		t.Errorf("raw bytes in %q", out)
	}
	if !strings.Contains(out, "1 | x = \"a\uFFFD\uFFFD[31mRED\uFFFD\"") {
		t.Errorf("the line: %q", out)
	}
}

// TestSnippetCaretUnderItsCharacter: the caret sits under the character the
// range starts at when the line before it holds characters a terminal shows
// two cells wide (Chinese, emoji), a letter with a combining accent (one
// column for hcl, one cell) and a tab (expanded in the line shown, so the
// caret line's spaces match it).
func TestSnippetCaretUnderItsCharacter(t *testing.T) {
	src := []byte("\tx = [\"中文\", \"😀\", \"👍🏽\", \"e\u0301\", leed]\n")
	f, diags := hclsyntax.ParseConfig(src, "f.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	attrs, _ := f.Body.JustAttributes()
	elems := attrs["x"].Expr.(*hclsyntax.TupleConsExpr).Exprs
	var b bytes.Buffer
	writeSnippet(&b, src, elems[len(elems)-1].Range())
	// Cells before leed: the tab 4, `x = [` 5, "中文" 6, "😀" 4, "👍🏽" 4,
	// "é" 3 and four ", ".
	want := "  1 |     x = [\"中文\", \"😀\", \"👍🏽\", \"e\u0301\", leed]\n" +
		"    | " + strings.Repeat(" ", 4+5+6+4+4+3+4*2) + "^^^^\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("snippet differs (-want +got):\n%s", diff)
	}
}

// TestSnippetClipsLongLines: a source line wider than a screen (a value of
// thousands of characters, a file on one line) is shown cut around the
// range, marked with "…", with the caret still under the character the range
// starts at: near the line's start, in its middle and at its end.
func TestSnippetClipsLongLines(t *testing.T) {
	long := strings.Repeat("Ü", 3000)
	src := []byte(`x = ["` + long + `", leed, "` + long + `"]` + "\n")
	f, diags := hclsyntax.ParseConfig(src, "f.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	attrs, _ := f.Body.JustAttributes()
	elems := attrs["x"].Expr.(*hclsyntax.TupleConsExpr).Exprs
	for _, tc := range []struct {
		name  string
		rng   hcl.Range
		under string // what the caret line's carets sit under
	}{
		{"start", attrs["x"].NameRange, "x"},
		{"middle", elems[1].Range(), "leed"},
		{"end", hcl.Range{Start: elems[2].Range().End, End: hcl.Pos{Line: 1, Column: elems[2].Range().End.Column + 1}}, "]"},
		{"whole value", elems[0].Range(), `"` + strings.Repeat("Ü", 120-len(`x = [`)-1)}, // up to the cut
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			writeSnippet(&b, src, tc.rng)
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if len(lines) != 2 {
				t.Fatalf("snippet %q", b.String())
			}
			shown := []rune(strings.TrimPrefix(lines[0], "  1 | "))
			carets := strings.TrimPrefix(lines[1], "    | ")
			if len(shown) > 122 || len(carets) > 122 {
				t.Errorf("line of %d and carets of %d cells, want at most 122 (120 and two …)", len(shown), len(carets))
			}
			from := strings.Index(carets, "^")
			if from < 0 || from+utf8.RuneCountInString(tc.under) > len(shown)+1 {
				t.Fatalf("carets %q beyond the line %q", carets, string(shown))
			}
			if got := string(shown[from:min(from+len(strings.TrimLeft(carets, " ")), len(shown))]); got != tc.under {
				t.Errorf("carets under %q, want %q", got, tc.under)
			}
		})
	}
}

// TestSnippetClipsAfterAMarkOnATab: a line cut to the range keeps the caret
// under it when the cut-off part has a combining mark after a tab or a
// control character: the line was cut into clusters again as shown, where
// the mark joins the tab's last space, and the caret landed a cell early.
func TestSnippetClipsAfterAMarkOnATab(t *testing.T) {
	for _, before := range []string{"\t\u0301", "\t\u0301\t\u0301", "\x01\u0301"} {
		src := []byte(before + strings.Repeat("a", 200) + "bad\n")
		col := utf8.RuneCountInString(before) + 201 // hcl's column of "bad": one a rune here
		var b bytes.Buffer
		writeSnippet(&b, src, hcl.Range{Start: hcl.Pos{Line: 1, Column: col}, End: hcl.Pos{Line: 1, Column: col + 3}})
		lines := strings.Split(b.String(), "\n")
		shown := []rune(strings.TrimPrefix(lines[0], "  1 | "))
		carets := strings.TrimPrefix(lines[1], "    | ")
		from := strings.Index(carets, "^")
		if from < 0 || from+3 > len(shown) || string(shown[from:from+3]) != "bad" || strings.Count(carets, "^") != 3 {
			t.Errorf("%q before: carets %q under %q", before, carets, string(shown))
		}
	}
}

// terminalCells is how many cells a terminal gives s, as wcwidth counts
// them: none for a combining mark or a format character (a zero-width
// joiner), two for an East Asian wide character, one for anything else.
func terminalCells(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case width.LookupRune(r).Kind() == width.EastAsianWide:
			n += 2
		default:
			n++
		}
	}
	return n
}

// TestSnippetCaretAfterZeroWidthCharacters: the caret sits under its
// character, as a terminal draws the line, when a tab, a control character
// or the quote before it is followed by a mark or a format character with no
// letter of its own (hcl counts it as a column; a terminal would draw it in
// no cell, on the tab's last space, and the caret landed a cell late), and
// next to wide characters and letters with marks, which stay as they are.
// A mark right after the opening quote is a column of its own for hcl (the
// quote is a token of its own), and one cluster with the quote on the line.
func TestSnippetCaretAfterZeroWidthCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, before, shown string // before: inside the string literal
	}{
		{"mark after a tab", "\t\u0301", "x = [\"  \u25CC\u0301\", leed]"},
		{"two marks after a tab", "\t\u0301\u0308", "x = [\"  \u25CC\u0301\u0308\", leed]"},
		{"joiner after a tab", "\t\u200d", "x = [\"  \uFFFD\", leed]"},
		{"zero-width space after a tab", "\t\u200b", "x = [\"  \uFFFD\", leed]"},
		{"direction override", "a\u202eb", "x = [\"a\uFFFDb\", leed]"},
		{"wide, a tab and a mark", "中\t\u0301", "x = [\"中    \u25CC\u0301\", leed]"},
		{"mark on a letter", "e\u0301\t", "x = [\"e\u0301 \", leed]"},
		{"mark on the quote", "\u0301", "x = [\"\u0301\", leed]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte("x = [\"" + tc.before + "\", leed]\n")
			f, diags := hclsyntax.ParseConfig(src, "f.hcl", hcl.InitialPos)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			attrs, _ := f.Body.JustAttributes()
			elems := attrs["x"].Expr.(*hclsyntax.TupleConsExpr).Exprs
			var b bytes.Buffer
			writeSnippet(&b, src, elems[1].Range())
			lines := strings.Split(b.String(), "\n")
			if got := strings.TrimPrefix(lines[0], "  1 | "); got != tc.shown {
				t.Errorf("shown %q, want %q", got, tc.shown)
			}
			at := strings.Index(tc.shown, "leed")
			want := "    | " + strings.Repeat(" ", terminalCells(tc.shown[:at])) + "^^^^"
			if lines[1] != want {
				t.Errorf("carets\n%q, want\n%q (under leed as a terminal draws %q)", lines[1], want, tc.shown)
			}
		})
	}
}

// TestSnippetCaretAtTooDeep: the nesting error after characters of
// several bytes has its caret under its bracket: the byte offset places it.
func TestSnippetCaretAtTooDeep(t *testing.T) {
	src := []byte("x = " + strings.Repeat("(", 499) + "\n\"中文é\" == ((1" + strings.Repeat(")", 501) + "\n")
	d := compiler.TooDeep(src, "f.hcl")
	if d == nil || d.Subject.Start.Line != 2 {
		t.Fatalf("diagnostic %v, want one on line 2", d)
	}
	var b bytes.Buffer
	writeSnippet(&b, src, *d.Subject)
	// "中文é" == ( takes 12 cells (中 and 文 two each) and 17 bytes; the
	// line is cut at 120 cells.
	want := "  2 | \"中文é\" == ((1" + strings.Repeat(")", 120-14) + "…\n" +
		"    | " + strings.Repeat(" ", 12) + "^\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("snippet differs (-want +got):\n%s", diff)
	}
}

// TestSnippetHidesStorePassword: the line shown under a diagnostic on a
// store attribute (the warning that its URL holds a password) shows the
// password as ***, as all other output does, with the caret still under
// the whole value.
func TestSnippetHidesStorePassword(t *testing.T) {
	src := []byte("environment \"pg\" {\n  store = \"postgres://sam:hunter2@db:5432/x?password=hunter2&sslmode=disable\" # here\n}\n")
	f, diags := hclsyntax.ParseConfig(src, "f.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	attrs, _ := f.Body.(*hclsyntax.Body).Blocks[0].Body.JustAttributes()
	var b bytes.Buffer
	writeSnippet(&b, src, attrs["store"].Expr.Range())
	value := `"postgres://sam:***@db:5432/x?password=***&sslmode=disable"`
	want := "  2 |   store = " + value + " # here\n" +
		"    |           " + strings.Repeat("^", len(value)) + "\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("snippet differs (-want +got):\n%s", diff)
	}
}

// TestSnippetHidesPasswordWithSlashOrAt: a password written with an
// unencoded '/' or '@' (an invalid store, or a host the driver would take
// from it) is hidden whole in the shown line, not only up to that character.
func TestSnippetHidesPasswordWithSlashOrAt(t *testing.T) {
	for pw, want := range map[string]string{
		"pa/ss":   `"postgres://u:***@h:5432/db?sslmode=disable"`,
		"se@cret": `"postgres://u:***@h:5432/db?sslmode=disable"`,
		"x@y/z":   `"postgres://u:***@h:5432/db?sslmode=disable"`,
	} {
		src := []byte("environment \"pg\" {\n  store = \"postgres://u:" + pw + "@h:5432/db?sslmode=disable\"\n}\n")
		f, diags := hclsyntax.ParseConfig(src, "f.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		attrs, _ := f.Body.(*hclsyntax.Body).Blocks[0].Body.JustAttributes()
		var b bytes.Buffer
		writeSnippet(&b, src, attrs["store"].Expr.Range())
		wantOut := "  2 |   store = " + want + "\n" +
			"    |           " + strings.Repeat("^", len(want)) + "\n"
		if diff := cmp.Diff(wantOut, b.String()); diff != "" {
			t.Errorf("%s: snippet differs (-want +got):\n%s", pw, diff)
		}
	}
}
