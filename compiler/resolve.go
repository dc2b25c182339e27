package compiler

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/bpfc/bpfc/compiler/catalog"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// finish builds the model from the decoded blocks: it merges tables with the
// standard catalog, applies defaults, resolves references and converts conditions.
func (d *decoder) finish() *Project {
	p := d.p
	d.resolveSolution()
	prefix := ""
	if p.Solution != nil && p.Solution.Publisher != nil {
		prefix = p.Solution.Publisher.Prefix
	}
	d.resolveTables(prefix)

	d.dupes("environment", len(p.Environments), func(i int) (string, hcl.Range) { return p.Environments[i].Name, p.Environments[i].DeclRange })
	d.dupes("variable", len(p.Variables), func(i int) (string, hcl.Range) { return p.Variables[i].Name, p.Variables[i].DeclRange })
	d.dupes("flow", len(p.Flows), func(i int) (string, hcl.Range) { return p.Flows[i].Name, p.Flows[i].DeclRange })
	d.dupes("role", len(p.Roles), func(i int) (string, hcl.Range) { return p.Roles[i].Name, p.Roles[i].DeclRange })
	d.dupes("workflow", len(p.Workflows), func(i int) (string, hcl.Range) { return p.Workflows[i].Name, p.Workflows[i].DeclRange })
	for _, w := range p.Workflows {
		d.dupes("workflow step", len(w.Steps), func(i int) (string, hcl.Range) { return w.Steps[i].Name, w.Steps[i].DeclRange })
	}
	sort.SliceStable(p.Variables, func(i, j int) bool { return p.Variables[i].Name < p.Variables[j].Name })
	sort.SliceStable(p.Flows, func(i, j int) bool { return p.Flows[i].Name < p.Flows[j].Name })
	sort.SliceStable(p.Roles, func(i, j int) bool { return p.Roles[i].Name < p.Roles[j].Name })
	sort.SliceStable(p.Workflows, func(i, j int) bool { return p.Workflows[i].Name < p.Workflows[j].Name })

	d.resolveVariables(prefix)
	for _, f := range p.Flows {
		d.resolveFlow(f, prefix)
	}
	d.resolveExprs()
	return p
}

// solutionExample is the solution block a project without one is told to
// add, written over several lines (HCL takes only one argument in a block
// written on one line, so the one-line form was refused when pasted), with
// the prefix the project's custom names use: pasted, it validates.
func solutionExample(prefix string) string {
	return "solution \"ContosoSales\" {\n  version = \"1.0.0.0\"\n  " + publisherExample(prefix) + "\n}"
}

// publisherExample is the publisher block a solution without one is told
// to add, with prefix.
func publisherExample(prefix string) string {
	return "publisher \"contoso\" { prefix = \"" + prefix + "\" }"
}

// namesPrefix is the customization prefix the project's custom names (its
// tables, their columns and the columns it adds to standard tables) start
// with, the most used if they differ, for an example publisher that the
// names validate with; "cts" when none starts with a valid one.
func (d *decoder) namesPrefix() string {
	count := map[string]int{}
	add := func(name string) {
		if p, _, ok := strings.Cut(name, "_"); ok && prefixRe.MatchString(p) && !strings.HasPrefix(p, "mscrm") {
			count[p]++
		}
	}
	for _, t := range d.tableDecls {
		if _, std := catalog.Lookup(t.Name); !std {
			if t.External {
				continue
			}
			add(t.Name)
		}
		for _, c := range t.Columns {
			add(c.Name)
		}
	}
	best := "cts"
	for p, n := range count {
		if n > count[best] || n == count[best] && p < best {
			best = p
		}
	}
	return best
}

