package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler/catalog"
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
					back := ""
					if tableBefore(incoming, src, t.Table) {
						back = fmt.Sprintf(" The move returns to the %s record the instance already has from an earlier stage, yet the stage still needs a relationship to the table before it, as Dataverse's designer writes one for every change of table.", t.Table)
					}
					c.errorf(t.DeclRange, "Cross-table stage without a relationship",
						"Stage %q moves from %s to %s, but %s has no lookup to %s.%s Add one to table %q and set relationship to it, e.g.:\n%s",
						t.Name, src.Table, t.Table, t.Table, src.Table, back, t.Table, lookupColumnExample(c.lookupName(src.Table), src.Table))
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
		// In a flow with a next that names no stage, the stages leading
		// here are not all known: one on another table may be among them.
		if !cross && !unknownSource && t.Relationship != "" && !c.d.danglingFlows[f] {
			c.warnf(t.Attrs.Of("relationship", t.DeclRange), "Relationship on a same-table stage", "Stage %q does not change table, so relationship %q is not used.", t.Name, t.Relationship)
		}
	}
}

// tableBefore says whether a stage on table comes before src on some path
// of its flow: a move from src onto table goes back to a table the instance has a
// record of. incoming lists each stage's predecessors.
func tableBefore(incoming map[string][]*Stage, src *Stage, table string) bool {
	seen := map[string]bool{src.Name: true}
	queue := []*Stage{src}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, p := range incoming[s.Name] {
			if p.Table == table {
				return true
			}
			if !seen[p.Name] {
				seen[p.Name] = true
				queue = append(queue, p)
			}
		}
	}
	return false
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

// StoreTable is the table every bpfc environment keeps its schema's
// migrations in.
const StoreTable = "schema_migrations"

// StoreObjects are the names of the tables and indexes of a bpfc
// environment's own that a project's table could take: a custom table or
// an instance table is named prefix_name, and both SQLite and PostgreSQL
// keep a schema's tables and indexes under one namespace. The stores'
// other objects have no "_" in their names (their tables) or start with
// "_" (the indexes they make on a project's tables), which no table's name
// does; the stores' tests check the list against the objects they make.
var StoreObjects = []string{
	StoreTable,
	"apitoken_by_user",
	"processstage_by_workflow",
	"stageexit_by_visit",
	"stageexit_done",
	"stagevisit_by_instance",
	"stagevisit_entries",
	"stagevisit_left",
	"systemuser_domainname",
	"systemuser_fold",
	"workflow_by_table",
	"workflowjob_by_record",
	"workflowjob_by_state",
	"workflowjob_due",
	// PostgreSQL names a table's primary key index table_pkey, a unique
	// column's table_column_key and a serial's sequence table_column_seq.
	"apitoken_token_sha256_key",
	"importjob_importjob_id_seq",
	"outbox_email_id_seq",
	"role_role_id_key",
	"stagevisit_stagevisit_id_seq",
	"workflowjob_job_id_seq",
	"accessstamp_pkey",
	"apitoken_pkey",
	"attribute_pkey",
	"entity_pkey",
	"environmentgate_pkey",
	"environmentlease_pkey",
	"environmentlock_pkey",
	"environmentvariabledefinition_pkey",
	"environmentvariablevalue_pkey",
	"importarchive_pkey",
	"importjob_pkey",
	"lookuptarget_pkey",
	"modelsnapshot_pkey",
	"organization_pkey",
	"outbox_pkey",
	"processstage_pkey",
	"publisher_pkey",
	"role_pkey",
	"roleprivilege_pkey",
	"schema_migrations_pkey",
	"solution_pkey",
	"solutioncomponent_pkey",
	"stagedvariablevalue_pkey",
	"stagevisit_pkey",
	"systemuserroles_pkey",
	"workflow_pkey",
	"workflowjob_pkey",
}

// ReportIndexPrefix starts the name of the index the store makes on each
// flow's instance table (rpt_ and the table's name).
const ReportIndexPrefix = "rpt_"

// PrimaryKeySuffix ends the name PostgreSQL gives a table's primary key
// index (table_pkey), which the store lets it choose.
const PrimaryKeySuffix = "_pkey"

// reservedTable says why a bpfc environment could not hold a project's
// table (custom or instance) named name, or "" when it could; instances
// are the project's instance tables, by name, whose report indexes the
// name must not take, and isTable says whether a name is a table the
// environment has with the project (a standard, custom or instance table),
// whose primary key index it must not take.
func reservedTable(name string, instances map[string]*Flow, isTable func(string) bool) string {
	switch {
	case name == StoreTable:
		return "the name of the table every bpfc environment keeps its schema's migrations in"
	case slices.Contains(StoreObjects, name):
		return "the name of an index every bpfc environment keeps on its own tables"
	case strings.HasPrefix(name, "sqlite_"):
		// SQLite refuses to create any object so named.
		return "a name starting with sqlite_, which SQLite keeps for itself"
	case strings.HasPrefix(name, "pg_"):
		// pg_catalog is searched before the environment's schema: a table
		// named as one of its relations would read PostgreSQL's.
		return "a name starting with pg_, which PostgreSQL keeps for its catalog (pg_class, pg_settings, ...) and looks up before an environment's tables"
	}
	if f := instances[strings.TrimPrefix(name, ReportIndexPrefix)]; f != nil && strings.HasPrefix(name, ReportIndexPrefix) {
		return fmt.Sprintf("the name of the report index bpfc makes on flow %q's instance table %q", f.Name, f.InstanceTable)
	}
	if stem, ok := strings.CutSuffix(name, PrimaryKeySuffix); ok && isTable(stem) {
		return fmt.Sprintf("the name PostgreSQL gives the primary key index of the table %q", stem)
	}
	return ""
}

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
	}
	isTable := func(name string) bool {
		_, std := catalog.Lookup(name)
		return std || seen[name] != nil || c.p.Table(name) != nil
	}
	for _, f := range c.p.Flows {
		if why := reservedTable(f.InstanceTable, seen, isTable); why != "" {
			c.errorf(f.Attrs.Of("unique_name", f.DeclRange), "Reserved table name", "Flow %q's instance table %q is %s; set a different unique_name%s.", f.Name, f.InstanceTable, why, otherPrefix(f.InstanceTable))
		}
	}
	for _, t := range c.p.Tables {
		if !t.Custom {
			// A standard table is the environment's; an external one is
			// another solution's, which deploy only looks up.
			continue
		}
		if why := reservedTable(t.Name, seen, isTable); why != "" {
			c.errorf(t.DeclRange, "Reserved table name", "%q is %s; name the table otherwise%s.", t.Name, why, otherPrefix(t.Name))
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

// otherPrefix suggests a publisher prefix other than the one that makes
// name reserved, when the prefix alone does.
func otherPrefix(name string) string {
	for _, p := range []string{"sqlite_", "pg_"} {
		if strings.HasPrefix(name, p) {
			return fmt.Sprintf(", or choose a publisher prefix other than %q, which starts every table's name so", strings.TrimSuffix(p, "_"))
		}
	}
	return ""
}

// ownerless says why t's records have no owner.
func ownerless(t *Table) string {
	if t.Ownership == OwnershipOrganization {
		return "an organization-owned table"
	}
	return "the organization or the system has them"
}
