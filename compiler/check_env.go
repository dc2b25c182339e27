package compiler

import (
	"cmp"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

func (c *checker) roles() {
	var names []string // a grant names a flow, or a table (an extension)
	for _, f := range c.p.Flows {
		names = append(names, f.Name)
	}
	for _, t := range c.p.Tables {
		names = append(names, t.Name)
	}
	// A role's name in Dataverse is its display name: unique, at most 100
	// characters (the build names its file after it).
	byDisplay := map[string]*Role{}
	for _, r := range c.p.Roles {
		display := cmp.Or(r.DisplayName, r.Name)
		if n := Length(display); n > 100 {
			c.errorf(r.DeclRange, "Role name too long", "Role %q is named %d characters long (as Dataverse counts them); Dataverse takes at most 100.", r.Name, n)
		}
		key := strings.ToLower(PortableFileName(display)) // the build's file name: one per role
		if prev, dup := byDisplay[key]; dup && prev.Name != r.Name {
			c.errorf(r.DeclRange, "Duplicate role name", "Roles %q and %q are both named %q in Dataverse (a role's display name is its name there); give them different display names.",
				prev.Name, r.Name, display)
			continue
		}
		byDisplay[key] = r
	}
	for _, r := range c.p.Roles {
		seen := map[string]hcl.Range{}
		for _, g := range r.Grants {
			if f, t := c.p.Flow(g.Flow), c.p.Table(g.Flow); f != nil && t != nil && (!t.Standard || t.Extended || slices.Contains(c.p.UsedTables(), t.Name)) {
				c.warnf(g.Attrs.Of("flow", g.DeclRange), "Grant names a flow and a table", "%q is both a flow and a table of the project; the grant is the flow's (its instance table), not the table's.", g.Flow)
			}
			if table, _ := c.p.GrantTable(g); table == "" {
				hint := didYouMean(g.Flow, names)
				for _, f := range c.p.Flows {
					if f.InstanceTable == g.Flow || f.UniqueName == g.Flow {
						hint = fmt.Sprintf(" %s is the instance table of flow %s: grant \"%s\".", g.Flow, f.Name, f.Name)
					}
				}
				c.errorf(g.Attrs.Of("flow", g.DeclRange), "Unknown flow or table", "Role %q grants %q, which is neither a flow nor a table of the project.%s", r.Name, g.Flow, hint)
			}
			if prev, ok := seen[g.Flow]; ok {
				c.errorf(g.DeclRange, "Duplicate grant", "Role %q already grants %q at %s.", r.Name, g.Flow, rangeText(prev))
			}
			seen[g.Flow] = g.DeclRange
		}
	}
}

// PortableFileName is a name as a file name any system takes (a role's,
// in the solution tree): control characters and /\:*?"<>| as _, no
// leading or trailing space or trailing dot.
func PortableFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(s))
	s = strings.TrimRight(s, ". ")
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}

// sameFile is a store file's path as the one file it is: absolute, its
// directory's links resolved where it exists, so that two spellings of one
// file (relative and absolute, through a link) compare equal.
func sameFile(dir, file string) string {
	if !filepath.IsAbs(file) && dir != "" {
		file = filepath.Join(dir, file)
	}
	if abs, err := filepath.Abs(file); err == nil {
		file = abs
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(file)); err == nil {
		file = filepath.Join(d, filepath.Base(file))
	}
	return file
}

// ValueProblem says what is wrong with raw as the value of v where a
// workflow posts to it (an http or https URL) or sends email to it
// (addresses), or where it meets a column as a literal would (compared
// with a date-only column, it is a date): a diagnostic's summary and its
// detail (the value first), or "" when nothing is. Defaults are checked
// here, values from settings files and BPFC_VAR_<NAME> when they are
// deployed: a job would only find out when it fails, a condition never.
func (p *Project) ValueProblem(v *Variable, raw string) (summary, detail string) {
	for _, w := range p.Workflows {
		for _, st := range w.Steps {
			for _, k := range addressFields(st) {
				if ref, ok := st.Values[k].(*VarRef); ok && ref.Var == v {
					if summary, detail := addressProblem(w, st, k, v, raw); summary != "" {
						return summary, detail
					}
				}
			}
		}
	}
	return p.columnValueProblem(v, raw)
}

