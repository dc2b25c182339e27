package compiler

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// OutputDir is the build output directory, skipped when reading a project.
const OutputDir = "dist"

// ProjectFiles lists the *.hcl files of the project at dir, recursively,
// sorted (hidden files included), skipping hidden directories, .bpfc/, build output directories
// (dist/, or any with a build.json) and the directories of other projects
// (those with a bpfc.hcl of their own, as Go skips a nested module). Paths are relative to dir, with
// forward slashes.
func ProjectFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if path != dir && (strings.HasPrefix(d.Name(), ".") || rel == OutputDir) {
				return filepath.SkipDir
			}
			if path != dir {
				// Another project, or a build written elsewhere than dist/
				// (bpfc build -o DIR leaves its build.json there).
				for _, marker := range []string{ProjectFile, "build.json"} {
					if _, err := os.Stat(filepath.Join(path, marker)); err == nil {
						return filepath.SkipDir
					}
				}
			}
			return nil
		}
		// Hidden files are read as the spec says (only hidden directories
		// are skipped), but not an editor's lock file (.#name.hcl).
		if strings.HasSuffix(d.Name(), ".hcl") && !strings.HasPrefix(d.Name(), ".#") {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading project %s: %w", dir, err)
	}
	sort.Strings(files)
	return files, nil
}

var errNotAFile = errors.New("not a regular file")

// ReadSource reads the project file name (as ProjectFiles lists it) of the
// project at dir. Only a regular file: a FIFO would block the read
// forever, a device (a link to /dev/zero) never end.
func ReadSource(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := insideProject(dir, name, path); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		kind := "something else"
		switch t := fi.Mode().Type(); {
		case t&fs.ModeNamedPipe != 0:
			kind = "a named pipe"
		case t&fs.ModeDevice != 0 || t&fs.ModeCharDevice != 0:
			kind = "a device"
		case t&fs.ModeSocket != 0:
			kind = "a socket"
		case t&fs.ModeDir != 0:
			kind = "a directory"
		}
		return nil, fmt.Errorf("%s is %w but %s; a project's *.hcl are files: remove or rename it", name, errNotAFile, kind)
	}
	return os.ReadFile(path)
}

// insideProject refuses a project file that is a symbolic link to a file
// outside the project's directory, or outside the git repository the
// project is in (a monorepo's shared files are the repository's own): a
// pull request could add a link to a secret file of the machine that runs
// bpfc validate or diff in CI, whose messages would then show its lines
// (and bpfc fmt would rewrite it).
func insideProject(dir, name, path string) error {
	li, err := os.Lstat(path)
	if err != nil || li.Mode()&fs.ModeSymlink == 0 {
		return nil // not a link: read as it is, or the read says why not
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("%s is a link that leads nowhere readable (%w)", name, err)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	where := "the project"
	if repo := repositoryOf(root); repo != "" {
		root, where = repo, "the project's repository"
	}
	if rel, err := filepath.Rel(root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is %w but a link to %s, outside %s; bpfc reads only the project's own files (a link out would show another file's lines in its messages): copy the file into the project", name, errNotAFile, target, where)
	}
	return nil
}

// repositoryOf is the directory of the git repository dir is in (the
// nearest with a .git), or "".
func repositoryOf(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
}

// ProjectFile is the file bpfc init writes at a project's root; a
// directory below that has one is another project.
const ProjectFile = "bpfc.hcl"

// Load reads and checks the project in dir. It reports every problem it finds;
// the project is usable only when the diagnostics have no errors.
func Load(dir string) (*Project, hcl.Diagnostics) { return LoadWith(dir, LoadOptions{}) }

// LoadOptions relax what LoadWith refuses, for sources nobody can fix.
type LoadOptions struct {
	// OneLineLabels reads a display name or option label that is not one
	// line (a line break, tab or other control character, refused since
	// bpfc checks labels so) on one line, as bpfc unpack writes an
	// archive's, with a warning instead of an error: a git revision written
	// before the check is history, and bpfc diff still compares it.
	OneLineLabels bool
}

