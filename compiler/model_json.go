package compiler

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// EncodeModel writes the project's meaning as canonical JSON: the document
// the digest is taken over, and the snapshot an environment keeps of what is
// deployed in it. DecodeModel reads it back.
func EncodeModel(p *Project) ([]byte, error) {
	b, err := json.Marshal(digestOf(p))
	if err != nil {
		return nil, fmt.Errorf("encoding the model: %w", err)
	}
	return b, nil
}

// DecodeModel rebuilds a checked project from EncodeModel's output. Names are
// re-resolved and expressions re-parsed and re-checked, so a snapshot from an
// older or tampered store fails here rather than at run time.
func DecodeModel(b []byte) (*Project, error) {
	var d dProject
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("decoding the model: %w", err)
	}
	if d.Format != digestFormat {
		return nil, fmt.Errorf("decoding the model: format %q, want %q", d.Format, digestFormat)
	}
	if d.Solution == nil || d.Solution.Publisher == nil {
		return nil, fmt.Errorf("decoding the model: no solution or publisher")
	}
	s := d.Solution
	p := &Project{Solution: &Solution{
		Name: s.Name, DisplayName: s.DisplayName, VersionNums: s.Version, Description: s.Description,
		Version: fmt.Sprintf("%d.%d.%d.%d", s.Version[0], s.Version[1], s.Version[2], s.Version[3]),
		Publisher: &Publisher{Name: s.Publisher.Name, DisplayName: s.Publisher.DisplayName,
			Prefix: s.Publisher.Prefix, OptionValuePrefix: s.Publisher.OptionValuePrefix},
	}}
	var errs []error
	for _, dv := range d.Variables {
		v := &Variable{Name: dv.Name, SchemaName: dv.SchemaName, Type: dv.Type, DisplayName: dv.DisplayName, Description: dv.Description,
			Optional: dv.Optional}
		if dv.Default != nil {
			val, err := parseValueText(*dv.Default, dv.Type)
			if err != nil {
				errs = append(errs, fmt.Errorf("variable %s: %w", dv.Name, err))
			}
			v.Default = val
		}
		p.Variables = append(p.Variables, v)
	}
	for _, dt := range d.Tables {
		t := &Table{Name: dt.Name, DisplayName: dt.DisplayName, PrimaryColumn: dt.PrimaryColumn, PrimaryKey: dt.PrimaryKey,
			Standard: dt.Standard, External: dt.External, Custom: dt.Custom, Extended: dt.Extended, Ownership: dt.Ownership}
		for _, dc := range dt.Columns {
			c := &Column{Name: dc.Name, DisplayName: dc.DisplayName, Type: dc.Type, MaxLength: dc.MaxLength, Target: dc.Target,
				Targets: dc.Targets, Required: dc.Required, Behavior: dc.Behavior, Standard: dc.Standard, Table: dt.Name}
			for _, o := range dc.Options {
				c.Options = append(c.Options, Option(o))
			}
			t.Columns = append(t.Columns, c)
		}
		p.Tables = append(p.Tables, t)
	}
	for _, dw := range d.Workflows {
		w := &Workflow{Name: dw.Name, DisplayName: dw.DisplayName, Table: dw.Table, Mode: dw.Mode, Timeout: dw.Timeout}
		for _, ds := range dw.Steps {
			w.Steps = append(w.Steps, &WorkflowStep{Name: ds.Name, Kind: ds.Kind, CreateTable: ds.CreateTable, Workflow: ds.Workflow, Values: map[string]Expr{}})
		}
		p.Workflows = append(p.Workflows, w)
	}
	for _, df := range d.Flows {
		f := &Flow{Name: df.Name, DisplayName: df.DisplayName, Description: df.Description, PrimaryTable: df.PrimaryTable,
			Order: df.Order, Type: df.Type, Active: df.Active, UniqueName: df.UniqueName, InstanceTable: df.InstanceTable,
			Owner: df.Owner, OnFinish: refs(df.OnFinish), OnAbandon: refs(df.OnAbandon)}
		for i, ds := range df.Stages {
			st := &Stage{Name: ds.Name, DisplayName: ds.DisplayName, Category: ds.Category, Table: ds.Table,
				Relationship: ds.Relationship, Next: ds.Next, OnEnter: refs(ds.OnEnter), OnExit: refs(ds.OnExit), Index: i}
			for _, dst := range ds.Steps {
				st.Steps = append(st.Steps, &Step{Name: dst.Name, DisplayName: dst.DisplayName, Column: dst.Column,
					Required: dst.Required, Action: dst.Action, Workflow: dst.Workflow})
			}
			for _, db := range ds.Branches {
				st.Branches = append(st.Branches, &Branch{Next: db.Next})
			}
			f.Stages = append(f.Stages, st)
		}
		p.Flows = append(p.Flows, f)
	}
	for _, dr := range d.Roles {
		r := &Role{Name: dr.Name, DisplayName: dr.DisplayName}
		for _, g := range dr.Grants {
			r.Grants = append(r.Grants, &Grant{Flow: g.Flow, Privileges: g.Privileges, Depth: g.Depth})
		}
		p.Roles = append(p.Roles, r)
	}
	// Expressions need the tables and variables above to resolve.
	parse := func(text, table string, cond bool) Expr {
		x, err := ParseExpr(p, text, table, cond)
		if err != nil {
			errs = append(errs, err)
		}
		return x
	}
	for i, df := range d.Flows {
		for j, ds := range df.Stages {
			st := p.Flows[i].Stages[j]
			for k, db := range ds.Branches {
				st.Branches[k].When = parse(db.When, st.Table, true)
			}
		}
	}
	for i, dw := range d.Workflows {
		w := p.Workflows[i]
		if dw.WaitUntil != "" {
			w.WaitUntil = parse(dw.WaitUntil, w.Table, true)
		}
		for j, ds := range dw.Steps {
			st := w.Steps[j]
			if ds.When != "" {
				st.When = parse(ds.When, w.Table, true)
			}
			for k, v := range ds.Values {
				st.Values[k] = parse(v, w.Table, false)
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("decoding the model: %w", errs[0])
	}
	return p, nil
}

func refs(names []string) []*WorkflowRef {
	var out []*WorkflowRef
	for _, n := range names {
		out = append(out, &WorkflowRef{Name: n})
	}
	return out
}

// ParseExpr parses and checks expression text (as FormatExpr writes it) in
// the scope of table's record. cond requires a boolean condition.
func ParseExpr(p *Project, text, table string, cond bool) (Expr, error) {
	e, diags := hclsyntax.ParseExpression([]byte(text), "expression", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("expression %q: %w", text, diags)
	}
	x, diags := convertCondition(e, exprScope{p: p, table: p.Table(table)}, cond)
	if diags.HasErrors() {
		return nil, fmt.Errorf("expression %q: %w", text, diags)
	}
	return x, nil
}

// parseValueText reads a variable value as valueText wrote it.
func parseValueText(text, typ string) (cty.Value, error) {
	if typ == VarJSON {
		t, err := ctyjson.ImpliedType([]byte(text))
		if err == nil {
			return ctyjson.Unmarshal([]byte(text), t)
		}
	}
	e, diags := hclsyntax.ParseExpression([]byte(text), "value", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}
