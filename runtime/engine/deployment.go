package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// deployment is what is deployed in the environment, as the engine runs it:
// the flows with their deployed models, every table's metadata and the
// environment's variable values. It is rebuilt when an import changes the
// environment.
type deployment struct {
	generation int64 // the import generation it was loaded at
	env        string
	tables     map[string]store.Table
	flows      []*flow          // sorted by name
	byTable    map[string]*flow // by instance table
	// flowsOn lists, by table, the flows whose stages use it: a role's
	// grant on a flow gives its privileges on them too (privileges.go).
	flowsOn map[string][]*flow
	vars    process.Vars

	once   sync.Once // makes public (model.go)
	public *Deployed
}

// model is a decoded snapshot.
type model struct {
	p *compiler.Project
}

// flow is a deployed business process flow.
type flow struct {
	wf        store.Workflow
	p         *compiler.Project
	f         *compiler.Flow
	table     store.Table // its instance table; Name "" when it has none (a draft)
	version   store.Table // the instance table's key and row version
	stageID   map[string]string
	stageByID map[string]*compiler.Stage
	// reads is, by stage name, the columns of the stage's record that a
	// move decides on: its steps', its branches', its key and name.
	reads map[string]store.Table
	// tables are the tables of its stages (compiler.Flow.Tables), each
	// with the instance table's lookup to it: what instanceOf reads.
	tables []flowTable
}

// flowTable is a table of a flow's stages and the instance table's lookup
// column to it (lookupColumn).
type flowTable struct{ name, lookup string }

func (f *flow) hasTable() bool { return f.table.Name != "" }

// versionOnly is the instance table reduced to its key and row version.
func (f *flow) versionOnly() store.Table { return f.version }

func versionOnly(table store.Table) store.Table {
	t := table
	t.Columns = nil
	for _, c := range table.Columns {
		if c.Name == t.PrimaryKey || c.Name == store.RowVersionColumn {
			t.Columns = append(t.Columns, c)
		}
	}
	return t
}

// stage returns the stage with the given process stage id.
func (f *flow) stage(id string) *compiler.Stage { return f.stageByID[id] }

// at is the stage an instance row is at, and its traversed path (stage
// ids). An upgrade that removed stages leaves the instance at the last
// stage of its path the flow still has (the first stage when none is),
// the removed stages dropped from the path: moves, actions and ends start
// from there, and its next change writes both (removed is then true).
func (f *flow) at(row store.Row) (stage *compiler.Stage, path []string, removed bool) {
	path = splitPath(str(row[colPath]))
	if s := f.stage(str(row[colStage])); s != nil {
		for _, id := range path {
			if f.stage(id) == nil {
				removed = true
			}
		}
		if !removed {
			return s, path, false
		}
	}
	kept := make([]string, 0, len(path))
	for _, id := range path {
		if f.stage(id) != nil {
			kept = append(kept, id)
		}
	}
	if len(kept) == 0 && len(f.f.Stages) > 0 {
		kept = append(kept, f.stageID[f.f.Stages[0].Name])
	}
	if len(kept) == 0 {
		return nil, kept, true
	}
	return f.stage(kept[len(kept)-1]), kept, true
}