func (d *decoder) resolveSolution() {
	for i, s := range d.solutions {
		if i == 0 {
			d.p.Solution = s
			continue
		}
		d.errorf(s.DeclRange, "Duplicate solution", "A project has exactly one solution block; %q is already declared at %s.", d.solutions[0].Name, rangeText(d.solutions[0].DeclRange))
	}
	if d.p.Solution == nil {
		d.diags = append(d.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing solution",
			Detail: "A project needs one solution block, e.g. in bpfc.hcl:\n" + solutionExample(d.namesPrefix())})
		d.p.Solution = &Solution{Name: "Solution", DisplayName: "Solution", Version: "1.0.0.0", VersionNums: [4]int{1}, Publisher: &Publisher{Name: "publisher", Prefix: "new", OptionValuePrefix: 10000}}
		d.noPrefix = true
	}
	if d.p.Solution.Publisher == nil {
		if d.missingPublisher != nil {
			d.missingPublisher.Detail = "The solution needs a publisher block, which sets the customization prefix, e.g. " + publisherExample(d.namesPrefix()) + "."
		}
		d.p.Solution.Publisher = &Publisher{Name: "publisher", Prefix: "new", OptionValuePrefix: 10000}
		d.noPrefix = true
	}
	for i, pol := range d.policies {
		if i == 0 {
			d.p.Policy = pol
			continue
		}
		d.errorf(pol.DeclRange, "Duplicate policy", "A project has at most one policy block; the first is at %s.", rangeText(d.policies[0].DeclRange))
	}
}

// dupes reports every name declared more than once, naming both places.
func (d *decoder) dupes(what string, n int, at func(int) (string, hcl.Range)) bool {
	found := false
	first := map[string]hcl.Range{}
	for i := range n {
		name, rng := at(i)
		if prev, ok := first[name]; ok {
			d.errorf(rng, "Duplicate "+what, "%s named %q is already declared at %s; each %s needs a unique name.", capitalArticle(what), name, rangeText(prev), what)
			found = true
			continue
		}
		first[name] = rng
	}
	return found
}

func fromCatalog(ct catalog.Table) *Table {
	t := &Table{Name: ct.Name, DisplayName: ct.DisplayName, PrimaryColumn: ct.PrimaryColumn, PrimaryKey: ct.PrimaryKey, Standard: true}
	for _, cc := range ct.Columns {
		col := &Column{Name: cc.Name, DisplayName: cc.DisplayName, Type: cc.Type, MaxLength: cc.MaxLength,
			Target: cc.Target, Targets: cc.Targets, Required: cc.Required, Standard: true, Table: ct.Name}
		for _, o := range cc.Options {
			col.Options = append(col.Options, Option{Label: o.Label, Value: o.Value})
		}
		t.Columns = append(t.Columns, col)
	}
	return t
}

// SystemColumns are the columns Dataverse adds to every custom table (and
// that an external table therefore has too).
func SystemColumns(t *Table) []*Column {
	mk := func(name, display, typ, target string, opts ...Option) *Column {
		return &Column{Name: name, DisplayName: display, Type: typ, Target: target, Options: opts, Table: t.Name, Standard: true}
	}
	cols := []*Column{
		mk(t.Name+"id", t.DisplayName, TypeUniqueID, ""),
		mk("createdby", "Created By", TypeLookup, "systemuser"),
		mk("createdon", "Created On", TypeDateTime, ""),
		mk("modifiedby", "Modified By", TypeLookup, "systemuser"),
		mk("modifiedon", "Modified On", TypeDateTime, ""),
		mk("ownerid", "Owner", TypeLookup, "systemuser"),
		mk("statecode", "Status", TypeState, "", Option{"Active", 0}, Option{"Inactive", 1}),
		mk("statuscode", "Status Reason", TypeStatus, "", Option{"Active", 1}, Option{"Inactive", 2}),
	}
	if t.Ownership == OwnershipOrganization {
		// No owner: the organization has every row (organizationid, a
		// lookup to a table bpfc does not model, is in the build only).
		cols = slices.DeleteFunc(cols, func(c *Column) bool { return c.Name == "ownerid" })
	}
	return cols
}

