package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

// Report is the result of comparing two builds. Its JSON form is stable:
//
//	{"changed": bool, "changes": [Change...], "files": [FileDiff...],
//	 "not_compared": ["old: …", "new: …"]}
//
// changed is true when there is any semantic change or any file differs;
// changes, files and not_compared are never null. not_compared are what
// reading an archive could not express in the model (a variable of a
// type bpfc has not, a name it spells otherwise, …), which the semantic
// changes therefore cannot show; the files' diff does.
type Report struct {
	Old         string     `json:"-"` // the old side's label
	New         string     `json:"-"` // the new side's label
	Changed     bool       `json:"changed"`
	Changes     []Change   `json:"changes"`
	Files       []FileDiff `json:"files"`
	NotCompared []string   `json:"not_compared"`
	// FilesNotCompared says why the files were not compared (an unpacked
	// folder that does not pack, beside an archive); "" when they were.
	FilesNotCompared string `json:"files_not_compared,omitempty"`
}

// Compare compares two sides: their models (Semantic) and their files
// (Files). When one side is an archive and the other a tree, the tree is
// packed so that archive entries are compared with archive entries.
func Compare(old, new *Side) (*Report, error) {
	of, nf := old.Files, new.Files
	var unpacked []string
	for _, s := range []*Side{old, new} {
		if old.Layout != new.Layout && s.packErr != nil {
			unpacked = append(unpacked, fmt.Sprintf("%s does not pack into an archive to compare with the other side's (%v)", s.Label, s.packErr))
		}
	}
	if unpacked != nil {
		of, nf = nil, nil // the models are still compared
	} else if old.Layout != new.Layout {
		var err error
		if of, err = old.archiveFiles(); err != nil {
			return nil, err
		}
		if nf, err = new.archiveFiles(); err != nil {
			return nil, err
		}
	}
	changes := append(Semantic(old.Project, new.Project), identities(old.Files, new.Files)...)
	if new.Project != nil {
		changes = append(changes, packaging(new.Project.Solution.Name, old.Files, new.Files)...)
	}
	r := &Report{Old: old.Label, New: new.Label, Changes: changes, Files: Files(of, nf)}
	if old.source() && new.source() {
		r.Changes = append(r.Changes, Environments(old.Project, new.Project)...)
	}
	if r.Changes == nil {
		r.Changes = []Change{}
	}
	if r.Files == nil {
		r.Files = []FileDiff{}
	}
	r.FilesNotCompared = strings.Join(unpacked, "; ")
	r.NotCompared = []string{}
	for _, w := range old.Warnings {
		r.NotCompared = append(r.NotCompared, "old: "+w)
	}
	for _, w := range new.Warnings {
		r.NotCompared = append(r.NotCompared, "new: "+w)
	}
	r.Changed = len(r.Changes) > 0 || len(r.Files) > 0
	return r, nil
}

// Output formats of Write.
var Formats = []string{"text", "markdown", "json"}

// Write writes the report in one of Formats.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "text":
		return r.WriteText(w)
	case "markdown":
		return r.WriteMarkdown(w)
	case "json":
		return r.WriteJSON(w)
	}
	return fmt.Errorf("unknown diff format %q (want text, markdown or json)", format)
}

// WriteJSON writes the report's JSON form: two-space indent, no HTML
// escaping, a final newline.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Sections group changes for people, in the order Semantic finds them.
var sections = []struct {
	title string
	kinds []string
}{
	{"Solution", []string{"solution", "publisher"}},
	{"Variables", []string{"variable"}},
	{"Tables", []string{"table", "column"}},
	{"Flows", []string{"flow", "stage", "step", "branch"}},
	{"Roles", []string{"role", "grant"}},
	{"Workflows", []string{"workflow", "workflow_step"}},
	{"Environments", []string{"environment"}},
}

type section struct {
	title   string
	changes []Change
}