// environments checks promote_from and puts the pipeline in order: the
// environments as written, each after the one it promotes from. Files are
// read in name order, so a project may keep one environment per file
// (dev.hcl, prod.hcl, test.hcl) and still promote dev -> test -> prod.
func (c *checker) environments() {
	var names []string
	for _, e := range c.p.Environments {
		names = append(names, e.Name)
	}
	// A value where a workflow posts or mails is checked as a default is.
	for _, e := range c.p.Environments {
		for name, val := range e.Values {
			v := c.p.Variable(name)
			if v == nil || val.IsNull() || !val.IsKnown() {
				continue
			}
			raw := ""
			switch val.Type() {
			case cty.String:
				raw = val.AsString()
			case cty.Number:
				raw = val.AsBigFloat().Text('f', -1)
			default:
				continue
			}
			if summary, detail := c.p.ValueProblem(v, raw); summary != "" {
				c.errorf(e.ValueRanges[name], summary, "var.%s's value in environment %q: %s", name, e.Name, detail)
			}
		}
	}
	// One SQLite file is one environment: two sharing it would import,
	// uninstall and run in each other's rows.
	files := map[string]*Environment{}
	for _, e := range c.p.Environments {
		file := ""
		switch path, ok := strings.CutPrefix(e.Store, "sqlite://"); {
		case e.URL != "" || strings.HasPrefix(e.Store, "postgres"):
			continue // PostgreSQL keeps each environment in a schema of its own
		case ok:
			file = filepath.Clean(path)
		case e.Store == "":
			file = filepath.FromSlash(e.DefaultStoreFile())
		}
		file = sameFile(c.p.Dir, file)
		if prev, dup := files[file]; dup && prev.Name != e.Name { // a name given twice is its own error
			c.errorf(e.Attrs.Of("store", e.DeclRange), "Shared store", "Environments %q and %q would keep their rows in one SQLite file (%s); give each a store of its own.",
				prev.Name, e.Name, file)
			continue
		}
		files[file] = e
	}
	for _, e := range c.p.Environments {
		if e.PromoteFrom == "" {
			continue
		}
		switch src := c.p.Environment(e.PromoteFrom); {
		case src == nil && c.p.misspeltDecl("environment", e.PromoteFrom):
			// Environment "test" is reported as an unsupported block.
		case src == nil:
			others := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == e.Name }) // its own is a cycle
			c.errorf(e.Attrs.Of("promote_from", e.DeclRange), "Unknown environment", "promote_from %q is not a declared environment.%s", e.PromoteFrom, didYouMeanOr(e.PromoteFrom, others, "The other environments are"))
		case src == e:
			c.errorf(e.Attrs.Of("promote_from", e.DeclRange), "Promotion cycle", "Environment %q promotes from itself; promote_from names the environment before it in the pipeline.", e.Name)
		}
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[*Environment]int{}
	var order []*Environment
	var visit func(e *Environment, path []string)
	visit = func(e *Environment, path []string) {
		switch state[e] {
		case done:
			return
		case visiting:
			c.errorf(e.Attrs.Of("promote_from", e.DeclRange), "Promotion cycle", "The environments promote from each other in a circle: %s. The pipeline needs a first environment, one without promote_from.",
				strings.Join(append(path, e.Name), " <- "))
			return
		}
		state[e] = visiting
		if src := c.p.Environment(e.PromoteFrom); src != nil && src != e {
			visit(src, append(path, e.Name))
		}
		state[e] = done
		order = append(order, e)
	}
	for _, e := range c.p.Environments {
		visit(e, nil)
	}
	c.p.Environments = order
}

func (c *checker) policy() {
	pol := c.p.Policy
	if pol == nil {
		return
	}
	if pol.FlowNamePattern != "" {
		re := regexp.MustCompile(pol.FlowNamePattern)
		for _, f := range c.p.Flows {
			if !re.MatchString(f.Name) {
				c.errorf(f.DeclRange, "Policy: flow name", "Flow %q does not match the policy's flow_name_pattern %q.", f.Name, pol.FlowNamePattern)
			}
		}
	}
	if pol.RequireOwner {
		for _, f := range c.p.Flows {
			if strings.TrimSpace(f.Owner) == "" {
				c.errorf(f.DeclRange, "Policy: missing owner", "The policy requires every flow to name its owner; add owner = \"team@example.com\" to flow %q.", f.Name)
			}
		}
	}
	var managed []string // an unmanaged one named would be refused in turn
	for _, e := range c.p.Environments {
		if e.Managed {
			managed = append(managed, e.Name)
		}
	}
	for i, n := range pol.ManagedIn {
		e := c.p.Environment(n)
		switch {
		case e == nil && c.p.misspeltDecl("environment", n):
		case e == nil:
			c.errorf(elemRange(c.d.policyManagedExpr, i), "Unknown environment", "The policy names environment %q, which is not declared.%s", n, didYouMeanOr(n, managed, "The managed environments are"))
		case !e.Managed:
			c.errorf(e.Attrs.Of("managed", e.DeclRange), "Policy: unmanaged environment", "The policy requires environment %q to receive the managed solution; set managed = true.", n)
		}
	}
}
