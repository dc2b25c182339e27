package unpack

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
)

// Tables. Every table the project knows is in b.tables: the standard
// catalog (extended with the custom columns the solution adds to it), the
// custom tables the solution carries (declared and shipped), and tables it
// uses but does not carry (declared external = true, with the columns its
// flows use).

func (b *builder) initTables() {
	b.tables = map[string]*compiler.Table{}
	b.noted = map[string]bool{}
	for _, ct := range catalog.Tables() {
		t := &compiler.Table{Name: ct.Name, DisplayName: ct.DisplayName, PrimaryColumn: ct.PrimaryColumn, PrimaryKey: ct.PrimaryKey, Standard: true}
		for _, cc := range ct.Columns {
			c := &compiler.Column{Name: cc.Name, DisplayName: cc.DisplayName, Type: cc.Type, MaxLength: cc.MaxLength, Target: cc.Target,
				Targets: cc.Targets, Required: cc.Required, Standard: true, Table: ct.Name}
			for _, o := range cc.Options {
				c.Options = append(c.Options, compiler.Option{Label: o.Label, Value: o.Value})
			}
			t.Columns = append(t.Columns, c)
		}
		b.tables[t.Name] = t
	}
	b.archive = map[string]*tinfo{}
	for _, e := range b.src.entities {
		t := readEntity(e)
		if t.name == "" {
			b.w.add("table", e.file, "an <Entity> without a name was left out")
			continue
		}
		if _, dup := b.archive[t.name]; dup {
			b.w.add("table "+t.name, e.file, "declared twice; the first is kept")
			continue
		}
		b.archive[t.name] = t
	}
	b.refs = map[string][]string{}
	b.usedOptionSets = map[string]bool{}
	for _, rs := range b.src.rels {
		r := rs.elem
		from := strings.ToLower(text(r, "ReferencingEntityName"))
		to := strings.ToLower(text(r, "ReferencedEntityName"))
		attr := strings.ToLower(text(r, "ReferencingAttributeName"))
		switch {
		case strings.EqualFold(text(r, "EntityRelationshipType"), "ManyToMany"):
			b.w.add("relationship "+r.SelectAttrValue("Name", ""), rs.file, "a many-to-many relationship is not expressed in bpfc and was left out")
		case from != "" && to != "" && attr != "" && !contains(b.refs[from+"."+attr], to):
			b.refs[from+"."+attr] = append(b.refs[from+"."+attr], to)
		}
	}
}

