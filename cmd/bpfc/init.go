package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/bpfc/bpfc/compiler"
	"github.com/spf13/cobra"
)

//go:embed scaffold
var scaffold embed.FS

// scaffoldFiles maps embedded files to their names in a new project.
var scaffoldFiles = []struct{ src, dst string }{
	{"scaffold/bpfc.hcl", "bpfc.hcl"},
	{"scaffold/lead_qualification.hcl", "flows/lead_qualification.hcl"},
	{"scaffold/gitignore", ".gitignore"},
}

func newInitCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a new project with one example flow",
		Long: "init writes a new project into DIR (default: the directory -C names): bpfc.hcl\n" +
			"(the solution, its publisher and the dev, test and prod environments), one example\n" +
			"flow with a branch on a variable, and a .gitignore for the build output and the\n" +
			"environments' stores (an existing .gitignore gets the lines it lacks). A directory\n" +
			"that already holds a project is left alone.\n\n" +
			"--output json prints {dir, files, updated}: updated lists the existing files init\n" +
			"added lines to, when there are any.",
		Example: "  bpfc init myproject\n" +
			"  bpfc -C myproject validate",
		Args: argsUsage(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := g.dir
			if len(args) == 1 {
				dir = g.path(args[0])
			}
			return runInit(g, dir)
		},
	}
}

type initResult struct {
	Dir   string   `json:"dir"`
	Files []string `json:"files"`
	// Updated lists the existing files init added lines to.
	Updated []string `json:"updated,omitempty"`
}

func runInit(g *globals, dir string) error {
	const hint = "give a directory this user may write, or one that does not exist yet"
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		// A file (bpfc.hcl itself, say) is no project directory, whatever
		// its name: said as a write below it would say it.
		return pathError(writing, "init "+dir, dir, &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}, hint)
	}
	// Never overwrite: an existing project stays exactly as it was.
	if existing, err := compiler.ProjectFiles(dir); err == nil && len(existing) > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%s already holds a project (%s); init creates new projects only", dir, existing[0])}
	}
	// A repository's own .gitignore (git init, a template's) does not make
	// the directory a project: init adds the lines it lacks to it.
	var gitignore []byte
	for _, f := range scaffoldFiles {
		path := filepath.Join(dir, filepath.FromSlash(f.dst))
		if f.dst == ".gitignore" {
			data, err := os.ReadFile(path)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return pathError(reading, "init "+dir, path, err, hint)
			}
			gitignore = data
			continue
		}
		if _, err := os.Stat(path); err == nil {
			return &exitError{code: 1, msg: fmt.Sprintf("%s already exists; init creates new projects only", path)}
		}
	}
	res := initResult{Dir: dir, Files: []string{}}
	for _, f := range scaffoldFiles {
		data, err := scaffold.ReadFile(f.src)
		if err != nil {
			return fmt.Errorf("scaffold: %w", err)
		}
		if f.dst == ".gitignore" && gitignore != nil {
			if data = ignoreLinesMissing(gitignore, data); data == nil {
				continue
			}
			if len(gitignore) > 0 && gitignore[len(gitignore)-1] != '\n' {
				data = append([]byte("\n"), data...)
			}
			data = append(gitignore, data...)
			res.Updated = append(res.Updated, f.dst)
		}
		path := filepath.Join(dir, filepath.FromSlash(f.dst))
		err = os.MkdirAll(filepath.Dir(path), 0o755)
		if err == nil {
			err = os.WriteFile(path, data, 0o644)
		}
		if err != nil {
			return pathError(writing, "init "+dir, dir, err, hint)
		}
		if gitignore == nil || f.dst != ".gitignore" {
			res.Files = append(res.Files, filepath.ToSlash(f.dst))
		}
	}
	if g.output == "json" {
		return writeJSON(g.stdout, res)
	}
	fmt.Fprintf(g.stdout, "Created a bpfc project in %s:\n", dir)
	for _, f := range res.Files {
		fmt.Fprintf(g.stdout, "  %s\n", f)
	}
	for _, f := range res.Updated {
		fmt.Fprintf(g.stdout, "  %s (lines added)\n", f)
	}
	if filepath.Clean(dir) == "." { // the working directory: no -C to give
		fmt.Fprintln(g.stdout, "Next: bpfc validate")
		return nil
	}
	fmt.Fprintf(g.stdout, "Next: bpfc -C %s validate\n", shellQuote(dir))
	return nil
}

// ignoreLinesMissing returns the lines of want that have no equivalent in
// the .gitignore have (dist/, dist, /dist and /dist/ ignore the same
// directory at the top), or nil when it has them all.
func ignoreLinesMissing(have, want []byte) []byte {
	key := func(line string) string { return strings.Trim(strings.TrimSpace(line), "/") }
	present := map[string]bool{}
	for _, line := range strings.Split(string(have), "\n") {
		present[key(line)] = true
	}
	var missing []byte
	for _, line := range strings.SplitAfter(string(want), "\n") {
		if k := key(line); k != "" && !present[k] {
			missing = append(missing, line...)
		}
	}
	return missing
}

// shellQuote writes a path as a shell reads it back: as is when it is
// plain, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
