package main

import (
	"fmt"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
	"github.com/spf13/cobra"
)

type createSettingsOptions struct {
	out string
}

func newCreateSettingsCmd(g *globals) *cobra.Command {
	o := &createSettingsOptions{}
	cmd := &cobra.Command{
		Use:   "create-settings",
		Short: "Write a deployment settings template (pac format) listing every variable",
		Long: "Writes the deployment settings file of `pac solution create-settings` for the\n" +
			"project's build: every environment variable by schema name, sorted, with an\n" +
			"empty value to fill in. `bpfc deploy --settings FILE` reads it. Secrets are left\n" +
			"out: their values come only from BPFC_VAR_<SCHEMANAME> (or BPFC_VAR_<NAME>)\n" +
			"where deploy runs.\n\n" +
			"Without -o the settings file itself (JSON) is printed, under --output json too;\n" +
			"with -o FILE, --output json prints {file, variables (how many it lists)}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runCreateSettings(g, o) },
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write to `FILE` (relative to the project directory) instead of stdout")
	return cmd
}

// settingsResult is the JSON shape of `bpfc create-settings -o FILE --output
// json`. Without -o the settings file itself (JSON) goes to stdout.
type settingsResult struct {
	File      string `json:"file"`
	Variables int    `json:"variables"`
}

func runCreateSettings(g *globals, o *createSettingsOptions) error {
	p, ok := loadValid(g)
	if !ok {
		return failed()
	}
	b, err := solution.CreateSettings(p)
	if err != nil {
		return err
	}
	if o.out == "" {
		_, err := g.stdout.Write(b)
		return err
	}
	path := g.path(o.out)
	if err := writeOutFile(path, b); err != nil {
		return pathError(writing, "create-settings -o "+o.out, path, err, "give a file in a directory this user may write, or leave -o out to print the settings")
	}
	n := len(solution.SettingsVariables(p))
	secrets := len(p.Variables) - n
	if g.output == "json" {
		return writeJSON(g.stdout, settingsResult{File: path, Variables: n})
	}
	fmt.Fprintf(g.stdout, "Wrote %s (%s to fill in)\n", path, compiler.Plural(n, "variable"))
	if secrets > 0 {
		fmt.Fprintf(g.stdout, "%s left out: give their values in BPFC_VAR_<SCHEMANAME> (or BPFC_VAR_<NAME>) when you deploy\n", compiler.Plural(secrets, "secret"))
	}
	return nil
}
