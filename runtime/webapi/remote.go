package webapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// The run-time operations of engine.Session over the API, for an
// environment with url = "http://…": records through the entity sets (as
// any Dataverse client), instances, reports, jobs and emails through the
// bpfc_ functions and actions. They return what the engine returns, so
// that a command prints the same for a remote environment as for a local
// one; the acting user is the token's. Errors the server gives are
// *APIError, with the engine's message.

// Definitions reads the tables of the environment (EntityDefinitions), by
// logical name; the client keeps them.
func (c *Client) Definitions(ctx context.Context) (map[string]EntityDefinition, error) {
	c.mu.Lock()
	defs := c.defs
	c.mu.Unlock()
	if defs != nil {
		return defs, nil
	}
	var body struct {
		Value []EntityDefinition `json:"value"`
	}
	if _, err := c.Do(ctx, http.MethodGet, "EntityDefinitions", nil, &body, nil); err != nil {
		return nil, err
	}
	defs = make(map[string]EntityDefinition, len(body.Value))
	for _, d := range body.Value {
		defs[d.LogicalName] = d
	}
	c.mu.Lock()
	c.defs = defs
	c.mu.Unlock()
	return defs, nil
}

// recordTable finds a table whose records may be worked on, refusing
// instance tables (and writes of users) as the engine does.
func (c *Client) recordTable(ctx context.Context, table string, writing bool) (EntityDefinition, error) {
	defs, err := c.Definitions(ctx)
	if err != nil {
		return EntityDefinition{}, err
	}
	d, ok := defs[table]
	switch {
	case !ok:
		tables := make([]store.Table, 0, len(defs))
		for _, def := range defs {
			t := store.Table{Name: def.LogicalName, EntitySetName: def.EntitySetName, DisplayName: def.DisplayName.Text()}
			if def.IsBPFEntity {
				t.Kind = store.TableInstance
			}
			tables = append(tables, t)
		}
		slices.SortFunc(tables, func(a, b store.Table) int { return strings.Compare(a.Name, b.Name) })
		return d, &APIError{Status: http.StatusNotFound, Code: "NotFound", Message: engine.UnknownTable(table, c.envName(), tables)}
	case d.IsBPFEntity:
		return d, &APIError{Status: http.StatusBadRequest, Code: "BadRequest",
			Message: fmt.Sprintf("%s is the instance table of a flow: use bpfc instance (start, next, ...) for its rows", table)}
	case writing && table == "systemuser":
		return d, &APIError{Status: http.StatusBadRequest, Code: "BadRequest", Message: "users are written with bpfc user add, not as records of systemuser"}
	}
	return d, nil
}

func (c *Client) envName() string {
	if c.Env != "" {
		return c.Env
	}
	return c.URL
}

// key is "(id)" of an entity, the id escaped for a path.
func key(id string) string { return "(" + url.PathEscape(id) + ")" }

// CreateRecord creates a record; its default flow starts unless so says
// otherwise (the BPFC-Flow header). The started instance is read in full.
// Values are the CLI's text (--set): BPFC-Values: text has the server read
// them as the engine reads them locally, with the same refusals.
func (c *Client) CreateRecord(ctx context.Context, table string, values engine.Values, so engine.StartOptions) (*engine.Created, error) {
	if so.Flow == "none" && !so.NoFlow {
		// The server reads BPFC-Flow: none as no flow: a flow of that
		// name is none it could start, and the record is not created
		// without the flow asked for.
		return nil, &APIError{Status: http.StatusNotFound, Code: "NotFound",
			Message: fmt.Sprintf(`no flow "none" in %s: BPFC-Flow: none starts no flow, so no flow of that name can be started here`, c.Env)}
	}
	d, err := c.recordTable(ctx, table, true)
	if err != nil {
		return nil, err
	}
	flow := so.Flow
	if so.NoFlow {
		if flow != "" {
			return nil, &APIError{Status: http.StatusBadRequest, Code: "BadRequest", Message: "choose a flow or no flow, not both"}
		}
		flow = "none"
	}
	resp, err := c.do(ctx, http.MethodPost, d.EntitySetName, []string{"BPFC-Flow", flow, valuesHeader, "text"}, map[string]any(values), nil, nil)
	if err != nil {
		return nil, err
	}
	loc := resp.Header.Get("OData-EntityId")
	_, id, ok := splitKey(loc[strings.LastIndexByte(loc, '/')+1:])
	if !ok || id == "" {
		return nil, fmt.Errorf("POST %s: the answer names no record (OData-EntityId %q)", d.EntitySetName, loc)
	}
	out := &engine.Created{ID: id, Table: table}
	if in := resp.Header.Get("BPFC-Instance"); in != "" {
		if out.Instance, err = c.Instance(ctx, in); err != nil {
			return nil, err
		}
		if runs := resp.Header.Get("BPFC-Workflows"); runs != "" {
			if err := json.Unmarshal([]byte(runs), &out.Instance.Workflows); err != nil {
				return nil, fmt.Errorf("POST %s: BPFC-Workflows: %w", d.EntitySetName, err)
			}
		}
	}
	return out, nil
}

