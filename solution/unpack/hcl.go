package unpack

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/solution"
)

// Project files WriteHCL writes, relative to the project directory.
const (
	ProjectFile   = "bpfc.hcl"
	TablesFile    = "tables.hcl"
	RolesFile     = "roles.hcl"
	WorkflowsFile = "workflows.hcl"
	FlowsDir      = "flows"
)

// WriteHCL writes p as a bpfc project in dir: bpfc.hcl (solution, publisher,
// variables), tables.hcl, flows/<flow>.hcl, roles.hcl and workflows.hcl
// (the last three only when there is something to write). Files are in
// `bpfc fmt`'s canonical form and the same project always gives the same
// bytes. dir is created when missing; files of these names are replaced,
// nothing else is touched, and nothing is written outside dir. It returns the
// files written, relative to dir with forward slashes, sorted.
func WriteHCL(p *compiler.Project, dir string) ([]string, error) {
	files, err := Render(p)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	byPath := make(map[string][]byte, len(names))
	for _, n := range names {
		full := filepath.Join(root, filepath.FromSlash(n))
		if rel, err := filepath.Rel(root, full); err != nil || rel != filepath.FromSlash(n) || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("%s: refusing to write outside %s", n, dir)
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		byPath[full] = files[n]
	}
	// Every file whole, old and new side by side only while the renames
	// run: an interrupted unpack --force lost files' text (truncated in
	// place) and left a mix of versions that validated.
	if err := solution.WriteFilesAtomic(byPath); err != nil {
		return nil, err
	}
	return names, nil
}

// Render returns the files WriteHCL writes, by relative path.
func Render(p *compiler.Project) (map[string][]byte, error) {
	if p == nil || p.Solution == nil || p.Solution.Publisher == nil {
		return nil, fmt.Errorf("render: the project has no solution or publisher")
	}
	r := &renderer{p: p}
	out := map[string][]byte{ProjectFile: r.project()}
	if f := r.tables(); f != nil {
		out[TablesFile] = f
	}
	for _, fl := range p.Flows {
		if !validName(fl.Name) {
			return nil, fmt.Errorf("render: %q is not a valid flow name", fl.Name)
		}
		out[FlowsDir+"/"+fl.Name+".hcl"] = r.flow(fl)
	}
	if len(p.Roles) > 0 {
		out[RolesFile] = r.roles()
	}
	if len(p.Workflows) > 0 {
		out[WorkflowsFile] = r.workflows()
	}
	return out, nil
}

type renderer struct{ p *compiler.Project }

func finish(f *hclwrite.File) []byte {
	return hclwrite.Format(f.Bytes())
}

func str(b *hclwrite.Body, name, v string) { b.SetAttributeValue(name, cty.StringVal(v)) }

func (r *renderer) project() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	s := r.p.Solution
	sb := body.AppendNewBlock("solution", []string{s.Name}).Body()
	if s.DisplayName != "" && s.DisplayName != s.Name {
		str(sb, "display_name", s.DisplayName)
	}
	str(sb, "version", fmt.Sprintf("%d.%d.%d.%d", s.VersionNums[0], s.VersionNums[1], s.VersionNums[2], s.VersionNums[3]))
	if s.Description != "" {
		str(sb, "description", s.Description)
	}
	sb.AppendNewline()
	pub := s.Publisher
	pb := sb.AppendNewBlock("publisher", []string{pub.Name}).Body()
	if pub.DisplayName != "" && pub.DisplayName != pub.Name {
		str(pb, "display_name", pub.DisplayName)
	}
	str(pb, "prefix", pub.Prefix)
	pb.SetAttributeValue("option_value_prefix", cty.NumberIntVal(int64(pub.OptionValuePrefix)))
	for _, v := range r.p.Variables {
		body.AppendNewline()
		vb := body.AppendNewBlock("variable", []string{v.Name}).Body()
		str(vb, "type", v.Type)
		if v.HasDefault() {
			vb.SetAttributeValue("default", v.Default)
		}
		if v.DisplayName != "" && v.DisplayName != v.Name {
			str(vb, "display_name", v.DisplayName)
		}
		if v.Description != "" {
			str(vb, "description", v.Description)
		}
		if v.Optional {
			vb.SetAttributeValue("required", cty.False)
		}
	}
	return finish(f)
}

