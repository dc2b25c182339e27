package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
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
