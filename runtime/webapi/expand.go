package webapi

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/odata"
	"github.com/bpfc/bpfc/runtime/store"
)

// $expand of single-valued lookups, as Dataverse does it:
//
//	GET leads?$select=subject&$expand=parentaccountid($select=name),ownerid
//
// gives each row the looked-up row under the navigation property's name
// (here the lookup column's logical name; a customer lookup, which has
// two targets, as Dataverse names its halves: customerid_account,
// customerid_contact), with the $select inside the parentheses: its
// @odata.etag, its primary key and the columns selected (all without
// one). The property is null when the lookup is empty, when its row is
// gone, or when the user may not read it: the rows are read through the
// engine as the token's user, so that privileges and their depth hold.
// Collection-valued navigation properties, nested $expand and other
// options inside the parentheses are refused with 400.
//
// The expansion wraps the GET of lists and rows (expanding): the request
// is served without $expand (with the lookups added to its $select), and
// the answer is completed with the looked-up rows before it is written.

// expandItem is one navigation property of $expand, as written.
type expandItem struct {
	name string
	sel  []string // the $select inside the parentheses; nil: every column
}

// expansion is an expandItem resolved against the table.
type expansion struct {
	name   string       // the navigation property, as the answer names it
	lookup store.Column // the lookup column of the table
	target store.Table  // the table it looks up
	cols   []string     // target columns to show; empty: all
}

// parseExpand reads the value of $expand.
func parseExpand(s string) ([]expandItem, error) {
	parts, err := splitTop(s, ',')
	if err != nil {
		return nil, err
	}
	var out []expandItem
	seen := map[string]bool{}
	for _, part := range parts {
		part = strings.TrimSpace(part)
		name, opts, hasOpts := strings.Cut(part, "(")
		name = strings.TrimSpace(name)
		if strings.Contains(name, "/") {
			return nil, badRequest("$expand=%s: paths are not supported; expand a lookup of the entity set itself", part)
		}
		if !validName(name) {
			return nil, badRequest("$expand: %q is not a navigation property name", name)
		}
		it := expandItem{name: name}
		if hasOpts {
			if !strings.HasSuffix(opts, ")") {
				return nil, badRequest("$expand=%s: the options in parentheses are not closed", part)
			}
			if it.sel, err = expandOptions(name, strings.TrimSuffix(opts, ")")); err != nil {
				return nil, err
			}
		}
		if seen[name] {
			return nil, badRequest("$expand names %s twice", name)
		}
		seen[name] = true
		out = append(out, it)
	}
	return out, nil
}

// expandOptions reads the options inside an expansion's parentheses: only
// $select.
func expandOptions(name, s string) ([]string, error) {
	opts, err := splitTop(s, ';')
	if err != nil {
		return nil, err
	}
	var sel []string
	for _, o := range opts {
		k, v, _ := strings.Cut(strings.TrimSpace(o), "=")
		switch k = strings.TrimSpace(k); k {
		case "$select":
			if sel != nil {
				return nil, badRequest("$expand=%s(…): $select is given twice", name)
			}
			if sel, err = odata.ParseSelect(v); err != nil {
				return nil, badRequest("$expand=%s(…): %v", name, err)
			}
		case "$expand":
			return nil, badRequest("$expand=%s(…): nested $expand is not supported; expand one level, the lookups of the entity set itself", name)
		case "":
			return nil, badRequest("$expand=%s(): the parentheses are empty; write $expand=%s($select=…) or $expand=%s", name, name, name)
		default:
			return nil, badRequest("$expand=%s(%s=…): only $select is supported inside the parentheses of $expand", name, k)
		}
	}
	return sel, nil
}

// splitTop splits s at sep outside parentheses.
func splitTop(s string, sep byte) ([]string, error) {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth < 0 {
				return nil, badRequest("$expand=%s: a parenthesis closes that was not opened", s)
			}
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, badRequest("$expand=%s: a parenthesis is not closed", s)
	}
	return append(out, s[start:]), nil
}

