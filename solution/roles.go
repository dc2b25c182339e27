package solution

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/emit"
)

// builtinRoles exist in every environment; a project may name them in grants
// but bpfc never writes them.
var builtinRoles = map[string]bool{"system_administrator": true, "system_customizer": true}

// privilegeNames maps compiler.Privileges to Dataverse's privilege prefixes.
var privilegeNames = map[string]string{
	"create": "prvCreate", "read": "prvRead", "write": "prvWrite",
	"delete": "prvDelete", "append": "prvAppend", "append_to": "prvAppendTo",
}

// levelRank orders privilege levels so that the wider of two grants wins.
var levelRank = map[string]int{"Basic": 1, "Local": 2, "Deep": 3, "Global": 4}

// RolePrivilege is one privilege of a role at one level.
type RolePrivilege struct {
	Name  string // e.g. prvReadcts_leadtoopportunity
	Level string // Basic, Local, Deep or Global
}

// RolePrivileges lists what a role grants: per grant, one privilege on the
// flow's instance table (or the table a grant names) for each privilege granted, at the grant's depth
// (default organization = Global). Sorted case-insensitively by name, as
// Dataverse writes them; a privilege granted twice keeps the wider level.
func RolePrivileges(p *compiler.Project, r *compiler.Role) ([]RolePrivilege, error) {
	levels := map[string]string{}
	for _, g := range r.Grants {
		table, f := p.GrantTable(g)
		if table == "" {
			return nil, fmt.Errorf("role %s: grant on unknown flow or table %q", r.Name, g.Flow)
		}
		if f == nil {
			// A table's privileges carry its schema name, as Dataverse's
			// (prvReadAccount).
			table = emit.TableSchemaName(table)
		}
		level, ok := compiler.Depths[cmp.Or(g.Depth, "organization")]
		if !ok {
			return nil, fmt.Errorf("role %s: unknown depth %q", r.Name, g.Depth)
		}
		for _, pv := range g.Privileges {
			prefix, ok := privilegeNames[pv]
			if !ok {
				return nil, fmt.Errorf("role %s: unknown privilege %q", r.Name, pv)
			}
			name := prefix + table
			if old, ok := levels[name]; !ok || levelRank[level] > levelRank[old] {
				levels[name] = level
			}
		}
	}
	out := make([]RolePrivilege, 0, len(levels))
	for n, l := range levels {
		out = append(out, RolePrivilege{Name: n, Level: l})
	}
	slices.SortFunc(out, func(a, b RolePrivilege) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// RoleXML builds Roles/<Name>.xml, in SolutionPackager's form:
// <Role id name isinherited> with IsCustomizable and the privileges.
func RoleXML(p *compiler.Project, r *compiler.Role) (*etree.Document, error) {
	privs, err := RolePrivileges(p, r)
	if err != nil {
		return nil, err
	}
	doc, root := newDoc("Role",
		"id", braced(p.RoleID(r)),
		"name", cmp.Or(r.DisplayName, r.Name),
		"isinherited", "1",
		"xmlns:xsi", xsiNamespace)
	textElem(root, "IsCustomizable", "1")
	list := elem(root, "RolePrivileges")
	for _, pv := range privs {
		elem(list, "RolePrivilege", "name", pv.Name, "level", pv.Level)
	}
	return doc, nil
}

// RolePath is where a role lives in the unpacked tree. SolutionPackager names
// the file after the role's name, which in Dataverse is the display name;
// characters that are not portable in file names are replaced by "_".
func RolePath(r *compiler.Role) string {
	return "Roles/" + compiler.PortableFileName(cmp.Or(r.DisplayName, r.Name)) + ".xml"
}
