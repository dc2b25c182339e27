package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Limits Dataverse enforces on business process flows.
const (
	MaxStages          = 30
	MaxStepsPerStage   = 30
	MaxTablesPerFlow   = 5
	MaxBranchDepth     = 10
	MaxTraversedPath   = 1250
	MaxInstancesPerRow = 10
	MaxProcessName     = 100 // a process's (workflow record's) and a stage's name
	stageIDLen         = 36
)

// check runs the semantic rules over the resolved model.
func check(p *Project, d *decoder) hcl.Diagnostics {
	c := &checker{p: p, d: d}
	for _, f := range p.Flows {
		c.flow(f)
	}
	c.instanceTables()
	c.workflows()
	c.variableDefaults()
	c.roles()
	c.environments()
	c.policy()
	return c.diags
}

type checker struct {
	p     *Project
	d     *decoder
	diags hcl.Diagnostics
}

func (c *checker) errorf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

func (c *checker) warnf(rng hcl.Range, summary, format string, args ...any) {
	r := rng
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: &r})
}

func (c *checker) flow(f *Flow) {
	p := c.p
	if p.Table(f.PrimaryTable) == nil && f.PrimaryTable != "" && !p.invalidTableUse(f.PrimaryTable) {
		c.errorf(f.Attrs.Of("primary_table", f.DeclRange), "Unknown table", "primary_table %q is neither a standard table nor declared in the project.%s", f.PrimaryTable, didYouMeanTable(f.PrimaryTable, p))
	}
	if _, set := f.Attrs["primary_table"]; set && f.PrimaryTable == "" {
		c.errorf(f.Attrs.Of("primary_table", f.DeclRange), "Missing table", "primary_table is empty; name the table the flow runs on, such as \"lead\".")
	}
	// An unknown table on either side is reported on its own, and is most
	// likely the other misspelt.
	if len(f.Stages) > 0 && p.Table(f.PrimaryTable) != nil && p.Table(f.Stages[0].Table) != nil && f.Stages[0].Table != f.PrimaryTable {
		first := f.Stages[0]
		c.errorf(first.Attrs.Of("table", first.DeclRange), "First stage on another table",
			"A flow starts on a record of its primary_table, %s, at its first stage; stage %q is on %s. Put a stage on %s first, or make %s the primary_table.",
			f.PrimaryTable, first.Name, first.Table, f.PrimaryTable, first.Table)
	}
	if len(f.Stages) > MaxStages {
		c.errorf(f.Stages[MaxStages].DeclRange, "Too many stages", "Flow %q has %d stages; Dataverse allows at most %d per flow.", f.Name, len(f.Stages), MaxStages)
	}
	tables := f.Tables()
	if len(tables) > MaxTablesPerFlow {
		for _, s := range f.Stages {
			if s.Table == tables[MaxTablesPerFlow] {
				c.errorf(s.DeclRange, "Too many tables", "Flow %q spans %d tables (%s); Dataverse allows at most %d per flow.", f.Name, len(tables), strings.Join(tables, ", "), MaxTablesPerFlow)
				break
			}
		}
	}
	if f.Type == FlowTask && len(tables) > 1 {
		c.errorf(f.DeclRange, "Task flow on several tables", "A task flow runs on one table; flow %q uses %s.", f.Name, strings.Join(tables, ", "))
	}
	c.processName("Flow", f.Name, f.DisplayName, f.Attrs, f.DeclRange)
	if len(f.UniqueName)+len(p.Solution.Publisher.Prefix)+1 > maxInstanceTable {
		c.errorf(f.Attrs.Of("unique_name", f.DeclRange), "Name too long", "The instance table %q is longer than Dataverse's %d characters; set a shorter unique_name.", f.InstanceTable, maxInstanceTable)
	}
	for _, s := range f.Stages {
		c.stage(f, s)
	}
	if !c.d.brokenFlows[f] {
		c.graph(f)
	}
}

