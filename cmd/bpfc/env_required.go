package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
)

// envRequired is the usage error of a command run without --env. When the
// project at -C loads, it names the project's environments, as an unknown
// --env's error does (environ.UnknownEnvironment), so that the next try
// needs no look at bpfc.hcl; it reads the project only, changing nothing.
func envRequired(g *globals, command string) error {
	msg := command + ": --env is required"
	if _, err := os.Stat(filepath.Join(g.dir, compiler.ProjectFile)); err != nil {
		// Not a project: loading would read every *.hcl below -C (a home
		// directory's) for nothing.
		return usageErr("%s", msg)
	}
	p, diags := compiler.Load(g.dir)
	var names []string
	if p != nil {
		for _, e := range p.Environments {
			// An invalid project may declare one twice.
			if !slices.Contains(names, e.Name) {
				names = append(names, e.Name)
			}
		}
	}
	switch {
	case p == nil:
	case len(names) > 0:
		msg += "; the project's environments are " + strings.Join(names, ", ") + " (for example --env " + shellQuote(names[0]) + ")"
	case !diags.HasErrors():
		// A project unpack wrote from an export has none: say what to add.
		msg += "; the project declares no environments: add a block such as environment \"dev\" { managed = false } to a .hcl file of the project"
	}
	return usageErr("%s", msg)
}
