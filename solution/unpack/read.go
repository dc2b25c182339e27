package unpack

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// Read turns a solution into a checked bpfc project: path is a solution
// archive (ours or a Dataverse export) or an unpacked tree in
// SolutionPackager's layout. Everything the project cannot express, and
// every assumption made to express the rest, is a warning naming the
// component and the file. The project is the one compiler.LoadSources gives
// for the HCL Render writes, so it validates; an error means the input was
// refused (unsafe, malformed) or could not be made into a valid project.
func Read(path string) (*compiler.Project, []Warning, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	w := &warnings{}
	var src *source
	if info.IsDir() {
		t, err := solution.ReadTree(path)
		if err != nil {
			return nil, nil, err
		}
		if src, err = fromTree(t, w); err != nil {
			return nil, nil, err
		}
	} else {
		a, err := solution.ReadArchiveFile(path)
		if err != nil {
			return nil, nil, err
		}
		if src, err = fromArchive(a, w); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return build(src, w)
}

// ReadArchive is Read for an archive in memory.
func ReadArchive(r io.ReaderAt, size int64) (*compiler.Project, []Warning, error) {
	a, err := solution.ReadArchive(r, size)
	if err != nil {
		return nil, nil, err
	}
	w := &warnings{}
	src, err := fromArchive(a, w)
	if err != nil {
		return nil, nil, err
	}
	return build(src, w)
}

// build turns the sorted source into a project and checks it.
func build(src *source, w *warnings) (*compiler.Project, []Warning, error) {
	b := &builder{src: src, w: w, budget: budget{left: recoveryBudget}}
	raw, err := b.project()
	if b.budget.exhausted {
		w.add("solution", "", "the solution has too many components to recover all their bpfc names; some were named from their labels")
	}
	if err != nil {
		return nil, w.list, err
	}
	files, err := Render(raw)
	if err != nil {
		return nil, w.list, err
	}
	p, diags := compiler.LoadSources(files)
	if diags.HasErrors() {
		return nil, w.list, &InvalidError{Files: files, Diags: diags}
	}
	for _, d := range diags {
		file := ""
		if d.Subject != nil {
			file = d.Subject.Filename
		}
		w.add("project", file, "%s: %s", d.Summary, d.Detail)
	}
	return p, w.list, nil
}

// InvalidError reports a project unpack wrote that does not validate: a
// construct of the solution bpfc could not express faithfully.
type InvalidError struct {
	Files map[string][]byte
	Diags hcl.Diagnostics
}

func (e *InvalidError) Error() string {
	var b strings.Builder
	b.WriteString("the unpacked project does not validate:")
	n := 0
	for _, d := range e.Diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		if n++; n > 20 {
			b.WriteString("\n  …")
			break
		}
		b.WriteString("\n  ")
		if d.Subject != nil {
			fmt.Fprintf(&b, "%s:%d: ", d.Subject.Filename, d.Subject.Start.Line)
		}
		b.WriteString(d.Summary + ": " + d.Detail)
	}
	return b.String()
}

var (
	solNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	prefixRe  = regexp.MustCompile(`^[a-z][a-z0-9]{1,7}$`)
)

// builder assembles the raw project from the source.
type builder struct {
	src    *source
	w      *warnings
	sol    *compiler.Solution
	prefix string
	ids    idFuncs

	archive        map[string]*tinfo          // tables the solution carries, by logical name
	refs           map[string][]string        // "table.column" -> referenced tables (EntityRelationships), in document order
	usedOptionSets map[string]bool            // global option sets declared columns use
	tables         map[string]*compiler.Table // every table the project knows
	pending        []pendingLookup            // lookup columns whose target is resolved once all tables are known
	noted          map[string]bool            // tables already reported

	flows          []*rawFlow
	flowByInstance map[string]string // the instance table in the export -> flow name
	wfs            []*rawWorkflow
	wfByID         map[string]*rawWorkflow
	vars           []*compiler.Variable
	budget         budget // for recovering names from ids
}

type pendingLookup struct {
	file  string // where the column is used, when the solution does not define it
	table string
	col   *compiler.Column
	ai    *attrInfo
}

