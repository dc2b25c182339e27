package deploy

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// builtinRoles exist in every environment and always have everything; a
// project may name them, but an import never writes them.
var builtinRoles = map[string]bool{"system_administrator": true, "system_customizer": true}

// components lists what a build installs, sorted by kind and name.
func components(p *compiler.Project) []store.Component {
	var out []store.Component
	add := func(kind, name, id string) { out = append(out, store.Component{Kind: kind, Name: name, ObjectID: id}) }
	for _, f := range p.Flows {
		add(store.KindFlow, f.Name, p.FlowID(f))
	}
	for _, w := range p.Workflows {
		add(store.KindWorkflow, w.Name, p.WorkflowID(w))
	}
	for _, r := range p.Roles {
		if !builtinRoles[r.Name] {
			add(store.KindRole, r.Name, p.RoleID(r))
		}
	}
	for _, v := range p.Variables {
		add(store.KindVariable, v.SchemaName, p.VariableID(v))
	}
	for _, t := range p.Tables {
		if t.Custom {
			add(store.KindTable, t.Name, t.Name)
		}
		for _, c := range shippedColumns(t) {
			add(store.KindColumn, t.Name+"."+c.Name, t.Name+"."+c.Name)
		}
	}
	sortComponents(out)
	return out
}

func sortComponents(cs []store.Component) {
	slices.SortFunc(cs, func(a, b store.Component) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
}

// shippedColumns are the columns a build creates on a table: every declared
// column of a custom table, the added columns of a standard one; none of an
// external table (it belongs to another solution).
func shippedColumns(t *compiler.Table) []*compiler.Column {
	if t.External {
		return nil
	}
	var out []*compiler.Column
	for _, c := range t.Columns {
		if !c.Standard && (t.Custom || t.Standard) {
			out = append(out, c)
		}
	}
	return out
}

// storeColumn converts a column of the model.
func storeColumn(c *compiler.Column, solution string) store.Column {
	sc := store.Column{Name: c.Name, DisplayName: c.DisplayName, Type: c.Type, MaxLength: c.MaxLength,
		Required: c.Required, Behavior: c.Behavior, System: c.Standard}
	switch {
	case len(c.Targets) > 0:
		sc.Targets = slices.Clone(c.Targets)
	case c.Target != "":
		sc.Targets = []string{c.Target}
	}
	for _, o := range c.Options {
		sc.Options = append(sc.Options, store.Option{Label: o.Label, Value: o.Value})
	}
	if !c.Standard {
		sc.Solution = solution
	}
	return sc
}

// customTable converts a custom table of the model.
func customTable(t *compiler.Table, solution string) store.Table {
	st := store.Table{Name: t.Name, DisplayName: t.DisplayName, EntitySetName: compiler.EntitySetName(t.Name), PrimaryKey: t.PrimaryKey,
		PrimaryColumn: t.PrimaryColumn, Kind: store.TableCustom, Solution: solution}
	for _, c := range t.Columns {
		sc := storeColumn(c, solution)
		sc.Solution = ""
		st.Columns = append(st.Columns, sc)
	}
	return st
}

// instanceTable is the instance table of an active flow: the columns
// Dataverse creates for a business process flow, a lookup to each table of
// the flow, and (added by the store) the row version.
func instanceTable(f *compiler.Flow, solution string) store.Table {
	sys := func(name, display, typ string, targets ...string) store.Column {
		return store.Column{Name: name, DisplayName: display, Type: typ, Targets: targets, System: true}
	}
	t := store.Table{Name: f.InstanceTable, DisplayName: f.DisplayName, EntitySetName: compiler.EntitySetName(f.InstanceTable),
		PrimaryKey: "businessprocessflowinstanceid", PrimaryColumn: "bpf_name", Kind: store.TableInstance, Solution: solution,
		Columns: []store.Column{
			sys("businessprocessflowinstanceid", f.DisplayName, "uniqueidentifier"),
			{Name: "bpf_name", DisplayName: "Name", Type: "string", MaxLength: 100, Required: true, System: true},
			sys("processid", "Process", "lookup", "workflow"),
			sys("activestageid", "Active Stage", "lookup", "processstage"),
			sys("activestagestartedon", "Active Stage Started On", "datetime"),
			{Name: "traversedpath", DisplayName: "Traversed Path", Type: "string", MaxLength: 1250, System: true},
			{Name: "statecode", DisplayName: "Status", Type: "state", System: true,
				Options: []store.Option{{Label: "Active", Value: 0}, {Label: "Inactive", Value: 1}}},
			{Name: "statuscode", DisplayName: "Status Reason", Type: "status", System: true,
				Options: []store.Option{{Label: "Active", Value: 1}, {Label: "Finished", Value: 2}, {Label: "Aborted", Value: 3}}},
			sys("completedon", "Completed On", "datetime"),
			sys("bpf_duration", "Duration", "integer"),
			sys("createdon", "Created On", "datetime"),
			sys("createdby", "Created By", "lookup", "systemuser"),
			sys("modifiedon", "Modified On", "datetime"),
			sys("modifiedby", "Modified By", "lookup", "systemuser"),
			// Dataverse's system columns of a process table (the build
			// emits them too), so that a client's $select of them works;
			// bpfc writes none of them: always null.
			sys("createdonbehalfby", "Created By (Delegate)", "lookup", "systemuser"),
			sys("modifiedonbehalfby", "Modified By (Delegate)", "lookup", "systemuser"),
			sys("importsequencenumber", "Import Sequence Number", "integer"),
			sys("overriddencreatedon", "Record Created On", "datetime"),
			sys("timezoneruleversionnumber", "Time Zone Rule Version Number", "integer"),
			sys("utcconversiontimezonecode", "UTC Conversion Time Zone Code", "integer"),
		}}
	for _, tb := range f.Tables() {
		t.Columns = append(t.Columns, sys(instanceLookup(tb), titleWords(tb), "lookup", tb))
	}
	return t
}

// instanceLookup is the instance table's lookup to a table of the flow.
func instanceLookup(table string) string { return "bpf_" + table + "id" }

// titleWords is a logical name as words for a display name: "bac_package"
// -> "Bac Package".
func titleWords(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, " ")
}

