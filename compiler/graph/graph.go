package graph

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

// Formats are the formats Write draws.
var Formats = []string{"svg", "dot", "mermaid"}

// Graph is what a drawing of one flow shows: its stages in written order and
// the moves between them. It is built from the checked model by New and
// drawn by WriteSVG, WriteDOT and WriteMermaid.
type Graph struct {
	Flow         string // the flow's name (its HCL label)
	Title        string // its display name
	PrimaryTable string
	OnFinish     []string // workflows run when the flow finishes
	OnAbandon    []string // workflows run when it is abandoned
	Nodes        []*Node  // stages, in written order
	Edges        []*Edge  // per stage: its branches in order, then its default next
}

// Node is one stage.
type Node struct {
	Name         string // the stage's name
	Index        int    // 1-based position in the flow
	Title        string // display name
	Table        string // logical name of the stage's table
	Color        int    // index of Table among the flow's tables, in first-use order
	Category     string // "" when none
	CrossTable   bool   // a move to the stage comes from a stage on another table
	FromTable    string // cross-table stages: the tables of those stages ("a or b")
	Relationship string // cross-table stages: the lookup back to FromTable
	Steps        []Step
	OnEnter      []string // workflows run on entering the stage
	OnExit       []string // workflows run on leaving it
	Ends         bool     // no move leaves the stage: the path ends here
}

// Step is one step of a stage.
type Step struct {
	Title    string // display name
	Column   string // data steps
	Required bool
	Action   bool   // action steps
	Workflow string // action steps: the workflow the button runs
}

// Edge kinds.
const (
	EdgeNext   = "next"   // the default next stage
	EdgeBranch = "branch" // a branch, taken when its condition holds
)

// Edge is a move from one stage to another.
type Edge struct {
	From, To string // stage names
	Kind     string // EdgeNext or EdgeBranch
	// Label: for branches "if " and the condition (compiler.FormatExpr); for
	// the default next of a stage with branches "otherwise"; else "".
	Label string
}

// New builds the graph of flow f of project p.
func New(p *compiler.Project, f *compiler.Flow) *Graph {
	g := &Graph{Flow: f.Name, Title: f.DisplayName, PrimaryTable: f.PrimaryTable, OnFinish: refNames(f.OnFinish), OnAbandon: refNames(f.OnAbandon)}
	if g.Title == "" {
		g.Title = f.Name
	}
	colors := map[string]int{}
	from := fromTables(f)
	for i, s := range f.Stages {
		if _, ok := colors[s.Table]; !ok {
			colors[s.Table] = len(colors)
		}
		n := &Node{
			Name: s.Name, Index: i + 1, Title: s.DisplayName, Table: s.Table, Color: colors[s.Table],
			Category: s.Category, OnEnter: refNames(s.OnEnter), OnExit: refNames(s.OnExit),
		}
		if n.Title == "" {
			n.Title = s.Name
		}
		if tables := from[s.Name]; len(tables) > 0 {
			n.CrossTable, n.FromTable, n.Relationship = true, strings.Join(tables, " or "), s.Relationship
		}
		for _, st := range s.Steps {
			title := st.DisplayName
			if title == "" {
				title = st.Name
			}
			n.Steps = append(n.Steps, Step{Title: title, Column: st.Column, Required: st.Required, Action: st.Action, Workflow: st.Workflow})
		}
		for _, b := range s.Branches {
			g.Edges = append(g.Edges, &Edge{From: s.Name, To: b.Next, Kind: EdgeBranch, Label: "if " + compiler.FormatExpr(b.When)})
		}
		if s.Next != "" {
			e := &Edge{From: s.Name, To: s.Next, Kind: EdgeNext}
			if len(s.Branches) > 0 {
				e.Label = "otherwise"
			}
			g.Edges = append(g.Edges, e)
		}
		n.Ends = len(s.Branches) == 0 && s.Next == ""
		g.Nodes = append(g.Nodes, n)
	}
	return g
}

