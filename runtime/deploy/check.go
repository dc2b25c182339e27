package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// compareVersions compares two four-part versions.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// checkSolution applies the rules about what is installed: managed or not,
// the version gate, and a pending staged upgrade.
func checkSolution(st *state, t Target, b *Build, mode Mode) []string {
	var causes []string
	name, managed, version := b.Solution(), t.Env.Managed, b.Version()
	if st.base != nil {
		switch {
		case st.base.Managed && !managed:
			causes = append(causes, fmt.Sprintf("%s is installed managed in %s; an unmanaged import over a managed solution is not allowed "+
				"(set managed = true for environment %q, or uninstall %s first)", name, t.Env.Name, t.Env.Name, name))
		case !st.base.Managed && managed:
			causes = append(causes, fmt.Sprintf("%s is installed unmanaged in %s; a managed import over it is not allowed: "+
				"uninstall it first (bpfc uninstall %s --env %s; its components stay and the managed import takes them over), "+
				"or set managed = false for environment %q", name, t.Env.Name, name, t.Env.Name, t.Env.Name))
		}
		if c := compareVersions(version, st.base.Version); c < 0 {
			causes = append(causes, fmt.Sprintf("version %s is lower than the installed %s %s; raise the solution version above %s",
				version, name, st.base.Version, st.base.Version))
		} else if c == 0 && mode == Stage {
			causes = append(causes, fmt.Sprintf("a staged upgrade needs a higher version than the installed %s %s", name, st.base.Version))
		}
	}
	if st.holding != nil {
		// As Dataverse refuses a second holding solution: the pending
		// one is completed or canceled first.
		causes = append(causes, fmt.Sprintf("a staged upgrade of %s (%s %s) is pending in %s: complete it with bpfc apply-upgrade %s --env %s, or cancel it with bpfc uninstall %s --env %s",
			name, st.holding.Name, st.holding.Version, t.Env.Name, name, t.Env.Name, st.holding.Name, t.Env.Name))
	}
	if mode == Stage && st.base != nil {
		causes = append(causes, stagedTypeChanges(st, b)...)
	}
	if mode == Stage && !managed {
		causes = append(causes, fmt.Sprintf("staged upgrades are for managed solutions; %s receives %s unmanaged (use --mode upgrade or update)", t.Env.Name, name))
	}
	if s, ok := st.solutions[name]; ok && s.State == store.StateHolding {
		causes = append(causes, fmt.Sprintf("%s is a holding solution in %s", name, t.Env.Name))
	}
	if c := NoArchive(b, t.Env.Name, managed); c != "" {
		causes = append(causes, c)
	}
	return causes
}

// NoArchive is the refusal's cause when b has no archive of the flavour
// environment env takes ("" when it has one). A build imported from one
// archive (a Dataverse export, deploy --archive) is of that flavour alone,
// and Dataverse turns no unmanaged solution into a managed one on import,
// nor the reverse.
func NoArchive(b *Build, env string, managed bool) string {
	if b.archive(managed).Data != nil {
		return ""
	}
	flavour := map[bool]string{true: "managed", false: "unmanaged"}
	have := b.archive(!managed)
	if have.Data == nil {
		return fmt.Sprintf("build %s has no %s archive", short(b.Digest), flavour[managed])
	}
	return fmt.Sprintf("build %s has no %s archive, only %s (%s), and an %s solution cannot become %s on import: "+
		"import a %s archive of this build into %s (bpfc deploy --env %s --archive ZIP), or deploy the project's own build, "+
		"which has both archives, where this one is live",
		short(b.Digest), flavour[managed], have.Name, flavour[!managed], flavour[!managed], flavour[managed],
		flavour[managed], env, env)
}