// LoadWith is Load with options.
func LoadWith(dir string, o LoadOptions) (*Project, hcl.Diagnostics) {
	if fi, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No project directory",
			Detail: fmt.Sprintf("%s is not a directory; a project is a directory of *.hcl files (-C names it; bpfc init DIR creates one).", dir)}}
	}
	names, err := ProjectFiles(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read project", Detail: err.Error()}}
	}
	srcs := make(map[string][]byte, len(names))
	var unreadable hcl.Diagnostics
	for _, n := range names {
		b, err := ReadSource(dir, n)
		if errors.Is(err, errNotAFile) {
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Not a file", Detail: err.Error()}}
		}
		if err != nil {
			unreadable = append(unreadable, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read file", Detail: err.Error(),
				Subject: &hcl.Range{Filename: n, Start: hcl.InitialPos, End: hcl.InitialPos}})
			continue
		}
		srcs[n] = b
	}
	p, diags := loadSources(dir, srcs, o)
	if unreadable != nil {
		// The project is what the other files say, for a command that works
		// on an environment as deployed (its block read). What is said of
		// them may only follow from the file missing, but for what is said
		// of an environment's block: a command on that environment must
		// not go on without it (its store, say).
		for _, d := range diags {
			if d.Subject != nil && slices.ContainsFunc(p.Environments, func(e *Environment) bool { return Within(*d.Subject, e.BlockRange) }) {
				unreadable = append(unreadable, d)
			}
		}
		return p, unreadable
	}
	return p, diags
}

// Within reports whether r starts inside block.
func Within(r, block hcl.Range) bool {
	return r.Filename == block.Filename && r.Start.Byte >= block.Start.Byte && r.Start.Byte <= block.End.Byte
}

// LoadSources checks a project given as file name -> content. File names are
// used in diagnostics as given.
func LoadSources(srcs map[string][]byte) (*Project, hcl.Diagnostics) {
	return loadSources("", srcs, LoadOptions{})
}

// loadSources is LoadSources for the project at dir ("" when it has none):
// checks that compare paths (stores) resolve them from there.
func loadSources(dir string, srcs map[string][]byte, o LoadOptions) (*Project, hcl.Diagnostics) {
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)

	files, parsed, broken, diags := parseAll(names, srcs)
	if len(names) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   "A bpfc project is a directory of *.hcl files; none were found. Run `bpfc init` to create one.",
		})
	}
	d := newDecoder()
	d.oneLineLabels = o.OneLineLabels
	for _, f := range files {
		d.decodeFile(f)
	}
	p := d.finish()
	p.Files, p.Dir = parsed, dir
	semantic := append(d.diags, check(p, d)...)
	if len(names) == 0 {
		// Nothing was read: "Missing solution" and the like would only
		// say again that there are no files.
		semantic = nil
	}
	diags = append(diags, afterParseErrors(semantic, broken)...)
	SortDiagnostics(diags)
	return p, diags
}

// afterParseErrors drops the semantic diagnostics that a parse error makes
// meaningless. The parser returns what it could read of a broken file, so
// its blocks are still decoded (other files may name what they declare), but
// what the decoder and checks say about that file comes from a truncated
// body: an unclosed block swallows the rest of the file, and a flow cut short
// is "without stages". Those diagnostics are dropped with the ones about the
// project as a whole (no subject), which may be missing what the parser lost.
// The parse errors themselves, and everything said about well-parsed files,
// are kept.
func afterParseErrors(diags hcl.Diagnostics, broken map[string]bool) hcl.Diagnostics {
	if len(broken) == 0 {
		return diags
	}
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Subject != nil && !broken[d.Subject.Filename] {
			out = append(out, d)
		}
	}
	return out
}

// SortDiagnostics orders diagnostics by file and position so output is stable.
func SortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil && b == nil:
			return false
		case a == nil:
			return true
		case b == nil:
			return false
		case a.Filename != b.Filename || a.Start.Byte != b.Start.Byte:
			return declaredBefore(*a, *b)
		}
		return diags[i].Summary < diags[j].Summary
	})
}