func (b *builder) project() (*compiler.Project, error) {
	b.solution()
	b.processes()
	if b.src.manifest == nil {
		b.guessPrefix()
	}
	b.ids = idFuncs{solution: b.sol.Name}
	b.initTables()
	b.archiveTables()
	b.resolveLookups()
	b.variables()
	b.decodeWorkflowNames()
	workflows := b.buildWorkflows()
	b.flowByInstance = map[string]string{}
	flows := b.buildFlows()
	b.resolveLookups()
	b.unusedOptionSets()
	roles := b.roles(flows)
	p := &compiler.Project{Solution: b.sol, Variables: b.vars, Flows: flows, Roles: roles, Workflows: workflows}
	names := make([]string, 0, len(b.tables))
	for n := range b.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p.Tables = append(p.Tables, b.tables[n])
	}
	sort.SliceStable(p.Flows, func(i, j int) bool { return p.Flows[i].Name < p.Flows[j].Name })
	sort.SliceStable(p.Workflows, func(i, j int) bool { return p.Workflows[i].Name < p.Workflows[j].Name })
	sort.SliceStable(p.Roles, func(i, j int) bool { return p.Roles[i].Name < p.Roles[j].Name })
	sort.SliceStable(p.Variables, func(i, j int) bool { return p.Variables[i].Name < p.Variables[j].Name })
	b.oneLineLabels(p)
	return p, nil
}

// solution reads the manifest's solution and publisher.
func (b *builder) solution() {
	m := b.src.manifest
	file := b.src.manifestFile
	s := &compiler.Solution{Name: "UnpackedSolution", Version: "1.0.0.0", VersionNums: [4]int{1, 0, 0, 0},
		Publisher: &compiler.Publisher{Name: "unpacked", Prefix: "new", OptionValuePrefix: 10000}}
	b.sol, b.prefix = s, "new"
	if m == nil {
		return
	}
	if n := text(m, "UniqueName"); solNameRe.MatchString(n) && len(n) <= 65 {
		s.Name = n
	} else {
		s.Name = sanitizeSolName(n, "UnpackedSolution")
		b.w.add("solution", file, "unique name %q is not a valid solution name; it became %q", n, s.Name)
	}
	s.DisplayName = localized(m, "LocalizedNames")
	s.Description = localized(m, "Descriptions")
	v := text(m, "Version")
	parts := strings.Split(v, ".")
	ok := len(parts) >= 1 && len(parts) <= 4
	var nums [4]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || i >= 4 {
			ok = false
			break
		}
		nums[i] = n
	}
	if ok {
		s.VersionNums = nums
		s.Version = fmt.Sprintf("%d.%d.%d.%d", nums[0], nums[1], nums[2], nums[3])
		if len(parts) != 4 {
			b.w.add("solution", file, "version %q was written as %s", v, s.Version)
		}
	} else {
		b.w.add("solution", file, "version %q is not a solution version; 1.0.0.0 was written", v)
	}
	if text(m, "Managed") == "1" {
		b.w.put(Warning{Component: "solution", File: file, Flavour: true,
			Message: "the archive is a managed solution; bpfc builds both managed and unmanaged archives from the project"})
	}
	pub := m.SelectElement("Publisher")
	if pub == nil {
		b.w.add("solution", file, "the manifest names no publisher; publisher %q with prefix %q was made up", s.Publisher.Name, s.Publisher.Prefix)
		return
	}
	if n := text(pub, "UniqueName"); solNameRe.MatchString(n) {
		s.Publisher.Name = n
	} else {
		s.Publisher.Name = sanitizeSolName(n, "publisher")
		b.w.add("publisher", file, "unique name %q became %q", n, s.Publisher.Name)
	}
	s.Publisher.DisplayName = localized(pub, "LocalizedNames")
	prefix := strings.ToLower(text(pub, "CustomizationPrefix"))
	if prefixRe.MatchString(prefix) && !strings.HasPrefix(prefix, "mscrm") {
		s.Publisher.Prefix = prefix
	} else {
		b.w.add("publisher", file, "customization prefix %q is not one bpfc accepts; %q was written", prefix, s.Publisher.Prefix)
	}
	b.prefix = s.Publisher.Prefix
	if n, err := strconv.Atoi(text(pub, "CustomizationOptionValuePrefix")); err == nil && n >= 10000 && n <= 99999 {
		s.Publisher.OptionValuePrefix = n
	} else if t := text(pub, "CustomizationOptionValuePrefix"); t != "" {
		b.w.add("publisher", file, "option value prefix %q is not between 10000 and 99999; 10000 was written", t)
	}
}

func sanitizeSolName(n, fallback string) string {
	var out strings.Builder
	for _, r := range n {
		if r < 128 && (r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			out.WriteRune(r)
		}
	}
	s := out.String()
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = fallback + s
	}
	if len(s) > 65 {
		s = s[:65]
	}
	return s
}

