package diff

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
	"github.com/hashicorp/hcl/v2"
)

// What a Side was made from.
const (
	FromProject  = "project"  // a project directory, built in a temporary folder
	FromBuild    = "build"    // a build folder (dist/)
	FromArchive  = "archive"  // a solution archive (.zip)
	FromRevision = "revision" // a git revision of the project, built in a temporary worktree
)

// How a Side's files are laid out.
const (
	LayoutTree    = "tree"    // the unpacked solution tree (dist/solution/)
	LayoutArchive = "archive" // the entries of a solution archive
)

// ModelFile is the canonical model a build folder may carry
// (compiler.EncodeModel); with it a build folder is compared without unpacking.
const ModelFile = "model.json"

// Side is one side of a comparison: the model of a build and its generated files.
type Side struct {
	Label    string // what the user named, with the commit for revisions
	From     string // FromProject, FromBuild, FromArchive or FromRevision
	Project  *compiler.Project
	Layout   string            // LayoutTree or LayoutArchive
	Files    map[string][]byte // by slash-separated path
	Warnings []string          // what reading the side could not express (archives; a revision's labels not on one line)

	archive []byte // tree sides: the tree packed, to compare with an archive side
	packErr error  // tree sides: why the tree does not pack (archive is nil)
}

// source: the side was read from the project's sources (a directory or a
// git revision), so its environment blocks are there to compare.
func (s *Side) source() bool { return s.From == FromProject || s.From == FromRevision }

// Options say where Open resolves its argument and how it reads archives.
type Options struct {
	// Dir is the project directory: relative paths are resolved against it,
	// and revisions are of the git repository it is in. "" means ".".
	Dir string
	// ReadArchive reads a solution archive (or an unpacked solution tree)
	// into a model, with warnings about what the model cannot express. When
	// nil, archives and build folders without model.json cannot be compared.
	ReadArchive func(path string) (*compiler.Project, []string, error)
}

// ProjectError is a project (of a directory or of a revision) with errors.
type ProjectError struct {
	Label   string
	From    string            // FromProject or FromRevision
	Prefix  string            // shown before file names: "old/" for a directory, "HEAD~1:" for a revision
	Project *compiler.Project // for rendering the diagnostics; may be nil
	Diags   hcl.Diagnostics   // file names relative to the project directory
}

func (e *ProjectError) Error() string {
	n := 0
	for _, d := range e.Diags {
		if d.Severity == hcl.DiagError {
			n++
		}
	}
	return fmt.Sprintf("%s: the project has %s", e.Label, compiler.Plural(n, "error"))
}

// Open reads one side of a comparison from what the user named: a project
// directory, a build folder (a directory with build.json, model.json or
// solution/), an unpacked solution (Other/Solution.xml), a solution archive
// (*.zip), or else a git revision of the
// repository the project directory is in. An existing path wins over a
// revision of the same name. Projects and revisions are built in temporary
// folders that are removed before Open returns.
func Open(arg string, o Options) (*Side, error) {
	if o.Dir == "" {
		o.Dir = "."
	}
	if arg == "" {
		return nil, errors.New("empty argument: name a project, build folder, archive or git revision")
	}
	path := arg
	if !filepath.IsAbs(path) {
		path = filepath.Join(o.Dir, path)
	}
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		if isBuildDir(path) {
			return openBuild(arg, path, o)
		}
		files, err := compiler.ProjectFiles(path)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 && isSolutionTree(path) {
			return openSolutionTree(arg, path, o)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s is neither a project (no .hcl files), a build folder (no build.json, %s or solution/) nor an unpacked solution (no Other/Solution.xml)", arg, ModelFile)
		}
		return openProject(arg, FromProject, filepath.ToSlash(filepath.Clean(arg))+"/", path)
	case err == nil:
		if !strings.EqualFold(filepath.Ext(path), ".zip") {
			return nil, fmt.Errorf("%s: not a solution archive (.zip), project or build folder", arg)
		}
		return openArchive(arg, path, o)
	case errors.Is(err, fs.ErrNotExist):
		return openRevision(arg, o)
	}
	return nil, err
}

func isBuildDir(dir string) bool {
	for _, name := range []string{solution.BuildInfoFile, ModelFile, filepath.Join(solution.TreeDirName, "Other", "Solution.xml")} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// isSolutionTree says whether dir is an unpacked solution (SolutionPackager's
// layout, as bpfc unpack reads): Other/Solution.xml at its root.
func isSolutionTree(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "Other", "Solution.xml"))
	return err == nil
}

