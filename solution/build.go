package solution

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/bpfc/bpfc/compiler"
)

// Files and directories a build owns in its output directory. Nothing else
// there is touched.
const (
	TreeDirName   = "solution"    // the unpacked tree
	SchemaFile    = "schema.json" // the runtime schema (emit.Schema)
	ModelFile     = "model.json"  // the checked model (compiler.EncodeModel): what diff and deploy read
	BuildInfoFile = "build.json"  // BuildInfo; written last, so its presence marks a complete build
	stagingPrefix = ".bpfc-build-"
	stagingOwner  = "owner" // a staging directory's file with its build's process id
)

// BuildInfo is build.json: what was built, its digest and the id of every
// component. Field names are stable:
//
//	solution    the solution's unique name
//	version     the solution version, four dot-separated integers
//	digest      compiler.Project.Digest ("sha256:<hex>")
//	components  every flow, stage, step, workflow, role and variable with its
//	            id, sorted by kind then name
type BuildInfo struct {
	Solution   string      `json:"solution"`
	Version    string      `json:"version"`
	Digest     string      `json:"digest"`
	Components []Component `json:"components"`
}

// Component is one entry of BuildInfo.Components. Kinds: flow, role, stage,
// step, variable, workflow. Names are the HCL labels; stages and steps are
// qualified by their flow (and stage) with dots: "lead_to_opportunity.qualify.budget".
// Ids are lowercase GUIDs without braces.
type Component struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	ID   string `json:"id"`
}

// Result says what Build wrote; paths are under the output directory.
type Result struct {
	Info      BuildInfo
	TreeDir   string // <out>/solution
	Unmanaged string // <out>/<Solution>_<1>_<2>_<3>_<4>.zip
	Managed   string // <out>/<Solution>_<1>_<2>_<3>_<4>_managed.zip
	Schema    string // <out>/schema.json
	Model     string // <out>/model.json
	BuildInfo string // <out>/build.json
}

// Build compiles p into outDir: the unpacked tree (solution/), the runtime
// schema (schema.json), the unmanaged and managed archives and build.json.
// Everything is rendered in memory and written to a staging directory inside
// outDir first, then moved into place; build.json is removed first and
// written last, so a build.json always describes complete outputs. Outputs
// of earlier builds it owns (the tree, archives of this or the previously
// built solution, leftover staging directories) are removed.
func Build(p *compiler.Project, outDir string) (*Result, error) {
	return BuildProgress(p, outDir, nil)
}

// BuildProgress is Build telling progress what it is doing as it starts
// each step (nil: nothing), for a terminal's status line.
func BuildProgress(p *compiler.Project, outDir string, progress func(step string)) (*Result, error) {
	if progress == nil {
		progress = func(string) {}
	}
	progress(fmt.Sprintf("emitting %d flows", len(p.Flows)))
	em, err := emitProject(p)
	if err != nil {
		return nil, err
	}
	return build(p, em, outDir, progress)
}

// Archives renders p's unmanaged and managed archives in memory, byte for
// byte what Build writes, for a command that imports a build without
// keeping one: no directory to leave behind when it is interrupted.
func Archives(p *compiler.Project) (unmanaged, managed []byte, err error) {
	em, err := emitProject(p)
	if err != nil {
		return nil, nil, err
	}
	tree, err := ProjectTree(p, em)
	if err != nil {
		return nil, nil, err
	}
	var u, m bytes.Buffer
	if err := WriteArchives(tree, &u, &m); err != nil {
		return nil, nil, err
	}
	return u.Bytes(), m.Bytes(), nil
}

