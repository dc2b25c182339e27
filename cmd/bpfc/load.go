package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/hashicorp/hcl/v2"
)

// loadValid loads and checks the project, reporting diagnostics; a
// command's JSON document for an invalid project is the diagnostics with
// an error.
func loadValid(g *globals) (*compiler.Project, bool) {
	return loadChecked(g, invalidAsBadRequest)
}

// invalidAsBadRequest is the JSON document of an invalid project for the
// commands other than deploy, promote and release: an error object.
func invalidAsBadRequest(doc *validateResult) {
	doc.Error = &errorDetail{Code: "BadRequest", Message: invalidProject(doc.Errors)}
}

// loadForImport is loadValid for deploy, promote and release, whose
// JSON document for an invalid project is a refused result.
func loadForImport(g *globals) (*compiler.Project, bool) {
	return loadChecked(g, func(doc *validateResult) {
		doc.Result, doc.Message = deploy.Refused, invalidProject(doc.Errors)
	})
}

func invalidProject(errs int) string {
	return "the project is not valid: " + compiler.Plural(errs, "error") + " (bpfc validate lists them)"
}

// loadForRuntime loads the project for a command that works on
// environment env as deployed (run time, serve, history): the sources do
// not matter to it, so errors elsewhere in the project only warn (a
// half-edited flow does not stop the live environment); errors in env's
// block, or no such block, stop it as loadValid does.
func loadForRuntime(g *globals, env string) (*compiler.Project, bool) {
	p, diags, ok := loadProject(g, nil)
	var e *compiler.Environment
	if p != nil {
		e = p.Environment(env)
	}
	if ok || e == nil || slices.ContainsFunc([]*hcl.Diagnostic(diags), func(d *hcl.Diagnostic) bool {
		return d.Severity == hcl.DiagError && (d.Subject == nil || compiler.Within(*d.Subject, e.BlockRange))
	}) {
		return checked(g, p, diags, ok, invalidAsBadRequest)
	}
	errs, _ := summaryLine(diags)
	fmt.Fprintf(g.stderr, "bpfc: warning: the project has %s (bpfc validate lists them); they do not change environment %s as deployed, which this works on\n",
		compiler.Plural(errs, "error"), env)
	return p, true
}

func loadChecked(g *globals, as func(*validateResult)) (*compiler.Project, bool) {
	p, diags, ok := loadProject(g, nil)
	return checked(g, p, diags, ok, as)
}

// checked reports a loaded project's diagnostics: all of them when it has
// errors (as, the JSON document's own fields), else its warnings.
func checked(g *globals, p *compiler.Project, diags hcl.Diagnostics, ok bool, as func(*validateResult)) (*compiler.Project, bool) {
	if !ok {
		reportDiagnosticsAs(g, p, diags, as)
		if g.output == "text" {
			fmt.Fprintln(g.stderr, "bpfc: nothing was done: the project is not valid (fix the errors above; bpfc validate checks it)")
		} else {
			// The document is on stdout; a CI log that keeps only stderr
			// still says why the command failed, as for any other failure.
			errs, _ := summaryLine(diags)
			fmt.Fprintln(g.stderr, "bpfc: nothing was done: "+invalidProject(errs))
		}
		return nil, false
	}
	if g.output == "text" {
		writeDiagnostics(g.stderr, g.dir, projectFiles(p), diags) // warnings only
	}
	return p, true
}

// inputPath finds a file an argument or flag names: as given (from the
// working directory), else in dir, the project's directory (-C), as its
// own files are.
func inputPath(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	if _, err := os.Stat(path); err != nil {
		return filepath.Join(dir, path)
	}
	return path
}
