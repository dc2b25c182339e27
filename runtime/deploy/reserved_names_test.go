package deploy

import (
	"testing"
)

// otherSolution is a project in pr's environments whose solution, Other,
// has publisher prefix prefix and one custom table, named table.
func otherSolution(t *testing.T, pr *project, prefix, table string) *project {
	t.Helper()
	other := newProject(t)
	other.dir, other.pgURL = pr.dir, pr.pgURL // the same environments
	other.edit("bpfc.hcl", `solution "Sales"`, `solution "Other"`)
	other.edit("bpfc.hcl", `prefix              = "cts"`, `prefix              = "`+prefix+`"`)
	other.edit("bpfc.hcl", `option_value_prefix = 10000`, `option_value_prefix = 20000`)
	other.edit("bpfc.hcl", `values  = { threshold = 25000 }`, ``)
	other.set("project.hcl", "").set("roles.hcl", "").set("workflows.hcl", "").set("lead.hcl", "").set("variables.hcl", "")
	other.set("tables.hcl", `
table "`+table+`" {
  primary_column = "`+prefix+`_name"
  column "`+prefix+`_name" {
    type = "string"
  }
}
`)
	return other
}

// TestStoreNamesOfAnotherSolution: a table named as the primary key index
// PostgreSQL makes for another installed solution's table (table_pkey), or
// as the report index bpfc makes on its instance table (rpt_table), and an
// instance table whose report index another solution's table is named as,
// are refused before anything is written, naming both tables. The
// compiler sees only the project's tables: the import failed on a raw SQL
// error ("relation already exists", "there is already an index named"), or
// on PostgreSQL made the instance table without its report index. A table
// whose primary key index another solution's table is named as goes in
// (PostgreSQL names the index table_pkey1).
func TestStoreNamesOfAnotherSolution(t *testing.T) {
	for _, c := range []struct {
		name, prefix, table string
		salesFirst          bool
		want                string
	}{
		{"primary key of an installed table", "cts", "cts_project_pkey", true,
			"table cts_project_pkey has the name PostgreSQL gives the primary key index of table cts_project (solution Sales) in this environment; name it otherwise"},
		{"report index of an installed instance table", "rpt", "rpt_cts_leadtoopportunity", true,
			"table rpt_cts_leadtoopportunity has the name of the report index bpfc makes on instance table cts_leadtoopportunity (solution Sales) in this environment; name it otherwise"},
		{"installed table named as a new table's primary key", "cts", "cts_project_pkey", false, ""},
		{"installed table named as a new instance table's report index", "rpt", "rpt_cts_leadtoopportunity", false,
			"table rpt_cts_leadtoopportunity (solution Other) in this environment has the name of the report index bpfc makes on instance table cts_leadtoopportunity; " +
				"set a different unique_name in flow lead_to_opportunity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pr := newProject(t)
			other := otherSolution(t, pr, c.prefix, c.table)
			first, second := pr, other
			if !c.salesFirst {
				first, second = other, pr
			}
			first.deploy("dev", quiet())
			if c.want == "" {
				second.deploy("dev", quiet())
				return
			}
			if ref := second.refuse("dev", quiet(), c.want); len(ref.Causes) != 1 {
				t.Errorf("causes = %q, want one", ref.Causes)
			}
		})
	}
}
