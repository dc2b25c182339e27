package webapi

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
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
	for _, c := range columns {
		if isLookup(c) {
			if err := s.annotateLookup(r, f, c, rows, objs); err != nil {
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
// name of the row it names (its table's primary column).
func (s *Server) annotateLookup(r *http.Request, f annotationFilter, c store.Column, rows []store.Row, objs []map[string]any) error {
	prop := propertyName(c)
	// The target and name of each id, read per target table.
	type target struct{ table, name string }
	found := map[string]target{}
	var ids []string
	for _, row := range rows {
		if id, ok := row[c.Name].(string); ok && id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	for _, table := range c.Targets {
		if table == "workflow" || table == "processstage" {
			// No entity sets here: the names of the deployed processes
			// and their stages.
			names, err := processNames(r, table)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if name, ok := names[strings.ToLower(id)]; ok {
					found[strings.ToLower(id)] = target{table: table, name: name}
				}
			}
			continue
		}
		set, err := s.setOfTable(r, table)
		if err != nil {
			return err
		}
		var missing []string
		for _, id := range ids {
			if _, ok := found[strings.ToLower(id)]; !ok {
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
			found[id] = target{table: table, name: name}
		}
	}
	for i, row := range rows {
		id, _ := row[c.Name].(string)
		if id == "" {
			continue
		}
		tg, ok := found[strings.ToLower(id)]
		if !ok && len(c.Targets) == 1 {
			tg, ok = target{table: c.Targets[0]}, true // not readable: its table only
		}
		if !ok {
			continue
		}
		if f.has(annLogicalName) {
			objs[i][prop+"@"+annLogicalName] = tg.table
		}
		if f.has(annNavigation) {
			nav := c.Name
			if len(c.Targets) > 1 {
				nav += "_" + tg.table
			}
			objs[i][prop+"@"+annNavigation] = nav
		}
		if f.has(annFormatted) && tg.name != "" {
			objs[i][prop+"@"+annFormatted] = tg.name
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