// ProjectTree assembles the unpacked tree: the emitters' files plus the
// manifest, the customizations skeleton, the roles and the environment
// variable definitions.
func ProjectTree(p *compiler.Project, em *Emitted) (*Tree, error) {
	if p.Solution == nil {
		return nil, errors.New("project has no solution")
	}
	t := NewTree()
	if em != nil {
		for _, f := range em.Files {
			var err error
			if f.Doc != nil {
				err = t.AddXML(f.Path, f.Doc)
			} else {
				err = t.AddBytes(f.Path, f.Data)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if err := t.AddXML(SolutionXMLPath, SolutionXML(p, false)); err != nil {
		return nil, err
	}
	if err := t.AddXML(CustomizationsXMLPath, CustomizationsXML()); err != nil {
		return nil, err
	}
	for _, r := range p.Roles {
		if builtinRoles[r.Name] {
			continue
		}
		doc, err := RoleXML(p, r)
		if err != nil {
			return nil, err
		}
		if err := t.AddXML(RolePath(r), doc); err != nil {
			return nil, fmt.Errorf("role %s: %w", r.Name, err)
		}
	}
	for _, v := range p.Variables {
		doc, err := VariableXML(v)
		if err != nil {
			return nil, err
		}
		if err := t.AddXML(VariablePath(v), doc); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Components lists the project's components with their ids, sorted by kind
// then name.
func Components(p *compiler.Project) []Component {
	var out []Component
	add := func(kind, name, id string) { out = append(out, Component{Kind: kind, Name: name, ID: id}) }
	for _, f := range p.Flows {
		add("flow", f.Name, p.FlowID(f))
		for _, s := range f.Stages {
			add("stage", f.Name+"."+s.Name, p.StageID(f, s))
			for _, st := range s.Steps {
				add("step", f.Name+"."+s.Name+"."+st.Name, p.StepID(f, s, st))
			}
		}
	}
	for _, w := range p.Workflows {
		add("workflow", w.Name, p.WorkflowID(w))
	}
	for _, r := range p.Roles {
		if !builtinRoles[r.Name] {
			add("role", r.Name, p.RoleID(r))
		}
	}
	for _, v := range p.Variables {
		add("variable", v.Name, p.VariableID(v))
	}
	slices.SortFunc(out, func(a, b Component) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func build(p *compiler.Project, em *Emitted, outDir string, progress func(string)) (*Result, error) {
	if progress == nil {
		progress = func(string) {}
	}
	progress("assembling the solution tree")
	tree, err := ProjectTree(p, em)
	if err != nil {
		return nil, err
	}
	info := BuildInfo{
		Solution:   p.Solution.Name,
		Version:    VersionString(p.Solution),
		Digest:     p.Digest(),
		Components: Components(p),
	}
	var unmanaged, managed bytes.Buffer
	progress("writing the archives")
	if err := WriteArchives(tree, &unmanaged, &managed); err != nil {
		return nil, err
	}
	var schema any
	if em != nil {
		schema = em.Schema
	}
	schemaJSON, err := marshalJSON(schema)
	if err != nil {
		return nil, fmt.Errorf("schema.json: %w", err)
	}
	infoJSON, err := marshalJSON(info)
	if err != nil {
		return nil, err
	}
	modelJSON, err := compiler.EncodeModel(p)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		data []byte
	}{
		{ArchiveName(p.Solution, false), unmanaged.Bytes()},
		{ArchiveName(p.Solution, true), managed.Bytes()},
		{SchemaFile, schemaJSON},
		{ModelFile, modelJSON},
	}

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	// Refused before the work, unless another build is swapping its tree
	// in (its solution/ is there before its build.json): then the check
	// under the lock decides.
	if err := checkOutDir(outDir); err != nil && !swapping(outDir) {
		return nil, err
	}
	if err := removeLeftovers(outDir); err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(outDir, stagingPrefix)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	// Whose it is: a build killed part way leaves it, and the next build
	// removes it at once when its owner is gone (removeLeftovers).
	if err := os.WriteFile(filepath.Join(stage, stagingOwner), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	progress("writing " + outDir)
	if err := tree.WriteDir(filepath.Join(stage, TreeDirName)); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(stage, f.name), f.data, 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(stage, BuildInfoFile), infoJSON, 0o644); err != nil {
		return nil, err
	}

	// Swap in, one build at a time. From here on build.json is absent
	// until the end.
	unlock, err := lockOutDir(outDir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := checkOutDir(outDir); err != nil {
		return nil, err
	}
	stale, err := staleArchives(outDir, p.Solution.Name, files[0].name, files[1].name)
	if err != nil {
		return nil, err
	}
	if err := removeIfExists(filepath.Join(outDir, BuildInfoFile)); err != nil {
		return nil, err
	}
	treeDir := filepath.Join(outDir, TreeDirName)
	if _, err := os.Lstat(treeDir); err == nil {
		if err := os.Rename(treeDir, filepath.Join(stage, TreeDirName+".old")); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(filepath.Join(stage, TreeDirName), treeDir); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(stage, f.name), filepath.Join(outDir, f.name)); err != nil {
			return nil, err
		}
	}
	for _, s := range stale {
		if err := removeIfExists(s); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(filepath.Join(stage, BuildInfoFile), filepath.Join(outDir, BuildInfoFile)); err != nil {
		return nil, err
	}
	return &Result{
		Info:      info,
		TreeDir:   treeDir,
		Unmanaged: filepath.Join(outDir, files[0].name),
		Managed:   filepath.Join(outDir, files[1].name),
		Schema:    filepath.Join(outDir, SchemaFile),
		Model:     filepath.Join(outDir, ModelFile),
		BuildInfo: filepath.Join(outDir, BuildInfoFile),
	}, nil
}

// staleArchives lists archives in outDir that an earlier build wrote (of this
// solution, or of the solution the previous build.json names) and this build
// does not replace.
func staleArchives(outDir, solution string, keep ...string) ([]string, error) {
	names := []string{solution}
	if b, err := os.ReadFile(filepath.Join(outDir, BuildInfoFile)); err == nil {
		var prev BuildInfo
		if json.Unmarshal(b, &prev) == nil && prev.Solution != "" && prev.Solution != solution {
			names = append(names, prev.Solution)
		}
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		re := regexp.MustCompile(`^` + regexp.QuoteMeta(n) + `_\d+_\d+_\d+_\d+(_managed)?\.zip$`)
		for _, e := range entries {
			if e.Type().IsRegular() && re.MatchString(e.Name()) && !slices.Contains(keep, e.Name()) {
				out = append(out, filepath.Join(outDir, e.Name()))
			}
		}
	}
	return out, nil
}

// removeLeftovers removes staging directories of interrupted builds (not
// those of builds running beside this one): one whose owner process is
// gone, or, when it names none, one older than staleStaging.
func removeLeftovers(outDir string) error {
	m, err := filepath.Glob(filepath.Join(outDir, stagingPrefix+"*"))
	if err != nil {
		return err
	}
	for _, d := range m {
		st, err := os.Stat(d)
		if err != nil {
			continue
		}
		if time.Since(st.ModTime()) < staleStaging && !ownerGone(filepath.Join(d, stagingOwner), st.ModTime()) {
			continue
		}
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
