package diff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Change is one semantic difference between two builds. Its JSON shape is
// stable:
//
//	kind    solution, publisher, variable, table, column, flow, stage, step,
//	        branch, role, grant, workflow, workflow_step or environment
//	        (two project sources only; fields managed, store, url,
//	        promote_from, max_active_flows_per_table, values.NAME)
//	name    the component: its HCL label, qualified by its container with dots
//	        ("strategic_deal.develop.value", "opportunity.cts_approverid",
//	        "sales_manager.strategic_deal"); a branch is named by its stage and
//	        target ("strategic_deal.develop to approval", with " (2)" for a
//	        second branch to the same stage)
//	change  added, removed or changed
//	field   for changed: the attribute, named as in HCL (display_name,
//	        required, category, when, default, privileges, ...), or "stages",
//	        "steps", "branches" for an order that changed; "" otherwise
//	old     for changed: the old value as text; for removed: a one-line
//	        summary of what was removed; "" otherwise
//	new     for changed: the new value; for added: a one-line summary of
//	        what was added; "" otherwise
//
// Values are text: conditions as compiler.FormatExpr writes them, lists
// joined with ", ", booleans as true/false; "" is no value.
type Change struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Change string `json:"change"`
	Field  string `json:"field"`
	Old    string `json:"old"`
	New    string `json:"new"`
}

// Change kinds.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// collector gathers changes in the order they are found.
type collector struct{ out []Change }

func (c *collector) added(kind, name, summary string) {
	c.out = append(c.out, Change{Kind: kind, Name: name, Change: Added, New: summary})
}

func (c *collector) removed(kind, name, summary string) {
	c.out = append(c.out, Change{Kind: kind, Name: name, Change: Removed, Old: summary})
}

func (c *collector) field(kind, name, field, old, new string) {
	if old != new {
		c.out = append(c.out, Change{Kind: kind, Name: name, Change: Changed, Field: field, Old: old, New: new})
	}
}

// Semantic lists what changed from old to new, in a fixed order: the
// solution and publisher, variables, tables and their columns, flows (each
// with its stages in written order, their steps and branches), roles and
// their grants, workflows and their steps. Within a section components are
// sorted by name, except stages, steps, branches, grants and columns, which
// keep the order they are written in (a removed one where it used to be).
// Standard tables and columns of the catalog are compared only where the
// project extends them. Environments and the policy are not part of a build
// and are not compared here (Environments compares the former).
func Semantic(old, new *compiler.Project) []Change {
	c := &collector{}
	c.solution(old, new)
	c.variables(old, new)
	c.tables(old, new)
	c.flows(old, new)
	c.roles(old, new)
	c.workflows(old, new)
	return c.out
}

func (c *collector) solution(old, new *compiler.Project) {
	os, ns := old.Solution, new.Solution
	if os == nil || ns == nil {
		return
	}
	c.field("solution", ns.Name, "name", os.Name, ns.Name)
	c.field("solution", ns.Name, "display_name", os.DisplayName, ns.DisplayName)
	c.field("solution", ns.Name, "version", os.Version, ns.Version)
	c.field("solution", ns.Name, "description", os.Description, ns.Description)
	op, np := os.Publisher, ns.Publisher
	if op == nil || np == nil {
		return
	}
	c.field("publisher", np.Name, "name", op.Name, np.Name)
	c.field("publisher", np.Name, "display_name", op.DisplayName, np.DisplayName)
	c.field("publisher", np.Name, "prefix", op.Prefix, np.Prefix)
	c.field("publisher", np.Name, "option_value_prefix", itoa(op.OptionValuePrefix), itoa(np.OptionValuePrefix))
}

func (c *collector) variables(old, new *compiler.Project) {
	for _, name := range sortedUnion(names(old.Variables, varName), names(new.Variables, varName)) {
		ov, nv := old.Variable(name), new.Variable(name)
		switch {
		case ov == nil:
			c.added("variable", name, variableSummary(nv))
		case nv == nil:
			c.removed("variable", name, variableSummary(ov))
		default:
			c.field("variable", name, "schema_name", ov.SchemaName, nv.SchemaName)
			c.field("variable", name, "type", ov.Type, nv.Type)
			c.field("variable", name, "default", defaultText(ov), defaultText(nv))
			c.field("variable", name, "display_name", ov.DisplayName, nv.DisplayName)
			c.field("variable", name, "description", ov.Description, nv.Description)
			c.field("variable", name, "required", strconv.FormatBool(!ov.Optional), strconv.FormatBool(!nv.Optional))
		}
	}
}