// declaredBefore reports whether a starts before b in the project's files
// (in file name order).
func declaredBefore(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}

// redefined is HCL's parse error for an argument set twice in a body: the
// body is whole (the first is kept), so what is said of the rest of the
// file still holds. Its detail names the first place in HCL's range form
// ("a.hcl:2,3-9"), written here as bpfc writes places.
const redefined = "Attribute redefined"

var hclRange = regexp.MustCompile(`(\S+):(\d+),(\d+)-\d+`)

// truncating reports parse errors that leave a file's body cut short, so
// that what the checks would say of it is dropped (afterParseErrors); an
// argument set twice does not.
func truncating(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary != redefined {
			return true
		}
	}
	return false
}

// outOfRange reports the number literals of f whose exponent is absurd
// (999e9999999, 1e-9999999; far beyond what a float64 holds) and makes
// each 0: a value that hcl writes out as text (for a string attribute, in a
// template) has all its digits, millions of them, which took tens of
// seconds. Numbers merely beyond a float64 (1e400) are left to the checks
// of where they are written ("too large").
func outOfRange(f *hcl.File) hcl.Diagnostics {
	if f == nil {
		return nil
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		lit, ok := n.(*hclsyntax.LiteralValueExpr)
		if !ok || lit.Val.Type() != cty.Number || !lit.Val.IsKnown() || lit.Val.IsNull() {
			return nil
		}
		// A binary exponent of 2^14 is some 5,000 decimal digits, written
		// out in microseconds; a float64's is at most 1024.
		if exp := lit.Val.AsBigFloat().MantExp(nil); exp > -1<<14 && exp < 1<<14 {
			return nil
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Number out of range",
			Detail:  "This number is beyond what a column or setting holds (±1.8e308, or nearer 0 than ±5e-324): write one within that range.",
			Subject: lit.SrcRange.Ptr()})
		lit.Val = cty.Zero // what the rest of the load reads: no second error
		return nil
	})
	return diags
}

// parseAll parses every file, several at a time: lexing dominates the cost of
// loading a large project, and files parse independently. Results keep the
// order of names, so diagnostics do not depend on scheduling. broken holds
// the names of the files with parse errors.
func parseAll(names []string, srcs map[string][]byte) (files []*hcl.File, byName map[string]*hcl.File, broken map[string]bool, diags hcl.Diagnostics) {
	parsed := make([]*hcl.File, len(names))
	fileDiags := make([]hcl.Diagnostics, len(names))
	rangeDiags := make([]hcl.Diagnostics, len(names)) // not parse errors: the file is whole
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if d := TooDeep(srcs[names[i]], names[i]); d != nil {
					// What the file declares before that line is still
					// read (its parse errors, of a file cut short, are not
					// said): other files may name it, and were told it
					// did not exist.
					src := srcs[names[i]][:d.Subject.Start.Byte]
					src = src[:bytes.LastIndexByte(src, '\n')+1]
					parsed[i], _ = hclsyntax.ParseConfig(src, names[i], hcl.InitialPos)
					if parsed[i] != nil {
						parsed[i].Bytes = srcs[names[i]] // what diagnostics point into
					}
					fileDiags[i] = hcl.Diagnostics{d}
					continue
				}
				parsed[i], fileDiags[i] = hclsyntax.ParseConfig(srcs[names[i]], names[i], hcl.InitialPos)
				ExplainParseErrors(srcs[names[i]], fileDiags[i])
				rangeDiags[i] = outOfRange(parsed[i])
				for _, d := range fileDiags[i] {
					if d.Summary == redefined {
						d.Detail = hclRange.ReplaceAllString(d.Detail, "$1:$2:$3")
					}
				}
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()

	byName = make(map[string]*hcl.File, len(names))
	broken = map[string]bool{}
	for i, f := range parsed {
		diags = append(diags, quoteCascade(fileDiags[i])...)
		diags = append(diags, rangeDiags[i]...)
		if truncating(fileDiags[i]) {
			broken[names[i]] = true
		}
		if f != nil {
			files = append(files, f)
			byName[names[i]] = f
		}
	}
	return files, byName, broken, diags
}

