package compiler

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

func (d *decoder) decodeFlow(b *hcl.Block) {
	f := &Flow{Name: d.ident(b, "flow"), DeclRange: b.DefRange, Type: FlowBusiness, Active: true}
	before := len(d.diags)
	c := d.content(b.Body,
		[]string{"display_name", "description", "primary_table", "order", "type", "active", "unique_name", "owner", "on_finish", "on_abandon"},
		[]string{"primary_table"},
		hcl.BlockHeaderSchema{Type: "stage", LabelNames: []string{"name"}})
	d.str(c, "display_name", &f.DisplayName)
	f.Attrs = ranges(c)
	d.str(c, "description", &f.Description)
	d.str(c, "primary_table", &f.PrimaryTable)
	d.integer(c, "order", &f.Order)
	d.boolean(c, "active", &f.Active)
	d.str(c, "owner", &f.Owner)
	if d.str(c, "type", &f.Type) && f.Type != FlowBusiness && f.Type != FlowTask {
		d.errorf(c.Attributes["type"].Expr.Range(), "Unknown flow type", "%q is not a flow type; use \"business\" or \"task\".%s",
			f.Type, didYouMean(f.Type, []string{FlowBusiness, FlowTask}))
		f.Type = FlowBusiness
	}
	f.UniqueName = strings.ReplaceAll(f.Name, "_", "")
	if d.str(c, "unique_name", &f.UniqueName) && !identRe.MatchString(f.UniqueName) {
		d.errorf(c.Attributes["unique_name"].Expr.Range(), "Invalid unique_name",
			"%q is not a valid unique name: lowercase letters, digits and underscores, starting with a letter.%s", f.UniqueName, identHint(f.UniqueName, 64))
	}
	if f.DisplayName == "" {
		f.DisplayName = f.Name
	}
	f.OnFinish = d.workflowRefs(c, "on_finish")
	f.OnAbandon = d.workflowRefs(c, "on_abandon")
	for _, refs := range [][]*WorkflowRef{f.OnFinish, f.OnAbandon} {
		for _, r := range refs {
			d.workflowUses = append(d.workflowUses, workflowUse{name: r.Name, rng: r.Range, any: f.Tables})
		}
	}
	for i, sb := range c.Blocks {
		s := d.decodeStage(sb, f)
		s.Index = i
		f.Stages = append(f.Stages, s)
	}
	// A misspelt stage block ("stgae") is said so where it is written; the
	// flow is not also without stages.
	misspeltStage := slices.ContainsFunc(d.diags[before:], func(dg *hcl.Diagnostic) bool {
		return dg.Summary == "Unsupported block type" && strings.Contains(dg.Detail, `Did you mean "stage"?`)
	})
	if len(f.Stages) == 0 && !misspeltStage {
		d.errorf(b.DefRange, "Flow without stages", "A flow needs at least one stage block: add one inside it, e.g. stage \"qualify\" {} (its steps go inside the braces).")
	}
	d.p.Flows = append(d.p.Flows, f)
}

func (d *decoder) decodeStage(b *hcl.Block, f *Flow) *Stage {
	s := &Stage{Name: d.ident(b, "stage"), DeclRange: b.DefRange}
	c := d.content(b.Body,
		[]string{"display_name", "category", "table", "relationship", "next", "on_enter", "on_exit"}, nil,
		hcl.BlockHeaderSchema{Type: "step", LabelNames: []string{"name"}},
		hcl.BlockHeaderSchema{Type: "action", LabelNames: []string{"name"}},
		hcl.BlockHeaderSchema{Type: "branch"})
	s.Attrs = ranges(c)
	d.str(c, "display_name", &s.DisplayName)
	if s.DisplayName == "" {
		s.DisplayName = s.Name
	}
	if d.str(c, "category", &s.Category) {
		if _, ok := StageCategories[s.Category]; !ok {
			d.errorf(c.Attributes["category"].Expr.Range(), "Unknown stage category",
				"%q is not a stage category; use one of qualify, develop, propose, close, identify, research, resolve, approval (or leave it out).%s",
				s.Category, didYouMean(s.Category, sortedKeys(StageCategories)))
			s.Category = ""
		}
	}
	d.stageTable[s] = d.str(c, "table", &s.Table)
	d.name(c, "relationship", &s.Relationship)
	if a, ok := c.Attributes["next"]; ok {
		d.stageNext[s] = a.Expr
		s.NextExplicit = true
	}
	s.OnEnter = d.workflowRefs(c, "on_enter")
	s.OnExit = d.workflowRefs(c, "on_exit")
	for _, blk := range c.Blocks {
		switch blk.Type {
		case "step":
			st := &Step{Name: d.ident(blk, "step"), DeclRange: blk.DefRange}
			// column is required, but said missing by the check, which
			// knows the stage's table and so a column to suggest.
			// A misspelt column is said so where it is written instead.
			before := len(d.diags)
			sc := d.content(blk.Body, []string{"column", "required", "display_name"}, nil)
			st.Attrs = ranges(sc)
			if _, ok := sc.Attributes["column"]; !ok && !slices.ContainsFunc(d.diags[before:], func(dg *hcl.Diagnostic) bool {
				return dg.Summary == "Unsupported argument" && strings.Contains(dg.Detail, `Did you mean "column"?`)
			}) {
				d.missingColumn[st] = true
			}
			if !d.str(sc, "column", &st.Column) {
				d.noColumn[st] = true
			}
			d.boolean(sc, "required", &st.Required)
			d.str(sc, "display_name", &st.DisplayName)
			s.Steps = append(s.Steps, st)
		case "action":
			st := &Step{Name: d.ident(blk, "action"), DeclRange: blk.DefRange, Action: true}
			sc := d.content(blk.Body, []string{"workflow", "display_name"}, []string{"workflow"})
			st.Attrs = ranges(sc)
			d.str(sc, "display_name", &st.DisplayName)
			if a, ok := sc.Attributes["workflow"]; ok {
				if n, ok := d.ref(a.Expr, "workflow"); ok {
					st.Workflow = n
					d.workflowUses = append(d.workflowUses, workflowUse{name: n, rng: a.Expr.Range(), table: func() string { return s.Table }})
				}
			}
			if st.DisplayName == "" {
				st.DisplayName = st.Name
			}
			s.Steps = append(s.Steps, st)
		case "branch":
			br := &Branch{DeclRange: blk.DefRange}
			bc := d.content(blk.Body, []string{"when", "next"}, []string{"when", "next"})
			if a, ok := bc.Attributes["next"]; ok {
				d.branchNext[br] = a.Expr
			}
			if a, ok := bc.Attributes["when"]; ok {
				d.conds = append(d.conds, pendingExpr{expr: a.Expr, table: func() string { return s.Table }, set: func(e Expr) { br.When = e }, bool: true})
			}
			s.Branches = append(s.Branches, br)
		}
	}
	for _, refs := range [][]*WorkflowRef{s.OnEnter, s.OnExit} {
		for _, r := range refs {
			d.workflowUses = append(d.workflowUses, workflowUse{name: r.Name, rng: r.Range, table: func() string { return s.Table }})
		}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
