package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apparentlymart/go-textseg/v15/textseg"
	"github.com/hashicorp/hcl/v2"
	"golang.org/x/text/width"
)

// diagJSON is the stable JSON shape of one diagnostic.
type diagJSON struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	File     string     `json:"file,omitempty"`
	Range    *rangeJSON `json:"range,omitempty"`
}

type rangeJSON struct {
	Start posJSON `json:"start"`
	End   posJSON `json:"end"`
}

type posJSON struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// diagsJSON converts diagnostics to their JSON shape, with file names as shown to the user.
func diagsJSON(dir string, diags hcl.Diagnostics) []diagJSON {
	out := []diagJSON{}
	for _, d := range diags {
		j := diagJSON{Severity: severity(d), Summary: d.Summary, Detail: d.Detail}
		if d.Subject != nil {
			j.File = displayPath(dir, d.Subject.Filename)
			j.Range = &rangeJSON{
				Start: posJSON{d.Subject.Start.Line, d.Subject.Start.Column, d.Subject.Start.Byte},
				End:   posJSON{d.Subject.End.Line, d.Subject.End.Column, d.Subject.End.Byte},
			}
		}
		out = append(out, j)
	}
	return out
}

func severity(d *hcl.Diagnostic) string {
	if d.Severity == hcl.DiagWarning {
		return "warning"
	}
	return "error"
}

// displayPath shows a project-relative file name relative to where bpfc runs.
func displayPath(dir, name string) string {
	if name == "" || dir == "" || dir == "." || filepath.IsAbs(name) {
		return name
	}
	return filepath.ToSlash(filepath.Join(dir, name))
}

// writeDiagnostics renders diagnostics for people: FILE:LINE:COL: severity:
// summary, the source line with a caret under the range, then the detail.
func writeDiagnostics(w io.Writer, dir string, files map[string]*hcl.File, diags hcl.Diagnostics) {
	for _, d := range diags {
		if d.Subject == nil {
			fmt.Fprintf(w, "%s: %s\n", severity(d), d.Summary)
		} else {
			s := d.Subject
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", displayPath(dir, s.Filename), s.Start.Line, s.Start.Column, severity(d), d.Summary)
			if f := files[s.Filename]; f != nil {
				writeSnippet(w, f.Bytes, *s)
			}
		}
		if d.Detail != "" {
			for _, line := range strings.Split(d.Detail, "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
		}
		fmt.Fprintln(w)
	}
}

func writeSnippet(w io.Writer, src []byte, r hcl.Range) {
	lineStart := 0 // the line's offset in src
	for n := 1; lineStart < len(src); n++ {
		text := src[lineStart:]
		next := len(src)
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			text, next = text[:i], lineStart+i+1
		}
		if n != r.Start.Line {
			lineStart = next
			continue
		}
		text = bytes.TrimSuffix(text, []byte("\r"))
		text, r = maskPasswords(text, lineStart, r)
		clusters, cell := displayLine(text)
		num := fmt.Sprintf("%d", n)
		from := cellAt(clusters, cell, lineStart, len(text), r.Start)
		width := 1
		if r.End.Line == r.Start.Line && r.End.Column > r.Start.Column {
			width = max(cellAt(clusters, cell, lineStart, len(text), r.End)-from, 1)
		}
		line, from, width := clipLine(clusters, from, width)
		fmt.Fprintf(w, "  %s | %s\n", num, line)
		fmt.Fprintf(w, "  %s | %s%s\n", strings.Repeat(" ", len(num)), strings.Repeat(" ", from), strings.Repeat("^", width))
		return
	}
}

// cellAt is the cell (from 0) of a shown line where pos starts. The byte
// offset says where, when pos has one on this line: hcl counts a column per
// grapheme cluster of each token and per byte between tokens, so a mark
// after a quote (a token of its own) or a check that counts bytes gives
// columns that the line's own clusters do not. A range built without
// bytes (offset 0 past the first column) falls back to its column.
func cellAt(clusters []shownCluster, cell, lineStart, lineLen int, pos hcl.Pos) int {
	off := pos.Byte - lineStart
	if off < 0 || off > lineLen || off == 0 && pos.Column > 1 {
		i := max(pos.Column-1, 0)
		if i < len(clusters) {
			return clusters[i].start
		}
		return cell + i - len(clusters) // past the end: one cell a column
	}
	for _, c := range clusters {
		if off < c.to {
			return c.start // within a cluster: where it starts
		}
	}
	return cell
}

// A shown source line is at most maxSnippetCells cells wide, and keeps
// snippetContext cells before the range when it is cut.
const (
	maxSnippetCells = 120
	snippetContext  = 20
)

