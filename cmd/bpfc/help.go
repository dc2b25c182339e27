package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpJSONDoc says what --output json prints for help; the root's and the
// help command's Long help end with it.
const helpJSONDoc = "With --output json, help (bpfc help X, bpfc X --help, or a command group run\n" +
	"without one of its commands) prints {command, short, long, usage, examples,\n" +
	"commands: [{name, short, usage}], flags: [{name, shorthand, value, default, usage,\n" +
	"global}]}: value is the placeholder a flag takes (\"\" for a switch), global says the\n" +
	"flag is every command's."

// helpDoc is the JSON shape of a command's help under --output json.
type helpDoc struct {
	Command  string        `json:"command"`
	Short    string        `json:"short"`
	Long     string        `json:"long"`
	Usage    string        `json:"usage"`
	Examples []string      `json:"examples"`
	Commands []helpCommand `json:"commands"`
	Flags    []helpFlag    `json:"flags"`
}

type helpCommand struct {
	Name  string `json:"name"`
	Short string `json:"short"`
	Usage string `json:"usage"`
}

type helpFlag struct {
	Name      string `json:"name"`
	Shorthand string `json:"shorthand"`
	Value     string `json:"value"`
	Default   string `json:"default"`
	Usage     string `json:"usage"`
	Global    bool   `json:"global"`
}

// setHelp makes help follow --output: under json every way to ask for
// help (bpfc help X, --help, a group alone, bpfc alone) prints one helpDoc,
// and bpfc help of a command bpfc has not is a usage error, not the
// root's usage after a line of text.
func setHelp(root *cobra.Command, g *globals) {
	text := root.HelpFunc() // cobra's, from its template
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		if g.output != "json" {
			text(cmd, args)
			return
		}
		if err := writeJSON(cmd.OutOrStdout(), newHelpDoc(cmd)); err != nil {
			cmd.PrintErrln(err)
		}
	})
	root.Long += "\n\n" + helpJSONDoc

	root.InitDefaultHelpCmd()
	help, _, err := root.Find([]string{"help"})
	if err != nil || help.Name() != "help" {
		return
	}
	show := help.Run
	help.Run = nil
	help.Long = "help prints the help of a command: what it does, its usage, examples, its\n" +
		"commands and its flags, as COMMAND --help does.\n\n" + helpJSONDoc
	help.RunE = func(cmd *cobra.Command, args []string) error {
		c, rest, err := root.Find(args)
		if err == nil && (len(rest) == 0 || !c.HasAvailableSubCommands()) {
			show(cmd, args)
			return nil
		}
		// "bpfc help nosuch", "bpfc help instance nxt": the closest
		// command of the group the search ended in.
		if err != nil {
			c, rest = root, args
		}
		msg := fmt.Sprintf("help: %s has no command %q", c.CommandPath(), rest[0])
		if s := c.SuggestionsFor(rest[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return usageErr("%s\nRun '%s --help' for its commands.", msg, c.CommandPath())
	}
}

func newHelpDoc(cmd *cobra.Command) helpDoc {
	d := helpDoc{Command: cmd.CommandPath(), Short: cmd.Short, Long: cmd.Long, Usage: cmd.UseLine(),
		Examples: []string{}, Commands: []helpCommand{}, Flags: []helpFlag{}}
	for _, line := range strings.Split(cmd.Example, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			d.Examples = append(d.Examples, line)
		}
	}
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			d.Commands = append(d.Commands, helpCommand{Name: c.Name(), Short: c.Short, Usage: c.UseLine()})
		}
	}
	// The command's own flags first, then those every command takes (-C,
	// --output), as the text help lists them.
	global := cmd.Root().PersistentFlags()
	add := func(flags *pflag.FlagSet) {
		flags.VisitAll(func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			value, usage := pflag.UnquoteUsage(f)
			if f.Value.Type() == "bool" {
				value = ""
			}
			d.Flags = append(d.Flags, helpFlag{Name: f.Name, Shorthand: f.Shorthand, Value: value, Default: f.DefValue, Usage: usage,
				Global: global.Lookup(f.Name) == f})
		})
	}
	add(cmd.LocalFlags())
	add(cmd.InheritedFlags())
	return d
}