// unusedOptionSets reports the global option sets no declared column uses.
func (b *builder) unusedOptionSets() {
	var names []string
	for n := range b.src.optionsets {
		if !b.usedOptionSets[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		b.w.add("option set "+n, b.src.optionFiles[n], "a global option set no declared column uses is not expressed and was left out")
	}
}

// withSystemColumns gives a custom or external table the columns bpfc adds
// to every such table, so that steps and conditions on them resolve.
func withSystemColumns(t *compiler.Table) {
	named := *t
	if named.DisplayName == "" {
		named.DisplayName = t.Name
	}
	t.Columns = append(compiler.SystemColumns(&named), t.Columns...)
}

func (b *builder) ownPrefix(name string) bool { return strings.HasPrefix(name, b.prefix+"_") }

// archiveTables declares the tables the solution carries.
func (b *builder) archiveTables() {
	names := make([]string, 0, len(b.archive))
	for n := range b.archive {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ti := b.archive[n]
		comp := "table " + n
		switch {
		case ti.bpf:
			// A flow's instance table: bpfc writes its own (columns and the
			// stages' form). Checked against the flows later.
			b.instanceTableParts(ti)
		case b.tables[n] != nil && b.tables[n].Standard:
			b.extendStandard(ti)
		case ti.shell:
			// Dataverse's shell of a table the solution only refers to:
			// declared external when something uses it.
		case !b.ownPrefix(n):
			t := b.external(n, ti.display)
			b.w.add(comp, ti.file, "the table does not carry the publisher prefix %q, so bpfc cannot ship it; it is declared external = true", b.prefix)
			b.archiveColumns(t, ti, true)
		default:
			b.customTable(ti)
		}
	}
}

// instanceTableParts warns of what a flow's instance table carries that
// bpfc does not write: its views, and a ribbon someone customised.
func (b *builder) instanceTableParts(ti *tinfo) {
	var what []string
	switch {
	case ti.views == 1:
		what = append(what, "its view")
	case ti.views > 1:
		what = append(what, fmt.Sprintf("its %d views", ti.views))
	}
	if ti.ribbon {
		what = append(what, "its ribbon's customisations")
	}
	if len(what) > 0 {
		are := "are"
		if len(what) == 1 && ti.views <= 1 {
			are = "is"
		}
		b.w.add("table "+ti.name, ti.file, "the flow's instance table: %s %s not expressed and left out (bpfc writes the table's columns and its stages' form)", strings.Join(what, " and "), are)
	}
}

// extendStandard adds a solution's custom columns on a standard table.
func (b *builder) extendStandard(ti *tinfo) {
	t := b.tables[ti.name]
	if len(ti.sections) > 0 || len(ti.parts) > 0 {
		b.w.add("table "+ti.name, ti.file, "forms, views and ribbons of this standard table are not expressed; bpfc declares only the columns the solution adds")
	}
	for _, name := range ti.order {
		ai := ti.attrs[name]
		if !ai.custom || t.Column(name) != nil {
			continue
		}
		if !b.ownPrefix(name) {
			b.w.add("table "+ti.name, ti.file, "column %s does not carry the publisher prefix %q and was left out", name, b.prefix)
			continue
		}
		if b.archiveColumn(t, ti, ai) != nil {
			t.Extended = true
		}
	}
}

// customTable declares a custom table the solution carries.
func (b *builder) customTable(ti *tinfo) {
	comp := "table " + ti.name
	display := ti.display
	if display == "" {
		display = ti.name
	}
	t := &compiler.Table{Name: ti.name, DisplayName: display, PrimaryKey: ti.name + "id", Custom: true}
	if ti.orgOwned {
		t.Ownership = compiler.OwnershipOrganization
	}
	withSystemColumns(t)
	b.archiveColumns(t, ti, false)
	if c := t.Column(ti.primary); c != nil && !c.Standard && c.Type == compiler.TypeString {
		t.PrimaryColumn = c.Name
	} else {
		for _, c := range t.Columns {
			if !c.Standard && c.Type == compiler.TypeString {
				t.PrimaryColumn = c.Name
				b.w.add(comp, ti.file, "no primary name column bpfc can declare; %s was made the primary column", c.Name)
				break
			}
		}
	}
	if t.PrimaryColumn == "" {
		t.Custom, t.External = false, true
		b.w.add(comp, ti.file, "the table has no text column bpfc can declare as its primary name; it is declared external = true")
	}
	if len(ti.sections) > 0 || len(ti.parts) > 0 {
		b.w.add(comp, ti.file, "forms, views, ribbons and other table settings are not expressed; bpfc writes the table with its columns only")
	}
	b.tables[t.Name] = t
}

// archiveColumns declares the custom columns of an archive table.
func (b *builder) archiveColumns(t *compiler.Table, ti *tinfo, anyPrefix bool) {
	for _, name := range ti.order {
		ai := ti.attrs[name]
		if !ai.custom || ai.typ == "primarykey" || t.Column(name) != nil {
			continue
		}
		if !anyPrefix && !b.ownPrefix(name) {
			b.w.add("table "+ti.name, ti.file, "column %s does not carry the publisher prefix %q and was left out", name, b.prefix)
			continue
		}
		b.archiveColumn(t, ti, ai)
	}
}

// archiveColumn declares one column from its attribute.
func (b *builder) archiveColumn(t *compiler.Table, ti *tinfo, ai *attrInfo) *compiler.Column {
	typ := columnType(ai)
	if typ == "" {
		b.w.add("table "+ti.name, ti.file, "column %s has type %s, which bpfc does not declare; it was left out", ai.name, ai.typ)
		return nil
	}
	display := ai.display
	if display == "" {
		display = ai.name
	}
	c := &compiler.Column{Name: ai.name, DisplayName: display, Type: typ, Table: t.Name,
		Required: ai.required && ai.name != ti.primary}
	switch typ {
	case compiler.TypeDateTime:
		c.Behavior = ai.behavior
	case compiler.TypeString, compiler.TypeEmail, compiler.TypeMemo:
		if ai.maxLength > 0 && ai.maxLength <= 1048576 {
			c.MaxLength = ai.maxLength
		}
	case compiler.TypeChoice:
		c.Options = ai.options
		if ai.optionSet != "" {
			b.usedOptionSets[ai.optionSet] = true
			if b.src.optionsets[ai.optionSet] != nil {
				b.w.add("table "+ti.name, ti.file, "choice column %s uses the global option set %s; bpfc declares the options on the column (a local option set), so importing the rebuild over this solution changes the column's option set", ai.name, ai.optionSet)
			}
		}
		if len(c.Options) == 0 && ai.optionSet != "" {
			if os := b.src.optionsets[ai.optionSet]; os != nil {
				c.Options = readOptions(os)
			}
		}
		if len(c.Options) == 0 {
			b.w.add("table "+ti.name, ti.file, "the options of choice column %s (option set %s) are not in the solution; declared without options", ai.name, ai.optionSet)
		}
	case compiler.TypeCustomer:
		c.Target, c.Targets = "account", []string{"account", "contact"}
	case compiler.TypeLookup:
		b.pending = append(b.pending, pendingLookup{table: t.Name, col: c, ai: ai})
	}
	t.Columns = append(t.Columns, c)
	return c
}

// external returns the named table, declaring it external when the project
// does not know it.
func (b *builder) external(name, display string) *compiler.Table {
	if t := b.tables[name]; t != nil {
		return t
	}
	t := &compiler.Table{Name: name, DisplayName: display, PrimaryKey: name + "id", External: true}
	if t.DisplayName == "" {
		t.DisplayName = name
	}
	withSystemColumns(t)
	b.tables[name] = t
	return t
}

// useTable returns a table something uses, declaring it external (with a
// warning) when the solution does not carry it.
func (b *builder) useTable(name, component, file string) *compiler.Table {
	if t := b.tables[name]; t != nil {
		return t
	}
	if ti := b.archive[name]; ti != nil && !ti.bpf {
		t := b.external(name, ti.display)
		b.archiveColumns(t, ti, true)
		return t
	}
	t := b.external(name, "")
	if !b.noted[name] {
		b.noted[name] = true
		if b.src.unheld[name] {
			b.w.add(component, file, "table %s is in the solution, but the folder holds no Entity.xml for it; it is declared external = true with the columns the solution uses", name)
		} else {
			b.w.add(component, file, "table %s is not in the solution (a missing dependency); it is declared external = true with the columns the solution uses", name)
		}
	}
	return t
}

// addColumn declares a column the solution uses on a table it does not
// define it on. It fails for columns bpfc cannot declare there: a column
// without the publisher prefix on a standard or custom table.
func (b *builder) addColumn(t *compiler.Table, name, typ, file string) (*compiler.Column, bool) {
	if c := t.Column(name); c != nil {
		return c, true
	}
	if !validName(name) || len(name) > 50 {
		return nil, false
	}
	if !t.External && !b.ownPrefix(name) {
		return nil, false
	}
	if typ == "" || typ == compiler.TypeState || typ == compiler.TypeStatus {
		typ = compiler.TypeString
	}
	c := &compiler.Column{Name: name, DisplayName: name, Type: typ, Table: t.Name}
	if typ == compiler.TypeChoice {
		c.Options = []compiler.Option{}
	}
	if typ == compiler.TypeCustomer {
		c.Target, c.Targets = "account", []string{"account", "contact"}
	}
	if t.Standard {
		t.Extended = true
	}
	t.Columns = append(t.Columns, c)
	if typ == compiler.TypeLookup {
		b.pending = append(b.pending, pendingLookup{table: t.Name, col: c, file: file})
	}
	return c, true
}

// objectTypeCodes maps Dataverse object type codes to catalog tables.
func objectTypeCode(code string) string {
	n, err := strconv.Atoi(code)
	if err != nil {
		return ""
	}
	for _, t := range catalog.Tables() {
		if t.ObjectTypeCode == n {
			return t.Name
		}
	}
	return ""
}

// resolveLookups gives every declared lookup column its target: from the
// solution's relationships, the column's lookup types, or the system column
// it is; else, with a warning, the table its name suggests or systemuser.
func (b *builder) resolveLookups() {
	for i := 0; i < len(b.pending); i++ { // targets may declare more tables, never more lookups
		pl := b.pending[i]
		c := pl.col
		if c.Target != "" {
			continue
		}
		comp := "table " + pl.table
		file := pl.file
		if ti := b.archive[pl.table]; ti != nil && file == "" {
			file = ti.file
		}
		target := ""
		if to := b.refs[pl.table+"."+c.Name]; len(to) > 0 {
			target = to[0]
			if len(to) > 1 {
				b.w.add(comp, file, "lookup %s has relationships to %s; bpfc declares a lookup to one table, so %s was kept", c.Name, strings.Join(to, ", "), target)
			}
		}
		if target == "" && pl.ai != nil {
			for _, code := range pl.ai.lookupTypes {
				if t := objectTypeCode(code); t != "" {
					target = t
					break
				}
			}
		}
		if target == "" && userColumns[c.Name] {
			target = "systemuser"
		}
		if target == "" {
			if target = b.tableByName(c.Name); target != "" {
				b.w.add(comp, file, "the solution has no relationship for lookup %s; its target %s was guessed from its name (set target if it is another table)", c.Name, target)
			}
		}
		if target == "" {
			target = "systemuser"
			b.w.add(comp, file, "the target of lookup %s is not in the solution; systemuser was assumed (set target if it is another table)", c.Name)
		}
		if b.tables[target] == nil {
			b.useTable(target, comp, file)
		}
		c.Target = target
	}
}

// tableByName guesses a lookup's target from its name: "nwi_policyid" ->
// nwi_policy, "cts_originatingphonecallid" -> phonecall. The longest known
// table name the column's stem ends with wins.
func (b *builder) tableByName(col string) string {
	stem := strings.TrimSuffix(col, "id")
	rest := stem
	if _, after, ok := strings.Cut(stem, "_"); ok {
		rest = after
	}
	best := ""
	consider := func(name string) {
		short := name
		if _, after, ok := strings.Cut(name, "_"); ok {
			short = after
		}
		if name == stem || name == rest || short == rest || strings.HasSuffix(rest, short) && len(short) >= 4 {
			if len(name) > len(best) {
				best = name
			}
		}
	}
	for n := range b.tables {
		consider(n)
	}
	for n, ti := range b.archive {
		if !ti.bpf {
			consider(n)
		}
	}
	return best
}

// columnFor returns a table's column, declaring it from how the solution
// uses it when the table is external. typ is the column type the use
// suggests ("" when unknown).
func (b *builder) columnFor(t *compiler.Table, name, typ, component, file string) (*compiler.Column, error) {
	if c := t.Column(name); c != nil {
		return c, nil
	}
	if !t.External {
		if t.Custom || t.Standard {
			return nil, fmt.Errorf("table %s has no column %s that bpfc can declare", t.Name, name)
		}
	}
	c, ok := b.addColumn(t, name, typ, file)
	if !ok {
		return nil, fmt.Errorf("column %s cannot be declared on %s", name, t.Name)
	}
	if typ == "" {
		b.w.add(component, file, "the type of column %s.%s is not known; declared as string", t.Name, name)
	}
	return c, nil
}