// quoteCascade keeps the first of a file's "Invalid multi-line string"
// errors: after a string left open, every later line reads as inside or
// outside a string the wrong way round, and the parser reports each one.
// The first says how many it stands for.
func quoteCascade(diags hcl.Diagnostics) hcl.Diagnostics {
	const multiLine = "Invalid multi-line string"
	var first *hcl.Diagnostic
	more := 0
	out := diags[:0:0]
	for _, d := range diags {
		if d.Severity == hcl.DiagError && d.Summary == multiLine {
			if first != nil {
				more++
				continue
			}
			c := *d
			first = &c
			d = first
		}
		out = append(out, d)
	}
	if more > 0 {
		first.Detail += fmt.Sprintf(" A string left open here makes every later line parse the wrong way round: %d more errors like this one after it are left out; fix this one first.", more)
	}
	return out
}

// maxNesting bounds how deep brackets nest in a file: hcl's parser recurses
// once per level, and a file of a hundred thousand "(" overflowed its stack
// (a crash, not a diagnostic). Real conditions nest a few levels.
const maxNesting = 500

// TooDeep is an error at the bracket that nests deeper than maxNesting, or
// nil. Parse HCL only where it is nil. It reads the tokens of hcl's own
// lexer (which does not recurse), so that what nests is what the parser
// recurses on: brackets, and the templates within templates that quotes,
// heredocs and "${" open, but no bracket in a comment or a string's text;
// and the error's range is the token's, as every other diagnostic's.
func TooDeep(src []byte, name string) *hcl.Diagnostic {
	toks, _ := hclsyntax.LexConfig(src, name, hcl.InitialPos)
	// open holds, for each bracket open, the prefix operators just before
	// it ("!(", "- ("): the parser is inside each of them until the
	// bracket closes, so they nest with the brackets. Counted apart, 499
	// "!" before each of 499 "(" passed and overflowed its stack.
	var open []int
	ops, unary := 0, 0 // ops: the operators of open; unary: the current run
	tooDeep := func(t hclsyntax.Token, what string) *hcl.Diagnostic {
		if ops > 0 {
			what = "Brackets and the operators before them"
		}
		r := t.Range
		return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Too deeply nested",
			Detail:  fmt.Sprintf("%s nest more than %d deep here; write the expression with fewer levels.", what, maxNesting),
			Subject: &r}
	}
	for _, t := range toks {
		if t.Type == hclsyntax.TokenNewline || t.Type == hclsyntax.TokenComment {
			// Within brackets the parser reads past both: "!" on each of
			// many lines inside "(" is still one run.
			continue
		}
		// A run of prefix operators ("!!!!", "- - -") nests as brackets do.
		if t.Type == hclsyntax.TokenBang || t.Type == hclsyntax.TokenMinus {
			if unary++; len(open)+ops+unary > maxNesting {
				return tooDeep(t, "Operators")
			}
			continue
		}
		switch t.Type {
		case hclsyntax.TokenOParen, hclsyntax.TokenOBrack, hclsyntax.TokenOBrace,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc, hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			open, ops = append(open, unary), ops+unary
			if len(open)+ops > maxNesting {
				return tooDeep(t, "Brackets")
			}
		case hclsyntax.TokenCParen, hclsyntax.TokenCBrack, hclsyntax.TokenCBrace,
			hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc, hclsyntax.TokenTemplateSeqEnd:
			// A closer with nothing open leaves nothing to undo: counted
			// below zero, it let as many more openers after it through.
			if n := len(open); n > 0 {
				ops -= open[n-1]
				open = open[:n-1]
			}
		}
		unary = 0
	}
	return nil
}