func (c *checker) stage(f *Flow, s *Stage) {
	c.processName("Stage", s.Name, s.DisplayName, s.Attrs, s.DeclRange)
	if c.d.stageTable[s] && s.Table == "" {
		c.errorf(s.Attrs.Of("table", s.DeclRange), "Missing table",
			"table is empty; leave it out to stay on the previous stage's table (the first stage: primary_table), or name one such as \"opportunity\".")
		return
	}
	t := c.p.Table(s.Table)
	if t == nil {
		// Reported where the name is written: a stage that inherits an
		// unknown table (from primary_table or the stage before) adds
		// nothing, and nothing is checked on it.
		if s.Table != "" && c.d.stageTable[s] && !c.p.invalidTableUse(s.Table) {
			c.errorf(s.Attrs.Of("table", s.DeclRange), "Unknown table", "Stage %q is on table %q, which is neither a standard table nor declared in the project.%s", s.Name, s.Table, didYouMeanTable(s.Table, c.p))
		}
		return
	}
	if len(s.Steps) > MaxStepsPerStage {
		c.errorf(s.Steps[MaxStepsPerStage].DeclRange, "Too many steps", "Stage %q has %d steps; Dataverse allows at most %d per stage.", s.Name, len(s.Steps), MaxStepsPerStage)
	}
	for _, st := range s.Steps {
		if st.Action {
			continue
		}
		col := t.Column(st.Column)
		if c.d.missingColumn[st] {
			c.missingColumn(t, st)
			continue
		}
		if col == nil && (c.d.noColumn[st] || t.invalidUse(st.Column)) {
			continue // no column, or not a string, or one declared with an invalid name: reported as it was decoded
		}
		if col == nil {
			if other := otherStageWithColumn(c.p, f, s, st.Column); other != nil {
				c.errorf(st.Attrs.Of("column", st.DeclRange), "Step on a column of another table",
					"Step %q uses column %q, which table %q (stage %q's) does not have; %s.%s belongs to stage %q's table. A stage's steps fill in the record of its own table: move the step to a stage on %s.",
					st.Name, st.Column, t.Name, s.Name, other.Table, st.Column, other.Name, other.Table)
				continue
			}
			c.errorf(st.Attrs.Of("column", st.DeclRange), "Unknown column", "Step %q uses column %q, which table %q does not have.%s", st.Name, st.Column, t.Name,
				didYouMeanColumn(st.Column, t, func(c *Column) bool { return c.Type != TypeUniqueID })) // a key cannot be filled in
			continue
		}
		if st.DisplayName == "" {
			st.DisplayName = col.DisplayName
		}
		if col.Type == TypeUniqueID {
			c.errorf(st.Attrs.Of("column", st.DeclRange), "Invalid step column", "Step %q uses the primary key %q, which cannot be filled in.", st.Name, col.Name)
		}
	}
}

// missingColumn reports a step written without its column, suggesting one
// of the stage's table to paste: the one the step is named after (or
// nearly), else the table's primary name column.
func (c *checker) missingColumn(t *Table, st *Step) {
	fillable := columnNamesWhere(t, func(c *Column) bool { return c.Type != TypeUniqueID && !readOnlyColumns[c.Name] })
	suggest := nameSuggestion(st.Name, fillable)
	if suggest == "" && slices.Contains(fillable, t.PrimaryColumn) {
		suggest = t.PrimaryColumn
	}
	hint := fmt.Sprintf("add column = \"<name>\" naming a column of table %q.", t.Name)
	if suggest != "" {
		hint = fmt.Sprintf("add the column of table %q it fills in, e.g. column = %q.", t.Name, suggest)
	}
	c.errorf(st.DeclRange, "Missing column", "Step %q names no column: a step is a column the user fills in at this stage; %s", st.Name, hint)
}

// graph checks the stage graph: references, acyclicity, reachability,
// branch nesting, traversed path length, and cross-table relationships.
func (c *checker) graph(f *Flow) {
	if len(f.Stages) == 0 {
		return
	}
	// Cycles: depth-first search with colours.
	const (
		white = iota
		grey
		black
	)
	colour := map[string]int{}
	var cyclic bool
	var visit func(s *Stage)
	visit = func(s *Stage) {
		colour[s.Name] = grey
		for _, n := range s.Successors() {
			ns := f.Stage(n)
			if ns == nil {
				continue
			}
			switch colour[n] {
			case grey:
				if !cyclic {
					c.errorf(successorRange(s, n), "Cycle in stages", "Stage %q leads back to %q; a flow's stages must not form a cycle (use prev to go back at run time).", s.Name, n)
				}
				cyclic = true
			case white:
				visit(ns)
			}
		}
		colour[s.Name] = black
	}
	visit(f.Stages[0])
	// A next that names no stage was reported: the stage it meant may be
	// one of these.
	for _, s := range f.Stages[1:] {
		if colour[s.Name] == white && !c.d.danglingFlows[f] {
			c.errorf(s.DeclRange, "Unreachable stage", "Stage %q cannot be reached from the first stage %q; point a next or branch at it, or remove it.", s.Name, f.Stages[0].Name)
		}
	}
	// A cycle among stages the first does not reach is one too (and the
	// walks below, branchDepth's, would not end on it).
	for _, s := range f.Stages[1:] {
		if colour[s.Name] == white {
			visit(s)
		}
	}
	c.relationships(f) // needs no acyclic graph: reported with a cycle too
	if cyclic {
		return
	}
	// Longest path in stages, memoised (the graph is acyclic here).
	longest := map[string]int{}
	var walk func(s *Stage) int
	walk = func(s *Stage) int {
		if n, ok := longest[s.Name]; ok {
			return n
		}
		n := 0
		for _, next := range s.Successors() {
			if ns := f.Stage(next); ns != nil {
				n = max(n, walk(ns))
			}
		}
		longest[s.Name] = n + 1
		return n + 1
	}
	stages := walk(f.Stages[0])
	if depth := branchDepth(f); depth > MaxBranchDepth {
		c.errorf(f.DeclRange, "Branches nested too deep", "Flow %q nests %d levels of branches (a branch inside a branch before they rejoin); Dataverse allows %d.", f.Name, depth, MaxBranchDepth)
	}
	if n := stages*(stageIDLen+1) - 1; n > MaxTraversedPath {
		c.errorf(f.DeclRange, "Path too long for traversedpath", "The longest path of flow %q has %d stages, %d characters of stage ids; traversedpath holds %d.", f.Name, stages, n, MaxTraversedPath)
	}
	for _, s := range f.Stages {
		if len(s.Successors()) == 0 && len(s.OnExit) > 0 {
			c.warnf(s.OnExit[0].Range, "on_exit never fires", "Stage %q ends the flow; finishing is not a stage transition, so on_exit never runs. Use the flow's on_finish.", s.Name)
		}
	}
}

