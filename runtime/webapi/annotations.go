package webapi

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/internal/valuetext"
	"github.com/bpfc/bpfc/runtime/store"
)

// Instance annotations of a row, as Dataverse adds them when a request
// asks with Prefer: odata.include-annotations="…": a choice's label, a
// lookup's target table and name. Formats are en-US, times in UTC.
const (
	annFormatted   = "OData.Community.Display.V1.FormattedValue"
	annLogicalName = "Microsoft.Dynamics.CRM.lookuplogicalname"
	annNavigation  = "Microsoft.Dynamics.CRM.associatednavigationproperty"
)

// annotationFilter is what odata.include-annotations asks for: names,
// "*", or prefixes written "Namespace.*"; nil asks for none.
type annotationFilter []string

// wantedAnnotations reads the request's odata.include-annotations for rows
// of t, and the preference to echo in Preference-Applied ("" when there is
// none). The process records (workflows, processstages) take none.
func wantedAnnotations(r *http.Request, t store.Table) (annotationFilter, string) {
	v, ok := prefer(r)["odata.include-annotations"]
	if !ok || v == "" || isProcessSet(t.EntitySetName) {
		return nil, ""
	}
	var f annotationFilter
	for _, term := range strings.Split(v, ",") {
		if term = strings.TrimSpace(term); term != "" && !strings.HasPrefix(term, "-") {
			f = append(f, term)
		}
	}
	return f, `odata.include-annotations="` + v + `"`
}

func (f annotationFilter) has(name string) bool {
	for _, term := range f {
		if term == "*" || strings.EqualFold(term, name) ||
			strings.HasSuffix(term, ".*") && len(name) > len(term)-1 && strings.EqualFold(name[:len(term)-1], term[:len(term)-1]) {
			return true
		}
	}
	return false
}

// annotate adds the annotations f asks for to objs, the JSON of rows of t
// (cols: the columns written; nil: every one). A lookup's name is read as
// the request's user: none for a row the user may not read.
func (s *Server) annotate(r *http.Request, f annotationFilter, t store.Table, rows []store.Row, objs []map[string]any, cols []string) error {
	if f == nil {
		return nil
	}
	var columns []store.Column
	if len(cols) == 0 {
		columns = t.Columns
	} else {
		for _, name := range cols {
			if c, ok := t.Column(name); ok {
				columns = append(columns, c)
			}
		}
	}
	var kept engine.Targets
	if slices.ContainsFunc(columns, store.Column.Polymorphic) {
		var err error
		if kept, err = session(r).LookupTargets(r.Context(), t.Name, rows); err != nil {
			return err
		}
	}
	for _, c := range columns {
		if isLookup(c) {
			if err := s.annotateLookup(r, f, c, rows, objs, kept, t.PrimaryKey); err != nil {
				return err
			}
			continue
		}
		if !f.has(annFormatted) {
			continue
		}
		for i, row := range rows {
			if text, ok := formatted(c, row[c.Name]); ok {
				objs[i][c.Name+"@"+annFormatted] = text
			}
		}
	}
	return nil
}

// formatted is a value as Dataverse's formatted value shows it.
func formatted(c store.Column, v any) (string, bool) {
	if v == nil {
		return "", false
	}
	if label, ok := valuetext.Label(c, v); ok {
		return label, true
	}
	switch c.Type {
	case compiler.TypeInteger:
		if n, ok := v.(int64); ok {
			return valuetext.Grouped(strconv.FormatInt(n, 10)), true
		}
	case compiler.TypeDecimal, compiler.TypeMoney:
		if x, ok := v.(float64); ok {
			return valuetext.Grouped(strconv.FormatFloat(x, 'f', 2, 64)), true
		}
	case compiler.TypeDateTime:
		if tm, ok := v.(time.Time); ok && c.DateOnly() {
			return tm.UTC().Format("1/2/2006"), true
		} else if ok {
			return tm.UTC().Format("1/2/2006 3:04 PM"), true
		}
	}
	return "", false
}

