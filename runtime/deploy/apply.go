package deploy

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// applier writes a build into an environment inside the import transaction.
type applier struct {
	tx    store.Tx
	st    *state
	b     *Build
	p     *compiler.Project
	owner string // the base solution name components are owned by
	o     *Options
	xaml  map[string]string // by upper-case id
}

func (a *applier) progress(format string, args ...any) { a.o.Progress(fmt.Sprintf(format, args...)) }

// tables creates custom tables and added columns, and updates the metadata
// of those that exist.
func (a *applier) tables() error {
	for _, t := range a.p.Tables {
		et, exists := a.st.tables[t.Name]
		if t.Custom && !exists {
			if err := a.tx.CreateTable(customTable(t, a.owner)); err != nil {
				return err
			}
			continue
		}
		if t.Custom {
			want := customTable(t, a.owner)
			if err := a.tx.UpdateTable(want); err != nil {
				return err
			}
			// A system column a newer bpfc knows (createdby, modifiedby)
			// joins a table an older one created; its rows get the owner
			// as creator and last modifier (what a required step on
			// createdby reads: it would hold them back for good).
			for _, c := range want.Columns {
				if _, ok := et.Column(c.Name); ok || !c.System {
					continue
				}
				if err := a.tx.AddColumn(t.Name, c); err != nil {
					return err
				}
				if _, owned := et.Column("ownerid"); owned && (c.Name == "createdby" || c.Name == "modifiedby") {
					if err := a.tx.FillColumn(t.Name, c.Name, "ownerid"); err != nil {
						return err
					}
				}
			}
		}
		if !exists {
			continue // an external table: checked, never created
		}
		for _, c := range shippedColumns(t) {
			sc := storeColumn(c, a.owner)
			if t.Custom {
				sc.Solution = ""
			}
			if ec, ok := et.Column(c.Name); ok {
				if a.st.ownedElsewhere(ec.Solution, a.owner) != "" {
					sc.Solution = ec.Solution // shared: this build is its top layer
				}
				if err := a.tx.UpdateColumn(t.Name, sc); err != nil {
					return err
				}
			} else if err := a.tx.AddColumn(t.Name, sc); err != nil {
				return err
			}
		}
	}
	return nil
}