// checkIdentities refuses what Dataverse cannot change in place once
// imported: a solution's publisher, and a flow's primary table and
// instance table (its unique name and the publisher's prefix) — an
// in-place change left the flow's instances behind in the old table.
func checkIdentities(st *state, b *Build) []string {
	var causes []string
	p := b.Project
	if st.base != nil && p.Solution.Publisher != nil && st.base.Publisher != p.Solution.Publisher.Name {
		causes = append(causes, fmt.Sprintf("%s is installed from publisher %q and the build's publisher is %q: a solution keeps its publisher "+
			"(keep publisher %q, or uninstall %s first)", p.Solution.Name, st.base.Publisher, p.Solution.Publisher.Name, st.base.Publisher, p.Solution.Name))
	}
	for _, f := range p.Flows {
		old, ok := st.workflows[p.FlowID(f)]
		if !ok {
			continue
		}
		if old.PrimaryTable != "" && old.PrimaryTable != f.PrimaryTable {
			causes = append(causes, fmt.Sprintf("flow %s runs on %s in the environment and on %s in the build: a flow's primary table cannot change "+
				"(declare a flow of another name for %s)", f.Name, old.PrimaryTable, f.PrimaryTable, f.PrimaryTable))
		}
		if _, exists := st.tables[old.InstanceTable]; exists && old.InstanceTable != f.InstanceTable {
			causes = append(causes, fmt.Sprintf("flow %s keeps its instances in %s and the build names its instance table %s: a table cannot be renamed "+
				"(keep unique_name and the publisher's prefix, or declare a flow of another name)", f.Name, old.InstanceTable, f.InstanceTable))
		}
	}
	// A table's ownership is fixed when Dataverse creates it; the
	// environment's tells by its owner column.
	for _, t := range p.Tables {
		et, ok := st.tables[t.Name]
		if !t.Custom || !ok || et.Kind != store.TableCustom {
			continue
		}
		was := "user"
		if _, owned := et.Column("ownerid"); !owned {
			was = compiler.OwnershipOrganization
		}
		if is := t.OwnershipName(); is != was {
			causes = append(causes, fmt.Sprintf("table %s is %s-owned in the environment and the build makes it %s-owned: a table's ownership cannot change "+
				"(keep ownership = %q, or declare a table of another name; or uninstall %s first, which deletes the table and its rows)", t.Name, was, is, was, p.Solution.Name))
		}
	}
	return causes
}

// checkTables applies the rules about tables and columns: every dependency
// exists in the environment or comes with the build; a table or column the
// build ships is not another solution's (but for a column on a standard
// table, which solutions share: shared.go); a column's type never changes.
func checkTables(st *state, b *Build) []string {
	p, name := b.Project, b.Solution()
	var causes []string
	shipped := map[string]bool{} // "table" and "table.column" the build creates
	for _, t := range p.Tables {
		if t.Custom {
			shipped[t.Name] = true
			for _, c := range t.Columns {
				shipped[t.Name+"."+c.Name] = true
			}
		} else {
			for _, c := range shippedColumns(t) {
				shipped[t.Name+"."+c.Name] = true
			}
		}
	}
	missing := map[string][]string{} // "table X" / "column X.Y" -> users
	for _, u := range uses(p) {
		key, what := u.table, "table "+u.table
		if u.column != "" {
			key, what = u.table+"."+u.column, "column "+u.table+"."+u.column
		}
		if shipped[key] {
			continue
		}
		if et, ok := st.tables[u.table]; ok {
			if u.column == "" {
				continue
			}
			if _, ok := et.Column(u.column); ok {
				continue
			}
		}
		if !slices.Contains(missing[what], u.by) {
			missing[what] = append(missing[what], u.by)
		}
	}
	for _, what := range slices.Sorted(maps.Keys(missing)) {
		causes = append(causes, "missing "+what+", used by "+strings.Join(missing[what], "; "))
	}
	for _, t := range p.Tables {
		et, exists := st.tables[t.Name]
		if t.Custom && exists {
			if et.Kind != store.TableCustom {
				causes = append(causes, fmt.Sprintf("table %s exists in the environment as a %s table; a custom table cannot replace it", t.Name, et.Kind))
				continue
			}
			if owner := st.ownedElsewhere(et.Solution, name); owner != "" {
				causes = append(causes, fmt.Sprintf("table %s belongs to solution %s in this environment", t.Name, owner))
				continue
			}
		}
		if !exists {
			continue
		}
		for _, c := range shippedColumns(t) {
			ec, ok := et.Column(c.Name)
			if !ok {
				continue
			}
			if ec.Type != c.Type {
				causes = append(causes, fmt.Sprintf("column %s.%s is %s in the environment and %s in the build: a column's type cannot change "+
					"(keep %s, or add a new column and retire this one)", t.Name, c.Name, ec.Type, c.Type, ec.Type))
			}
			if ec.Type == compiler.TypeDateTime && c.Type == compiler.TypeDateTime && ec.Behavior != "" && ec.Behavior != c.Behavior {
				// Dataverse changes a datetime column's behavior once, from
				// user local; date only and time-zone independent stay.
				causes = append(causes, fmt.Sprintf("column %s.%s is %s in the environment and %s in the build: Dataverse changes a datetime column's behavior "+
					"only from %s, once (keep behavior = %q, or add a new column and retire this one)",
					t.Name, c.Name, compiler.BehaviorName(ec.Behavior), compiler.BehaviorName(c.Behavior), compiler.BehaviorUserLocal, ec.Behavior))
			}
			// Another solution's column on a standard table is shared (a
			// layer each), if both define the same kind of column.
			if owner := st.ownedElsewhere(ec.Solution, name); owner != "" && !t.Custom && ec.Type == c.Type &&
				!slices.Equal(sortedTargets(ec), sortedTargets(storeColumn(c, ""))) {
				causes = append(causes, fmt.Sprintf("column %s.%s of solution %s is a %s to %s, and %s in the build: "+
					"solutions that ship the same column share it, with the same type and targets (declare it as %s does)",
					t.Name, c.Name, owner, ec.Type, strings.Join(sortedTargets(ec), ", "), strings.Join(sortedTargets(storeColumn(c, "")), ", "), owner))
			}
		}
	}
	for _, f := range p.Flows {
		if et, ok := st.tables[f.InstanceTable]; ok {
			if et.Kind != store.TableInstance {
				causes = append(causes, fmt.Sprintf("flow %s needs its instance table %s, but the environment has a %s table of that name", f.Name, f.InstanceTable, et.Kind))
			} else if owner := st.ownedElsewhere(et.Solution, name); owner != "" {
				causes = append(causes, fmt.Sprintf("flow %s: instance table %s belongs to solution %s", f.Name, f.InstanceTable, owner))
			}
		}
	}
	for _, r := range p.Roles {
		if er, ok := st.roles[r.Name]; ok && !builtinRoles[r.Name] {
			if owner := st.ownedElsewhere(er.Solution, name); owner != "" {
				causes = append(causes, fmt.Sprintf("role %s belongs to solution %s in this environment", r.Name, owner))
			}
		}
	}
	// A variable is one definition by schema name: shipped by two
	// solutions, the second would take it over and its uninstall would
	// delete it, with its value, under the first.
	for _, v := range p.Variables {
		if d, ok := st.defs[v.SchemaName]; ok {
			if owner := st.ownedElsewhere(d.Solution, name); owner != "" {
				causes = append(causes, fmt.Sprintf("variable %s (%s) belongs to solution %s in this environment", v.Name, v.SchemaName, owner))
			}
		}
	}
	return causes
}