// use is one table or column a build needs, and what needs it.
type use struct {
	table, column string // column "" = the table itself
	by            string
}

// uses lists every table and column the flows, steps, conditions, workflows
// and shipped lookups of p use, and every table and column of its external
// tables.
func uses(p *compiler.Project) []use {
	var out []use
	add := func(table, column, by string) { out = append(out, use{table, column, by}) }
	exprs := func(e compiler.Expr, table, by string) {
		for _, c := range compiler.ColumnRefs(e) {
			add(cmp.Or(c.Table, table), c.Column, by)
		}
	}
	for _, f := range p.Flows {
		add(f.PrimaryTable, "", "flow "+f.Name)
		for _, s := range f.Stages {
			by := "flow " + f.Name + " stage " + s.Name
			add(s.Table, "", by)
			if s.Relationship != "" {
				add(s.Table, s.Relationship, by)
			}
			for _, st := range s.Steps {
				if st.Column != "" {
					add(s.Table, st.Column, by+" step "+st.Name)
				}
			}
			for _, b := range s.Branches {
				exprs(b.When, s.Table, by+" branch to "+b.Next)
			}
		}
	}
	for _, w := range p.Workflows {
		by := "workflow " + w.Name
		add(w.Table, "", by)
		exprs(w.WaitUntil, w.Table, by+" wait_until")
		for _, st := range w.Steps {
			sby := by + " step " + st.Name
			exprs(st.When, w.Table, sby)
			target := w.Table
			if st.Kind == compiler.StepCreate {
				target = st.CreateTable
				add(target, "", sby)
			}
			for _, k := range slices.Sorted(maps.Keys(st.Values)) {
				if st.Kind == compiler.StepUpdate || st.Kind == compiler.StepCreate {
					add(target, k, sby)
				}
				exprs(st.Values[k], w.Table, sby)
			}
		}
	}
	for _, t := range p.Tables {
		if t.External {
			add(t.Name, "", "external table "+t.Name)
			for _, c := range t.Columns {
				if !c.Standard {
					add(t.Name, c.Name, "external table "+t.Name)
				}
			}
		}
		for _, c := range shippedColumns(t) {
			for _, target := range storeColumn(c, "").Targets {
				add(target, "", "lookup "+t.Name+"."+c.Name)
			}
		}
	}
	return out
}