// annotateLookup adds a lookup's target table, navigation property and the
// name of the row it names (its table's primary column). A lookup to
// several tables names the table its value was written with (kept), or
// else the first of its tables that holds the id.
func (s *Server) annotateLookup(r *http.Request, f annotationFilter, c store.Column, rows []store.Row, objs []map[string]any, kept engine.Targets, pk string) error {
	prop := propertyName(c)
	// keptTable is the table row i's value was written with, if known.
	keptTable := func(i int) string {
		id, _ := rows[i][pk].(string)
		return kept.Of(id, c.Name)
	}
	// The name of each id found, by table.
	found := map[string]map[string]string{}
	has := func(table, id string) bool { _, ok := found[table][strings.ToLower(id)]; return ok }
	inAny := func(id string) bool { return slices.ContainsFunc(c.Targets, func(t string) bool { return has(t, id) }) }
	if !slices.ContainsFunc(rows, func(row store.Row) bool { id, _ := row[c.Name].(string); return id != "" }) {
		return nil
	}
	for _, table := range c.Targets {
		found[table] = map[string]string{}
		if table == "workflow" || table == "processstage" {
			// No entity sets here: the names of the deployed processes
			// and their stages.
			names, err := processNames(r, table)
			if err != nil {
				return err
			}
			for _, row := range rows {
				id, _ := row[c.Name].(string)
				if name, ok := names[strings.ToLower(id)]; ok && id != "" {
					found[table][strings.ToLower(id)] = name
				}
			}
			continue
		}
		set, err := s.setOfTable(r, table)
		if err != nil {
			return err
		}
		var missing []string
		for i, row := range rows {
			id, _ := row[c.Name].(string)
			if id == "" {
				continue
			}
			if kt := keptTable(i); kt == table || kt == "" && !inAny(id) {
				missing = append(missing, id)
			}
		}
		if set == "" || len(missing) == 0 {
			continue
		}
		t, got, err := rowsByID(r, set, missing, func(t store.Table) []string {
			if t.PrimaryColumn == "" {
				return nil
			}
			return []string{t.PrimaryColumn}
		})
		if err != nil {
			return err
		}
		for id, row := range got {
			name, _ := row[t.PrimaryColumn].(string)
			found[table][id] = name
		}
	}
	for i, row := range rows {
		id, _ := row[c.Name].(string)
		if id == "" {
			continue
		}
		table := keptTable(i)
		if table == "" {
			for _, t := range c.Targets {
				if has(t, id) {
					table = t
					break
				}
			}
		}
		if table == "" && len(c.Targets) == 1 {
			table = c.Targets[0] // not readable: its table only
		}
		if table == "" {
			continue
		}
		if f.has(annLogicalName) {
			objs[i][prop+"@"+annLogicalName] = table
		}
		if f.has(annNavigation) {
			nav := c.Name
			if len(c.Targets) > 1 {
				nav += "_" + table
			}
			objs[i][prop+"@"+annNavigation] = nav
		}
		if name := found[table][strings.ToLower(id)]; f.has(annFormatted) && name != "" {
			objs[i][prop+"@"+annFormatted] = name
		}
	}
	return nil
}

// setOfTable is the entity set of a table ("" when it has none).
func (s *Server) setOfTable(r *http.Request, table string) (string, error) {
	m, err := s.entitySets(r, "")
	if err != nil {
		return "", err
	}
	for set, t := range m {
		if t.Name == table {
			return set, nil
		}
	}
	return "", nil
}

// processNames are the display names of the deployed business process
// flows (table workflow) or of their stages (processstage), by id: what
// Dataverse shows of an instance's processid and activestageid.
func processNames(r *http.Request, table string) (map[string]string, error) {
	d, _, err := session(r).Deployed(r.Context())
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range d.Flows {
		if table == "workflow" {
			out[strings.ToLower(f.Workflow.ID)] = cmp.Or(f.Workflow.DisplayName, f.Flow.Name)
			continue
		}
		for id, st := range f.Stages {
			out[strings.ToLower(id)] = cmp.Or(st.DisplayName, st.Name)
		}
	}
	return out, nil
}