// fromTables maps each stage of f to the tables, other than its own, of the
// stages that move to it, in written order: a stage is reached across tables
// from its predecessors on the paths, not from the stage written before it
// (that one may end its path, next = null, or branch elsewhere).
func fromTables(f *compiler.Flow) map[string][]string {
	table := map[string]string{}
	for _, s := range f.Stages {
		table[s.Name] = s.Table
	}
	out := map[string][]string{}
	for _, s := range f.Stages {
		for _, next := range s.Successors() {
			if t, ok := table[next]; ok && s.Table != t && !slices.Contains(out[next], s.Table) {
				out[next] = append(out[next], s.Table)
			}
		}
	}
	return out
}

func refNames(refs []*compiler.WorkflowRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return out
}

// Write draws the graph of flow f in format (svg, dot or mermaid).
func Write(w io.Writer, p *compiler.Project, f *compiler.Flow, format string) error {
	g := New(p, f)
	switch format {
	case "svg":
		return g.WriteSVG(w)
	case "dot":
		return g.WriteDOT(w)
	case "mermaid":
		return g.WriteMermaid(w)
	}
	return fmt.Errorf("unknown graph format %q (want %s)", format, strings.Join(Formats, ", "))
}

// heading is the first line of a stage's label: "2. Develop".
func (n *Node) heading() string { return fmt.Sprintf("%d. %s", n.Index, n.Title) }

// tableLine is "table opportunity · category develop".
func (n *Node) tableLine() string {
	s := "table " + n.Table
	if n.Category != "" {
		s += " · category " + n.Category
	}
	return s
}

// crossLine is "↳ from lead via originatingleadid".
func (n *Node) crossLine() string {
	s := "↳ cross-table from " + n.FromTable
	if n.Relationship != "" {
		s += " via " + n.Relationship
	}
	return s
}

// text is a step as one line of text: "* Estimated Budget (budgetamount)",
// "▶ Verify Lead (runs verify_lead)".
func (s Step) text() string {
	switch {
	case s.Action:
		return "▶ " + s.Title + " (runs " + s.Workflow + ")"
	case s.Required:
		return "* " + s.named()
	}
	return "  " + s.named()
}

// named is the step's title and its column, once when they are the same
// (a step named after its column, without a display name).
func (s Step) named() string {
	if s.Title == s.Column {
		return s.Title
	}
	return s.Title + " (" + s.Column + ")"
}

// triggerLines are "on enter: a, b" and "on exit: c".
func (n *Node) triggerLines() []string {
	var out []string
	if len(n.OnEnter) > 0 {
		out = append(out, "on enter: "+strings.Join(n.OnEnter, ", "))
	}
	if len(n.OnExit) > 0 {
		out = append(out, "on exit: "+strings.Join(n.OnExit, ", "))
	}
	return out
}

// triggerLine is "on finish: a · on abandon: b", or "".
func (g *Graph) triggerLine() string {
	var parts []string
	if len(g.OnFinish) > 0 {
		parts = append(parts, "on finish: "+strings.Join(g.OnFinish, ", "))
	}
	if len(g.OnAbandon) > 0 {
		parts = append(parts, "on abandon: "+strings.Join(g.OnAbandon, ", "))
	}
	return strings.Join(parts, " · ")
}

// palette colours a flow's tables in first-use order: a light fill and a
// darker stroke per table; it wraps after six tables.
var palette = []struct{ fill, band, stroke string }{
	{"#f5f9ff", "#dbeafe", "#2563eb"}, // blue
	{"#f4fdf6", "#dcfce7", "#16a34a"}, // green
	{"#fffaf3", "#ffedd5", "#ea580c"}, // orange
	{"#fbf7ff", "#f3e8ff", "#9333ea"}, // purple
	{"#fef6fa", "#fce7f3", "#db2777"}, // pink
	{"#f3fdfb", "#ccfbf1", "#0d9488"}, // teal
}

func colorOf(i int) struct{ fill, band, stroke string } { return palette[i%len(palette)] }

const (
	branchColor = "#b45309"
	nextColor   = "#475569"
)
