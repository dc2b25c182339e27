package webui

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The pages draw what is deployed, as the engine runs it: each installed
// solution's build (its staged upgrade when there is one), decoded from the
// environment's snapshot, never a project's sources. The engine loads it
// (Session.Deployed) and reloads it when an import changes the
// environment. Every change goes through the engine.

// deployed is what the pages know about the environment.
type deployed struct {
	src    *engine.Deployed
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

// models keeps the pages' view of the engine's deployment, rebuilt when
// the engine loads another one (after an import).
type models struct {
	mu  sync.Mutex
	cur *deployed
}

// view reads the deployment and the access of the session's user.
func (m *models) view(ctx context.Context, s *engine.Session) (*view, error) {
	src, acc, err := s.Deployed(ctx)
	if err != nil {
		return nil, err
	}
	return &view{deployed: m.load(src), acc: acc}, nil
}

func (m *models) load(src *engine.Deployed) *deployed {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur != nil && m.cur.src == src {
		return m.cur
	}
	d := &deployed{src: src, env: src.Env, tables: src.Tables, byName: map[string]*flowInfo{}}
	for _, df := range src.Flows {
		p, f := df.Project, df.Flow
		fi := &flowInfo{p: p, f: f, wf: df.Workflow, stageName: map[string]string{}}
		for id, s := range df.Stages {
			fi.stageName[id] = s.Name
		}
		// An instance may also name a stage by the id the model gives it.
		for _, s := range f.Stages {
			fi.stageName[p.StageID(f, s)] = s.Name
		}
		d.flows = append(d.flows, fi)
		d.byName[f.Name] = fi
	}
	m.cur = d
	return d
}

// readView reads the view of a page's user, or shows the error page.
func (h *Handler) readView(w http.ResponseWriter, r *http.Request) (*view, bool) {
	rs := current(r)
	v, err := h.models.view(r.Context(), rs.s)
	if err != nil {
		h.fail(w, r, rs, err)
		return nil, false
	}
	return v, true
}

// tableView reads the view of a page's user and the record table the
// page's path names, or shows the error page (404 for a table the pages
// do not show).
func (h *Handler) tableView(w http.ResponseWriter, r *http.Request) (*view, store.Table, bool) {
	v, ok := h.readView(w, r)
	if !ok {
		return nil, store.Table{}, false
	}
	t, ok := v.recordTable(r.PathValue("table"))
	if !ok {
		h.fail(w, r, current(r), errorf(http.StatusNotFound, "Not found", "There is no table %q here.", r.PathValue("table")))
		return nil, store.Table{}, false
	}
	return v, t, true
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