func validName(s string) bool {
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// resolve checks each navigation property against t (sets: every table by
// entity set) and finds the table it looks up.
func resolve(t store.Table, items []expandItem, sets map[string]store.Table) ([]expansion, error) {
	byName := make(map[string]store.Table, len(sets)+len(processTables))
	for _, u := range sets {
		byName[u.Name] = u
	}
	for _, u := range processTables { // processid, activestageid
		byName[u.Name] = u
	}
	var out []expansion
	for _, it := range items {
		x, err := resolveOne(t, it.name, byName)
		if err != nil {
			return nil, err
		}
		for _, p := range it.sel {
			c, err := column(x.target, p)
			if err != nil {
				var ae *apiError
				if errors.As(err, &ae) {
					return nil, badRequest("$expand=%s($select=…): %s", it.name, ae.msg)
				}
				return nil, err
			}
			x.cols = append(x.cols, c.Name)
		}
		out = append(out, x)
	}
	return out, nil
}

func resolveOne(t store.Table, name string, tables map[string]store.Table) (expansion, error) {
	x := expansion{name: name}
	var target string
	if c, ok := t.Column(name); ok {
		switch {
		case !isLookup(c):
			return x, badRequest("$expand=%s: %s is %s %s column of %s, not a lookup; only lookups expand", name, name, compiler.Article(c.Type), c.Type, t.EntitySetName)
		case len(c.Targets) != 1:
			var halves []string
			for _, tg := range c.Targets {
				halves = append(halves, name+"_"+tg)
			}
			return x, badRequest("$expand=%s: %s is a %s lookup to %s; expand the half for one table: %s", name, name, c.Type,
				strings.Join(c.Targets, " or "), strings.Join(halves, " or "))
		}
		x.lookup, target = c, c.Targets[0]
	} else {
		for _, c := range t.Columns {
			if isLookup(c) && len(c.Targets) > 1 {
				for _, tg := range c.Targets {
					if name == c.Name+"_"+tg {
						x.lookup, target = c, tg
					}
				}
			}
		}
	}
	if target == "" {
		return x, unknownNavigation(t, name, tables)
	}
	u, ok := tables[target]
	if !ok {
		return x, badRequest("$expand=%s: %s looks up %s, which this API does not serve", name, name, target)
	}
	x.target = u
	return x, nil
}

// unknownNavigation explains a name that is no lookup of t: a lookup's
// value, a collection-valued navigation property (rows of another table
// that look up t), or nothing known.
func unknownNavigation(t store.Table, name string, tables map[string]store.Table) error {
	if lookup, ok := lookupValueName(name); ok {
		return badRequest("$expand=%s: that is a lookup's value; expand its navigation property, %s", name, lookup)
	}
	for _, u := range sortedTables(tables) {
		if name != u.EntitySetName && name != u.Name && !strings.HasPrefix(name, u.Name+"_") {
			continue
		}
		// The lookups of u to t; the relationship's name (lead_parent_account)
		// usually says which (parentaccountid), else each is named.
		var filters []string
		hint := strings.ReplaceAll(strings.TrimPrefix(name, u.Name+"_"), "_", "")
		for _, c := range u.Columns {
			if isLookup(c) && slices.Contains(c.Targets, t.Name) {
				f := u.EntitySetName + "?$filter=_" + c.Name + "_value eq <id>"
				if hint != "" && strings.Contains(c.Name, hint) {
					filters = []string{f}
					break
				}
				filters = append(filters, f)
			}
		}
		if len(filters) > 0 {
			return badRequest("$expand=%s: collection-valued navigation properties (the %s rows that look up %s %s) are not supported; "+
				"only lookups of %s expand; read those rows with %s", name, u.Name, compiler.Article(t.Name), t.Name, t.EntitySetName,
				strings.Join(filters, " or "))
		}
	}
	var lookups []string
	best, bestD := "", 4
	for _, c := range t.Columns {
		if !isLookup(c) {
			continue
		}
		names := []string{c.Name}
		if len(c.Targets) > 1 {
			names = nil
			for _, tg := range c.Targets {
				names = append(names, c.Name+"_"+tg)
			}
		}
		for _, n := range names {
			lookups = append(lookups, n)
			if d := levenshtein.Distance(name, n, nil); d < bestD {
				best, bestD = n, d
			}
		}
	}
	hint := ""
	if best != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", best)
	}
	return badRequest("$expand=%s: %s has no navigation property %q%s; its lookups expand: %s", name, t.EntitySetName, name, hint,
		strings.Join(lookups, ", "))
}

func sortedTables(m map[string]store.Table) []store.Table {
	out := make([]store.Table, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b store.Table) int { return strings.Compare(a.Name, b.Name) })
	return out
}