// processName refuses a display name longer than a process's (a flow's,
// a workflow's) or a process stage's name holds in Dataverse (the import
// would fail there).
func (c *checker) processName(kind, name, display string, attrs Ranges, decl hcl.Range) {
	holder := "a process's name"
	if kind == "Stage" {
		holder = "a process stage's name"
	}
	if n := Length(display); n > MaxProcessName {
		c.errorf(attrs.Of("display_name", decl), "Name too long", "%s %q is named %d characters long (as Dataverse counts them: a character beyond U+FFFF, an emoji say, counts twice); %s in Dataverse holds at most %d. Set a shorter display_name.",
			kind, name, n, holder, MaxProcessName)
	}
}

// successorRange is where stage s names its successor n: its next, or the
// branch that goes there.
func successorRange(s *Stage, n string) hcl.Range {
	if s.Next == n {
		if r, ok := s.Attrs["next"]; ok {
			return r
		}
		return s.DeclRange
	}
	for _, b := range s.Branches {
		if b.Next == n {
			return b.DeclRange
		}
	}
	return s.DeclRange
}

// branchDepth is how deeply branches nest, as Dataverse nests condition
// branches in its XAML: a branching stage opens a level that closes where its
// paths meet again (its immediate post-dominator). The graph must be acyclic.
func branchDepth(f *Flow) int {
	reach := map[string]map[string]bool{} // stages reachable from a stage, itself included
	var reachable func(s *Stage) map[string]bool
	reachable = func(s *Stage) map[string]bool {
		if r, ok := reach[s.Name]; ok {
			return r
		}
		r := map[string]bool{s.Name: true}
		for _, n := range s.Successors() {
			if ns := f.Stage(n); ns != nil {
				for k := range reachable(ns) {
					r[k] = true
				}
			}
		}
		reach[s.Name] = r
		return r
	}
	pdom := f.PostDominators()
	nest := map[string]int{}
	var depth func(b *Stage) int
	depth = func(b *Stage) int {
		if d, ok := nest[b.Name]; ok {
			return d
		}
		// The join: the strict post-dominator nearest to b.
		join := ""
		for k := range pdom[b.Name] {
			if k == b.Name {
				continue
			}
			if join == "" || pdom[k][join] {
				join = k
			}
		}
		after := map[string]bool{}
		if j := f.Stage(join); j != nil {
			after = reachable(j)
		}
		inner := 0
		for k := range reachable(b) {
			ks := f.Stage(k)
			if k == b.Name || after[k] || ks == nil || len(ks.Branches) == 0 {
				continue
			}
			inner = max(inner, depth(ks))
		}
		nest[b.Name] = inner + 1
		return inner + 1
	}
	best := 0
	for _, s := range f.Stages {
		if len(s.Branches) > 0 {
			best = max(best, depth(s))
		}
	}
	return best
}

// otherStageWithColumn is the first stage of f, on another table than s,
// whose table has column name: a step that names it was likely written in
// the wrong stage.
func otherStageWithColumn(p *Project, f *Flow, s *Stage, name string) *Stage {
	for _, o := range f.Stages {
		if o.Table == s.Table {
			continue
		}
		if ot := p.Table(o.Table); ot != nil && ot.Column(name) != nil {
			return o
		}
	}
	return nil
}