func varName(v *compiler.Variable) string { return v.Name }

func variableSummary(v *compiler.Variable) string {
	if !v.HasDefault() {
		return "type " + v.Type + ", no default"
	}
	return "type " + v.Type + ", default " + defaultText(v)
}

func defaultText(v *compiler.Variable) string {
	if !v.HasDefault() {
		return ""
	}
	return valueText(v.Default)
}

// valueText writes a value as HCL (strings quoted), json values as JSON.
func valueText(v cty.Value) string {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return compiler.FormatValue(v)
	}
	switch v.Type() {
	case cty.String, cty.Number, cty.Bool:
		return compiler.FormatValue(v)
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return string(b)
}

// relevant reports whether a table is the project's own business: custom,
// external or extended. Plain catalog tables are the same in every build.
func relevant(t *compiler.Table) bool { return t != nil && (!t.Standard || t.Extended) }

func (c *collector) tables(old, new *compiler.Project) {
	var on, nn []string
	for _, t := range old.Tables {
		if relevant(t) {
			on = append(on, t.Name)
		}
	}
	for _, t := range new.Tables {
		if relevant(t) {
			nn = append(nn, t.Name)
		}
	}
	for _, name := range sortedUnion(on, nn) {
		ot, nt := old.Table(name), new.Table(name)
		switch {
		case ot == nil:
			c.added("table", name, tableSummary(nt))
			continue
		case nt == nil:
			c.removed("table", name, tableSummary(ot))
			continue
		}
		c.field("table", name, "kind", tableKind(ot), tableKind(nt))
		if !ot.External || !nt.External {
			// An external table's display name is the project's note only:
			// no build carries it (nor the digest), so an unpacked build
			// cannot give it back.
			c.field("table", name, "display_name", ot.DisplayName, nt.DisplayName)
		}
		c.field("table", name, "primary_column", ot.PrimaryColumn, nt.PrimaryColumn)
		c.field("table", name, "ownership", ot.OwnershipName(), nt.OwnershipName())
		c.columns(ot, nt)
	}
}

func tableKind(t *compiler.Table) string {
	k := "standard"
	switch {
	case t.Custom:
		k = "custom"
	case t.External:
		k = "external"
	}
	if t.Extended {
		k += ", extended"
	}
	return k
}

func tableSummary(t *compiler.Table) string {
	n := 0
	for _, col := range t.Columns {
		if !col.Standard {
			n++
		}
	}
	return tableKind(t) + " table, " + compiler.Plural(n, "column")
}

func (c *collector) columns(ot, nt *compiler.Table) {
	own := func(t *compiler.Table) []string {
		var out []string
		for _, col := range t.Columns {
			if !col.Standard {
				out = append(out, col.Name)
			}
		}
		return out
	}
	for _, name := range orderedUnion(own(ot), own(nt)) {
		full := nt.Name + "." + name
		oc, nc := ot.Column(name), nt.Column(name)
		switch {
		case oc == nil:
			c.added("column", full, columnSummary(nc))
			continue
		case nc == nil:
			c.removed("column", full, columnSummary(oc))
			continue
		}
		c.field("column", full, "display_name", oc.DisplayName, nc.DisplayName)
		c.field("column", full, "type", oc.Type, nc.Type)
		if compiler.HasMaxLength(oc.Type) && compiler.HasMaxLength(nc.Type) {
			c.field("column", full, "max_length", itoaOpt(oc.MaxLength), itoaOpt(nc.MaxLength))
		}
		c.field("column", full, "target", oc.Target, nc.Target)
		c.field("column", full, "targets", strings.Join(oc.Targets, ", "), strings.Join(nc.Targets, ", "))
		c.field("column", full, "options", optionsText(oc.Options), optionsText(nc.Options))
		c.field("column", full, "required", boolText(oc.Required), boolText(nc.Required))
		if oc.Type == compiler.TypeDateTime && nc.Type == compiler.TypeDateTime {
			c.field("column", full, "behavior", compiler.BehaviorName(oc.Behavior), compiler.BehaviorName(nc.Behavior))
		}
	}
}

