package diff

import (
	"fmt"
	"io"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

// maxMarkdownDiff bounds the XML diff in Markdown output, which is meant for
// a pull-request comment (GitHub accepts 65,536 characters per comment).
const maxMarkdownDiff = 50000

// WriteMarkdown writes the report as a pull-request comment: a heading, the
// semantic changes as bullet lists by section, and the XML diff in a
// collapsed <details> block, cut at about 50,000 characters.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### bpfc diff: %s → %s\n\n", code(r.Old), code(r.New))
	if !r.Changed && r.FilesNotCompared == "" {
		b.WriteString("No changes.\n")
		if len(r.NotCompared) > 0 { // as in WriteText
			b.WriteString("\n#### Not compared (bpfc does not express them)\n\n")
			for _, nc := range r.NotCompared {
				b.WriteString("- " + escapeMarkdown(nc) + "\n")
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(r.Changes) == 0 && r.FilesNotCompared != "" {
		b.WriteString("No semantic changes; the files were not compared (below).\n")
	} else if len(r.Changes) == 0 && len(r.NotCompared) > 0 {
		b.WriteString("No semantic changes in what bpfc expresses; the generated XML differs (see also *Not compared*).\n")
	} else if len(r.Changes) == 0 {
		b.WriteString("No semantic changes; the generated XML differs.\n")
	} else {
		fmt.Fprintf(&b, "%s:\n", capitalize(compiler.Plural(len(r.Changes), "change")))
	}
	for _, s := range r.sections() {
		fmt.Fprintf(&b, "\n#### %s\n\n", s.title)
		for _, c := range s.changes {
			fmt.Fprintf(&b, "- **%s** %s %s", c.Change, kindWord(c.Kind), code(c.Name))
			switch c.Change {
			case Added:
				if c.New != "" {
					b.WriteString(": " + escapeMarkdown(c.New))
				}
			case Removed:
				if c.Old != "" {
					b.WriteString(": " + escapeMarkdown(c.Old))
				}
			default:
				fmt.Fprintf(&b, ": %s %s → %s", fieldWord(c.Kind, c.Field), mdValue(c.Old), mdValue(c.New))
			}
			b.WriteString("\n")
		}
	}
	if len(r.NotCompared) > 0 {
		b.WriteString("\n#### Not compared (bpfc does not express them)\n\n")
		for _, nc := range r.NotCompared {
			b.WriteString("- " + escapeMarkdown(nc) + "\n")
		}
	}
	if len(r.Files) == 0 && r.FilesNotCompared != "" {
		fmt.Fprintf(&b, "\nThe files were not compared: %s.\n", escapeMarkdown(r.FilesNotCompared))
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(r.Files) == 0 {
		b.WriteString("\nThe generated XML is the same.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	var body strings.Builder
	var omitted []string
	for _, f := range r.Files {
		if body.Len()+len(f.Diff) > maxMarkdownDiff {
			add, del := lineCounts(f.Diff)
			omitted = append(omitted, fmt.Sprintf("%s (+%d −%d)", code(f.Path), add, del))
			continue
		}
		body.WriteString(f.Diff)
	}
	add, del := 0, 0
	for _, f := range r.Files {
		a, d := lineCounts(f.Diff)
		add, del = add+a, del+d
	}
	fmt.Fprintf(&b, "\n<details>\n<summary>XML diff: %s changed, +%d −%d lines</summary>\n\n", compiler.Plural(len(r.Files), "file"), add, del)
	if body.Len() > 0 {
		fence := strings.Repeat("`", max(3, longestRun(body.String(), '`')+1))
		fmt.Fprintf(&b, "%sdiff\n%s%s\n", fence, body.String(), fence)
	}
	if len(omitted) > 0 {
		fmt.Fprintf(&b, "\nNot shown, too large for a comment (run `bpfc diff` for them): %s.\n", strings.Join(omitted, ", "))
	}
	b.WriteString("\n</details>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// code writes s as inline code, with a longer backtick run when s has backticks.
func code(s string) string {
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return ticks + " " + s + " " + ticks
	}
	return ticks + s + ticks
}

func mdValue(v string) string {
	if v == "" {
		return "*(none)*"
	}
	return code(v)
}

// escapeMarkdown escapes what would turn prose into markup or HTML.
func escapeMarkdown(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "<", `\<`, ">", `\>`, "[", `\[`, "]", `\]`, "|", `\|`)
	return r.Replace(s)
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// lineCounts counts the added and removed lines of a unified diff.
func lineCounts(d string) (add, del int) {
	for _, l := range strings.Split(d, "\n") {
		switch {
		case strings.HasPrefix(l, "+++ ") || strings.HasPrefix(l, "--- "):
		case strings.HasPrefix(l, "+"):
			add++
		case strings.HasPrefix(l, "-"):
			del++
		}
	}
	return add, del
}
