package unpack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/compiler/catalog"
)

// privilegePrefixes maps Dataverse privilege name prefixes to bpfc's
// privileges; AppendTo before Append.
var privilegePrefixes = []struct{ prefix, priv string }{
	{"prvcreate", "create"}, {"prvread", "read"}, {"prvwrite", "write"}, {"prvdelete", "delete"},
	{"prvappendto", "append_to"}, {"prvappend", "append"},
}

var levelDepths = map[string]string{"basic": "user", "local": "business_unit", "deep": "parent_child", "global": "organization"}
var depthRank = map[string]int{"user": 1, "business_unit": 2, "parent_child": 3, "organization": 4}

// roles reads the security roles: their privileges on the flows' instance
// tables become grants of the flows, those on other tables the project
// knows grants of the tables; privileges on tables it does not know are
// reported.
func (b *builder) roles(flows []*compiler.Flow) []*compiler.Role {
	byTable := map[string]string{}
	for inst, name := range b.flowByInstance {
		byTable[inst] = name
	}
	for _, f := range flows {
		byTable[f.InstanceTable] = f.Name
	}
	sort.SliceStable(b.src.roles, func(i, j int) bool {
		return b.src.roles[i].elem.SelectAttrValue("name", "") < b.src.roles[j].elem.SelectAttrValue("name", "")
	})
	sc := scope{"system_administrator": true, "system_customizer": true}
	var out []*compiler.Role
	for _, rs := range b.src.roles {
		e := rs.elem
		display := e.SelectAttrValue("name", "")
		id := normID(e.SelectAttrValue("id", ""))
		comp := fmt.Sprintf("role %q", display)
		n := recoverName(&b.budget, id, b.ids.role, labelCandidates(display))
		if n == "" || sc[n] {
			n = sc.unique(ident(display, "role"))
			b.lostName(id, n, comp, rs.file, "the role")
		} else {
			sc[n] = true
		}
		r := &compiler.Role{Name: n, DisplayName: display}
		if r.DisplayName == "" {
			r.DisplayName = n
		}
		grants := map[string]*compiler.Grant{}
		var order []string
		other := 0
		mixed := map[string]bool{}
		if list := e.SelectElement("RolePrivileges"); list != nil {
			for _, p := range list.SelectElements("RolePrivilege") {
				name := strings.ToLower(p.SelectAttrValue("name", ""))
				depth := levelDepths[strings.ToLower(p.SelectAttrValue("level", ""))]
				priv, table := "", ""
				for _, pp := range privilegePrefixes {
					if strings.HasPrefix(name, pp.prefix) {
						priv, table = pp.priv, strings.TrimPrefix(name, pp.prefix)
						break
					}
				}
				flow := byTable[table]
				if flow == "" && b.grantableTable(table, flows) {
					flow = table // a grant on the table itself (bpfc's extension)
				}
				if priv == "" || flow == "" || depth == "" {
					other++
					continue
				}
				g := grants[flow]
				if g == nil {
					g = &compiler.Grant{Flow: flow, Depth: depth}
					grants[flow] = g
					order = append(order, flow)
				}
				if g.Depth != depth {
					mixed[flow] = true
					if depthRank[depth] > depthRank[g.Depth] {
						g.Depth = depth
					}
				}
				if !contains(g.Privileges, priv) {
					g.Privileges = append(g.Privileges, priv)
				}
			}
		}
		if other > 0 {
			b.w.add(comp, rs.file, "%d privilege(s) on tables the project does not know are not expressed (bpfc roles grant flows and the project's tables)", other)
		}
		sort.Strings(order)
		for _, fl := range order {
			g := grants[fl]
			if mixed[fl] {
				b.w.add(comp, rs.file, "the privileges on flow %s have different depths; all were given the widest, %s", fl, g.Depth)
			}
			var privs []string
			for _, p := range compiler.Privileges {
				if contains(g.Privileges, p) {
					privs = append(privs, p)
				}
			}
			g.Privileges = privs
			r.Grants = append(r.Grants, g)
		}
		if len(r.Grants) == 0 && other > 0 {
			b.w.add(comp, rs.file, "the role grants no flow of the solution; it is written without grants")
		}
		out = append(out, r)
	}
	return out
}

// grantableTable: a role's privileges on table (a lower-case logical name)
// can be a grant of the table: the project knows it, and no flow has its
// name (a grant's label names a flow first).
func (b *builder) grantableTable(table string, flows []*compiler.Flow) bool {
	if _, ok := b.tables[table]; !ok {
		if _, ok := catalog.Lookup(table); !ok {
			return false
		}
	}
	for _, f := range flows {
		if f.Name == table {
			return false
		}
	}
	return true
}