// deployment returns the environment's deployment, loading it when an
// import changed the environment since it was last loaded.
func (e *Engine) deployment(ctx context.Context, tx store.Tx) (*deployment, error) {
	last, err := tx.Imports(store.ImportFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	var gen int64
	if len(last) > 0 {
		gen = last[0].ID
	}
	return e.deploymentAt(ctx, tx, gen)
}

// deploymentAt returns the deployment as of import generation gen (the
// latest import's id, store.Access.Generation): every import adds one in
// the transaction that changes what is deployed.
func (e *Engine) deploymentAt(ctx context.Context, tx store.Tx, gen int64) (*deployment, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dep != nil && e.dep.generation == gen {
		return e.dep, nil
	}
	sols, err := tx.Solutions()
	if err != nil {
		return nil, err
	}
	dep, err := e.load(ctx, tx, sols)
	if err != nil {
		return nil, err
	}
	dep.generation = gen
	e.dep = dep
	return dep, nil
}

func (e *Engine) load(ctx context.Context, tx store.Tx, sols []store.Solution) (*deployment, error) {
	meta, err := e.s.Meta(ctx)
	if err != nil {
		return nil, err
	}
	dep := &deployment{env: meta.Name, tables: map[string]store.Table{}, byTable: map[string]*flow{}, flowsOn: map[string][]*flow{}}
	tables, err := tx.Tables()
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		dep.tables[t.Name] = t
	}
	// The live build of each solution: its staged upgrade when there is one.
	live := map[string]string{}
	for _, s := range sols {
		if s.State == store.StateInstalled && live[s.Name] == "" {
			live[s.Name] = s.BuildDigest
		}
	}
	for _, s := range sols {
		if s.State == store.StateHolding && s.UpgradeOf != "" {
			live[s.UpgradeOf] = s.BuildDigest
		}
	}
	models := map[string]*model{}
	for name, digest := range live {
		m, err := e.model(tx, digest)
		if err != nil {
			return nil, fmt.Errorf("the build of %s deployed in %s: %w", name, meta.Name, err)
		}
		if m != nil {
			models[name] = m
		}
	}
	wfs, err := tx.Workflows()
	if err != nil {
		return nil, err
	}
	var imports []store.ImportRecord // read once, for the kept flows (keptModel)
	for _, w := range wfs {
		if w.Category != store.CategoryBPF {
			continue
		}
		m := models[w.Solution]
		var cf *compiler.Flow
		if m != nil {
			cf = m.p.Flow(w.Name)
		}
		if cf == nil {
			// A flow the live build dropped but the environment keeps (an
			// import with --mode update, or an upgrade staged and not yet
			// applied), or whose unmanaged solution was uninstalled (its
			// components stay, as in Dataverse's default solution): it runs
			// as the last build that had it defined it.
			if imports == nil {
				if imports, err = tx.Imports(store.ImportFilter{}); err != nil {
					return nil, err
				}
			}
			if m, err = e.keptModel(tx, imports, w); err != nil {
				return nil, err
			}
			if m == nil {
				continue
			}
			cf = m.p.Flow(w.Name)
		}
		stages, err := tx.Stages(w.ID)
		if err != nil {
			return nil, err
		}
		fl := &flow{wf: w, p: m.p, f: cf, stageID: map[string]string{}, stageByID: map[string]*compiler.Stage{}}
		for _, s := range stages {
			if cs := cf.Stage(s.Name); cs != nil {
				fl.stageID[s.Name], fl.stageByID[s.ID] = s.ID, cs
			}
		}
		for _, cs := range cf.Stages {
			if _, ok := fl.stageID[cs.Name]; !ok {
				id := m.p.StageID(cf, cs)
				fl.stageID[cs.Name], fl.stageByID[id] = id, cs
			}
		}
		fl.reads = stageReads(cf, dep.tables)
		for _, t := range cf.Tables() {
			fl.tables = append(fl.tables, flowTable{t, lookupColumn(t)})
		}
		if t, ok := dep.tables[w.InstanceTable]; ok && t.Kind == store.TableInstance {
			fl.table, fl.version = t, versionOnly(t)
			dep.byTable[t.Name] = fl
		}
		dep.flows = append(dep.flows, fl)
	}
	slices.SortFunc(dep.flows, func(a, b *flow) int { return strings.Compare(a.f.Name, b.f.Name) })
	for _, f := range dep.flows {
		for _, t := range f.tables {
			dep.flowsOn[t.name] = append(dep.flowsOn[t.name], f)
		}
	}
	if dep.vars, err = e.variables(tx, meta.Name); err != nil {
		return nil, err
	}
	return dep, nil
}

// keptModel is the model of the latest build of w's solution that has w,
// from the import history (imports, newest first: only successful ones
// count); nil when none has.
func (e *Engine) keptModel(tx store.Tx, imports []store.ImportRecord, w store.Workflow) (*model, error) {
	seen := map[string]bool{}
	for _, imp := range imports {
		if imp.Result != store.ResultSucceeded || imp.BuildDigest == "" || seen[imp.BuildDigest] {
			continue
		}
		seen[imp.BuildDigest] = true
		m, err := e.model(tx, imp.BuildDigest)
		if err != nil {
			return nil, err
		}
		if m != nil && m.p.Solution != nil && m.p.Solution.Name == w.Solution && m.p.Flow(w.Name) != nil {
			return m, nil
		}
	}
	return nil, nil
}

// model decodes (once) the snapshot of a build.
func (e *Engine) model(tx store.Tx, digest string) (*model, error) {
	if digest == "" {
		return nil, nil
	}
	if m, ok := e.models[digest]; ok {
		return m, nil
	}
	snap, err := tx.Snapshot(digest)
	if err != nil {
		return nil, err
	}
	p, _, err := deploy.DecodeSnapshot(snap)
	if err != nil {
		return nil, err
	}
	m := &model{p: p}
	e.models[digest] = m
	return m, nil
}

// variables are the environment's variable values by schema name
// (process.Vars): the value set in the environment, else the definition's
// default.
func (e *Engine) variables(tx store.Tx, env string) (process.Vars, error) {
	defs, err := tx.VariableDefinitions()
	if err != nil {
		return nil, err
	}
	vars := process.Vars{}
	for _, d := range defs {
		text, ok := "", false
		v, err := tx.VariableValue(d.SchemaName)
		switch {
		case err == nil && d.Type == compiler.VarSecret:
			if e.o.Keyring != nil && len(v.Sealed) > 0 {
				if plain, err := e.o.Keyring.Open(v.Sealed, env+"/"+d.SchemaName); err == nil {
					text, ok = plain, true
				}
			}
		case err == nil:
			text, ok = v.Value, true
		case d.Default != nil:
			text, ok = *d.Default, true
		}
		if !ok {
			continue
		}
		if val, ok := variableValue(d.Type, text); ok {
			vars[d.SchemaName] = val
		}
	}
	return vars, nil
}

