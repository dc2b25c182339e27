package catalog

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite TABLES.md from the catalog")

// TestTablesDocument keeps TABLES.md in step with the catalog:
// go test ./compiler/catalog -update rewrites it.
func TestTablesDocument(t *testing.T) {
	got := render(Tables())
	if *update {
		if err := os.WriteFile("TABLES.md", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("TABLES.md")
	if err != nil {
		t.Fatalf("%v; run go test ./compiler/catalog -update", err)
	}
	if string(want) != got {
		t.Errorf("TABLES.md is out of date; run go test ./compiler/catalog -update")
	}
}

func render(tables []Table) string {
	var b strings.Builder
	b.WriteString("# Standard tables\n\n")
	b.WriteString("<!-- Generated from compiler/catalog by `go test ./compiler/catalog -update`. Do not edit. -->\n\n")
	b.WriteString("Every bpfc environment ships these Dataverse tables with the columns below, under their\n")
	b.WriteString("Dataverse logical names. A project may add columns to them (`table \"lead\" { column ... }`);\n")
	b.WriteString("custom columns carry the publisher prefix. *Required* means business required in Dataverse.\n\n")
	b.WriteString("| Table | Display name | Entity set | Primary key | Primary column | Object type code |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | `%s` | `%s` | `%s` | %d |\n",
			t.Name, t.Name, t.DisplayName, t.EntitySetName, t.PrimaryKey, t.PrimaryColumn, t.ObjectTypeCode)
	}
	for _, t := range tables {
		fmt.Fprintf(&b, "\n## %s\n\n", t.Name)
		fmt.Fprintf(&b, "%s (schema name `%s`, entity set `%s`, object type code %d). Primary key `%s`, primary column `%s`.\n\n",
			t.DisplayName, t.SchemaName, t.EntitySetName, t.ObjectTypeCode, t.PrimaryKey, t.PrimaryColumn)
		if n := tableNotes[t.Name]; n != "" {
			b.WriteString(n + "\n\n")
		}
		b.WriteString("| Column | Display name | Type | Required | Notes |\n")
		b.WriteString("| --- | --- | --- | --- | --- |\n")
		for _, c := range t.Columns {
			req := ""
			if c.Required {
				req = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", c.Name, escape(c.DisplayName), c.Type, req, notes(t, c))
		}
	}
	return b.String()
}

// tableNotes explain where a table differs from the others, as Dataverse does.
var tableNotes = map[string]string{
	"phonecall": "An activity: its primary key is `activityid`. `regardingobjectid` is a polymorphic lookup; " +
		"only its targets in this catalog are listed. `directioncode` is true for an outgoing call.",
	"systemuser": "Users have no `statecode`, `statuscode` or `ownerid` in Dataverse: " +
		"`isdisabled` (true: Disabled) says whether a user is enabled.",
	"incident": "`activitiescomplete`, `checkemail` and `followuptaskcreated` are the columns Dataverse keeps " +
		"for its sample service business processes.",
}

func notes(t Table, c Column) string {
	var parts []string
	switch {
	case c.Name == t.PrimaryKey:
		parts = append(parts, "primary key")
	case c.Name == t.PrimaryColumn:
		parts = append(parts, "primary column")
	}
	if c.MaxLength > 0 {
		parts = append(parts, fmt.Sprintf("max %d characters", c.MaxLength))
	}
	switch {
	case len(c.Targets) > 0:
		parts = append(parts, "looks up "+strings.Join(quote(c.Targets), " or "))
	case c.Target != "":
		parts = append(parts, "looks up `"+c.Target+"`")
	}
	if len(c.Options) > 0 {
		var opts []string
		for _, o := range c.Options {
			opts = append(opts, fmt.Sprintf("%d %s", o.Value, escape(o.Label)))
		}
		parts = append(parts, strings.Join(opts, ", "))
	}
	return strings.Join(parts, "; ")
}

func quote(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// TestRelationshipsNameLookups: every relationship name belongs to a
// lookup of the catalog (and to one target of a lookup to several).
func TestRelationshipsNameLookups(t *testing.T) {
	for key := range relationships {
		parts := strings.Split(key, ".")
		tb, ok := Lookup(parts[0])
		if !ok {
			t.Errorf("%s: no table %s", key, parts[0])
			continue
		}
		c, ok := tb.column(parts[1])
		switch {
		case !ok || c.Type != "lookup" && c.Type != "customer":
			t.Errorf("%s: %s has no lookup %s", key, parts[0], parts[1])
		case len(c.Targets) > 1 && (len(parts) != 3 || !slices.Contains(c.Targets, parts[2])):
			t.Errorf("%s: %s looks up %v; name one of them", key, parts[1], c.Targets)
		case len(c.Targets) <= 1 && len(parts) != 2:
			t.Errorf("%s: %s looks up one table", key, parts[1])
		}
	}
	if name, ok := Relationship("opportunity", "originatingleadid", "lead"); !ok || name != "opportunity_originating_lead" {
		t.Errorf("opportunity.originatingleadid: %q %v", name, ok)
	}
	if name, _ := Relationship("contact", "parentcustomerid", "contact"); name != "contact_customer_contacts" {
		t.Errorf("contact.parentcustomerid to a contact: %q", name)
	}
}
