package compiler

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

func (d *decoder) decodeRole(b *hcl.Block) {
	r := &Role{Name: d.ident(b, "role"), DeclRange: b.DefRange}
	c := d.content(b.Body, []string{"display_name", "description"}, nil,
		hcl.BlockHeaderSchema{Type: "grant", LabelNames: []string{"flow"}})
	d.unusedDescription(c, "role")
	d.str(c, "display_name", &r.DisplayName)
	if r.DisplayName == "" {
		r.DisplayName = r.Name
	}
	if r.Name == "system_administrator" || r.Name == "system_customizer" {
		d.errorf(labelRange(b), "Built-in role", "%q exists in every environment with full access; it cannot be redefined.", r.Name)
	}
	for _, gb := range c.Blocks {
		g := &Grant{Flow: gb.Labels[0], Depth: "organization", DeclRange: gb.DefRange}
		gc := d.content(gb.Body, []string{"privileges", "depth"}, []string{"privileges"})
		g.Attrs = ranges(gc)
		g.Attrs["flow"] = gb.LabelRanges[0]
		if privs, ok := d.strList(gc, "privileges"); ok {
			set := map[string]bool{}
			for i, p := range privs {
				if !contains(Privileges, p) {
					d.errorf(elemRange(gc.Attributes["privileges"].Expr, i), "Unknown privilege", "%q is not a privilege; use create, read, write, delete, append, append_to.%s", p, didYouMean(p, Privileges))
					continue
				}
				set[p] = true
			}
			for _, p := range Privileges { // Dataverse's order, duplicates dropped
				if set[p] {
					g.Privileges = append(g.Privileges, p)
				}
			}
		}
		if d.str(gc, "depth", &g.Depth) {
			if _, ok := Depths[g.Depth]; !ok {
				hint := didYouMean(g.Depth, sortedKeys(Depths))
				if depth := dataverseDepth(g.Depth); hint == "" && depth != "" {
					hint = fmt.Sprintf(" It is Dataverse's name for the depth bpfc calls %q: depth = %q.", depth, depth)
				}
				d.errorf(gc.Attributes["depth"].Expr.Range(), "Unknown depth", "%q is not a privilege depth; use user, business_unit, parent_child or organization.%s",
					g.Depth, hint)
				g.Depth = "organization"
			}
		}
		r.Grants = append(r.Grants, g)
	}
	d.p.Roles = append(d.p.Roles, r)
}

func (d *decoder) decodePolicy(b *hcl.Block) {
	pol := &Policy{DeclRange: b.DefRange}
	c := d.content(b.Body, []string{"flow_name_pattern", "require_owner", "managed_in"}, nil)
	if d.str(c, "flow_name_pattern", &pol.FlowNamePattern) {
		if _, err := regexp.Compile(pol.FlowNamePattern); err != nil {
			d.errorf(c.Attributes["flow_name_pattern"].Expr.Range(), "Invalid flow_name_pattern", "The pattern is not a valid regular expression: %v.", err)
			pol.FlowNamePattern = ""
		}
	}
	d.boolean(c, "require_owner", &pol.RequireOwner)
	if l, ok := d.strList(c, "managed_in"); ok {
		pol.ManagedIn = l
		d.policyManagedExpr = c.Attributes["managed_in"].Expr
	}
	d.policies = append(d.policies, pol)
}

// dataverseDepth is the depth a name Dataverse gives a privilege level
// stands for: the level written in role files (Basic, Local, Deep, Global,
// which Depths maps to) or the security role editor's "Parent: Child
// Business Units", whatever the case and punctuation; "" for another name
// (the editor's other labels are near enough bpfc's for "did you mean").
func dataverseDepth(name string) string {
	key := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, strings.ToLower(name))
	for depth, level := range Depths {
		if key == strings.ToLower(level) {
			return depth
		}
	}
	if key == "parentchildbusinessunits" {
		return "parent_child"
	}
	return ""
}