func (d *decoder) resolveTables(prefix string) {
	p := d.p
	byName := map[string]*Table{}
	for _, ct := range catalog.Tables() {
		t := fromCatalog(ct)
		byName[t.Name] = t
		p.Tables = append(p.Tables, t)
	}
	declared := map[string]hcl.Range{}
	for _, decl := range d.tableDecls {
		if prev, dup := declared[decl.Name]; dup {
			d.errorf(decl.DeclRange, "Duplicate table", "Table %q is already declared at %s; declare each table once (columns may be split across files only by extending a standard table once).", decl.Name, rangeText(prev))
			continue
		}
		declared[decl.Name] = decl.DeclRange
		if std, ok := byName[decl.Name]; ok {
			// Extra columns on a standard table.
			std.Extended, std.DeclRange = true, decl.DeclRange
			if a, ok := decl.Attrs["ownership"]; ok {
				d.errorf(a, "Unexpected ownership", "ownership applies to the custom tables a project ships; %q is a standard table: remove ownership.", decl.Name)
			}
			if decl.External {
				d.errorf(decl.DeclRange, "Standard table marked external", "%q is a standard table that every environment has; remove external = true.", decl.Name)
			}
			for _, col := range decl.Columns {
				d.checkCustomName(col.Name, prefix, col.DeclRange, "column on a standard table")
				if prev := std.Column(col.Name); prev != nil {
					d.errorf(col.DeclRange, "Duplicate column", "%s already has a column %q.", decl.Name, col.Name)
					continue
				}
				std.Columns = append(std.Columns, col)
			}
			continue
		}
		t := decl
		t.Custom = !t.External
		if a, ok := t.Attrs["ownership"]; ok && t.External {
			d.errorf(a, "Unexpected ownership", "ownership applies to the custom tables a project ships; %q is external (another solution's): remove ownership.", t.Name)
			t.Ownership = ""
		}
		t.PrimaryKey = t.Name + "id"
		if t.DisplayName == "" {
			t.DisplayName = t.Name
		}
		if t.Custom {
			d.checkCustomName(t.Name, prefix, labelRangeOf(t), "custom table")
		}
		own := t.Columns
		t.Columns = SystemColumns(t)
		for _, col := range own {
			if t.Custom {
				d.checkCustomName(col.Name, prefix, col.DeclRange, "custom column")
			}
			if prev := t.Column(col.Name); prev != nil {
				if prev.DeclRange.Filename != "" {
					d.errorf(col.DeclRange, "Duplicate column", "Table %q already has a column %q, declared at %s.", t.Name, col.Name, rangeText(prev.DeclRange))
				} else {
					d.errorf(col.DeclRange, "Duplicate column", "%q is a system column every table has.", col.Name)
				}
				continue
			}
			t.Columns = append(t.Columns, col)
		}
		if t.PrimaryColumn == "" {
			for _, col := range own {
				if col.Type == TypeString {
					t.PrimaryColumn = col.Name
					break
				}
			}
			if t.PrimaryColumn == "" && t.Custom {
				d.errorf(t.DeclRange, "Missing primary column", "Table %q needs a string column for its primary name: add one and set primary_column.", t.Name)
			}
		} else if col := t.Column(t.PrimaryColumn); col == nil {
			d.errorf(t.Attrs.Of("primary_column", t.DeclRange), "Unknown primary column", "primary_column %q is not a column of %q.%s", t.PrimaryColumn, t.Name, didYouMean(t.PrimaryColumn, columnNamesWhere(t, func(c *Column) bool { return c.Type == TypeString })))
		} else if col.Type != TypeString && contains(ColumnTypes, col.Type) {
			// (an unknown type is reported where it is written)
			d.errorf(col.DeclRange, "Invalid primary column", "The primary column %q must be a string column; it is %s %s column.", col.Name, Article(col.Type), col.Type)
		}
		byName[t.Name] = t
		p.Tables = append(p.Tables, t)
	}
	sort.SliceStable(p.Tables, func(i, j int) bool { return p.Tables[i].Name < p.Tables[j].Name })
	// Lookup targets.
	for _, t := range p.Tables {
		for _, col := range t.Columns {
			if col.Standard || col.Type != TypeLookup || col.Target == "" {
				continue
			}
			if byName[col.Target] == nil && !p.invalidTableUse(col.Target) {
				d.errorf(col.Attrs.Of("target", col.DeclRange), "Unknown lookup target", "Column %s.%s looks up table %q, which is neither a standard table nor declared in the project.%s",
					t.Name, col.Name, col.Target, didYouMeanTable(col.Target, p))
			}
		}
	}
}