// UpdateRecord writes values into a record; ifVersion > 0 writes only at
// that row version (If-Match; a stale one is a 412 conflict).
func (c *Client) UpdateRecord(ctx context.Context, table, id string, values engine.Values, ifVersion int64) (*engine.Record, error) {
	d, err := c.recordTable(ctx, table, true)
	if err != nil {
		return nil, err
	}
	match := ifMatchHeader(ifVersion)
	if match == "" {
		match = "*" // update only: a PATCH of a missing row would create it (upsert)
	}
	var raw map[string]json.RawMessage
	_, err = c.do(ctx, http.MethodPatch, d.EntitySetName+key(id), []string{"If-Match", match, "Prefer", "return=representation," + withLabels[1], valuesHeader, "text"},
		map[string]any(values), &raw, nil)
	if err != nil {
		return nil, err
	}
	return d.record(raw)
}

// DeleteRecord deletes a record; its instances remain.
func (c *Client) DeleteRecord(ctx context.Context, table, id string) error {
	d, err := c.recordTable(ctx, table, true)
	if err != nil {
		return err
	}
	_, err = c.Do(ctx, http.MethodDelete, d.EntitySetName+key(id), nil, nil, nil)
	return err
}

// Record reads one record.
func (c *Client) Record(ctx context.Context, table, id string) (*engine.Record, error) {
	d, err := c.recordTable(ctx, table, false)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if _, err := c.do(ctx, http.MethodGet, d.EntitySetName+key(id), withLookupTables, nil, &raw, nil); err != nil {
		return nil, err
	}
	r, err := d.record(raw)
	if err != nil {
		return nil, err
	}
	// A lookup's formatted value is the name of the row it points at,
	// which record show prints beside the id, as the engine's Record does.
	// The record is read by then: a failed read of a lookup's row only
	// labels that lookup. After a read that got no answer, the other
	// lookups are not read either, each of which would wait as long.
	var unanswered string
	for _, a := range d.Attributes {
		id, _ := r.Values[a.LogicalName].(string)
		if id == "" || a.AttributeType != "Lookup" && a.AttributeType != "Customer" {
			continue
		}
		// A lookup to several tables: the table its value points at (an
		// account and a contact may share an id), as the server kept it.
		var table string
		if len(a.Targets) > 1 {
			_ = json.Unmarshal(raw["_"+a.LogicalName+"_value@"+annLogicalName], &table)
		}
		var name string
		if json.Unmarshal(raw["_"+a.LogicalName+"_value@"+annFormatted], &name) != nil || name == "" {
			// The server names only the rows the user may read: ask
			// whether this one is unreadable, which the engine says.
			name = unanswered
			if name == "" {
				if name, table, err = c.unreadable(ctx, a, id, table); err != nil {
					if ctx.Err() != nil {
						return nil, err // the command was stopped
					}
					var e *APIError
					name = nameUnread(err)
					if !errors.As(err, &e) {
						unanswered = name
					}
				}
			}
		}
		if table != "" && len(a.Targets) > 1 {
			if r.Tables == nil {
				r.Tables = map[string]string{}
			}
			r.Tables[a.LogicalName] = table
		}
		if name != "" {
			if r.Labels == nil {
				r.Labels = map[string]string{}
			}
			r.Labels[a.LogicalName] = name
		}
	}
	return r, nil
}

// nameUnread labels a lookup whose row's read failed with err: why,
// briefly, beside its id (the record's own read succeeded).
func nameUnread(err error) string {
	var e *APIError
	var te *timeoutError
	switch {
	case errors.As(err, &e):
		return fmt.Sprintf("name could not be read: HTTP %d %s", e.Status, e.Code)
	case errors.As(err, &te):
		return fmt.Sprintf("name could not be read: no answer within %v", te.limit)
	}
	return "name could not be read: the server was not reached"
}