// declared reports whether a table is written: custom, external and
// extended standard tables.
func declared(t *compiler.Table) bool { return t.Custom || t.External || t.Extended }

func (r *renderer) tables() []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	n := 0
	for _, t := range r.p.Tables {
		if !declared(t) {
			continue
		}
		if n > 0 {
			body.AppendNewline()
		}
		n++
		tb := body.AppendNewBlock("table", []string{t.Name}).Body()
		if !t.Standard && t.DisplayName != "" && t.DisplayName != t.Name {
			str(tb, "display_name", t.DisplayName)
		}
		if t.Custom && t.PrimaryColumn != "" {
			str(tb, "primary_column", t.PrimaryColumn)
		}
		if t.Custom && t.Ownership != "" {
			str(tb, "ownership", t.Ownership)
		}
		if t.External && !t.Standard {
			tb.SetAttributeValue("external", cty.True)
		}
		for _, c := range t.Columns {
			if c.Standard {
				continue
			}
			tb.AppendNewline()
			cb := tb.AppendNewBlock("column", []string{c.Name}).Body()
			if c.DisplayName != "" && c.DisplayName != c.Name {
				str(cb, "display_name", c.DisplayName)
			}
			str(cb, "type", c.Type)
			switch c.Type {
			case compiler.TypeString, compiler.TypeEmail:
				if c.MaxLength > 0 && c.MaxLength != 100 {
					cb.SetAttributeValue("max_length", cty.NumberIntVal(int64(c.MaxLength)))
				}
			case compiler.TypeMemo:
				if c.MaxLength > 0 && c.MaxLength != 2000 {
					cb.SetAttributeValue("max_length", cty.NumberIntVal(int64(c.MaxLength)))
				}
			case compiler.TypeDateTime:
				if c.Behavior != "" {
					str(cb, "behavior", c.Behavior)
				}
			case compiler.TypeLookup:
				str(cb, "target", c.Target)
			case compiler.TypeChoice:
				var attrs []hclwrite.ObjectAttrTokens
				opts := slices.Clone(c.Options)
				sort.SliceStable(opts, func(i, j int) bool { return opts[i].Value < opts[j].Value })
				for _, o := range opts {
					attrs = append(attrs, hclwrite.ObjectAttrTokens{Name: keyTokens(o.Label), Value: hclwrite.TokensForValue(cty.NumberIntVal(int64(o.Value)))})
				}
				cb.SetAttributeRaw("options", hclwrite.TokensForObject(attrs))
			}
			if c.Required {
				cb.SetAttributeValue("required", cty.True)
			}
		}
	}
	if n == 0 {
		return nil
	}
	return finish(f)
}

// keyTokens writes an object key: bare when it is an identifier, quoted otherwise.
func keyTokens(k string) hclwrite.Tokens {
	if hclsyntax.ValidIdentifier(k) {
		return hclwrite.TokensForIdentifier(k)
	}
	return hclwrite.TokensForValue(cty.StringVal(k))
}

func traversal(root, name string) hclwrite.Tokens {
	return hclwrite.TokensForTraversal(hcl.Traversal{hcl.TraverseRoot{Name: root}, hcl.TraverseAttr{Name: name}})
}

func refList(kind string, refs []*compiler.WorkflowRef) hclwrite.Tokens {
	var elems []hclwrite.Tokens
	for _, ref := range refs {
		elems = append(elems, traversal(kind, ref.Name))
	}
	return hclwrite.TokensForTuple(elems)
}

