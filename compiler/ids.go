package compiler

import (
	"strings"

	"github.com/google/uuid"
)

// idNamespace is the fixed UUIDv5 namespace of every bpfc component id. It
// never changes: ids derived from it are what Dataverse sees as the identity of
// a flow, stage or step across versions.
var idNamespace = uuid.MustParse("6f1c2b7e-3d4a-5b8c-9e0f-1a2b3c4d5e6f")

// ID derives a component id from stable names (never display names), e.g.
// ID("stage", solution, flow, stage). The result is a lowercase UUID without braces.
func ID(kind string, names ...string) string {
	return uuid.NewSHA1(idNamespace, []byte(kind+"\x00"+strings.Join(names, "\x00"))).String()
}

// FlowID is the workflow id of a flow.
func (p *Project) FlowID(f *Flow) string { return ID("flow", p.Solution.Name, f.Name) }

// StageID is the process stage id of a stage.
func (p *Project) StageID(f *Flow, s *Stage) string {
	return ID("stage", p.Solution.Name, f.Name, s.Name)
}

// StepID is the process step id of a step.
func (p *Project) StepID(f *Flow, s *Stage, st *Step) string {
	return ID("step", p.Solution.Name, f.Name, s.Name, st.Name)
}

// WorkflowID is the workflow id of a classic workflow.
func (p *Project) WorkflowID(w *Workflow) string { return ID("workflow", p.Solution.Name, w.Name) }

// RoleID is the id of a security role.
func (p *Project) RoleID(r *Role) string { return ID("role", p.Solution.Name, r.Name) }

// VariableID is the id of an environment variable definition.
func (p *Project) VariableID(v *Variable) string { return ID("variable", p.Solution.Name, v.Name) }

// Lookup helpers over the model.

// Table returns the named table or nil.
func (p *Project) Table(name string) *Table {
	for _, t := range p.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// UsedTables lists, sorted, the distinct tables the project uses: the tables
// of its flows' stages and the tables its workflows run on or create records
// in (standard or not), and every table it declares (custom, external, or a
// standard one it adds columns to). Tables lists more: the whole standard
// catalog, used or not.
func (p *Project) UsedTables() []string {
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" {
			seen[name] = true
		}
	}
	for _, t := range p.Tables {
		if !t.Standard || t.Extended {
			add(t.Name)
		}
	}
	for _, f := range p.Flows {
		for _, s := range f.Stages {
			add(s.Table)
		}
	}
	for _, w := range p.Workflows {
		add(w.Table)
		for _, st := range w.Steps {
			add(st.CreateTable)
		}
	}
	return sortedKeys(seen)
}

// Flow returns the named flow or nil.
func (p *Project) Flow(name string) *Flow {
	for _, f := range p.Flows {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// DefaultStoreFile is where an environment without a store keeps its rows:
// an SQLite file in the project's .bpfc/, relative to the project.
func (e *Environment) DefaultStoreFile() string { return ".bpfc/" + e.Name + ".db" }

// GrantTable is the table a grant gives privileges on: the instance table
// of the flow it names, or (an extension) the table it names when no flow
// has that name (flow is then nil); "" when it names neither.
func (p *Project) GrantTable(g *Grant) (table string, flow *Flow) {
	if f := p.Flow(g.Flow); f != nil {
		return f.InstanceTable, f
	}
	if t := p.Table(g.Flow); t != nil {
		return t.Name, nil
	}
	return "", nil
}

// Workflow returns the named workflow or nil.
func (p *Project) Workflow(name string) *Workflow {
	for _, w := range p.Workflows {
		if w.Name == name {
			return w
		}
	}
	return nil
}

// Variable returns the named variable or nil.
func (p *Project) Variable(name string) *Variable {
	for _, v := range p.Variables {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Environment returns the named environment or nil.
func (p *Project) Environment(name string) *Environment {
	for _, e := range p.Environments {
		if e.Name == name {
			return e
		}
	}
	return nil
}