// flows writes the flows' workflow records and stages, and gives each active
// flow its instance table.
func (a *applier) flows() error {
	for i, f := range a.p.Flows {
		if i%25 == 0 {
			a.progress("flows %d/%d", i, len(a.p.Flows))
		}
		id := a.p.FlowID(f)
		def, err := flowDefinitionJSON(f)
		if err != nil {
			return err
		}
		w := store.Workflow{ID: id, Name: f.Name, UniqueName: f.InstanceTable, Solution: a.owner, Category: store.CategoryBPF,
			DisplayName: f.DisplayName, PrimaryTable: f.PrimaryTable, Type: f.Type, Order: f.Order, Active: f.Active,
			InstanceTable: f.InstanceTable, XAML: a.xaml[strings.ToUpper(id)], Definition: def}
		if old, ok := a.st.workflows[id]; ok {
			w.CreatedOn = old.CreatedOn
		}
		if err := a.tx.PutWorkflow(w); err != nil {
			return err
		}
		var stages []store.Stage
		for _, s := range f.Stages {
			ss := store.Stage{ID: a.p.StageID(f, s), Name: s.Name, DisplayName: s.DisplayName, Category: s.CategoryValue(),
				Table: s.Table, Relationship: s.Relationship, Next: s.Next}
			for _, br := range s.Branches {
				ss.Branches = append(ss.Branches, store.Branch{When: compiler.FormatExpr(br.When), Next: br.Next})
			}
			for _, st := range s.Steps {
				ss.Steps = append(ss.Steps, store.Step{ID: a.p.StepID(f, s, st), Name: st.Name, DisplayName: st.DisplayName,
					Column: st.Column, Required: st.Required, Action: st.Action, Workflow: st.Workflow})
			}
			stages = append(stages, ss)
		}
		if err := a.tx.SetStages(id, stages); err != nil {
			return err
		}
		if f.Active {
			if err := a.instanceTable(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// instanceTable creates a flow's instance table, or adds the lookups of
// tables the flow now uses to the one it has, with the index of its
// states and durations that reports read (made here, so that a report
// only reads: an environment an older bpfc made gets it now).
func (a *applier) instanceTable(f *compiler.Flow) error {
	if err := a.instanceTableColumns(f); err != nil {
		return err
	}
	if rt, ok := a.tx.(store.ReportTx); ok {
		return rt.CreateReportIndex(f.InstanceTable)
	}
	return nil
}

func (a *applier) instanceTableColumns(f *compiler.Flow) error {
	want := instanceTable(f, a.owner)
	et, ok := a.st.tables[f.InstanceTable]
	if !ok {
		return a.tx.CreateTable(want)
	}
	for _, c := range want.Columns {
		if _, ok := et.Column(c.Name); !ok {
			if err := a.tx.AddColumn(f.InstanceTable, c); err != nil {
				return err
			}
		}
	}
	want.Columns = nil
	return a.tx.UpdateTable(want)
}

// workflows writes the classic workflow records.
func (a *applier) workflows() error {
	for _, w := range a.p.Workflows {
		id := a.p.WorkflowID(w)
		def, err := workflowDefinitionJSON(w)
		if err != nil {
			return err
		}
		rec := store.Workflow{ID: id, Name: w.Name, UniqueName: w.Name, Solution: a.owner, Category: store.CategoryWorkflow,
			DisplayName: w.DisplayName, PrimaryTable: w.Table, Mode: w.Mode, Active: true, XAML: a.xaml[strings.ToUpper(id)], Definition: def}
		if old, ok := a.st.workflows[id]; ok {
			rec.CreatedOn = old.CreatedOn
		}
		if err := a.tx.PutWorkflow(rec); err != nil {
			return err
		}
	}
	return nil
}

// roles writes the roles and their privileges on the flows' instance tables.
func (a *applier) roles() error {
	for _, r := range a.p.Roles {
		if isBuiltinRole(r) {
			continue
		}
		if err := a.tx.PutRole(store.Role{ID: a.p.RoleID(r), Name: r.Name, DisplayName: r.DisplayName, Solution: a.owner}); err != nil {
			return err
		}
		var ps []store.Privilege
		for _, g := range r.Grants {
			table, _ := a.p.GrantTable(g)
			if table == "" {
				return fmt.Errorf("role %s grants on unknown flow or table %s", r.Name, g.Flow)
			}
			depth := g.Depth
			if depth == "" {
				depth = store.DepthOrganization
			}
			for _, pv := range g.Privileges {
				ps = append(ps, store.Privilege{Table: table, Privilege: pv, Depth: depth})
			}
		}
		if err := a.tx.SetPrivileges(r.Name, widest(ps)); err != nil {
			return err
		}
	}
	return nil
}

var depthRank = map[string]int{store.DepthUser: 1, store.DepthBusinessUnit: 2, store.DepthParentChild: 3, store.DepthOrganization: 4}

// widest keeps one privilege per table and name, at the widest depth granted.
func widest(ps []store.Privilege) []store.Privilege {
	idx := map[[2]string]int{}
	var out []store.Privilege
	for _, p := range ps {
		k := [2]string{p.Table, p.Privilege}
		if i, ok := idx[k]; ok {
			if depthRank[p.Depth] > depthRank[out[i].Depth] {
				out[i].Depth = p.Depth
			}
			continue
		}
		idx[k] = len(out)
		out = append(out, p)
	}
	return out
}

// remove removes components a solution no longer has: flows with their
// instance tables (and rows), workflows, roles, variables, added columns and
// custom tables.
func remove(tx store.Tx, cs []store.Component, progress func(string)) error {
	dropped := map[string]bool{}
	for _, kind := range []string{store.KindFlow, store.KindWorkflow, store.KindRole, store.KindVariable, store.KindTable, store.KindColumn} {
		for _, c := range cs {
			if c.Kind != kind {
				continue
			}
			progress("removing " + c.Kind + " " + c.Name)
			var err error
			switch c.Kind {
			case store.KindFlow:
				err = removeFlow(tx, c.ObjectID)
			case store.KindWorkflow:
				err = tx.DeleteWorkflow(c.ObjectID)
			case store.KindRole:
				err = tx.DeleteRole(c.Name)
			case store.KindVariable:
				err = tx.DeleteVariableDefinition(c.Name)
			case store.KindTable:
				err = tx.DropTable(c.Name)
				dropped[c.Name] = true
			case store.KindColumn:
				table, col, _ := strings.Cut(c.Name, ".")
				if dropped[table] {
					continue
				}
				err = tx.DropColumn(table, col)
			}
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("removing %s %s: %w", c.Kind, c.Name, err)
			}
		}
	}
	return nil
}

func removeFlow(tx store.Tx, id string) error {
	w, err := tx.Workflow(id)
	if err != nil {
		return err
	}
	if w.InstanceTable != "" {
		if t, err := tx.Table(w.InstanceTable); err == nil && t.Kind == store.TableInstance {
			if err := tx.DropTable(w.InstanceTable); err != nil {
				return err
			}
		}
	}
	return tx.DeleteWorkflow(id)
}

// xamlByID reads the workflow XAML of an archive (Workflows/<name>-<ID>.xaml)
// by upper-case id. An archive that cannot be read gives none: the records
// then keep only the model.
func xamlByID(archive []byte) map[string]string {
	out := map[string]string{}
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return out
	}
	for _, f := range zr.File {
		name := path.Base(f.Name)
		if !strings.HasPrefix(f.Name, "Workflows/") || !strings.HasSuffix(name, ".xaml") || f.UncompressedSize64 > 64<<20 {
			continue
		}
		stem := strings.TrimSuffix(name, ".xaml")
		if len(stem) < 36 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err == nil {
			out[strings.ToUpper(stem[len(stem)-36:])] = string(b)
		}
	}
	return out
}