// unreadable is engine.NotReadableLabel when the row lookup a points at,
// found as the engine finds it (in table, the one its value was written
// with, when the server named it; else the first of its tables holding
// id), is one the user may not read; else "" (readable with no name, or
// missing). It also gives the table of the row found ("" when none is).
func (c *Client) unreadable(ctx context.Context, a AttributeDefinition, id, table string) (string, string, error) {
	defs, err := c.Definitions(ctx)
	if err != nil {
		return "", table, err
	}
	targets := a.Targets
	if table != "" {
		targets = []string{table}
	}
	for _, target := range targets {
		td, ok := defs[target]
		if !ok || td.IsBPFEntity || td.EntitySetName == "" {
			continue // the engine names no instance or process rows
		}
		_, err := c.do(ctx, http.MethodGet, td.EntitySetName+key(id)+"?$select="+url.QueryEscape(td.PrimaryIdAttribute), nil, nil, nil, nil)
		var e *APIError
		switch {
		case err == nil:
			return "", target, nil
		case errors.As(err, &e) && e.Status == http.StatusNotFound:
			continue
		case errors.As(err, &e) && e.Status == http.StatusForbidden:
			return engine.NotReadableLabel, target, nil
		default:
			return "", table, err
		}
	}
	return "", table, nil
}

// Records reads every record of a table, oldest first (by createdon, then
// id, as the engine orders them), following the server's pages.
func (c *Client) Records(ctx context.Context, table string) ([]*engine.Record, error) {
	d, err := c.recordTable(ctx, table, false)
	if err != nil {
		return nil, err
	}
	order := d.PrimaryIdAttribute
	if d.attribute("createdon") != nil {
		order = "createdon," + order
	}
	out := []*engine.Record{}
	path := d.EntitySetName + "?$orderby=" + url.QueryEscape(order)
	for pages := 0; path != ""; pages++ {
		if pages > 100_000 {
			return nil, fmt.Errorf("GET %s: the server's pages do not end", d.EntitySetName)
		}
		var page struct {
			Value    []map[string]json.RawMessage `json:"value"`
			NextLink string                       `json:"@odata.nextLink"`
		}
		if _, err := c.do(ctx, http.MethodGet, path, withLabels, nil, &page, nil); err != nil {
			return nil, err
		}
		for _, raw := range page.Value {
			r, err := d.record(raw)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		path = page.NextLink
	}
	return out, nil
}

func ifMatchHeader(version int64) string {
	if version <= 0 {
		return ""
	}
	return `W/"` + strconv.FormatInt(version, 10) + `"`
}

func (d EntityDefinition) attribute(name string) *AttributeDefinition {
	for i := range d.Attributes {
		if d.Attributes[i].LogicalName == name {
			return &d.Attributes[i]
		}
	}
	return nil
}

// record reads an entity of the table as the engine's record: every column
// by name (lookups from _x_value), typed by its attribute type.
func (d EntityDefinition) record(raw map[string]json.RawMessage) (*engine.Record, error) {
	row := store.Row{}
	var dates []string
	var labels map[string]string
	for _, a := range d.Attributes {
		prop := a.LogicalName
		if a.AttributeType == "Lookup" || a.AttributeType == "Customer" {
			prop = "_" + prop + "_value"
		}
		v, err := attributeValue(a, raw[prop])
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", d.LogicalName, a.LogicalName, err)
		}
		row[a.LogicalName] = v
		if a.dateOnly() {
			dates = append(dates, a.LogicalName)
		}
		// A choice's label comes as its formatted value (withLabels).
		switch a.AttributeType {
		case "Picklist", "State", "Status":
			var label string
			if json.Unmarshal(raw[a.LogicalName+"@"+annFormatted], &label) == nil && label != "" {
				if labels == nil {
					labels = map[string]string{}
				}
				labels[a.LogicalName] = label
			}
		}
	}
	id, _ := row[d.PrimaryIdAttribute].(string)
	version, _ := row[store.RowVersionColumn].(int64)
	return &engine.Record{Table: d.LogicalName, ID: id, PrimaryKey: d.PrimaryIdAttribute, PrimaryColumn: d.PrimaryNameAttribute, Version: version, Values: row,
		DateOnly: dates, Labels: labels}, nil
}

// withLabels asks for rows with their formatted values, which carry the
// labels of choices (Record's Labels), as Dataverse's clients ask.
var withLabels = []string{"Prefer", `odata.include-annotations="` + annFormatted + `"`}

// withLookupTables asks as well for the tables of lookups' values
// (lookuplogicalname), which tell an account from a contact of the same
// id (Record's Tables).
var withLookupTables = []string{"Prefer", `odata.include-annotations="` + annFormatted + `,` + annLogicalName + `"`}

// attributeValue is a JSON value as the store types it.
func attributeValue(a AttributeDefinition, raw json.RawMessage) (any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch a.AttributeType {
	case "Integer", "BigInt", "Picklist", "State", "Status":
		var n int64
		err := json.Unmarshal(raw, &n)
		return n, err
	case "Decimal", "Money", "Double":
		var f float64
		err := json.Unmarshal(raw, &f)
		return f, err
	case "Boolean":
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case "DateTime":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if a.dateOnly() {
			return time.Parse(compiler.DateOnlyLayout, s)
		}
		return time.Parse(time.RFC3339Nano, s)
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}
