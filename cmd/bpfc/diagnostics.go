package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
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
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 10*1024*1024)
	for n := 1; sc.Scan(); n++ {
		if n != r.Start.Line {
			continue
		}
		// Tabs as spaces; control characters and bytes that are no UTF-8
		// (a binary file named .hcl) as one replacement character each:
		// the terminal shows the line as it is, the caret where it points.
		line := strings.Map(func(r rune) rune {
			switch {
			case r == '\t':
				return ' '
			case unicode.IsControl(r):
				return unicode.ReplacementChar
			}
			return r
		}, strings.ToValidUTF8(sc.Text(), "\uFFFD"))
		num := fmt.Sprintf("%d", n)
		fmt.Fprintf(w, "  %s | %s\n", num, line)
		width := 1
		if r.End.Line == r.Start.Line && r.End.Column > r.Start.Column {
			width = r.End.Column - r.Start.Column
		}
		pad := strings.Repeat(" ", max(r.Start.Column-1, 0))
		fmt.Fprintf(w, "  %s | %s%s\n", strings.Repeat(" ", len(num)), pad, strings.Repeat("^", width))
		return
	}
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