func (r *Report) sections() []section {
	var out []section
	for _, s := range sections {
		var cs []Change
		for _, c := range r.Changes {
			for _, k := range s.kinds {
				if c.Kind == k {
					cs = append(cs, c)
				}
			}
		}
		if len(cs) > 0 {
			out = append(out, section{s.title, cs})
		}
	}
	return out
}

// kindWord is how a kind reads in a sentence.
func kindWord(kind string) string { return strings.ReplaceAll(kind, "_", " ") }

// WriteText writes the report for a terminal or a log: the semantic
// changes by section, one per line, then the XML diff of every changed file.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Comparing %s with %s\n", r.Old, r.New)
	if !r.Changed && r.FilesNotCompared == "" {
		b.WriteString("\nNo changes.\n")
		// What was not compared may be a change no model shows (a
		// revision's label compared on one line).
		if len(r.NotCompared) > 0 {
			b.WriteString("\nNot compared (bpfc does not express them):\n")
			for _, w := range r.NotCompared {
				b.WriteString("  " + w + "\n")
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	switch {
	case len(r.Changes) == 0 && r.FilesNotCompared != "":
		b.WriteString("\nNo semantic changes in what bpfc expresses; the files were not compared (below).\n")
	case len(r.Changes) == 0 && len(r.NotCompared) > 0:
		fmt.Fprintf(&b, "\nNo semantic changes in what bpfc expresses; it does not express %s (listed below), and the XML diff shows what else differs.\n",
			compiler.Plural(len(r.NotCompared), "thing"))
	case len(r.Changes) == 0:
		b.WriteString("\nNo semantic changes.\n")
	default:
		fmt.Fprintf(&b, "\n%s:\n", capitalize(compiler.Plural(len(r.Changes), "change")))
	}
	for _, s := range r.sections() {
		fmt.Fprintf(&b, "\n%s\n", s.title)
		for _, c := range s.changes {
			fmt.Fprintf(&b, "  %-8s %s %s", c.Change, kindWord(c.Kind), c.Name)
			switch c.Change {
			case Added:
				appendSummary(&b, c.New)
			case Removed:
				appendSummary(&b, c.Old)
			default:
				fmt.Fprintf(&b, ": %s %s → %s", fieldWord(c.Kind, c.Field), textValue(c.Field, c.Old), textValue(c.Field, c.New))
			}
			b.WriteString("\n")
		}
	}
	if len(r.NotCompared) > 0 {
		b.WriteString("\nNot compared (bpfc does not express them):\n")
		for _, w := range r.NotCompared {
			b.WriteString("  " + w + "\n")
		}
	}
	if len(r.Files) > 0 {
		fmt.Fprintf(&b, "\nXML diff (%s):\n\n", compiler.Plural(len(r.Files), "file"))
		for _, f := range r.Files {
			b.WriteString(f.Diff)
		}
	} else if r.FilesNotCompared != "" {
		fmt.Fprintf(&b, "\nThe files were not compared: %s.\n", r.FilesNotCompared)
	} else {
		b.WriteString("\nThe generated XML is the same.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func appendSummary(b *strings.Builder, s string) {
	if s != "" {
		b.WriteString(": " + s)
	}
}

// fieldWord is how a field reads: "display name", "on enter". A column a
// workflow step sets and an environment's variable value keep their names.
func fieldWord(kind, f string) string {
	switch {
	case kind == "workflow_step" && !slices.Contains([]string{"kind", "when", "create_table", "workflow"}, f),
		kind == "environment" && strings.HasPrefix(f, "values."):
		return f
	}
	return strings.ReplaceAll(f, "_", " ")
}

// textValue shows a value in text output: "(none)" for no value, prose
// (display names, descriptions) quoted so that its words stay together.
func textValue(field, v string) string {
	switch {
	case v == "":
		return "(none)"
	case field == "display_name" || field == "description":
		return strconv.Quote(v)
	}
	return v
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
