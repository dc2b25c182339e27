package emit

import (
	"sort"

	"github.com/bpfc/bpfc/compiler"
)

// RuntimeSchema describes, for the runtime, every table a build adds to an
// environment: each flow's instance table, and each custom or extended table.
// It marshals to JSON; tables and columns are sorted by name.
type RuntimeSchema struct {
	Tables []SchemaTable `json:"tables"`
}

// Table kinds of a SchemaTable.
const (
	KindInstance = "instance" // a flow's instance table
	KindCustom   = "custom"   // a table the solution ships
	KindExtended = "extended" // a standard table with columns the solution adds
)

// SchemaTable is one table. Flow and Lookups are set for instance tables.
type SchemaTable struct {
	Name          string         `json:"name"`
	Kind          string         `json:"kind"`
	DisplayName   string         `json:"display_name"`
	Flow          string         `json:"flow,omitempty"`
	FlowID        string         `json:"flow_id,omitempty"`
	PrimaryKey    string         `json:"primary_key"`
	PrimaryColumn string         `json:"primary_column"`
	Columns       []SchemaColumn `json:"columns"`
	Lookups       []SchemaLookup `json:"lookups,omitempty"`
}

// SchemaColumn is one column, with bpfc's column types (compiler.Type*).
// Standard marks the columns an extended table already has.
type SchemaColumn struct {
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	MaxLength int            `json:"max_length,omitempty"`
	Targets   []string       `json:"targets,omitempty"`
	Options   []SchemaOption `json:"options,omitempty"`
	Required  bool           `json:"required,omitempty"`
	Behavior  string         `json:"behavior,omitempty"` // a datetime column's, when not user local
	Standard  bool           `json:"standard,omitempty"`
}

// SchemaOption is one value of a choice, state or status column.
type SchemaOption struct {
	Label string `json:"label"`
	Value int    `json:"value"`
}

// SchemaLookup is an instance table's lookup to a participating table: the
// relationship deletes the instance with the record (cascade delete).
type SchemaLookup struct {
	Column       string `json:"column"`
	Target       string `json:"target"`
	Relationship string `json:"relationship"`
	Cascade      string `json:"cascade"`
}

// Schema returns the runtime schema of p.
func Schema(p *compiler.Project) *RuntimeSchema {
	s := &RuntimeSchema{Tables: []SchemaTable{}}
	for _, f := range p.Flows {
		s.Tables = append(s.Tables, instanceSchema(p, f))
	}
	for _, t := range p.Tables {
		if t.External || (!t.Custom && !t.Extended) {
			continue
		}
		st := SchemaTable{Name: t.Name, Kind: KindCustom, DisplayName: t.DisplayName, PrimaryKey: t.PrimaryKey, PrimaryColumn: t.PrimaryColumn}
		if !t.Custom {
			st.Kind = KindExtended
		}
		for _, c := range t.Columns {
			sc := SchemaColumn{Name: c.Name, Type: c.Type, MaxLength: c.MaxLength, Targets: targets(c), Required: c.Required, Behavior: c.Behavior, Standard: c.Standard && !t.Custom}
			for _, o := range c.Options {
				sc.Options = append(sc.Options, SchemaOption{Label: o.Label, Value: o.Value})
			}
			st.Columns = append(st.Columns, sc)
		}
		sortColumns(st.Columns)
		s.Tables = append(s.Tables, st)
	}
	sort.SliceStable(s.Tables, func(i, j int) bool { return s.Tables[i].Name < s.Tables[j].Name })
	return s
}

func targets(c *compiler.Column) []string {
	if len(c.Targets) > 0 {
		return append([]string(nil), c.Targets...)
	}
	if c.Target != "" {
		return []string{c.Target}
	}
	return nil
}

func sortColumns(cols []SchemaColumn) {
	sort.SliceStable(cols, func(i, j int) bool { return cols[i].Name < cols[j].Name })
}

func instanceSchema(p *compiler.Project, f *compiler.Flow) SchemaTable {
	lookup := func(name, target string) SchemaColumn {
		return SchemaColumn{Name: name, Type: compiler.TypeLookup, Targets: []string{target}}
	}
	st := SchemaTable{Name: f.InstanceTable, Kind: KindInstance, DisplayName: f.DisplayName, Flow: f.Name, FlowID: p.FlowID(f),
		PrimaryKey: "businessprocessflowinstanceid", PrimaryColumn: "bpf_name"}
	st.Columns = []SchemaColumn{
		{Name: "businessprocessflowinstanceid", Type: compiler.TypeUniqueID},
		{Name: "bpf_name", Type: compiler.TypeString, MaxLength: 100, Required: true},
		{Name: "bpf_duration", Type: compiler.TypeInteger},
		lookup("activestageid", "processstage"),
		{Name: "activestagestartedon", Type: compiler.TypeDateTime},
		{Name: "completedon", Type: compiler.TypeDateTime},
		{Name: "traversedpath", Type: compiler.TypeString, MaxLength: 1250},
		lookup("processid", "workflow"),
		{Name: "statecode", Type: compiler.TypeState, Options: []SchemaOption{{"Active", 0}, {"Inactive", 1}}},
		{Name: "statuscode", Type: compiler.TypeStatus, Options: []SchemaOption{{"Active", 1}, {"Finished", 2}, {"Aborted", 3}}},
		{Name: "createdon", Type: compiler.TypeDateTime},
		{Name: "modifiedon", Type: compiler.TypeDateTime},
		lookup("createdby", "systemuser"),
		lookup("modifiedby", "systemuser"),
		lookup("organizationid", "organization"),
	}
	for _, t := range f.Tables() {
		col := InstanceLookup(t)
		st.Columns = append(st.Columns, lookup(col, t))
		st.Lookups = append(st.Lookups, SchemaLookup{Column: col, Target: t, Relationship: InstanceRelationship(t, f.InstanceTable), Cascade: "delete"})
	}
	sortColumns(st.Columns)
	return st
}
