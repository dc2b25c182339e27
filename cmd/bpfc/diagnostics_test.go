package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
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
