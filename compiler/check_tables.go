package compiler

import (
	"fmt"
	"strconv"
	"strings"
)

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
						"Stage %q moves from %s to %s, but %s has no lookup to %s. Add one to table %q and set relationship to it, e.g.:\n%s",
						t.Name, src.Table, t.Table, t.Table, src.Table, t.Table, lookupColumnExample(c.lookupName(src.Table), src.Table))
				default:
					c.errorf(t.DeclRange, "Ambiguous relationship", "Stage %q moves from %s to %s, and %s has several lookups to %s (%s); set relationship to one of them.",
						t.Name, src.Table, t.Table, t.Table, src.Table, strings.Join(cands, ", "))
				}
				continue
			}
			col := tt.Column(t.Relationship)
			if col == nil {
				detail := fmt.Sprintf("relationship %q is not a column of %s.", t.Relationship, t.Table)
				if hint := didYouMean(t.Relationship, lookupsTo(tt, src.Table)); hint != "" {
					detail += hint
				} else { // none near: say which there are, or that one is to be added
					detail = strings.TrimSuffix(detail, ".") + "; " + c.lookupHint(t, tt, src.Table)
				}
				c.errorf(t.Attrs.Of("relationship", t.DeclRange), "Unknown relationship column", "%s", detail)
			} else if !looksUp(col, src.Table) && (col.Type != TypeLookup || c.p.Table(col.Target) != nil) { // an unknown target is reported on its own
				c.errorf(t.Attrs.Of("relationship", t.DeclRange), "Unusable relationship", "relationship %q on %s does not look up %s (the previous stage's table); %s",
					t.Relationship, t.Table, src.Table, c.lookupHint(t, tt, src.Table))
			}
		}
		if !cross && !unknownSource && t.Relationship != "" {
			c.warnf(t.Attrs.Of("relationship", t.DeclRange), "Relationship on a same-table stage", "Stage %q does not change table, so relationship %q is not used.", t.Name, t.Relationship)
		}
	}
}

// lookupHint says which lookup column of tt to src a stage's relationship
// could name: the near one, the ones there are, or one to add.
func (c *checker) lookupHint(t *Stage, tt *Table, src string) string {
	cands := lookupsTo(tt, src)
	if hint := didYouMean(t.Relationship, cands); hint != "" {
		return "use a lookup column to " + src + "." + hint
	}
	switch len(cands) {
	case 0:
		return fmt.Sprintf("%s has no lookup to %s: add one to table %q and name it, e.g.:\n%s", t.Table, src, t.Table, lookupColumnExample(c.lookupName(src), src))
	case 1:
		return fmt.Sprintf("its lookup to %s is %q: use that (or leave relationship out).", src, cands[0])
	}
	return fmt.Sprintf("use one of its lookups to %s: %s.", src, joinQuoted(cands))
}

// lookupColumnExample is a lookup column block to paste into a table block,
// written over several lines: HCL takes only one argument in a block
// written on one line.
func lookupColumnExample(name, target string) string {
	return fmt.Sprintf("  column %q {\n    type   = \"lookup\"\n    target = %q\n  }", name, target)
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

// clashingFlow orders two flows that get the same instance table: the one to
// report is the one whose unique_name makes the clash, or else the one declared
// later; the other is named by its place.
func clashingFlow(a, b *Flow) (at, first *Flow) {
	_, aSet := a.Attrs["unique_name"]
	_, bSet := b.Attrs["unique_name"]
	if aSet != bSet {
		if aSet {
			return a, b
		}
		return b, a
	}
	if declaredBefore(a.DeclRange, b.DeclRange) {
		return b, a
	}
	return a, b
}

// StoreTable is the one table of a bpfc environment's own whose name a
// project's table could take (a prefix, "_", a name): the stores' others
// have no "_", which every custom table and instance table has.
const StoreTable = "schema_migrations"

// freeUniqueName is a unique_name for flow f whose instance table is no
// table's and no other flow's and fits Dataverse's 50 characters: f's
// own, shortened where it must be, with "process", "flow" or "process2",
// "process3", … after it.
func (c *checker) freeUniqueName(f *Flow) string {
	head := strings.TrimSuffix(f.InstanceTable, f.UniqueName) // the prefix and "_"
	taken := func(name string) bool {
		if c.p.Table(head+name) != nil {
			return true
		}
		for _, g := range c.p.Flows {
			if g != f && g.InstanceTable == head+name {
				return true
			}
		}
		return false
	}
	for i := 0; ; i++ {
		suffix := "process"
		switch {
		case i == 1:
			suffix = "flow"
		case i > 1:
			suffix += strconv.Itoa(i)
		}
		base := f.UniqueName
		if n := max(maxInstanceTable-len(head)-len(suffix), 1); len(base) > n {
			base = base[:n]
		}
		if !taken(base + suffix) {
			return base + suffix
		}
	}
}

// maxInstanceTable is how long Dataverse names a flow's instance table at
// most.
const maxInstanceTable = 50

func (c *checker) instanceTables() {
	seen := map[string]*Flow{}
	for _, f := range c.p.Flows {
		if other, ok := seen[f.InstanceTable]; ok && other.Name != f.Name {
			at, first := clashingFlow(f, other)
			c.errorf(at.Attrs.Of("unique_name", at.DeclRange), "Duplicate unique name", "Flows %q and %q (declared at %s) both get the instance table %q; set unique_name on one of them.", at.Name, first.Name, rangeText(first.DeclRange), f.InstanceTable)
		}
		seen[f.InstanceTable] = f
		if t := c.p.Table(f.InstanceTable); t != nil {
			// A flow named after its table is the usual way here: name one
			// that is free.
			c.errorf(f.DeclRange, "Instance table clashes with a table", "Flow %q's instance table %q has the name of a table; set a different unique_name in the flow, e.g. unique_name = %q.", f.Name, f.InstanceTable, c.freeUniqueName(f))
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

// ownerless says why t's records have no owner.
func ownerless(t *Table) string {
	if t.Ownership == OwnershipOrganization {
		return "an organization-owned table"
	}
	return "the organization or the system has them"
}
