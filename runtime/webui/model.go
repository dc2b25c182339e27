package webui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store"
)

// The pages draw what is deployed, as the engine runs it: each installed
// solution's build (its staged upgrade when there is one), decoded from the
// environment's snapshot, never a project's sources. The engine keeps this
// model to itself, so the pages decode the same snapshots (once per build)
// and reload when an import changes the environment. Every change still
// goes through the engine.

// deployed is what the pages know about the environment.
type deployed struct {
	gen    int64
	env    string
	tables map[string]store.Table
	flows  []*flowInfo // sorted by name
	byName map[string]*flowInfo
}

// flowInfo is a deployed business process flow.
type flowInfo struct {
	p         *compiler.Project
	f         *compiler.Flow
	wf        store.Workflow
	stageName map[string]string // process stage id -> stage name
}

// running reports whether instances of the flow can exist and start: it is
// active and has its instance table.
func (fi *flowInfo) running(d *deployed) bool {
	t, ok := d.tables[fi.wf.InstanceTable]
	return fi.wf.Active && ok && t.Kind == store.TableInstance
}

// view is the deployment with the acting user's access, read in one
// transaction.
type view struct {
	*deployed
	acc store.Access
}

// may reports whether the user has every privilege on the flow.
func (v *view) may(fi *flowInfo, privs ...string) bool {
	for _, p := range privs {
		if !v.acc.Allows(fi.wf.InstanceTable, p) {
			return false
		}
	}
	return true
}

// readable lists the deployed flows the user may see, by name.
func (v *view) readable() []*flowInfo {
	var out []*flowInfo
	for _, fi := range v.flows {
		if v.may(fi, "read") {
			out = append(out, fi)
		}
	}
	return out
}

// flowsOn lists the readable flows that have a stage on table.
func (v *view) flowsOn(table string) []*flowInfo {
	var out []*flowInfo
	for _, fi := range v.readable() {
		if slices.Contains(fi.f.Tables(), table) {
			out = append(out, fi)
		}
	}
	return out
}

// models caches the decoded deployment.
type models struct {
	s store.Store

	mu     sync.Mutex
	cur    *deployed
	builds map[string]*compiler.Project // by build digest
}

// view reads the deployment (reloading it after an import) and the access
// of user.
func (m *models) view(ctx context.Context, user string) (*view, error) {
	var out *view
	err := m.s.Read(ctx, func(tx store.Tx) error {
		acc, err := tx.Access(user)
		if err != nil {
			return err
		}
		d, err := m.load(ctx, tx, acc.Generation)
		if err != nil {
			return err
		}
		out = &view{deployed: d, acc: acc}
		return nil
	})
	return out, err
}

func (m *models) load(ctx context.Context, tx store.Tx, gen int64) (*deployed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil && m.cur.gen == gen {
		return m.cur, nil
	}
	meta, err := m.s.Meta(ctx)
	if err != nil {
		return nil, err
	}
	d := &deployed{gen: gen, env: meta.Name, tables: map[string]store.Table{}, byName: map[string]*flowInfo{}}
	tables, err := tx.Tables()
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		d.tables[t.Name] = t
	}
	sols, err := tx.Solutions()
	if err != nil {
		return nil, err
	}
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
	if m.builds == nil || len(m.builds) > 32 {
		m.builds = map[string]*compiler.Project{}
	}
	projects := map[string]*compiler.Project{}
	for name, digest := range live {
		if digest == "" {
			continue
		}
		p, ok := m.builds[digest]
		if !ok {
			snap, err := tx.Snapshot(digest)
			if err != nil {
				return nil, fmt.Errorf("the build of %s deployed in %s: %w", name, meta.Name, err)
			}
			if p, _, err = deploy.DecodeSnapshot(snap); err != nil {
				return nil, fmt.Errorf("the build of %s deployed in %s: %w", name, meta.Name, err)
			}
			m.builds[digest] = p
		}
		projects[name] = p
	}
	wfs, err := tx.Workflows()
	if err != nil {
		return nil, err
	}
	for _, w := range wfs {
		p := projects[w.Solution]
		if w.Category != store.CategoryBPF || p == nil {
			continue
		}
		f := p.Flow(w.Name)
		if f == nil {
			continue
		}
		stages, err := tx.Stages(w.ID)
		if err != nil {
			return nil, err
		}
		fi := &flowInfo{p: p, f: f, wf: w, stageName: map[string]string{}}
		for _, s := range stages {
			if f.Stage(s.Name) != nil {
				fi.stageName[s.ID] = s.Name
			}
		}
		for _, s := range f.Stages {
			fi.stageName[p.StageID(f, s)] = s.Name
		}
		d.flows = append(d.flows, fi)
		d.byName[f.Name] = fi
	}
	slices.SortFunc(d.flows, func(a, b *flowInfo) int { return strings.Compare(a.f.Name, b.f.Name) })
	m.cur = d
	return d, nil
}

// recordTables lists the tables whose records the pages show: standard and
// custom tables, not flows' instance tables nor users.
func (d *deployed) recordTables() []store.Table {
	var out []store.Table
	for _, t := range d.tables {
		if t.Kind != store.TableInstance && t.Name != "systemuser" {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b store.Table) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// recordTable finds a table the pages show records of.
func (d *deployed) recordTable(name string) (store.Table, bool) {
	t, ok := d.tables[name]
	if !ok || t.Kind == store.TableInstance || name == "systemuser" {
		return store.Table{}, false
	}
	return t, true
}

// tableTitle is a table's display name, else its name.
func (d *deployed) tableTitle(name string) string {
	if t, ok := d.tables[name]; ok && t.DisplayName != "" {
		return t.DisplayName
	}
	return name
}
