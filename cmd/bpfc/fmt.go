package main

import (
	"bytes"
	"fmt"
	"path/filepath"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
)

type fmtOptions struct {
	check bool
}

func newFmtCmd(g *globals) *cobra.Command {
	o := &fmtOptions{}
	cmd := &cobra.Command{
		Use:   "fmt",
		Short: "Rewrite every .hcl file of the project in canonical form",
		Long: "fmt rewrites every *.hcl file of the project in HCL's canonical form (aligned\n" +
			"equals signs, two-space indents). A file that does not parse is never rewritten,\n" +
			"and then nothing is. --check changes nothing and exits 1 if any file would change,\n" +
			"for CI.\n\n" +
			"--output json prints {changed: [files]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runFmt(g, o) },
	}
	cmd.Flags().BoolVar(&o.check, "check", false, "change nothing; exit 1 if any file would change")
	return cmd
}

// fmtResult is the JSON shape of `bpfc fmt --output json`.
type fmtResult struct {
	Changed     []string   `json:"changed"`
	Diagnostics []diagJSON `json:"diagnostics,omitempty"`
}

func runFmt(g *globals, o *fmtOptions) error {
	names, err := compiler.ProjectFiles(g.dir)
	if err != nil {
		return err
	}
	// Refuse to rewrite files that do not parse: formatting broken input could lose text.
	parser := hclparse.NewParser()
	var diags hcl.Diagnostics
	srcs := map[string][]byte{}
	for _, n := range names {
		b, err := compiler.ReadSource(g.dir, n)
		if err != nil {
			return fmt.Errorf("reading %s: %w", n, err)
		}
		srcs[n] = b
		if d := compiler.TooDeep(b, n); d != nil {
			diags = append(diags, d)
			continue
		}
		_, d := parser.ParseHCL(b, n)
		compiler.ExplainParseErrors(b, d)
		diags = append(diags, d...)
	}
	if diags.HasErrors() {
		if g.output == "json" {
			_ = writeJSON(g.stdout, fmtResult{Changed: []string{}, Diagnostics: diagsJSON(g.dir, diags)})
		} else {
			writeDiagnostics(g.stderr, g.dir, parser.Files(), diags)
			fmt.Fprintln(g.stderr, "Nothing was formatted: fix the syntax errors first.")
		}
		return failed()
	}
	changed := []string{}
	for _, n := range names {
		out := hclwrite.Format(srcs[n])
		if bytes.Equal(out, srcs[n]) {
			continue
		}
		changed = append(changed, displayPath(g.dir, n))
		if o.check {
			continue
		}
		if err := solution.WriteFileAtomic(filepath.Join(g.dir, n), out); err != nil {
			return err
		}
	}
	if g.output == "json" {
		if err := writeJSON(g.stdout, fmtResult{Changed: changed}); err != nil {
			return err
		}
	} else {
		for _, c := range changed {
			fmt.Fprintln(g.stdout, c)
		}
	}
	if o.check && len(changed) > 0 {
		if g.output == "text" {
			fmt.Fprintf(g.stderr, "%s not formatted; run bpfc fmt.\n", compiler.Plural(len(changed), "file"))
		}
		return failed()
	}
	return nil
}
