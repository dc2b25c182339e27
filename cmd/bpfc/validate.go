package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
)

type validateOptions struct {
	dataverse bool
}

func newValidateCmd(g *globals) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Parse and check every definition of the project",
		Long: "validate reads every *.hcl file of the project (-C DIR) and checks the whole of it:\n" +
			"names, references, types, limits and policy. Every problem is printed at once as\n" +
			"FILE:LINE:COL with the source line and a caret; errors exit 1, warnings do not.\n" +
			"--dataverse also warns about every construct real Dataverse could not import as\n" +
			"bpfc means it (written as a bpfc extension, which Dataverse ignores: \"Ignored by\n" +
			"Dataverse\"), or would refuse when it runs (\"Refused by Dataverse\").\n\n" +
			"--output json prints {valid, errors, warnings, diagnostics: [{severity, summary,\n" +
			"detail, file, range: {start, end: {line, column, byte}}}]}.",
		Example: "  bpfc validate\n" +
			"  bpfc validate --dataverse\n" +
			"  bpfc -C examples/sales validate --output json",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runValidate(g, o) },
	}
	cmd.Flags().BoolVar(&o.dataverse, "dataverse", false, "also warn about every construct real Dataverse would ignore or refuse")
	return cmd
}

// validateResult is the JSON shape of `bpfc validate --output json`.
type validateResult struct {
	Valid       bool       `json:"valid"`
	Errors      int        `json:"errors"`
	Warnings    int        `json:"warnings"`
	Diagnostics []diagJSON `json:"diagnostics"`
	// Another command that stops at an invalid project says so in its
	// own shape beside the diagnostics: deploy, promote and release as
	// their result ("refused", the message), the others as an error.
	Result  string       `json:"result,omitempty"`
	Message string       `json:"message,omitempty"`
	Error   *errorDetail `json:"error,omitempty"`
}

// loadProject loads and checks the project, printing diagnostics. It returns
// the project only when there are no errors.
func loadProject(g *globals, extra func(*compiler.Project) hcl.Diagnostics) (*compiler.Project, hcl.Diagnostics, bool) {
	p, diags := compiler.Load(g.dir)
	if extra != nil && p != nil && !diags.HasErrors() {
		diags = append(diags, extra(p)...)
		compiler.SortDiagnostics(diags)
	}
	if diags.HasErrors() {
		if root := enclosingProject(g.dir); root != "" {
			// Likely run from a subdirectory (flows/): say where the
			// project is, before the errors reading part of it gave.
			diags = append(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Not the project's directory",
				Detail: fmt.Sprintf("%s has no %s: it is inside the project at %s (run bpfc there, or with -C %s).",
					g.dir, compiler.ProjectFile, root, root)}}, diags...)
		}
	}
	return p, diags, !diags.HasErrors()
}

// enclosingProject is the nearest directory above dir that holds a
// bpfc.hcl, when dir itself has none ("" otherwise), as a path relative
// to dir (../..).
func enclosingProject(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, compiler.ProjectFile)); err == nil {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	rel := ""
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		rel = filepath.Join(rel, "..")
		if _, err := os.Stat(filepath.Join(d, compiler.ProjectFile)); err == nil {
			return filepath.Join(dir, rel)
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func runValidate(g *globals, o *validateOptions) error {
	var extra func(*compiler.Project) hcl.Diagnostics
	if o.dataverse {
		extra = dataverseDiagnostics
	}
	p, diags, ok := loadProject(g, extra)
	reportDiagnostics(g, p, diags)
	if !ok {
		return failed()
	}
	if g.output == "text" {
		_, warns := summaryLine(diags)
		fmt.Fprintf(g.stdout, "The project is valid: %s, %s used, %s, %s (%s).\n",
			compiler.Plural(len(p.Flows), "flow"), compiler.Plural(len(p.UsedTables()), "table"), compiler.Plural(len(p.Workflows), "workflow"),
			compiler.Plural(len(p.Roles), "role"), compiler.Plural(warns, "warning"))
		if o.dataverse {
			return nil
		}
		ext, refused := 0, 0
		for _, w := range emit.DataverseWarnings(p) {
			if w.Refused {
				refused++
			} else {
				ext++
			}
		}
		if ext > 0 {
			// bpfc runs them; real Dataverse imports them and skips them
			// (a branch on a variable never matches there), which is what
			// --dataverse's "Ignored by Dataverse" says of each.
			note := "1 construct is a bpfc extension, which real Dataverse ignores: bpfc validate --dataverse lists it"
			if ext > 1 {
				note = fmt.Sprintf("%d constructs are bpfc extensions, which real Dataverse ignores: bpfc validate --dataverse lists them", ext)
			}
			fmt.Fprintf(g.stdout, "Note: %s.\n", note)
		}
		if refused > 0 {
			// bpfc runs them; real Dataverse would refuse them when they
			// run (a SetState to a case's Resolved state).
			fmt.Fprintf(g.stdout, "Note: %s would run in bpfc but fail in real Dataverse: bpfc validate --dataverse lists them.\n",
				compiler.Plural(refused, "construct"))
		}
	}
	return nil
}

// reportDiagnostics prints diagnostics: as JSON on stdout (the validate
// shape), or for people on stderr with a count when there are errors.
func reportDiagnostics(g *globals, p *compiler.Project, diags hcl.Diagnostics) {
	reportDiagnosticsAs(g, p, diags, nil)
}

// reportDiagnosticsAs is reportDiagnostics with the JSON document
// completed by as (nil: validate's own).
func reportDiagnosticsAs(g *globals, p *compiler.Project, diags hcl.Diagnostics, as func(*validateResult)) {
	errs, warns := summaryLine(diags)
	if g.output == "json" {
		doc := validateResult{Valid: errs == 0, Errors: errs, Warnings: warns, Diagnostics: diagsJSON(g.dir, diags)}
		if as != nil {
			as(&doc)
		}
		_ = writeJSON(g.stdout, doc)
		return
	}
	writeDiagnostics(g.stderr, g.dir, projectFiles(p), diags)
	if errs > 0 {
		fmt.Fprintf(g.stderr, "%s, %s.\n", compiler.Plural(errs, "error"), compiler.Plural(warns, "warning"))
	}
}

func projectFiles(p *compiler.Project) map[string]*hcl.File {
	if p == nil {
		return nil
	}
	return p.Files
}

// usedTables counts the tables a project declares: custom, external, or
// standard with added columns (what an unpacked solution holds).
func usedTables(p *compiler.Project) int {
	n := 0
	for _, t := range p.Tables {
		if !t.Standard || t.Extended {
			n++
		}
	}
	return n
}

// dataverseDiagnostics turns the emitter's Dataverse warnings into diagnostics.
func dataverseDiagnostics(p *compiler.Project) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, w := range emit.DataverseWarnings(p) {
		r := w.Range
		// Dataverse imports the construct and skips it (mc:Ignorable): it
		// is ignored there, not a reason for the import to fail.
		summary := "Ignored by Dataverse"
		if w.Refused {
			summary = "Refused by Dataverse"
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: w.Message, Subject: &r})
	}
	return diags
}
