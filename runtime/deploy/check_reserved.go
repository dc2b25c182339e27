package deploy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// checkStoreNames refuses a table the build creates whose name an object
// the store made for a table already in the environment has: the primary
// key index PostgreSQL names table_pkey, the report index bpfc makes on an
// instance table, rpt_table; and an instance table whose report index
// would take the name of a table there (PostgreSQL's CREATE INDEX IF NOT
// EXISTS would skip it, leaving the table without its index). The compiler
// refuses these among the project's and the standard tables
// (compiler.StoreObjects); the tables of the environment's other
// solutions only the import sees, and creating the table failed on a raw
// SQL error. A table there named as a new table's primary key index is
// no clash: PostgreSQL then names the index table_pkey1. Refused on
// SQLite too, which makes no _pkey index: the same build goes on to
// environments on PostgreSQL.
func checkStoreNames(st *state, b *Build) []string {
	instance := map[string]string{} // the instance tables the build creates, to their flows
	var created []string
	for _, t := range b.Project.Tables {
		if _, ok := st.tables[t.Name]; t.Custom && !ok {
			created = append(created, t.Name)
		}
	}
	for _, f := range b.Project.Flows {
		if _, ok := st.tables[f.InstanceTable]; !ok && instance[f.InstanceTable] == "" {
			created = append(created, f.InstanceTable)
			instance[f.InstanceTable] = f.Name
		}
	}
	slices.Sort(created)
	var causes []string
	for _, name := range created {
		rename := "name it otherwise"
		if f := instance[name]; f != "" {
			rename = fmt.Sprintf("set a different unique_name in flow %s", f)
		}
		if stem, ok := strings.CutSuffix(name, compiler.PrimaryKeySuffix); ok {
			if et, ok := st.tables[stem]; ok {
				causes = append(causes, fmt.Sprintf("table %s has the name PostgreSQL gives the primary key index of table %s%s in this environment; %s",
					name, stem, ofSolution(et), rename))
			}
		}
		if stem, ok := strings.CutPrefix(name, compiler.ReportIndexPrefix); ok {
			if et, ok := st.tables[stem]; ok && et.Kind == store.TableInstance {
				causes = append(causes, fmt.Sprintf("table %s has the name of the report index bpfc makes on instance table %s%s in this environment; %s",
					name, stem, ofSolution(et), rename))
			}
		}
		if et, ok := st.tables[compiler.ReportIndexPrefix+name]; ok && instance[name] != "" {
			causes = append(causes, fmt.Sprintf("table %s%s in this environment has the name of the report index bpfc makes on instance table %s; %s",
				et.Name, ofSolution(et), name, rename))
		}
	}
	return causes
}

// ofSolution says whose table t is, when a solution's.
func ofSolution(t store.Table) string {
	if t.Solution == "" {
		return ""
	}
	return " (solution " + t.Solution + ")"
}
