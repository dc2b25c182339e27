package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/hashicorp/hcl/v2"
)

// envRequired is the usage error of a command run without --env. When the
// project at -C loads, it names the project's environments, as an unknown
// --env's error does (environ.UnknownEnvironment), so that the next try
// needs no look at bpfc.hcl; it reads the project only, changing nothing.
func envRequired(g *globals, command string) error {
	msg := command + ": --env is required"
	p, names, diags := projectEnvironments(g)
	switch {
	case p == nil:
	case len(names) > 0:
		msg += "; the project's environments are " + strings.Join(names, ", ") + " (for example --env " + shellQuote(names[0]) + ")"
	case !diags.HasErrors():
		// A project unpack wrote from an export has none: say what to add.
		msg += "; the project declares no environments: add a block such as environment \"dev\" { managed = false } to a .hcl file of the project"
	}
	msg += validateHint(g, p, diags)
	return usageErr("%s", msg)
}

// promoteRequired is promote's usage error without --from or --to: as
// envRequired, it names the project's environments, and the pairs its
// pipeline promotes along (promote_from), the likeliest --from and --to.
// The example keeps the flag that was given (from or to, "" when not).
func promoteRequired(g *globals, from, to string) error {
	msg := "promote: --from and --to are required"
	p, names, diags := projectEnvironments(g)
	if p == nil {
		return usageErr("%s", msg)
	}
	if len(names) == 0 {
		if !diags.HasErrors() {
			msg += "; the project declares no environments: add blocks such as environment \"dev\" { managed = false } and environment \"test\" { promote_from = \"dev\" } to a .hcl file of the project"
		}
		return usageErr("%s", msg+validateHint(g, p, diags))
	}
	msg += "; the project's environments are " + strings.Join(names, ", ")
	var pairs []string
	example := ""
	refused := false // a promote_from pair names one validate refuses
	for _, e := range p.Environments {
		if e.PromoteFrom == "" || slices.Contains(pairs, e.PromoteFrom+" → "+e.Name) {
			continue
		}
		if !slices.Contains(names, e.Name) || !slices.Contains(names, e.PromoteFrom) {
			// No pipeline to follow, nor to deny: validate reports it.
			refused = true
			continue
		}
		pairs = append(pairs, e.PromoteFrom+" → "+e.Name)
		if example == "" && (from == "" || from == e.PromoteFrom) && (to == "" || to == e.Name) {
			example = "--from " + shellQuote(e.PromoteFrom) + " --to " + shellQuote(e.Name)
		}
	}
	if len(pairs) > 0 {
		msg += "; its pipeline promotes " + strings.Join(pairs, ", ")
	} else if !refused {
		msg += "; none names another in promote_from"
	}
	known := func(n string) bool { return n == "" || slices.Contains(names, n) }
	if example == "" && len(pairs) == 0 && !refused && known(from) && known(to) {
		// No pipeline to follow: the flag given and another environment.
		f, t := from, to
		for _, n := range names {
			if f == "" && n != t {
				f = n
			} else if t == "" && n != f {
				t = n
			}
		}
		if f != "" && t != "" && f != t {
			example = "--from " + shellQuote(f) + " --to " + shellQuote(t)
		}
	}
	if example != "" {
		msg += " (for example " + example + ")"
	}
	return usageErr("%s", msg+validateHint(g, p, diags))
}

// validateHint points at validate when the project at -C has errors: the
// command given an environment would refuse to load it, and the names a
// hint leaves out (those validate refuses) are among them.
func validateHint(g *globals, p *compiler.Project, diags hcl.Diagnostics) string {
	if p == nil || !diags.HasErrors() {
		return ""
	}
	return "; the project has errors: bpfc" + dirFlag(g) + " validate lists them"
}

// projectEnvironments loads the project at -C for a usage error's hint:
// its environments' names, once each (an invalid project may declare one
// twice), leaving out a name validate refuses, which --env could not
// take. p is nil outside a project, or when it does not load.
func projectEnvironments(g *globals) (p *compiler.Project, names []string, diags hcl.Diagnostics) {
	if _, err := os.Stat(filepath.Join(g.dir, compiler.ProjectFile)); err != nil {
		// Not a project: loading would read every *.hcl below -C (a home
		// directory's) for nothing.
		return nil, nil, nil
	}
	p, diags = compiler.Load(g.dir)
	if p == nil {
		return nil, nil, diags
	}
	for _, e := range p.Environments {
		if compiler.ValidEnvironmentName(e.Name) && !slices.Contains(names, e.Name) {
			names = append(names, e.Name)
		}
	}
	return p, names, diags
}