// checkActiveFlows enforces max_active_flows_per_table, counting the active
// flows of every solution in the environment after the import.
func checkActiveFlows(st *state, t Target, b *Build, mode Mode) []string {
	p := b.Project
	incoming := map[string]bool{}
	active := map[string][]string{} // primary table -> flow descriptions
	for _, f := range p.Flows {
		id := p.FlowID(f)
		incoming[id] = true
		if f.Active {
			active[f.PrimaryTable] = append(active[f.PrimaryTable], f.Name)
		}
	}
	dropped := map[string]bool{}
	if mode == Upgrade {
		for _, c := range st.comps {
			if c.Kind == store.KindFlow && !incoming[c.ObjectID] {
				dropped[c.ObjectID] = true
			}
		}
	}
	for _, w := range st.workflows {
		if w.Category != store.CategoryBPF || !w.Active || incoming[w.ID] || dropped[w.ID] {
			continue
		}
		who := w.Name
		if w.Solution != "" && w.Solution != b.Solution() {
			who += " (" + w.Solution + ")"
		}
		active[w.PrimaryTable] = append(active[w.PrimaryTable], who)
	}
	var causes []string
	limit := t.maxActive()
	for _, table := range slices.Sorted(maps.Keys(active)) {
		flows := active[table]
		if len(flows) > limit {
			slices.Sort(flows)
			causes = append(causes, fmt.Sprintf("%d active flows on table %s, more than max_active_flows_per_table = %d in %s: %s",
				len(flows), table, limit, t.Env.Name, strings.Join(flows, ", ")))
		}
	}
	return causes
}

// isBuiltinRole reports whether a role of the model is a built-in one.
func isBuiltinRole(r *compiler.Role) bool { return builtinRoles[r.Name] }

// sortedTargets are a lookup column's targets in order of name.
func sortedTargets(c store.Column) []string { return slices.Sorted(slices.Values(c.Targets)) }

// stagedTypeChanges are the causes refusing a staged upgrade that changes
// the type of a variable the environment holds a value for. The value
// would be rewritten for the new type (sealed, or dropped) when the
// upgrade is staged, and canceling it (uninstalling the holding solution)
// could not give the installed version its value back; an upgrade that is
// not staged, or a new variable, keeps the installed version whole.
func stagedTypeChanges(st *state, b *Build) []string {
	var causes []string
	for _, v := range b.Project.Variables {
		def, ok := st.defs[v.SchemaName]
		if _, held := st.values[v.SchemaName]; !ok || !held || def.Type == v.Type {
			continue
		}
		causes = append(causes, fmt.Sprintf("variable %s is %s %s in the installed version and %s %s in this one, and the environment holds a value for it: "+
			"a staged upgrade keeps the installed version's value for a cancel, so it cannot change its type "+
			"(upgrade without --mode stage, or give the variable a new name)",
			v.Name, compiler.Article(def.Type), def.Type, compiler.Article(v.Type), v.Type))
	}
	return causes
}