// behaviorText is a datetime column's behavior as the language writes it.
func columnSummary(col *compiler.Column) string {
	s := "type " + col.Type
	if col.Target != "" && col.Type == compiler.TypeLookup {
		s += " to " + col.Target
	}
	if col.Behavior != "" {
		s += ", " + col.Behavior
	}
	if col.Required {
		s += ", required"
	}
	return s
}

func optionsText(opts []compiler.Option) string {
	sorted := slices.Clone(opts)
	slices.SortFunc(sorted, func(a, b compiler.Option) int { return a.Value - b.Value })
	var parts []string
	for _, o := range sorted {
		parts = append(parts, o.Label+" = "+itoa(o.Value))
	}
	return strings.Join(parts, ", ")
}

func (c *collector) roles(old, new *compiler.Project) {
	roleName := func(r *compiler.Role) string { return r.Name }
	for _, name := range sortedUnion(names(old.Roles, roleName), names(new.Roles, roleName)) {
		or, nr := findRole(old, name), findRole(new, name)
		switch {
		case or == nil:
			c.added("role", name, roleSummary(nr))
			continue
		case nr == nil:
			c.removed("role", name, roleSummary(or))
			continue
		}
		c.field("role", name, "display_name", or.DisplayName, nr.DisplayName)
		flowOf := func(g *compiler.Grant) string { return g.Flow }
		for _, flow := range orderedUnion(names(or.Grants, flowOf), names(nr.Grants, flowOf)) {
			full := name + "." + flow
			og, ng := findGrant(or, flow), findGrant(nr, flow)
			switch {
			case og == nil:
				c.added("grant", full, grantSummary(ng))
			case ng == nil:
				c.removed("grant", full, grantSummary(og))
			default:
				c.field("grant", full, "privileges", strings.Join(og.Privileges, ", "), strings.Join(ng.Privileges, ", "))
				c.field("grant", full, "depth", depth(og), depth(ng))
			}
		}
	}
}

func findRole(p *compiler.Project, name string) *compiler.Role {
	for _, r := range p.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func findGrant(r *compiler.Role, flow string) *compiler.Grant {
	for _, g := range r.Grants {
		if g.Flow == flow {
			return g
		}
	}
	return nil
}

func depth(g *compiler.Grant) string {
	if g.Depth == "" {
		return "organization"
	}
	return g.Depth
}

func roleSummary(r *compiler.Role) string {
	if len(r.Grants) == 0 {
		return "no grants"
	}
	var flows []string
	for _, g := range r.Grants {
		flows = append(flows, g.Flow)
	}
	return "grants on " + strings.Join(flows, ", ")
}

func grantSummary(g *compiler.Grant) string {
	return strings.Join(g.Privileges, ", ") + " at " + depth(g) + " depth"
}

// Helpers over name lists.

func names[T any](items []T, name func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, name(it))
	}
	return out
}

// sortedUnion is the sorted set of names on either side.
func sortedUnion(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// orderedUnion keeps b's order and puts each name only in a right after the
// name that preceded it in a (or first): removed components stay where they were.
func orderedUnion(a, b []string) []string {
	out := slices.Clone(b)
	prev := ""
	for _, n := range a {
		if !slices.Contains(out, n) {
			at := 0
			if prev != "" {
				at = slices.Index(out, prev) + 1
			}
			out = slices.Insert(out, at, n)
		}
		prev = n
	}
	return out
}

// orderChanged reports whether the names both lists share appear in a different order.
func orderChanged(a, b []string) bool {
	common := func(x, y []string) []string {
		var out []string
		for _, n := range x {
			if slices.Contains(y, n) {
				out = append(out, n)
			}
		}
		return out
	}
	return !slices.Equal(common(a, b), common(b, a))
}

func itoa(n int) string { return strconv.Itoa(n) }

func itoaOpt(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func boolText(b bool) string { return strconv.FormatBool(b) }
