package catalog

import (
	"slices"
	"strings"
)

// Option is one value of a choice, state or status column.
type Option struct {
	Label string
	Value int
}

// Column is one column of a standard table.
type Column struct {
	Name, DisplayName, Type string // Type: string memo integer decimal money boolean datetime choice lookup customer email uniqueidentifier state status
	MaxLength               int    // string, memo and email columns
	Target                  string // lookup: the target table; customer and polymorphic lookups: the first of Targets
	Targets                 []string
	Options                 []Option // choice, state and status columns, sorted by Value
	// Required is Dataverse's required level "business required" (ApplicationRequired), or
	// SystemRequired on a column the user supplies. Columns the platform fills (the primary
	// key, ownerid, statecode, createdon, ...) are not marked.
	Required bool
}

// Table is one standard table.
type Table struct {
	Name, SchemaName, DisplayName, EntitySetName string
	PrimaryKey, PrimaryColumn                    string
	ObjectTypeCode                               int
	Columns                                      []Column // primary key first, then sorted by name
}

// column returns the named column of t.
func (t Table) column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// tables is the catalog, sorted by name, columns normalized by init.
var tables = []Table{aaduser, account, contact, incident, lead, opportunity, phonecall, systemuser}

func init() {
	slices.SortFunc(tables, func(a, b Table) int { return strings.Compare(a.Name, b.Name) })
	for i := range tables {
		normalize(&tables[i])
	}
}

// normalize puts the primary key first and the other columns in name order, and sorts options.
func normalize(t *Table) {
	slices.SortStableFunc(t.Columns, func(a, b Column) int {
		if (a.Name == t.PrimaryKey) != (b.Name == t.PrimaryKey) {
			if a.Name == t.PrimaryKey {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i := range t.Columns {
		slices.SortStableFunc(t.Columns[i].Options, func(a, b Option) int { return a.Value - b.Value })
	}
}

// Tables returns every standard table, sorted by name. The result is a copy.
func Tables() []Table {
	out := make([]Table, len(tables))
	for i, t := range tables {
		out[i] = clone(t)
	}
	return out
}

// Lookup returns the standard table with the given logical name. The result is a copy.
func Lookup(name string) (Table, bool) {
	for _, t := range tables {
		if t.Name == name {
			return clone(t), true
		}
	}
	return Table{}, false
}

func clone(t Table) Table {
	t.Columns = slices.Clone(t.Columns)
	for i := range t.Columns {
		t.Columns[i].Targets = slices.Clone(t.Columns[i].Targets)
		t.Columns[i].Options = slices.Clone(t.Columns[i].Options)
	}
	return t
}