func labelRangeOf(t *Table) hcl.Range { return t.DeclRange }

func (d *decoder) checkCustomName(name, prefix string, rng hcl.Range, what string) {
	// Without a valid prefix of the project's own (its error is reported)
	// every custom name would be reported too.
	if prefix == "" || d.noPrefix {
		return
	}
	// An invalid name has its own error, which suggests a valid one: judge
	// the prefix on that one, so that "Cts Thing" (suggested "cts_thing") is
	// not also said to lack it, and the example is a name that can be used.
	valid := name
	if !identRe.MatchString(name) {
		if valid = nearestName(name, 50, "", identRe); valid == "" {
			return
		}
	}
	if !strings.HasPrefix(valid, prefix+"_") {
		example := fmt.Sprintf("%q", prefix+"_"+valid)
		// Lower-cased as valid is: New_Approved has the default prefix too.
		if other, rest := publisherPrefixOf(strings.ToLower(name)); other != "" {
			// A name copied from another publisher's solution keeps its
			// own part: stacking prefixes (new_cts_approved) is never
			// meant. Only the default publishers' prefixes are surely
			// prefixes; due_date's "due" may be a word.
			switch {
			case strings.HasPrefix(rest, prefix+"_"):
				// new_pp_x: ours already follows the other.
				example = fmt.Sprintf("%q", rest)
			case defaultPrefix(other):
				example = fmt.Sprintf("%q", prefix+"_"+rest)
			default:
				example += fmt.Sprintf(", or %q if %q is another publisher's prefix", prefix+"_"+rest, other+"_")
			}
		}
		d.errorf(rng, "Missing publisher prefix", "A %s is named with the publisher's prefix: %q should start with %q (for example %s).", what, name, prefix+"_", example)
	}
}

// publisherPrefixOf splits a name that starts with what is shaped like a
// publisher's prefix, as written (an underscore the user typed, not one an
// invalid name's suggestion put in place of a space), into that prefix and
// the rest; "" when it has none.
func publisherPrefixOf(name string) (prefix, rest string) {
	p, r, ok := strings.Cut(name, "_")
	if !ok || r == "" || !prefixRe.MatchString(p) || strings.HasPrefix(p, "mscrm") || !identRe.MatchString(name) {
		return "", ""
	}
	return p, r
}

// defaultPrefix says whether p is the prefix of a publisher every
// environment has: the default publisher's new, or the default Common Data
// Service publisher's cr followed by three hex digits.
func defaultPrefix(p string) bool {
	return p == "new" || defaultCDSPrefix.MatchString(p)
}

var defaultCDSPrefix = regexp.MustCompile(`^cr[0-9a-f]{3}$`)

func tableNames(p *Project) []string {
	out := make([]string, len(p.Tables))
	for i, t := range p.Tables {
		out[i] = t.Name
	}
	return out
}