func (r *renderer) flow(fl *compiler.Flow) []byte {
	f := hclwrite.NewEmptyFile()
	fb := f.Body().AppendNewBlock("flow", []string{fl.Name}).Body()
	if fl.DisplayName != "" && fl.DisplayName != fl.Name {
		str(fb, "display_name", fl.DisplayName)
	}
	if fl.Description != "" {
		str(fb, "description", fl.Description)
	}
	str(fb, "primary_table", fl.PrimaryTable)
	if fl.Order != 0 {
		fb.SetAttributeValue("order", cty.NumberIntVal(int64(fl.Order)))
	}
	if fl.Type == compiler.FlowTask {
		str(fb, "type", compiler.FlowTask)
	}
	if !fl.Active {
		fb.SetAttributeValue("active", cty.False)
	}
	if fl.UniqueName != "" && fl.UniqueName != strings.ReplaceAll(fl.Name, "_", "") {
		str(fb, "unique_name", fl.UniqueName)
	}
	if fl.Owner != "" {
		str(fb, "owner", fl.Owner)
	}
	for i, s := range fl.Stages {
		fb.AppendNewline()
		sb := fb.AppendNewBlock("stage", []string{s.Name}).Body()
		if s.DisplayName != "" && s.DisplayName != s.Name {
			str(sb, "display_name", s.DisplayName)
		}
		if s.Category != "" {
			str(sb, "category", s.Category)
		}
		defTable := fl.PrimaryTable
		if i > 0 {
			defTable = fl.Stages[i-1].Table
		}
		if s.Table != "" && s.Table != defTable {
			str(sb, "table", s.Table)
		}
		if s.Relationship != "" {
			str(sb, "relationship", s.Relationship)
		}
		var table *compiler.Table
		if s.Table != "" {
			table = r.p.Table(s.Table)
		}
		for _, st := range s.Steps {
			sb.AppendNewline()
			if st.Action {
				ab := sb.AppendNewBlock("action", []string{st.Name}).Body()
				if st.DisplayName != "" && st.DisplayName != st.Name {
					str(ab, "display_name", st.DisplayName)
				}
				ab.SetAttributeRaw("workflow", traversal("workflow", st.Workflow))
				continue
			}
			stb := sb.AppendNewBlock("step", []string{st.Name}).Body()
			def := ""
			if table != nil {
				if c := table.Column(st.Column); c != nil {
					def = c.DisplayName
				}
			}
			if st.DisplayName != "" && st.DisplayName != def {
				str(stb, "display_name", st.DisplayName)
			}
			str(stb, "column", st.Column)
			if st.Required {
				stb.SetAttributeValue("required", cty.True)
			}
		}
		if len(s.OnEnter) > 0 || len(s.OnExit) > 0 {
			sb.AppendNewline()
		}
		if len(s.OnEnter) > 0 {
			sb.SetAttributeRaw("on_enter", refList("workflow", s.OnEnter))
		}
		if len(s.OnExit) > 0 {
			sb.SetAttributeRaw("on_exit", refList("workflow", s.OnExit))
		}
		for _, b := range s.Branches {
			sb.AppendNewline()
			bb := sb.AppendNewBlock("branch", nil).Body()
			bb.SetAttributeRaw("when", exprTokens(b.When, 0))
			bb.SetAttributeRaw("next", traversal("stage", b.Next))
		}
		following := ""
		if i+1 < len(fl.Stages) {
			following = fl.Stages[i+1].Name
		}
		switch {
		case s.Next != "" && (s.Next != following || len(s.Branches) > 0):
			if len(s.Branches) == 0 && len(s.OnEnter) == 0 && len(s.OnExit) == 0 {
				sb.AppendNewline()
			}
			sb.SetAttributeRaw("next", traversal("stage", s.Next))
		case s.Next == "" && following != "":
			// The path ends before the last stage written.
			if len(s.Branches) == 0 && len(s.OnEnter) == 0 && len(s.OnExit) == 0 {
				sb.AppendNewline()
			}
			sb.SetAttributeValue("next", cty.NullVal(cty.DynamicPseudoType))
		}
	}
	if len(fl.OnFinish) > 0 || len(fl.OnAbandon) > 0 {
		fb.AppendNewline()
	}
	if len(fl.OnFinish) > 0 {
		fb.SetAttributeRaw("on_finish", refList("workflow", fl.OnFinish))
	}
	if len(fl.OnAbandon) > 0 {
		fb.SetAttributeRaw("on_abandon", refList("workflow", fl.OnAbandon))
	}
	return finish(f)
}
