package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/graph"
	"github.com/spf13/cobra"
)

type graphOptions struct {
	format string
	out    string
}

func newGraphCmd(g *globals) *cobra.Command {
	o := &graphOptions{}
	cmd := &cobra.Command{
		Use:   "graph FLOW",
		Short: "Draw a flow's stages, branches and tables as SVG, DOT or Mermaid",
		Long: "Draws the flow's stages in order with their tables (cross-table stages marked),\n" +
			"categories and steps (required ones with an asterisk), default moves, and\n" +
			"branches labelled with their conditions. SVG is drawn by bpfc itself.\n\n" +
			"--output json prints {flow, format, graph (the drawing)}, or with -o FILE\n" +
			"{flow, format, file} (the file written).",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runGraph(g, o, args[0]) },
	}
	cmd.Flags().StringVar(&o.format, "format", "svg", "svg, dot or mermaid")
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write to `FILE` (relative to the project directory) instead of stdout")
	return cmd
}

// graphResult is the JSON shape of `bpfc graph --output json`: the drawing
// in graph, or the file it was written to in file.
type graphResult struct {
	Flow   string `json:"flow"`
	Format string `json:"format"`
	File   string `json:"file,omitempty"`
	Graph  string `json:"graph,omitempty"`
}

func runGraph(g *globals, o *graphOptions, flowName string) error {
	if !slices.Contains(graph.Formats, o.format) {
		return usageErr("--format must be one of %s, not %q", strings.Join(graph.Formats, ", "), o.format)
	}
	p, ok := loadValid(g)
	if !ok {
		return failed()
	}
	f := p.Flow(flowName)
	if f == nil {
		return &exitError{code: 1, msg: unknownFlow(p, flowName)}
	}
	var b bytes.Buffer
	if err := graph.Write(&b, p, f, o.format); err != nil {
		return err
	}
	res := graphResult{Flow: f.Name, Format: o.format}
	if o.out == "" {
		if g.output == "json" {
			res.Graph = b.String()
			return writeJSON(g.stdout, res)
		}
		_, err := g.stdout.Write(b.Bytes())
		return err
	}
	path := g.path(o.out)
	if err := writeOutFile(path, b.Bytes()); err != nil {
		return pathError(writing, "graph -o "+o.out, path, err, "give a file in a directory this user may write, or leave -o out to print the drawing")
	}
	res.File = path
	if g.output == "json" {
		return writeJSON(g.stdout, res)
	}
	fmt.Fprintf(g.stdout, "Drew flow %s (%s) to %s\n", f.Name, o.format, path)
	return nil
}

func unknownFlow(p *compiler.Project, name string) string {
	var names []string
	for _, f := range p.Flows {
		names = append(names, f.Name)
	}
	if len(names) == 0 {
		return fmt.Sprintf("unknown flow %q: the project has no flows", name)
	}
	msg := fmt.Sprintf("unknown flow %q; the project's flows: %s", name, strings.Join(names, ", "))
	if c := compiler.ClosestName(name, names); c != "" {
		msg += fmt.Sprintf("; did you mean %s?", c)
	}
	return msg
}
