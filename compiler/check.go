package compiler

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
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
	if p.Table(f.PrimaryTable) == nil && f.PrimaryTable != "" {
		c.errorf(f.Attrs.Of("primary_table", f.DeclRange), "Unknown table", "primary_table %q is neither a standard table nor declared in the project.%s", f.PrimaryTable, didYouMean(f.PrimaryTable, tableNames(p)))
	}
	if _, set := f.Attrs["primary_table"]; set && f.PrimaryTable == "" {
		c.errorf(f.Attrs.Of("primary_table", f.DeclRange), "Missing table", "primary_table is empty; name the table the flow runs on, such as \"lead\".")
	}
	if len(f.Stages) > 0 && f.PrimaryTable != "" && f.Stages[0].Table != "" && f.Stages[0].Table != f.PrimaryTable {
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
	if len(f.UniqueName)+len(p.Solution.Publisher.Prefix)+1 > 50 {
		c.errorf(f.DeclRange, "Name too long", "The instance table %q is longer than Dataverse's 50 characters; set a shorter unique_name.", f.InstanceTable)
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
		if s.Table != "" && (s.Index > 0 || c.d.stageTable[s]) {
			c.errorf(s.Attrs.Of("table", s.DeclRange), "Unknown table", "Stage %q is on table %q, which is neither a standard table nor declared in the project.%s", s.Name, s.Table, didYouMean(s.Table, tableNames(c.p)))
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
		if col == nil && c.d.noColumn[st] {
			continue // no column, or not a string: reported as it was decoded
		}
		if col == nil {
			c.errorf(st.Attrs.Of("column", st.DeclRange), "Unknown column", "Step %q uses column %q, which table %q does not have.%s", st.Name, st.Column, t.Name, didYouMean(st.Column, columnNames(t)))
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
	if n := utf8.RuneCountInString(display); n > MaxProcessName {
		c.errorf(attrs.Of("display_name", decl), "Name too long", "%s %q is named %d characters long; %s in Dataverse holds at most %d. Set a shorter display_name.",
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

// relationships checks that every move to another table has a lookup back.
func (c *checker) relationships(f *Flow) {
	incoming := map[string][]*Stage{}
	for _, s := range f.Stages {
		for _, n := range s.Successors() {
			incoming[n] = append(incoming[n], s)
		}
	}
	for _, t := range f.Stages {
		tt := c.p.Table(t.Table)
		if tt == nil {
			continue
		}
		cross, unknownSource := false, false
		checked := map[string]bool{} // source tables: several stages of one table lead here
		for _, src := range incoming[t.Name] {
			if c.p.Table(src.Table) == nil {
				unknownSource = true // reported where it is named
				continue
			}
			if src.Table == t.Table || checked[src.Table] {
				continue
			}
			cross, checked[src.Table] = true, true
			if t.Relationship == "" {
				cands := lookupsTo(tt, src.Table)
				switch len(cands) {
				case 1:
					t.Relationship = cands[0]
				case 0:
					c.errorf(t.DeclRange, "Cross-table stage without a relationship",
						"Stage %q moves from %s to %s, but %s has no lookup to %s. Add a lookup column on %s (e.g. column \"%s\" { type = \"lookup\" target = \"%s\" }) and set relationship.",
						t.Name, src.Table, t.Table, t.Table, src.Table, t.Table, c.lookupName(src.Table), src.Table)
				default:
					c.errorf(t.DeclRange, "Ambiguous relationship", "Stage %q moves from %s to %s, and %s has several lookups to %s (%s); set relationship to one of them.",
						t.Name, src.Table, t.Table, t.Table, src.Table, strings.Join(cands, ", "))
				}
				continue
			}
			col := tt.Column(t.Relationship)
			if col == nil {
				c.errorf(t.Attrs.Of("relationship", t.DeclRange), "Unknown relationship column", "relationship %q is not a column of %s.%s", t.Relationship, t.Table, didYouMean(t.Relationship, lookupsTo(tt, src.Table)))
			} else if !looksUp(col, src.Table) {
				c.errorf(t.Attrs.Of("relationship", t.DeclRange), "Unusable relationship", "relationship %q on %s does not look up %s (the previous stage's table); use a lookup column to %s.%s",
					t.Relationship, t.Table, src.Table, src.Table, didYouMean(t.Relationship, lookupsTo(tt, src.Table)))
			}
		}
		if !cross && !unknownSource && t.Relationship != "" {
			c.warnf(t.Attrs.Of("relationship", t.DeclRange), "Relationship on a same-table stage", "Stage %q does not change table, so relationship %q is not used.", t.Name, t.Relationship)
		}
	}
}

// lookupName is a name for a new lookup column to table: prefixed, once.
func (c *checker) lookupName(table string) string {
	prefix := c.p.Solution.Publisher.Prefix + "_"
	if strings.HasPrefix(table, prefix) {
		return table + "id"
	}
	return prefix + table + "id"
}

func looksUp(col *Column, table string) bool {
	if col.Type != TypeLookup && col.Type != TypeCustomer {
		return false
	}
	return col.Target == table || contains(col.Targets, table)
}

func lookupsTo(t *Table, target string) []string {
	var out []string
	for _, col := range t.Columns {
		if looksUp(col, target) && col.Name != "ownerid" {
			out = append(out, col.Name)
		}
	}
	return out
}

// StoreTable is the one table of a bpfc environment's own whose name a
// project's table could take (a prefix, "_", a name): the stores' others
// have no "_", which every custom table and instance table has.
const StoreTable = "schema_migrations"

func (c *checker) instanceTables() {
	seen := map[string]*Flow{}
	for _, f := range c.p.Flows {
		if other, ok := seen[f.InstanceTable]; ok && other.Name != f.Name {
			c.errorf(f.DeclRange, "Duplicate unique name", "Flows %q and %q both get the instance table %q; set unique_name on one of them.", other.Name, f.Name, f.InstanceTable)
		}
		seen[f.InstanceTable] = f
		if t := c.p.Table(f.InstanceTable); t != nil {
			c.errorf(f.DeclRange, "Instance table clashes with a table", "Flow %q's instance table %q has the name of a table; set a different unique_name.", f.Name, f.InstanceTable)
		}
		if f.InstanceTable == StoreTable {
			c.errorf(f.DeclRange, "Reserved table name", "Flow %q's instance table %q is the name of the table every bpfc environment keeps its schema's migrations in; set a different unique_name.", f.Name, f.InstanceTable)
		}
	}
	for _, t := range c.p.Tables {
		if t.Name == StoreTable && !t.Standard {
			c.errorf(t.DeclRange, "Reserved table name", "%q is the name of the table every bpfc environment keeps its schema's migrations in; name the table otherwise.", t.Name)
		}
	}
	// Active flows per primary table, against every environment's limit.
	active := map[string][]*Flow{}
	for _, f := range c.p.Flows {
		if f.Active {
			active[f.PrimaryTable] = append(active[f.PrimaryTable], f)
		}
	}
	for _, e := range c.p.Environments {
		for table, flows := range active {
			if len(flows) > e.MaxActiveFlowsPerTable {
				c.errorf(flows[e.MaxActiveFlowsPerTable].DeclRange, "Too many active flows on a table",
					"%d active flows run on %s, but environment %q allows %d (max_active_flows_per_table).", len(flows), table, e.Name, e.MaxActiveFlowsPerTable)
			}
		}
	}
}

func (c *checker) workflows() {
	p := c.p
	wfNames := make([]string, len(p.Workflows))
	for i, w := range p.Workflows {
		wfNames[i] = w.Name
		c.processName("Workflow", w.Name, w.DisplayName, w.Attrs, w.DeclRange)
		if _, set := w.Attrs["table"]; set && w.Table == "" {
			c.errorf(w.Attrs.Of("table", w.DeclRange), "Missing table", "table is empty; name the table the workflow runs on, such as \"lead\".")
		}
		if p.Table(w.Table) == nil && w.Table != "" {
			c.errorf(w.Attrs.Of("table", w.DeclRange), "Unknown table", "Workflow %q runs on table %q, which is neither a standard table nor declared in the project.%s", w.Name, w.Table, didYouMean(w.Table, tableNames(p)))
		}
	}
	for _, cu := range c.d.createTables {
		if p.Table(cu.step.CreateTable) == nil {
			c.errorf(cu.rng, "Unknown table", "create.table %q is neither a standard table nor declared in the project.%s", cu.step.CreateTable, didYouMean(cu.step.CreateTable, tableNames(p)))
		}
	}
	for _, u := range c.d.workflowUses {
		w := p.Workflow(u.name)
		if w == nil {
			c.errorf(u.rng, "Unknown workflow", "No workflow %q is declared.%s", u.name, didYouMean(u.name, wfNames))
			continue
		}
		if u.table != nil {
			if t := u.table(); t != "" && w.Table != t && p.Table(t) != nil { // an unknown table is reported on its own
				c.errorf(u.rng, "Workflow on the wrong table", "Workflow %q runs on %s, but it is used where the record is %s %s; use a workflow on %s.", w.Name, w.Table, Article(t), t, t)
			}
		}
		if u.any != nil {
			if ts := u.any(); len(ts) > 0 && !contains(ts, w.Table) {
				c.errorf(u.rng, "Workflow on the wrong table", "Workflow %q runs on %s, which is not a table of this flow (%s).", w.Name, w.Table, strings.Join(ts, ", "))
			}
		}
	}
	// change_status by label: the label must be a status reason of the
	// table (the run time can do nothing else with it).
	for _, w := range p.Workflows {
		t := p.Table(w.Table)
		if t == nil {
			continue
		}
		reasons := DefaultStatusReasons
		if col := t.Column("statuscode"); col != nil && len(col.Options) > 0 {
			reasons = col.Options
		}
		var labels []string
		for _, o := range reasons {
			labels = append(labels, o.Label)
		}
		for _, st := range w.Steps {
			if st.Kind == StepAssign && t.Column("ownerid") == nil {
				c.errorf(st.DeclRange, "Nothing to assign", "Step %q assigns a %s record to an owner, but %s records have none (%s); remove the step.",
					st.Name, t.Name, t.Name, ownerless(t))
			}
			lit, ok := st.Values["status"].(*Literal)
			if st.Kind != StepChangeStatus || !ok || lit.Kind != KindString || contains(labels, lit.Value.AsString()) {
				continue
			}
			c.errorf(lit.Rng, "Unknown status reason", "change_status %q is not a status reason of %s; its status reasons are %s.%s",
				lit.Value.AsString(), t.Name, joinQuoted(labels), didYouMean(lit.Value.AsString(), labels))
		}
	}
	// A secret's value never lands in the store in clear text: no step may
	// write it into a record or an email (the outbox keeps what it sends).
	// A webhook's url may carry it. Nor may a condition read it: the branch
	// taken (the active path anyone reading the instance sees) or the step
	// run would tell it, one guess at a time.
	secretIn := func(e Expr, what string) {
		for _, ref := range VarRefs(e) {
			if ref.Var != nil && ref.Var.Type == VarSecret {
				c.errorf(ref.Rng, "Secret in a condition",
					"var.%s is a secret; %s would tell its value to whoever sees which way it went, one guess at a time. Compare with a string variable instead.",
					ref.Name, what)
			}
		}
	}
	for _, f := range p.Flows {
		for _, s := range f.Stages {
			for _, b := range s.Branches {
				secretIn(b.When, fmt.Sprintf("the branch of stage %q", s.Name))
			}
		}
	}
	for _, w := range p.Workflows {
		secretIn(w.WaitUntil, fmt.Sprintf("the wait_until of workflow %q", w.Name))
		for _, st := range w.Steps {
			secretIn(st.When, fmt.Sprintf("the condition of step %q", st.Name))
		}
	}
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			if st.Kind == StepWebhook {
				continue
			}
			for _, k := range sortedKeys(st.Values) {
				for _, ref := range VarRefs(st.Values[k]) {
					if ref.Var == nil || ref.Var.Type != VarSecret {
						continue
					}
					where := "a column of the record it writes"
					if st.Kind == StepSendEmail {
						where = "an email, which the outbox keeps"
					}
					c.errorf(ref.Rng, "Secret in a stored value",
						"var.%s is a secret, whose value never lands in the store in clear text; step %q would write it into %s. A webhook's url may carry a secret; if %s is not secret, make it a string variable.",
						ref.Name, st.Name, where, ref.Name)
				}
			}
		}
	}
	// A variable that stands for a webhook's url or an email's recipients
	// is text, and its default is such a url or addresses: the run time
	// would only find out when the job fails.
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			for _, k := range addressFields(st) {
				// A column: text, or (recipients) a lookup to whom to send.
				if col, ok := st.Values[k].(*ColumnRef); ok && col.Col != nil {
					kind := ColumnKind(col.Col.Type)
					if kind != KindString && (k == "url" || kind != KindLookup) {
						want := "a text column"
						if k != "url" {
							want = "a text or lookup column"
						}
						c.errorf(col.Rng, "Type mismatch in value", "%s of step %q takes %s; self.%s is %s %s column.", k, st.Name, want, col.Column, Article(col.Col.Type), col.Col.Type)
					}
					continue
				}
				ref, ok := st.Values[k].(*VarRef)
				if !ok || ref.Var == nil {
					continue
				}
				v := ref.Var
				if v.Type != VarString && v.Type != VarSecret {
					c.errorf(ref.Rng, "Type mismatch in value", "%s of step %q is text, and var.%s is a %s variable; use a string variable.", k, st.Name, v.Name, v.Type)
					continue
				}
				if !v.HasDefault() || v.Default.Type() != cty.String {
					continue
				}
				if summary, detail := addressProblem(w, st, k, v, v.Default.AsString()); summary != "" {
					c.errorf(ref.Rng, summary, "var.%s's default: %s", v.Name, detail)
				}
			}
		}
	}
	// start_workflow must not recurse.
	state := map[string]int{}
	var visit func(w *Workflow) bool
	visit = func(w *Workflow) bool {
		state[w.Name] = 1
		for _, st := range w.Steps {
			if st.Kind != StepStartWorkflow {
				continue
			}
			child := p.Workflow(st.Workflow)
			if child == nil {
				continue
			}
			if state[child.Name] == 1 {
				c.errorf(st.DeclRange, "Recursive workflow", "Workflow %q starts %q, which leads back to it; workflows must not start themselves.", w.Name, child.Name)
				return true
			}
			if state[child.Name] == 0 && visit(child) {
				return true
			}
		}
		state[w.Name] = 2
		return false
	}
	for _, w := range p.Workflows {
		if state[w.Name] == 0 {
			visit(w)
		}
	}
}

func (c *checker) roles() {
	var names []string // a grant names a flow, or a table (an extension)
	for _, f := range c.p.Flows {
		names = append(names, f.Name)
	}
	for _, t := range c.p.Tables {
		names = append(names, t.Name)
	}
	// A role's name in Dataverse is its display name: unique, at most 100
	// characters (the build names its file after it).
	byDisplay := map[string]*Role{}
	for _, r := range c.p.Roles {
		display := cmp.Or(r.DisplayName, r.Name)
		if n := utf8.RuneCountInString(display); n > 100 {
			c.errorf(r.DeclRange, "Role name too long", "Role %q is named %d characters long; Dataverse takes at most 100.", r.Name, n)
		}
		key := strings.ToLower(PortableFileName(display)) // the build's file name: one per role
		if prev, dup := byDisplay[key]; dup && prev.Name != r.Name {
			c.errorf(r.DeclRange, "Duplicate role name", "Roles %q and %q are both named %q in Dataverse (a role's display name is its name there); give them different display names.",
				prev.Name, r.Name, display)
			continue
		}
		byDisplay[key] = r
	}
	for _, r := range c.p.Roles {
		seen := map[string]hcl.Range{}
		for _, g := range r.Grants {
			if f, t := c.p.Flow(g.Flow), c.p.Table(g.Flow); f != nil && t != nil && (!t.Standard || t.Extended || slices.Contains(c.p.UsedTables(), t.Name)) {
				c.warnf(g.Attrs.Of("flow", g.DeclRange), "Grant names a flow and a table", "%q is both a flow and a table of the project; the grant is the flow's (its instance table), not the table's.", g.Flow)
			}
			if table, _ := c.p.GrantTable(g); table == "" {
				hint := didYouMean(g.Flow, names)
				for _, f := range c.p.Flows {
					if f.InstanceTable == g.Flow || f.UniqueName == g.Flow {
						hint = fmt.Sprintf(" %s is the instance table of flow %s: grant \"%s\".", g.Flow, f.Name, f.Name)
					}
				}
				c.errorf(g.Attrs.Of("flow", g.DeclRange), "Unknown flow or table", "Role %q grants %q, which is neither a flow nor a table of the project.%s", r.Name, g.Flow, hint)
			}
			if prev, ok := seen[g.Flow]; ok {
				c.errorf(g.DeclRange, "Duplicate grant", "Role %q already grants %q at %s.", r.Name, g.Flow, rangeText(prev))
			}
			seen[g.Flow] = g.DeclRange
		}
	}
}

// PortableFileName is a name as a file name any system takes (a role's,
// in the solution tree): control characters and /\:*?"<>| as _, no
// leading or trailing space or trailing dot.
func PortableFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.TrimRight(s, ". ")
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}

// sameFile is a store file's path as the one file it is: absolute, its
// directory's links resolved where it exists, so that two spellings of one
// file (relative and absolute, through a link) compare equal.
func sameFile(dir, file string) string {
	if !filepath.IsAbs(file) && dir != "" {
		file = filepath.Join(dir, file)
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(file)); err == nil {
		file = filepath.Join(d, filepath.Base(file))
	}
	return file
}

// addressFields are the fields of a step that hold where it posts (a
// webhook's url) or sends (an email's recipients).
func addressFields(st *WorkflowStep) []string {
	switch st.Kind {
	case StepWebhook:
		return []string{"url"}
	case StepSendEmail:
		return []string{"to", "cc"}
	}
	return nil
}

// ValueProblem says what is wrong with raw as the value of v where a
// workflow posts to it (an http or https URL) or sends email to it
// (addresses): a diagnostic's summary and its detail (the value first), or
// "" when nothing is. Defaults are checked here, values from settings files
// and BPFC_VAR_<NAME> when they are deployed: a job would only find out
// when it fails.
func (p *Project) ValueProblem(v *Variable, raw string) (summary, detail string) {
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			for _, k := range addressFields(st) {
				if ref, ok := st.Values[k].(*VarRef); ok && ref.Var == v {
					if summary, detail := addressProblem(w, st, k, v, raw); summary != "" {
						return summary, detail
					}
				}
			}
		}
	}
	return "", ""
}