// clipLine cuts a shown line wider than maxSnippetCells (a value of
// thousands of characters, a file written on one line) to the cells around
// the range, marking each cut with "…", and moves the caret (from, width in
// cells) with it: the whole line, and a caret line as long, buried the
// diagnostic under screens of text.
func clipLine(clusters []shownCluster, from, width int) (string, int, int) {
	cell := 0
	if len(clusters) > 0 {
		cell = clusters[len(clusters)-1].end
	}
	if cell <= maxSnippetCells {
		var b strings.Builder
		for _, c := range clusters {
			b.WriteString(c.text)
		}
		return b.String(), from, width
	}
	ws := max(from-snippetContext, 0)
	we := ws + maxSnippetCells
	if we > cell {
		we = cell
		ws = max(we-maxSnippetCells, 0)
	}
	var b strings.Builder
	shown := 0 // cells written
	caret := from
	if ws > 0 {
		b.WriteString("…")
		shown = 1
	}
	first := true
	for _, c := range clusters {
		if c.start < ws || c.end > we {
			continue
		}
		if first {
			caret = from - c.start + shown
			first = false
		}
		b.WriteString(c.text)
	}
	if first { // the range is past the line's end
		caret = from - ws + shown
	}
	if we < cell {
		b.WriteString("…")
	}
	return b.String(), caret, max(min(width, we-from), 1)
}

// tabStop is the distance in cells between tab stops in a shown source line.
const tabStop = 4

// shownCluster is a grapheme cluster of a source line as it is shown (a
// tab as spaces, a control character as the replacement character) and the
// cells it takes, start to end.
type shownCluster struct {
	text       string
	start, end int // cells
	to         int // the byte offset in the line after it
}

// displayLine is a source line as a terminal shows it, cluster by cluster,
// and the cells it takes.
// hcl counts columns in grapheme clusters (a letter with its accents, an
// emoji with its modifiers: one column), a terminal in cells: a Chinese
// character or an emoji takes two, a tab up to the next tab stop. Tabs are
// expanded to spaces, so the caret line needs no tabs of its own; control
// characters and bytes that are no UTF-8 (a binary file named .hcl) are one
// replacement character each, and so is a lone format character (a
// zero-width joiner or space, a direction mark); a lone combining mark (after
// a tab, say) stands on a dotted circle: the terminal shows the line as it
// is, each column in the cells counted for it, the caret where it points. The clusters are the source's: the shown text cut
// into clusters again would join a mark after a tab to the tab's last space.
func displayLine(src []byte) ([]shownCluster, int) {
	var clusters []shownCluster
	cell := 0
	for at := 0; at < len(src); {
		n, cluster, _ := textseg.ScanGraphemeClusters(src[at:], true)
		if n == 0 {
			break
		}
		at += n
		c := shownCluster{start: cell, to: at}
		r, _ := utf8.DecodeRune(cluster)
		switch {
		case r == '\t':
			w := tabStop - cell%tabStop
			c.text = strings.Repeat(" ", w)
			cell += w
		case r == utf8.RuneError || unicode.IsControl(r) || !utf8.Valid(cluster):
			c.text = string(unicode.ReplacementChar)
			cell++
		case !hasBase(cluster) && unicode.In(r, unicode.Mn, unicode.Me):
			// A mark with no letter of its own (after a tab, a control, the
			// line's start): hcl counts it as a column, a terminal would draw
			// it on the cell before in no cell at all, and the caret would
			// land a cell off. Shown on a dotted circle, as Unicode shows a
			// lone mark, it takes the one cell it is counted for.
			c.text = "\u25CC" + string(cluster)
			cell++
		case !hasBase(cluster):
			// A lone format character (a zero-width joiner or space, a
			// direction override) is invisible, or reorders the line: shown
			// as a control character is.
			c.text = string(unicode.ReplacementChar)
			cell++
		default:
			c.text = string(cluster)
			cell += cellWidth(cluster)
		}
		c.end = cell
		clusters = append(clusters, c)
	}
	return clusters, cell
}

// hasBase reports whether a grapheme cluster has a character a terminal
// draws in a cell of its own: not only combining marks and format
// characters (zero-width joiners and spaces, direction marks).
func hasBase(cluster []byte) bool {
	for _, r := range string(cluster) {
		if !unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) {
			return true
		}
	}
	return false
}

// cellWidth is how many terminal cells a grapheme cluster takes: two for an
// East Asian wide or fullwidth character, an emoji drawn as a picture (wide,
// or with the emoji variation selector U+FE0F) and a flag (regional
// indicators), one for anything else.
func cellWidth(cluster []byte) int {
	for _, r := range string(cluster) {
		if r == '\uFE0F' || r >= 0x1F1E6 && r <= 0x1F1FF {
			return 2
		}
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			return 2
		}
	}
	return 1
}

// summaryLine counts errors and warnings.
func summaryLine(diags hcl.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	return
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