// guessPrefix picks the publisher prefix of a tree without a manifest: the
// prefix most of the flows' instance tables and tables carry.
func (b *builder) guessPrefix() {
	count := map[string]int{}
	note := func(name string) {
		if p, _, ok := strings.Cut(name, "_"); ok && prefixRe.MatchString(p) {
			count[p]++
		}
	}
	for _, f := range b.flows {
		note(f.primary)
		for _, s := range f.stages {
			note(s.table)
		}
	}
	for _, v := range b.src.variables {
		note(strings.ToLower(v.def.SelectAttrValue("schemaname", "")))
	}
	best := ""
	for p, n := range count {
		if best == "" || n > count[best] || n == count[best] && p < best {
			best = p
		}
	}
	if best != "" {
		b.sol.Publisher.Prefix, b.prefix = best, best
	}
	b.w.add("solution", "Other/Solution.xml", "without a manifest the solution is named %q and its publisher %q with prefix %q (the prefix its tables use)",
		b.sol.Name, b.sol.Publisher.Name, b.prefix)
}

var categories = map[string]string{"0": "classic workflow", "1": "dialog", "2": "business rule", "3": "action", "4": "business process flow",
	"5": "cloud flow", "6": "desktop flow", "7": "AI flow"}

// processes sorts the workflow records: business process flows, classic
// workflows, and the rest (reported).
func (b *builder) processes() {
	b.wfByID = map[string]*rawWorkflow{}
	sort.SliceStable(b.src.workflows, func(i, j int) bool {
		return normID(b.src.workflows[i].data.SelectAttrValue("WorkflowId", "")) < normID(b.src.workflows[j].data.SelectAttrValue("WorkflowId", ""))
	})
	for _, ws := range b.src.workflows {
		d := ws.data
		id := normID(d.SelectAttrValue("WorkflowId", ""))
		display := d.SelectAttrValue("Name", "")
		if l := localized(d, "LocalizedNames"); l != "" {
			display = l
		}
		cat := text(d, "Category")
		file := ws.xamlFile
		if file == "" {
			file = ws.dataFile
		}
		switch cat {
		case "4":
			f := &rawFlow{id: id, file: ws.xamlFile, dataFile: ws.dataFile, component: fmt.Sprintf("flow %q", display), display: display,
				labels: map[string]string{}}
			if ws.xaml == nil {
				b.w.add(f.component, ws.dataFile, "the flow's XAML is missing; the flow was left out")
				continue
			}
			b.flowRecord(f, d)
			if err := f.decode(ws.xaml, b.w); err != nil {
				b.w.add(f.component, ws.xamlFile, "%v; the flow was left out", err)
				continue
			}
			if len(f.stages) == 0 {
				b.w.add(f.component, ws.xamlFile, "the flow has no stages; it was left out")
				continue
			}
			if f.primary == "" {
				f.primary = f.stages[0].table
			}
			b.flows = append(b.flows, f)
		case "0":
			wf := &rawWorkflow{id: id, file: ws.xamlFile, dataFile: ws.dataFile, component: fmt.Sprintf("workflow %q", display), display: display,
				table: strings.ToLower(text(d, "PrimaryEntity")), realtime: text(d, "Mode") == "1"}
			if ws.xaml == nil {
				b.w.add(wf.component, ws.dataFile, "the workflow's XAML is missing; it was left out")
				continue
			}
			if err := wf.decode(ws.xaml); err != nil {
				b.w.add(wf.component, ws.xamlFile, "classic workflow not expressed (bpfc reads the workflows it writes; this one has %v); left out, with the triggers and action steps that run it", err)
				continue
			}
			if text(d, "OnDemand") != "1" || text(d, "TriggerOnCreate") == "1" || text(d, "TriggerOnDelete") == "1" || text(d, "TriggerOnUpdateAttributeList") != "" {
				b.w.add(wf.component, ws.dataFile, "the workflow's own triggers (on create, update or delete) are not expressed; bpfc workflows run from stages and action steps")
			}
			b.wfs = append(b.wfs, wf)
			b.wfByID[id] = wf
		default:
			kind := categories[cat]
			if kind == "" {
				kind = "process of category " + cat
			}
			b.w.add(fmt.Sprintf("%s %q", kind, display), file, "a %s is not expressed in bpfc and was left out", kind)
		}
	}
}
