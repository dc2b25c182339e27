package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// digestFormat names the encoding below; change it whenever the encoding
// changes, so that old and new digests never collide by accident.
const digestFormat = "bpfc-digest/2"

// Digest identifies what a build of the project contains: "sha256:" and the
// hex SHA-256 of a canonical JSON encoding of the model's meaning — the
// solution and publisher, tables and columns, variable definitions, flows
// (stages in order, steps, branch conditions as FormatExpr text), roles and
// workflows. Source ranges, file names, comments and formatting do not enter,
// so reformatting the HCL or moving blocks between files keeps the digest;
// any change of a name, type, order, expression or value changes it.
// Defaults are encoded resolved (a written default equals an omitted one).
// Environments and the policy are not part of a build and do not enter.
//
// The digest is taken over EncodeModel's document made canonical where the
// project's text carries something a build does not:
//   - columns are sorted by name within their table, and a role's grants by
//     flow: Dataverse stores neither order (Entity.xml lists attributes
//     sorted, a role's privileges are a set), so the order they are declared
//     in is not meaning. The order of stages, steps, branches, workflow steps
//     and triggered workflows is meaning and is kept.
//   - the display names of external tables (and of their primary key, which
//     takes the table's) are left out: an external table is not shipped, and
//     nothing the build writes holds them.
//   - a number compared with, or set on, a choice column is spelled as its
//     option's label (labelChoices), and so is change_status's status reason:
//     the XAML keeps only the value, so 2 and "High" build the same, and
//     unpack writes the label back.
//
// So a project and the project unpack gives back from its archive have the
// same digest.
func (p *Project) Digest() string {
	b, err := json.Marshal(canonical(digestOf(p)))
	if err != nil {
		// Only plain strings, numbers and slices are encoded: cannot happen.
		panic(fmt.Sprintf("compiler: encoding the digest model: %v", err))
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

type dProject struct {
	Format    string      `json:"format"`
	Solution  *dSolution  `json:"solution"`
	Variables []dVariable `json:"variables"`
	Tables    []dTable    `json:"tables"`
	Flows     []dFlow     `json:"flows"`
	Roles     []dRole     `json:"roles"`
	Workflows []dWorkflow `json:"workflows"`
}

type dSolution struct {
	Name        string      `json:"name"`
	DisplayName string      `json:"display_name"`
	Version     [4]int      `json:"version"`
	Description string      `json:"description"`
	Publisher   *dPublisher `json:"publisher"`
}

type dPublisher struct {
	Name              string `json:"name"`
	DisplayName       string `json:"display_name"`
	Prefix            string `json:"prefix"`
	OptionValuePrefix int    `json:"option_value_prefix"`
}

type dVariable struct {
	Name        string  `json:"name"`
	SchemaName  string  `json:"schema_name"`
	Type        string  `json:"type"`
	Default     *string `json:"default"`
	DisplayName string  `json:"display_name"`
	Description string  `json:"description"`
	Optional    bool    `json:"optional,omitempty"` // omitted when required: the digests of earlier models stand
}

type dTable struct {
	Name          string    `json:"name"`
	DisplayName   string    `json:"display_name"`
	PrimaryColumn string    `json:"primary_column"`
	PrimaryKey    string    `json:"primary_key"`
	Standard      bool      `json:"standard"`
	External      bool      `json:"external"`
	Custom        bool      `json:"custom"`
	Extended      bool      `json:"extended"`
	Ownership     string    `json:"ownership,omitempty"` // only "organization"
	Columns       []dColumn `json:"columns"`
}

type dColumn struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Type        string    `json:"type"`
	MaxLength   int       `json:"max_length"`
	Target      string    `json:"target"`
	Targets     []string  `json:"targets"`
	Options     []dOption `json:"options"`
	Required    bool      `json:"required"`
	Behavior    string    `json:"behavior,omitempty"` // only date_only and time_zone_independent
	Standard    bool      `json:"standard"`
}

type dOption struct {
	Label string `json:"label"`
	Value int    `json:"value"`
}

type dFlow struct {
	Name          string   `json:"name"`
	DisplayName   string   `json:"display_name"`
	Description   string   `json:"description"`
	PrimaryTable  string   `json:"primary_table"`
	Order         int      `json:"order"`
	Type          string   `json:"type"`
	Active        bool     `json:"active"`
	UniqueName    string   `json:"unique_name"`
	InstanceTable string   `json:"instance_table"`
	Owner         string   `json:"owner"`
	Stages        []dStage `json:"stages"`
	OnFinish      []string `json:"on_finish"`
	OnAbandon     []string `json:"on_abandon"`
}

type dStage struct {
	Name         string    `json:"name"`
	DisplayName  string    `json:"display_name"`
	Category     string    `json:"category"`
	Table        string    `json:"table"`
	Relationship string    `json:"relationship"`
	Steps        []dStep   `json:"steps"`
	Branches     []dBranch `json:"branches"`
	Next         string    `json:"next"`
	OnEnter      []string  `json:"on_enter"`
	OnExit       []string  `json:"on_exit"`
}

type dStep struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Column      string `json:"column"`
	Required    bool   `json:"required"`
	Action      bool   `json:"action"`
	Workflow    string `json:"workflow"`
}

