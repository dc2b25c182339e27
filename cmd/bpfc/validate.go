package main

import (
	"fmt"

	"github.com/bpfc/bpfc/compiler"
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
		Args:  argsUsage(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, args []string) error { return runValidate(g, o) },
	}
	return cmd
}

// validateResult is the JSON shape of `bpfc validate --output json`.
type validateResult struct {
	Valid       bool       `json:"valid"`
	Errors      int        `json:"errors"`
	Warnings    int        `json:"warnings"`
	Diagnostics []diagJSON `json:"diagnostics"`
}

// loadProject loads and checks the project, printing diagnostics. It returns
// the project only when there are no errors.
func loadProject(g *globals, extra func(*compiler.Project) hcl.Diagnostics) (*compiler.Project, hcl.Diagnostics, bool) {
	p, diags := compiler.Load(g.dir)
	if extra != nil && p != nil && !diags.HasErrors() {
		diags = append(diags, extra(p)...)
	}
	return p, diags, !diags.HasErrors()
}

func runValidate(g *globals, o *validateOptions) error {
	var extra func(*compiler.Project) hcl.Diagnostics
	p, diags, ok := loadProject(g, extra)
	errs, warns := summaryLine(diags)
	if g.output == "json" {
		if err := writeJSON(g.stdout, validateResult{Valid: ok, Errors: errs, Warnings: warns, Diagnostics: diagsJSON(g.dir, diags)}); err != nil {
			return err
		}
	} else {
		writeDiagnostics(g.stderr, g.dir, projectFiles(p), diags)
		if ok {
			fmt.Fprintf(g.stdout, "The project is valid: %d flows, %d tables used, %d workflows, %d roles (%d warnings).\n",
				len(p.Flows), usedTables(p), len(p.Workflows), len(p.Roles), warns)
		} else {
			fmt.Fprintf(g.stderr, "%d errors, %d warnings.\n", errs, warns)
		}
	}
	if !ok {
		return failed()
	}
	return nil
}

func projectFiles(p *compiler.Project) map[string]*hcl.File {
	if p == nil {
		return nil
	}
	return p.Files
}

func usedTables(p *compiler.Project) int {
	n := 0
	for _, t := range p.Tables {
		if !t.Standard || t.Extended {
			n++
		}
	}
	return n
}