// openSolutionTree reads an unpacked solution: its files as they are, its
// model through ReadArchive. Compared with an archive, it is packed first.
func openSolutionTree(label, dir string, o Options) (*Side, error) {
	if o.ReadArchive == nil {
		return nil, fmt.Errorf("%s: comparing unpacked solutions needs bpfc unpack's reader", label)
	}
	p, warns, err := o.ReadArchive(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	files, err := readTree(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	side := &Side{Label: label, From: FromBuild, Project: p, Layout: LayoutTree, Files: files, Warnings: warns}
	var buf bytes.Buffer
	if err := solution.Pack(dir, &buf); err != nil {
		side.packErr = err // its model still compares; its files only with another tree
	} else {
		side.archive = buf.Bytes()
	}
	return side, nil
}

// openProject loads and builds the project in dir. A revision is history
// that cannot be fixed, so a label it holds that is not on one line (which
// bpfc once accepted) is compared on one line, as bpfc unpack writes an
// archive's, and said so in the side's warnings; a directory can be fixed,
// and is refused as build refuses it.
func openProject(label, from, prefix, dir string) (*Side, error) {
	p, diags := compiler.LoadWith(dir, compiler.LoadOptions{OneLineLabels: from == FromRevision})
	if p == nil || diags.HasErrors() {
		return nil, &ProjectError{Label: label, From: from, Prefix: prefix, Project: p, Diags: diags}
	}
	var warns []string
	if from == FromRevision {
		for _, d := range diags {
			if d.Severity == hcl.DiagWarning && d.Subject != nil && d.Summary == compiler.LabelNotOneLine {
				warns = append(warns, fmt.Sprintf("%s%s:%d:%d: %s", prefix, d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column, d.Detail))
			}
		}
	}
	tmp, err := os.MkdirTemp("", "bpfc-diff-build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	res, err := solution.Build(p, tmp)
	if err != nil {
		return nil, fmt.Errorf("%s: build: %w", label, err)
	}
	files, err := readTree(res.TreeDir)
	if err != nil {
		return nil, err
	}
	archive, err := os.ReadFile(res.Unmanaged)
	if err != nil {
		return nil, err
	}
	return &Side{Label: label, From: from, Project: p, Layout: LayoutTree, Files: files, Warnings: warns, archive: archive}, nil
}

// openBuild reads a build folder: its model from model.json (or, without
// one, by reading its archive back), its files from solution/.
func openBuild(label, dir string, o Options) (*Side, error) {
	side := &Side{Label: label, From: FromBuild, Layout: LayoutTree}
	treeDir := filepath.Join(dir, solution.TreeDirName)
	b, err := os.ReadFile(filepath.Join(dir, ModelFile))
	switch {
	case err == nil:
		p, err := compiler.DecodeModel(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", label, ModelFile, err)
		}
		side.Project = p
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case o.ReadArchive == nil:
		return nil, fmt.Errorf("%s: the build folder has no %s (it was built by an older bpfc): rebuild it, or compare the project or its git revision instead", label, ModelFile)
	default:
		src := unmanagedArchive(dir)
		if src == "" {
			src = treeDir
		}
		p, warns, err := o.ReadArchive(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		side.Project, side.Warnings = p, warns
	}
	files, err := readTree(treeDir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	side.Files = files
	var buf bytes.Buffer
	if err := solution.Pack(treeDir, &buf); err != nil {
		return nil, fmt.Errorf("%s: packing %s: %w", label, treeDir, err)
	}
	side.archive = buf.Bytes()
	return side, nil
}

// unmanagedArchive finds the one unmanaged archive of a build folder, or "".
func unmanagedArchive(dir string) string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.zip"))
	var found []string
	for _, f := range m {
		if !strings.HasSuffix(f, "_managed.zip") {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		return ""
	}
	return found[0]
}

// openArchive reads an archive's entries and, through ReadArchive, its model.
func openArchive(label, path string, o Options) (*Side, error) {
	if o.ReadArchive == nil {
		return nil, fmt.Errorf("%s: comparing solution archives is not supported yet (it needs bpfc unpack); compare build folders, projects or git revisions", label)
	}
	a, err := solution.ReadArchiveFile(path)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, n := range a.Names() {
		files[n] = a.File(n)
	}
	p, warns, err := o.ReadArchive(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	return &Side{Label: label, From: FromArchive, Project: p, Layout: LayoutArchive, Files: files, Warnings: warns}, nil
}

func readTree(dir string) (map[string][]byte, error) {
	t, err := solution.ReadTree(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, p := range t.Paths() {
		b, err := t.Bytes(p)
		if err != nil {
			return nil, err
		}
		files[p] = b
	}
	return files, nil
}

// archiveFiles returns the side's files as archive entries: its own when it
// is an archive, its tree packed otherwise.
func (s *Side) archiveFiles() (map[string][]byte, error) {
	if s.Layout == LayoutArchive {
		return s.Files, nil
	}
	a, err := solution.ReadArchive(bytes.NewReader(s.archive), int64(len(s.archive)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Label, err)
	}
	files := map[string][]byte{}
	for _, n := range a.Names() {
		files[n] = a.File(n)
	}
	return files, nil
}
