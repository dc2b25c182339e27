package diff

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

// Environments lists what changed in the environment blocks from old to
// new: environments added or removed, and each attribute and variable value
// (field "values.NAME") that differs. Environments are not part of a build,
// so only two project sources (directories, git revisions) are compared so;
// a prod value or limit changed in a pull request changes what prod does.
func Environments(old, new *compiler.Project) []Change {
	c := &collector{}
	name := func(e *compiler.Environment) string { return e.Name }
	for _, n := range sortedUnion(names(old.Environments, name), names(new.Environments, name)) {
		oe, ne := old.Environment(n), new.Environment(n)
		switch {
		case oe == nil:
			c.added("environment", n, environmentSummary(ne))
		case ne == nil:
			c.removed("environment", n, environmentSummary(oe))
		default:
			c.field("environment", n, "managed", strconv.FormatBool(oe.Managed), strconv.FormatBool(ne.Managed))
			ot, nt := storeText(oe), storeText(ne)
			if ot == nt && oe.Store != ne.Store && strings.Contains(ot, "***") {
				nt += " (another password)" // shown as *** both sides
			}
			c.field("environment", n, "store", ot, nt)
			c.field("environment", n, "url", oe.URL, ne.URL)
			c.field("environment", n, "promote_from", oe.PromoteFrom, ne.PromoteFrom)
			c.field("environment", n, "max_active_flows_per_table", itoa(oe.MaxActiveFlowsPerTable), itoa(ne.MaxActiveFlowsPerTable))
			for _, k := range sortedUnion(slices.Collect(maps.Keys(oe.Values)), slices.Collect(maps.Keys(ne.Values))) {
				ov, nv := "", ""
				if v, ok := oe.Values[k]; ok {
					ov = valueText(v)
				}
				if v, ok := ne.Values[k]; ok {
					nv = valueText(v)
				}
				c.field("environment", n, "values."+k, ov, nv)
			}
		}
	}
	return c.out
}

func environmentSummary(e *compiler.Environment) string {
	s := "unmanaged"
	if e.Managed {
		s = "managed"
	}
	if e.URL != "" {
		s += ", url " + e.URL
	} else {
		s += ", store " + storeText(e)
	}
	if e.PromoteFrom != "" {
		s += ", promoted from " + e.PromoteFrom
	}
	for _, k := range slices.Sorted(maps.Keys(e.Values)) {
		s += ", " + k + " = " + valueText(e.Values[k])
	}
	return s
}

// storeText is where an environment keeps its rows: the default written
// out (so that writing it explicitly is no change), a password hidden.
func storeText(e *compiler.Environment) string {
	if e.URL != "" {
		return ""
	}
	if e.Store == "" {
		return "sqlite://" + e.DefaultStoreFile()
	}
	if path, ok := strings.CutPrefix(e.Store, "sqlite://"); ok && !filepath.IsAbs(path) {
		return "sqlite://" + filepath.ToSlash(filepath.Clean(path))
	}
	return compiler.RedactStore(e.Store)
}