func (d *decoder) resolveVariables(prefix string) {
	p := d.p
	for _, v := range p.Variables {
		v.SchemaName = prefix + "_" + v.Name
		e, ok := d.varDefaults[v]
		if !ok {
			continue
		}
		if v.Type == VarSecret {
			d.errorf(e.Range(), "Default for a secret", "A secret never has a default: its value comes from %s at deploy time, so it never lands in a build.", v.EnvVarHint())
			continue
		}
		val, diags := e.Value(nil)
		d.diags = append(d.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		if cv, diag := variableValue(v, val, e.Range(), "The default"); diag != nil {
			d.diags = append(d.diags, diag)
		} else {
			v.Default = cv
		}
	}
	for _, env := range p.Environments {
		env.Values, env.ValueRanges = map[string]cty.Value{}, map[string]hcl.Range{}
		e, ok := d.envValues[env]
		if !ok {
			continue
		}
		pairs, diags := hcl.ExprMap(e)
		if diags.HasErrors() {
			d.errorf(e.Range(), "Invalid values", "values must be an object of variable = value, such as { approval_threshold = 25000 }.")
			continue
		}
		for _, kv := range pairs {
			name, ok := objectKey(kv.Key)
			if !ok {
				d.errorf(kv.Key.Range(), "Invalid key", "Keys of values are variable names.")
				continue
			}
			v := p.Variable(name)
			if v == nil && p.misspeltDecl("variable", name) {
				continue
			}
			if v == nil {
				d.errorf(kv.Key.Range(), "Unknown variable", "No variable %q is declared.%s", name, variableHint(p, name, false))
				continue
			}
			if v.Type == VarSecret {
				d.errorf(kv.Key.Range(), "Secret value in a definition", "The value of secret %q must not be written in a project; set %s when deploying.", name, v.EnvVarHint())
				continue
			}
			val, diags := kv.Value.Value(nil)
			d.diags = append(d.diags, diags...)
			if diags.HasErrors() {
				continue
			}
			if cv, diag := variableValue(v, val, kv.Value.Range(), "The value in environment \""+env.Name+"\""); diag != nil {
				d.diags = append(d.diags, diag)
			} else {
				env.Values[name], env.ValueRanges[name] = cv, kv.Value.Range()
			}
		}
	}
}

func (d *decoder) resolveFlow(f *Flow, prefix string) {
	f.InstanceTable = prefix + "_" + f.UniqueName
	if d.dupes("stage", len(f.Stages), func(i int) (string, hcl.Range) { return f.Stages[i].Name, f.Stages[i].DeclRange }) {
		d.brokenFlows[f] = true // its graph is ambiguous: skip the graph checks
	}
	stageNames := StageNames(f.Stages)
	known := &labels{names: stageNames, intro: "The flow's stages are"}
	for _, s := range f.Stages {
		known.display = append(known.display, s.DisplayName)
	}
	for i, s := range f.Stages {
		d.dupes("step", len(s.Steps), func(i int) (string, hcl.Range) { return s.Steps[i].Name, s.Steps[i].DeclRange })
		if !d.stageTable[s] {
			if i == 0 {
				s.Table = f.PrimaryTable
			} else {
				s.Table = f.Stages[i-1].Table
			}
		}
		resolve := func(e hcl.Expression) string {
			n, ok := d.refAmong(e, "stage", known)
			if !ok {
				d.danglingFlows[f] = true
				return ""
			}
			if f.Stage(n) == nil {
				// Not the stage itself nor the first: either is a cycle.
				targets := slices.DeleteFunc(slices.Clone(stageNames), func(x string) bool { return x == s.Name || x == f.Stages[0].Name })
				d.errorf(e.Range(), "Unknown stage", "Flow %q has no stage %q.%s", f.Name, n, didYouMeanOr(n, targets, "The stages it can go to are"))
				d.danglingFlows[f] = true
				return ""
			}
			return n
		}
		if e, ok := d.stageNext[s]; ok {
			if !isNull(e) { // next = null: the path ends here (a bpfc extension)
				s.Next = resolve(e)
			}
		} else if i+1 < len(f.Stages) {
			s.Next = f.Stages[i+1].Name
		}
		for _, b := range s.Branches {
			if e, ok := d.branchNext[b]; ok {
				b.Next = resolve(e)
			}
		}
	}
}

// isNull reports whether e is the literal null.
func isNull(e hcl.Expression) bool {
	lit, ok := e.(*hclsyntax.LiteralValueExpr)
	return ok && lit.Val.IsNull()
}

// resolveExprs converts conditions and values now that tables are known.
func (d *decoder) resolveExprs() {
	p := d.p
	// For each table, the other tables flows combine it with: a condition on
	// a column of one of them gets a precise message.
	related := map[string]map[string]bool{}
	for _, f := range p.Flows {
		tables := f.Tables()
		for _, t := range tables {
			if related[t] == nil {
				related[t] = map[string]bool{}
			}
			for _, o := range tables {
				related[t][o] = true
			}
		}
	}
	flowTables := map[string][]string{}
	for t, set := range related {
		flowTables[t] = sortedKeys(set)
	}
	for _, pe := range d.conds {
		tname := pe.table()
		sc := exprScope{p: p, table: p.Table(tname), flowTables: flowTables[tname], secrets: pe.secrets}
		x, diags := convertCondition(pe.expr, sc, pe.bool)
		d.diags = append(d.diags, diags...)
		if x != nil {
			pe.set(x)
		}
	}
	for _, a := range d.assignments {
		tname := a.table()
		t := p.Table(tname)
		if t == nil {
			continue // the unknown table is reported on its own
		}
		col := t.Column(a.column)
		if col == nil && t.invalidUse(a.column) {
			continue // its declaration's invalid name is reported
		}
		if col == nil {
			writable := columnNamesWhere(t, func(c *Column) bool { return !readOnlyColumns[c.Name] && (c.Name != t.PrimaryKey || a.create) })
			d.errorf(a.key, "Unknown column", "Table %q has no column %q.%s", tname, a.column, didYouMean(a.column, writable))
			continue
		}
		if readOnlyColumns[col.Name] || col.Name == t.PrimaryKey && !a.create {
			d.errorf(a.key, "Read-only column", "%s.%s is kept by the platform (created and modified times and users, the row version, the key) and cannot be written by a step; remove it.",
				tname, col.Name)
			continue
		}
		x, diags := convertCondition(a.expr, exprScope{p: p, table: p.Table(a.self())}, false)
		d.diags = append(d.diags, diags...)
		if x == nil {
			continue
		}
		target := &ColumnRef{Table: tname, Column: col.Name, Col: col, Rng: a.expr.Range()}
		c := &exprConverter{sc: exprScope{p: p, table: t}}
		if !CompatibleKinds(target.Type(), x.Type()) {
			c.errorf(a.expr.Range(), "Type mismatch in value", "Column %s.%s is %s %s column and cannot take %s (%s).", tname, col.Name, Article(col.Type), col.Type, describeExpr(x), typeName(x))
		} else if lit, ok := x.(*Literal); ok {
			c.checkStoredLiteral(col, lit)
		}
		d.diags = append(d.diags, c.diags...)
		a.dst[a.column] = x
	}
}

// readOnlyColumns are the columns the platform fills on every write, which
// no step may set (the run time refuses them too).
var readOnlyColumns = map[string]bool{"createdon": true, "createdby": true, "modifiedon": true, "modifiedby": true, "versionnumber": true}

// capitalArticle is "A word" or "An word", for a sentence's start.
func capitalArticle(word string) string {
	return strings.ToUpper(Article(word)[:1]) + Article(word)[1:] + " " + word
}

// Article is "a" or "an" before word (messages throughout bpfc use it): by
// its first letter, and "a" before a vowel that sounds "you"
// (uniqueidentifier, user).
func Article(word string) string {
	w := strings.ToLower(word)
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) && !strings.HasPrefix(w, "uni") && !strings.HasPrefix(w, "use") {
		return "an"
	}
	return "a"
}
