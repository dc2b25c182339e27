package webui

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
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
		h.fail(w, r, current(r), v.unknownTable(r.PathValue("table"), r.PathValue("id")))
		return nil, store.Table{}, false
	}
	return v, t, true
}

// unknownTable is the 404 of a page's address that names no table whose
// records the pages show, linking to the page of the table likely meant:
// the one whose entity set (incidents), display name or plural display
// name (case, Cases) it is, in any case and spacing, else the closest
// name; to its record id's page when the address names a record.
func (d *deployed) unknownTable(name, id string) error {
	e := &pageError{status: http.StatusNotFound, title: "Not found", text: fmt.Sprintf("There is no table %q here.", name)}
	tables := d.recordTables()
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.Name
		if t.EntitySetName == name {
			e.text += fmt.Sprintf(" %s is the Web API's name for table %s; a page's address names a table by its logical name.", name, t.Name)
			e.meant = t
		}
	}
	if e.meant.Name == "" {
		if t, text, what, ok := engine.DisplayNamed(name, tables); ok {
			e.text += fmt.Sprintf(" %q is the %s of table %s; a page's address names a table by its logical name.", text, what, t.Name)
			e.meant = t
		} else if best := compiler.ClosestName(name, names); best != "" {
			e.meant = d.tables[best]
		}
	}
	if e.meant.Name != "" {
		e.link = "/records/" + e.meant.Name
		if id != "" {
			e.link += "/" + url.PathEscape(id)
		}
		e.linkText = cmp.Or(e.meant.DisplayName, e.meant.Name) + " (" + e.link + ")"
	}
	return e
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
