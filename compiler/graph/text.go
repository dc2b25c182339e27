package graph

import (
	"fmt"
	"io"
	"strings"
)

// WriteDOT writes the graph in Graphviz's DOT language: one box per stage
// (filled with its table's colour, a heavier border for cross-table stages)
// labelled with its heading, table, category, steps (required ones with an
// asterisk) and triggers; default next moves as solid edges, branches as
// dashed edges labelled with their conditions.
func (g *Graph) WriteDOT(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "// %s\n", oneLine(g.subtitle()))
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(g.Flow))
	label := g.Title + "\n" + g.subtitle()
	if t := g.triggerLine(); t != "" {
		label += "\n" + t
	}
	fmt.Fprintf(&b, "  label=%s;\n", dotQuote(label))
	b.WriteString("  labelloc=\"t\";\n  fontname=\"Helvetica\";\n  rankdir=\"TB\";\n")
	b.WriteString("  node [shape=\"box\", style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=\"11\"];\n")
	fmt.Fprintf(&b, "  edge [fontname=\"Helvetica\", fontsize=\"10\", color=\"%s\"];\n\n", nextColor)
	for _, n := range g.Nodes {
		c := colorOf(n.Color)
		lines := []string{n.heading(), n.tableLine()}
		if n.CrossTable {
			lines = append(lines, n.crossLine())
		}
		lines = append(lines, nodeLines(n)...)
		var label strings.Builder
		for _, l := range lines {
			label.WriteString(dotEscape(l) + `\l`)
		}
		attrs := fmt.Sprintf(`label="%s", fillcolor="%s", color="%s"`, label.String(), c.band, c.stroke)
		if n.CrossTable {
			attrs += `, penwidth="2.5"`
		}
		fmt.Fprintf(&b, "  %s [%s];\n", dotQuote(n.Name), attrs)
	}
	if len(g.Edges) > 0 {
		b.WriteString("\n")
	}
	for _, e := range g.Edges {
		var attrs []string
		if e.Label != "" {
			attrs = append(attrs, "label="+dotQuote(e.Label))
		}
		if e.Kind == EdgeBranch {
			attrs = append(attrs, `style="dashed"`, fmt.Sprintf(`color="%s"`, branchColor), fmt.Sprintf(`fontcolor="%s"`, branchColor))
		}
		fmt.Fprintf(&b, "  %s -> %s", dotQuote(e.From), dotQuote(e.To))
		if len(attrs) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotEscape escapes text for a DOT double-quoted string: backslashes and
// quotes escaped, line breaks as centred breaks.
func dotEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", `\n`)
}

func dotQuote(s string) string { return `"` + dotEscape(s) + `"` }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// WriteMermaid writes the graph as a Mermaid flowchart (top down) with the
// flow's display name as its title: one node per stage with the same text
// as in DOT, solid arrows for default next moves, dotted arrows labelled
// with their conditions for branches, a class per table for its colour and
// a heavier border for cross-table stages. Node ids are "s_" and the stage
// name, so that no stage name collides with a Mermaid keyword.
func (g *Graph) WriteMermaid(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s\n---\n", yamlQuote(g.Title))
	b.WriteString("flowchart TD\n")
	fmt.Fprintf(&b, "  %%%% %s\n", oneLine(g.subtitle()))
	if t := g.triggerLine(); t != "" {
		fmt.Fprintf(&b, "  %%%% %s\n", oneLine(t))
	}
	for _, n := range g.Nodes {
		lines := []string{"<b>" + mermaidEscape(n.heading()) + "</b>", mermaidEscape(n.tableLine())}
		if n.CrossTable {
			lines = append(lines, "<i>"+mermaidEscape(n.crossLine())+"</i>")
		}
		for _, l := range nodeLines(n) {
			lines = append(lines, mermaidEscape(strings.TrimLeft(l, " ")))
		}
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", mermaidID(n.Name), strings.Join(lines, "<br/>"))
	}
	for _, e := range g.Edges {
		arrow := "-->"
		if e.Kind == EdgeBranch {
			arrow = "-.->"
		}
		if e.Label != "" {
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", mermaidID(e.From), arrow, mermaidEscape(e.Label), mermaidID(e.To))
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", mermaidID(e.From), arrow, mermaidID(e.To))
		}
	}
	// Colours: one class per table, in first-use order.
	byColor := map[int][]string{}
	maxColor := -1
	var cross []string
	for _, n := range g.Nodes {
		byColor[n.Color] = append(byColor[n.Color], mermaidID(n.Name))
		maxColor = max(maxColor, n.Color)
		if n.CrossTable {
			cross = append(cross, mermaidID(n.Name))
		}
	}
	for i := 0; i <= maxColor; i++ {
		c := colorOf(i)
		fmt.Fprintf(&b, "  classDef table%d fill:%s,stroke:%s,color:#0f172a,text-align:left\n", i, c.band, c.stroke)
		fmt.Fprintf(&b, "  class %s table%d\n", strings.Join(byColor[i], ","), i)
	}
	for _, id := range cross {
		fmt.Fprintf(&b, "  style %s stroke-width:3px\n", id)
	}
	for i, e := range g.Edges {
		if e.Kind == EdgeBranch {
			fmt.Fprintf(&b, "  linkStyle %d stroke:%s,color:%s\n", i, branchColor, branchColor)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidID(name string) string {
	var b strings.Builder
	b.WriteString("s_")
	for _, r := range name {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "_%x_", r)
		}
	}
	return b.String()
}

// mermaidEscape writes text for a quoted Mermaid label with entity codes
// for the characters Mermaid or its HTML labels would interpret.
var mermaidEscaper = strings.NewReplacer(
	"#", "#35;", `"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;",
	"\r", "", "\n", " ",
)

func mermaidEscape(s string) string { return mermaidEscaper.Replace(s) }

// yamlQuote writes a YAML double-quoted scalar.
func yamlQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + strings.ReplaceAll(oneLine(s), "\n", " ") + `"`
}