type dBranch struct {
	When string `json:"when"`
	Next string `json:"next"`
}

type dRole struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name"`
	Grants      []dGrant `json:"grants"`
}

type dGrant struct {
	Flow       string   `json:"flow"`
	Privileges []string `json:"privileges"`
	Depth      string   `json:"depth"`
}

type dWorkflow struct {
	Name        string          `json:"name"`
	DisplayName string          `json:"display_name"`
	Table       string          `json:"table"`
	Mode        string          `json:"mode"`
	WaitUntil   string          `json:"wait_until"`
	Timeout     string          `json:"timeout"`
	Steps       []dWorkflowStep `json:"steps"`
}

type dWorkflowStep struct {
	Name        string            `json:"name"`
	Kind        string            `json:"kind"`
	When        string            `json:"when"`
	Values      map[string]string `json:"values"`
	CreateTable string            `json:"create_table"`
	Workflow    string            `json:"workflow"`
}

func digestOf(p *Project) dProject {
	d := dProject{Format: digestFormat}
	if s := p.Solution; s != nil {
		d.Solution = &dSolution{Name: s.Name, DisplayName: s.DisplayName, Version: s.VersionNums, Description: s.Description}
		if pb := s.Publisher; pb != nil {
			d.Solution.Publisher = &dPublisher{Name: pb.Name, DisplayName: pb.DisplayName, Prefix: pb.Prefix, OptionValuePrefix: pb.OptionValuePrefix}
		}
	}
	for _, v := range p.Variables {
		dv := dVariable{Name: v.Name, SchemaName: v.SchemaName, Type: v.Type, DisplayName: v.DisplayName, Description: v.Description, Optional: v.Optional}
		if v.HasDefault() {
			s := valueText(v.Default)
			dv.Default = &s
		}
		d.Variables = append(d.Variables, dv)
	}
	for _, t := range p.Tables {
		dt := dTable{Name: t.Name, DisplayName: t.DisplayName, PrimaryColumn: t.PrimaryColumn, PrimaryKey: t.PrimaryKey,
			Standard: t.Standard, External: t.External, Custom: t.Custom, Extended: t.Extended, Ownership: t.Ownership}
		for _, c := range t.Columns {
			dc := dColumn{Name: c.Name, DisplayName: c.DisplayName, Type: c.Type, MaxLength: c.MaxLength,
				Target: c.Target, Targets: c.Targets, Required: c.Required, Behavior: c.Behavior, Standard: c.Standard}
			for _, o := range c.Options {
				dc.Options = append(dc.Options, dOption(o))
			}
			slices.SortFunc(dc.Options, func(a, b dOption) int { return a.Value - b.Value })
			dt.Columns = append(dt.Columns, dc)
		}
		d.Tables = append(d.Tables, dt)
	}
	for _, f := range p.Flows {
		df := dFlow{Name: f.Name, DisplayName: f.DisplayName, Description: f.Description, PrimaryTable: f.PrimaryTable,
			Order: f.Order, Type: f.Type, Active: f.Active, UniqueName: f.UniqueName, InstanceTable: f.InstanceTable,
			Owner: f.Owner, OnFinish: refNames(f.OnFinish), OnAbandon: refNames(f.OnAbandon)}
		for _, s := range f.Stages {
			ds := dStage{Name: s.Name, DisplayName: s.DisplayName, Category: s.Category, Table: s.Table,
				Relationship: s.Relationship, Next: s.Next, OnEnter: refNames(s.OnEnter), OnExit: refNames(s.OnExit)}
			for _, st := range s.Steps {
				ds.Steps = append(ds.Steps, dStep{Name: st.Name, DisplayName: st.DisplayName, Column: st.Column,
					Required: st.Required, Action: st.Action, Workflow: st.Workflow})
			}
			for _, b := range s.Branches {
				ds.Branches = append(ds.Branches, dBranch{When: FormatExpr(labelChoices(b.When)), Next: b.Next})
			}
			df.Stages = append(df.Stages, ds)
		}
		d.Flows = append(d.Flows, df)
	}
	for _, r := range p.Roles {
		dr := dRole{Name: r.Name, DisplayName: r.DisplayName}
		for _, g := range r.Grants {
			depth := g.Depth
			if depth == "" {
				depth = "organization"
			}
			dr.Grants = append(dr.Grants, dGrant{Flow: g.Flow, Privileges: g.Privileges, Depth: depth})
		}
		d.Roles = append(d.Roles, dr)
	}
	for _, w := range p.Workflows {
		dw := dWorkflow{Name: w.Name, DisplayName: w.DisplayName, Table: w.Table, Mode: w.Mode, Timeout: w.Timeout}
		if w.WaitUntil != nil {
			dw.WaitUntil = FormatExpr(labelChoices(w.WaitUntil))
		}
		for _, st := range w.Steps {
			ds := dWorkflowStep{Name: st.Name, Kind: st.Kind, CreateTable: st.CreateTable, Workflow: st.Workflow}
			if st.When != nil {
				ds.When = FormatExpr(labelChoices(st.When))
			}
			if len(st.Values) > 0 {
				ds.Values = map[string]string{}
				for k, v := range st.Values {
					ds.Values[k] = stepValueText(p, w, st, k, v)
				}
			}
			dw.Steps = append(dw.Steps, ds)
		}
		d.Workflows = append(d.Workflows, dw)
	}
	// The model keeps these sorted by name; sort again so that the digest
	// never depends on the order files were read in.
	slices.SortFunc(d.Variables, func(a, b dVariable) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(d.Tables, func(a, b dTable) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(d.Flows, func(a, b dFlow) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(d.Roles, func(a, b dRole) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(d.Workflows, func(a, b dWorkflow) int { return strings.Compare(a.Name, b.Name) })
	return d
}

// canonical drops from d what a build does not carry (see Digest). It sorts
// and blanks d's own slices, which digestOf built afresh.
func canonical(d dProject) dProject {
	for i := range d.Tables {
		t := &d.Tables[i]
		slices.SortStableFunc(t.Columns, func(a, b dColumn) int { return strings.Compare(a.Name, b.Name) })
		if t.External {
			t.DisplayName = ""
			for j := range t.Columns {
				if c := &t.Columns[j]; c.Standard && c.Name == t.PrimaryKey {
					c.DisplayName = ""
				}
			}
		}
	}
	for i := range d.Roles {
		slices.SortStableFunc(d.Roles[i].Grants, func(a, b dGrant) int { return strings.Compare(a.Flow, b.Flow) })
	}
	return d
}

func refNames(refs []*WorkflowRef) []string {
	var out []string
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return out
}

// valueText is the canonical text of a variable's value: FormatValue for
// strings, numbers and bools; JSON (object keys sorted) for the values of
// json variables.
func valueText(v cty.Value) string {
	if v == cty.NilVal || v.IsNull() || !v.IsWhollyKnown() {
		return FormatValue(v)
	}
	switch v.Type() {
	case cty.String, cty.Number, cty.Bool:
		return FormatValue(v)
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return v.GoString()
	}
	return string(b)
}