// variableValue reads a variable's value as Dataverse stores it.
func variableValue(typ, text string) (cty.Value, bool) {
	switch typ {
	case compiler.VarNumber:
		v, err := cty.ParseNumberVal(strings.TrimSpace(text))
		return v, err == nil
	case compiler.VarBoolean:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "yes", "true", "1":
			return cty.True, true
		case "no", "false", "0":
			return cty.False, true
		}
		return cty.NilVal, false
	}
	return cty.StringVal(text), true
}

// flow finds a deployed flow by name, unique name or instance table.
func (d *deployment) flow(name string) (*flow, error) {
	for _, match := range []func(*flow) bool{
		func(f *flow) bool { return f.f.Name == name },
		func(f *flow) bool { return f.f.UniqueName == name },
		func(f *flow) bool { return f.wf.InstanceTable == name },
	} {
		for _, f := range d.flows {
			if match(f) {
				return f, nil
			}
		}
	}
	var names []string
	for _, f := range d.flows {
		names = append(names, f.f.Name)
	}
	if len(names) == 0 {
		return nil, notFound("no flow %q: nothing is deployed in %s", name, d.env)
	}
	return nil, notFound("no flow %q in %s; the deployed flows are %s%s", name, d.env, strings.Join(names, ", "), didYouMean(name, names))
}

// table finds a table by name. For an unknown name it says which table a
// Web API entity set name ("leads") stands for, or else the closest table
// name, or else the table whose display name it is (UnknownTable).
func (d *deployment) table(name string) (store.Table, error) {
	if t, ok := d.tables[name]; ok {
		return t, nil
	}
	tables := make([]store.Table, 0, len(d.tables))
	for _, n := range sortedKeys(d.tables) {
		tables = append(tables, d.tables[n])
	}
	return store.Table{}, notFound("%s", UnknownTable(name, d.env, tables))
}

// UnknownTable is the message for a table name that none of tables has, in
// environment env: the table a Web API entity set name ("leads") stands
// for, or else the closest table name, or else the one table whose display
// name it is, in any case and spacing ("case" for incident); just that
// there is no such table when none fits. A flow's instance table is
// offered only for its entity set: no command that names a table takes it
// (record commands send it to bpfc instance), so a near name or a display
// name (a flow's) is not told to use it. A remote environment's client
// says it in the same words.
func UnknownTable(name, env string, tables []store.Table) string {
	names := make([]string, 0, len(tables))
	var records []store.Table // the tables a command that names one takes
	for _, t := range tables {
		if t.EntitySetName == name {
			return fmt.Sprintf("no table %q in %s: %s is the Web API's name for table %s", name, env, name, t.Name)
		}
		if t.Kind != store.TableInstance {
			names, records = append(names, t.Name), append(records, t)
		}
	}
	slices.Sort(names)
	if best := closest(name, names); best != "" {
		return fmt.Sprintf("no table %q in %s; did you mean %s?", name, env, best)
	}
	if t, display, _, ok := displayNamed(name, records, false); ok { // several have it: no guess
		return fmt.Sprintf("no table %q in %s; did you mean %s? %q is its display name; a table is named by its logical name", name, env, t.Name, display)
	}
	return fmt.Sprintf("no table %q in %s", name, env)
}

// stageReads lists, for each stage of f, the columns of its record a move
// reads: the primary key, the row version and creation time (a one-shot
// move checks the record by both), the primary column, the owner (which
// rows the acting user's depth reaches), the steps' columns and the
// columns its branches compare.
func stageReads(f *compiler.Flow, tables map[string]store.Table) map[string]store.Table {
	out := map[string]store.Table{}
	for _, s := range f.Stages {
		t, ok := tables[s.Table]
		if !ok {
			continue
		}
		want := map[string]bool{t.PrimaryKey: true, store.RowVersionColumn: true, colCreatedOn: true, t.PrimaryColumn: true, colOwner: true}
		for _, st := range s.Steps {
			if st.Column != "" {
				want[st.Column] = true
			}
		}
		for _, b := range s.Branches {
			for _, c := range compiler.ColumnRefs(b.When) {
				want[c.Column] = true
			}
		}
		// A move from s may create a later stage's record, prefilled from
		// this one (prefill).
		for _, later := range f.Stages {
			if ms, ok := catalog.Mappings(later.Table, later.Relationship); ok && lookupTarget(tables[later.Table], later.Relationship) == s.Table {
				for _, m := range ms {
					want[m.Source] = true
				}
			}
		}
		sub := t
		sub.Columns = nil
		for _, c := range t.Columns {
			if want[c.Name] {
				sub.Columns = append(sub.Columns, c)
			}
		}
		out[s.Name] = sub
	}
	return out
}