// addressProblem says what is wrong with raw as v's value in field k of
// step st of w (addressFields): an http or https URL for a webhook's url,
// addresses for an email's recipients.
func addressProblem(w *Workflow, st *WorkflowStep, k string, v *Variable, raw string) (summary, detail string) {
	switch {
	case k == "url" && !isWebhookURL(raw):
		shown := Shorten(raw)
		if v.Type == VarSecret {
			shown = "(a secret)"
		}
		return "Invalid webhook url", fmt.Sprintf("%s is not an http or https URL, and step %q of workflow %q posts to it.", shown, st.Name, w.Name)
	case k != "url" && badAddress(raw) != "":
		return "Invalid email address", fmt.Sprintf("%s is not an email address, and step %q of workflow %q sends to it.", Shorten(badAddress(raw)), st.Name, w.Name)
	}
	return "", ""
}

// environments checks promote_from and puts the pipeline in order: the
// environments as written, each after the one it promotes from. Files are
// read in name order, so a project may keep one environment per file
// (dev.hcl, prod.hcl, test.hcl) and still promote dev -> test -> prod.
func (c *checker) environments() {
	var names []string
	for _, e := range c.p.Environments {
		names = append(names, e.Name)
	}
	// A value where a workflow posts or mails is checked as a default is.
	for _, e := range c.p.Environments {
		for name, val := range e.Values {
			v := c.p.Variable(name)
			if v == nil || val.IsNull() || !val.IsKnown() || val.Type() != cty.String {
				continue
			}
			if summary, detail := c.p.ValueProblem(v, val.AsString()); summary != "" {
				c.errorf(e.ValueRanges[name], summary, "var.%s's value in environment %q: %s", name, e.Name, detail)
			}
		}
	}
	// One SQLite file is one environment: two sharing it would import,
	// uninstall and run in each other's rows.
	files := map[string]*Environment{}
	for _, e := range c.p.Environments {
		file := ""
		switch path, ok := strings.CutPrefix(e.Store, "sqlite://"); {
		case e.URL != "" || strings.HasPrefix(e.Store, "postgres"):
			continue // PostgreSQL keeps each environment in a schema of its own
		case ok:
			file = filepath.Clean(path)
		case e.Store == "":
			file = filepath.FromSlash(e.DefaultStoreFile())
		}
		file = sameFile(c.p.Dir, file)
		if prev, dup := files[file]; dup && prev.Name != e.Name { // a name given twice is its own error
			c.errorf(e.Attrs.Of("store", e.DeclRange), "Shared store", "Environments %q and %q would keep their rows in one SQLite file (%s); give each a store of its own.",
				prev.Name, e.Name, file)
			continue
		}
		files[file] = e
	}
	for _, e := range c.p.Environments {
		if e.PromoteFrom == "" {
			continue
		}
		switch src := c.p.Environment(e.PromoteFrom); {
		case src == nil:
			c.errorf(e.Attrs.Of("promote_from", e.DeclRange), "Unknown environment", "promote_from %q is not a declared environment.%s", e.PromoteFrom, didYouMean(e.PromoteFrom, names))
		case src == e:
			c.errorf(e.Attrs.Of("promote_from", e.DeclRange), "Promotion cycle", "Environment %q promotes from itself; promote_from names the environment before it in the pipeline.", e.Name)
		}
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[*Environment]int{}
	var order []*Environment
	var visit func(e *Environment, path []string)
	visit = func(e *Environment, path []string) {
		switch state[e] {
		case done:
			return
		case visiting:
			c.errorf(e.Attrs.Of("promote_from", e.DeclRange), "Promotion cycle", "The environments promote from each other in a circle: %s. The pipeline needs a first environment, one without promote_from.",
				strings.Join(append(path, e.Name), " <- "))
			return
		}
		state[e] = visiting
		if src := c.p.Environment(e.PromoteFrom); src != nil && src != e {
			visit(src, append(path, e.Name))
		}
		state[e] = done
		order = append(order, e)
	}
	for _, e := range c.p.Environments {
		visit(e, nil)
	}
	c.p.Environments = order
}

func (c *checker) policy() {
	pol := c.p.Policy
	if pol == nil {
		return
	}
	if pol.FlowNamePattern != "" {
		re := regexp.MustCompile(pol.FlowNamePattern)
		for _, f := range c.p.Flows {
			if !re.MatchString(f.Name) {
				c.errorf(f.DeclRange, "Policy: flow name", "Flow %q does not match the policy's flow_name_pattern %q.", f.Name, pol.FlowNamePattern)
			}
		}
	}
	if pol.RequireOwner {
		for _, f := range c.p.Flows {
			if strings.TrimSpace(f.Owner) == "" {
				c.errorf(f.DeclRange, "Policy: missing owner", "The policy requires every flow to name its owner; add owner = \"team@example.com\" to flow %q.", f.Name)
			}
		}
	}
	var names []string
	for _, e := range c.p.Environments {
		names = append(names, e.Name)
	}
	for i, n := range pol.ManagedIn {
		e := c.p.Environment(n)
		switch {
		case e == nil:
			c.errorf(elemRange(c.d.policyManagedExpr, i), "Unknown environment", "The policy names environment %q, which is not declared.%s", n, didYouMean(n, names))
		case !e.Managed:
			c.errorf(e.Attrs.Of("managed", e.DeclRange), "Policy: unmanaged environment", "The policy requires environment %q to receive the managed solution; set managed = true.", n)
		}
	}
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

// ownerless says why t's records have no owner.
func ownerless(t *Table) string {
	if t.Ownership == OwnershipOrganization {
		return "an organization-owned table"
	}
	return "the organization or the system has them"
}
