package deploy

import (
	"cmp"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Plan is what an import would do. JSON shape (bpfc plan --output json):
//
//	environment        the environment's name
//	solution           the solution's unique name
//	installed_version  the version installed there ("" when none)
//	version            the version the build would install
//	managed            whether it would be imported managed
//	mode               upgrade | update | stage
//	digest             the build digest
//	changes            what would be added, changed, removed or kept (see Change)
//	refusals           every reason the import would be refused (empty: it would apply)
type Plan struct {
	Environment      string   `json:"environment"`
	Solution         string   `json:"solution"`
	InstalledVersion string   `json:"installed_version"`
	Version          string   `json:"version"`
	Managed          bool     `json:"managed"`
	Mode             string   `json:"mode"`
	Digest           string   `json:"digest"`
	Changes          []Change `json:"changes"`
	Refusals         []string `json:"refusals"`
	// Notes are what the import would note beside its changes (another
	// build at the installed version), as the import's own notes.
	Notes []string `json:"notes"`
}

// PlanImport runs Import's rules and lists its changes in a read-only
// transaction: nothing in the environment changes.
func PlanImport(ctx context.Context, t Target, b *Build, o Options) (*Plan, error) {
	o.defaults()
	pl := &Plan{Environment: t.Env.Name, Solution: b.Solution(), Version: b.Version(), Managed: t.Env.Managed,
		Mode: string(o.Mode), Digest: b.Digest, Changes: []Change{}, Refusals: []string{}, Notes: []string{}}
	err := t.Store.Read(ctx, func(tx store.Tx) error {
		st, err := loadState(tx, b.Solution())
		if err != nil {
			return err
		}
		if st.base != nil {
			pl.InstalledVersion = st.base.Version
		}
		if n := sameVersionNote(st, b); n != "" {
			pl.Notes = append(pl.Notes, n)
		}
		if n := stageNote(st, b, t.Env.Name, o.Mode); n != "" {
			pl.Notes = append(pl.Notes, n)
			pl.Mode = string(importMode(st, o.Mode))
		}
		vals, err := prepare(tx, st, t, b, &o)
		if err != nil {
			ref, ok := err.(*Refusal)
			if !ok {
				return err
			}
			pl.Refusals = ref.Causes
		}
		pl.Notes = append(pl.Notes, shadowNotes(vals)...)
		pl.Changes, err = importChanges(tx, st, t.Env.Name, b, importMode(st, o.Mode), vals, o.Keyring)
		return err
	})
	return pl, err
}

// Kinds of Change, in the order plans list them.
var changeKinds = []string{"flow", "stage", "step", "table", "column", "variable", "value", "role", "workflow"}

type itemKey struct{ kind, name string }

// field is one property of an item as a plan compares and shows it: its
// name (the language's attribute where it has one) and its value as text.
type field struct{ name, value string }

// diffModels lists what changes from old (nil: nothing installed) to new. In
// upgrade mode what new lacks is removed; otherwise it is kept. A change
// names the fields that differ, with both values.
func diffModels(old, new *compiler.Project, mode Mode) []Change {
	was, is := items(old), items(new)
	out := []Change{}
	for k, fs := range is {
		prev, ok := was[k]
		switch {
		case !ok:
			out = append(out, Change{Action: "add", Kind: k.kind, Name: k.name})
		case !slices.Equal(prev, fs):
			out = append(out, Change{Action: "change", Kind: k.kind, Name: k.name, Fields: changedFields(prev, fs, k.kind == "column")})
		}
	}
	for k := range was {
		if _, ok := is[k]; !ok {
			action := "remove"
			// A stage or step is part of its flow's definition (one
			// workflow, one XAML): a flow the build has replaces it whole
			// in every mode; only a flow the build lacks is kept.
			if mode != Upgrade && !partOfKeptDefinition(k, new) {
				action = "keep"
			}
			out = append(out, Change{Action: action, Kind: k.kind, Name: k.name})
		}
	}
	sortChanges(out)
	return out
}

// partOfKeptDefinition: k is a stage or step of a flow that p has.
func partOfKeptDefinition(k itemKey, p *compiler.Project) bool {
	if k.kind != "stage" && k.kind != "step" || p == nil {
		return false
	}
	flow, _, _ := strings.Cut(k.name, ".")
	return p.Flow(flow) != nil
}

// changedFields pairs the fields of an item's two versions by name: each
// that differs, is new (old "none") or is gone (new "none"). shared lists
// only the fields both versions have: a column's that one lacks belong to
// the other's type (a string's max_length, a datetime's behavior), and a
// type change shows as the type, not as "max_length: 50 → none".
func changedFields(old, new []field, shared bool) []FieldChange {
	was := map[string]string{}
	for _, f := range old {
		was[f.name] = f.value
	}
	var out []FieldChange
	is := map[string]bool{}
	for _, f := range new {
		is[f.name] = true
		if prev, ok := was[f.name]; !ok {
			if !shared {
				out = append(out, FieldChange{Field: f.name, Old: "none", New: f.value})
			}
		} else if prev != f.value {
			out = append(out, FieldChange{Field: f.name, Old: prev, New: f.value})
		}
	}
	for _, f := range old {
		if !is[f.name] && !shared {
			out = append(out, FieldChange{Field: f.name, Old: f.value, New: "none"})
		}
	}
	return out
}

func sortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int {
		return cmp.Or(cmp.Compare(slices.Index(changeKinds, a.Kind), slices.Index(changeKinds, b.Kind)), cmp.Compare(a.Name, b.Name))
	})
}

// typedText is a variable's stored text as a plan shows a value of its
// type: a number or a boolean bare, text quoted, none when there is none.
func typedText(typ string, text *string) any {
	if text != nil && (typ == compiler.VarNumber || typ == compiler.VarBoolean || typ == compiler.VarJSON) {
		return bare(*text)
	}
	return text
}

// bare is a field's value written as it is (a number, a JSON document).
type bare string

// fields names an item's properties with their values as text: strings
// quoted, lists in brackets, an absent value as none.
func fields(kv ...any) []field {
	out := make([]field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, field{kv[i].(string), fieldText(kv[i+1])})
	}
	return out
}

func fieldText(v any) string {
	switch v := v.(type) {
	case bare:
		return string(v)
	case string:
		return strconv.Quote(v)
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case *string:
		if v == nil {
			return "none"
		}
		return strconv.Quote(*v)
	}
	j, _ := json.Marshal(v)
	return string(j)
}

// items lists every component of a model by kind and name, with its fields.
func items(p *compiler.Project) map[itemKey][]field {
	out := map[itemKey][]field{}
	if p == nil {
		return out
	}
	put := func(kind, name string, fs []field) { out[itemKey{kind, name}] = fs }
	for _, f := range p.Flows {
		// Orders are the containers' fields (a flow's stages, a stage's
		// steps): a stage inserted changes its flow, not every stage after it.
		var stages []string
		for _, s := range f.Stages {
			stages = append(stages, s.Name)
		}
		put("flow", f.Name, fields("display_name", f.DisplayName, "description", f.Description,
			"primary_table", f.PrimaryTable, "order", f.Order, "type", f.Type, "active", f.Active,
			"unique_name", f.UniqueName, "instance_table", f.InstanceTable, "owner", f.Owner,
			"on_finish", refNames(f.OnFinish), "on_abandon", refNames(f.OnAbandon), "stages", stages))
		for _, s := range f.Stages {
			var branches, steps []string
			for _, b := range s.Branches {
				branches = append(branches, compiler.FormatExpr(b.When)+" -> "+b.Next)
			}
			for _, st := range s.Steps {
				steps = append(steps, st.Name)
			}
			put("stage", f.Name+"."+s.Name, fields("display_name", s.DisplayName,
				"category", s.Category, "table", s.Table, "relationship", s.Relationship, "next", s.Next,
				"branches", branches, "on_enter", refNames(s.OnEnter), "on_exit", refNames(s.OnExit), "steps", steps))
			for _, st := range s.Steps {
				put("step", f.Name+"."+s.Name+"."+st.Name, fields("display_name", st.DisplayName,
					"column", st.Column, "required", st.Required, "action", st.Action, "workflow", st.Workflow))
			}
		}
	}
	for _, t := range p.Tables {
		if t.Custom {
			put("table", t.Name, fields("display_name", t.DisplayName, "primary_column", t.PrimaryColumn, "ownership", t.OwnershipName()))
		}
		for _, c := range shippedColumns(t) {
			var options []string
			for _, o := range c.Options {
				options = append(options, o.Label+" = "+strconv.Itoa(o.Value))
			}
			fs := fields("type", c.Type, "display_name", c.DisplayName, "required", c.Required)
			if compiler.HasMaxLength(c.Type) {
				fs = append(fs, fields("max_length", c.MaxLength)...)
			}
			fs = append(fs, fields("target", c.Target, "targets", c.Targets, "options", options)...)
			if c.Type == compiler.TypeDateTime {
				fs = append(fs, fields("behavior", compiler.BehaviorName(c.Behavior))...)
			}
			put("column", t.Name+"."+c.Name, fs)
		}
	}
	for _, v := range p.Variables {
		put("variable", v.Name, fields("schema_name", v.SchemaName, "type", v.Type, "default", typedText(v.Type, defaultText(v)),
			"display_name", v.DisplayName, "description", v.Description, "required", !v.Optional))
	}
	for _, r := range p.Roles {
		if isBuiltinRole(r) {
			continue
		}
		var grants []string
		for _, g := range r.Grants {
			grants = append(grants, g.Flow+": "+strings.Join(g.Privileges, ", ")+" ("+cmp.Or(g.Depth, store.DepthOrganization)+")")
		}
		slices.Sort(grants) // their order means nothing (an archive's is Dataverse's)
		put("role", r.Name, fields("display_name", r.DisplayName, "grants", grants))
	}
	for _, w := range p.Workflows {
		var steps []string
		for _, st := range w.Steps {
			steps = append(steps, st.Name)
		}
		fs := fields("display_name", w.DisplayName, "table", w.Table, "mode", w.Mode, "wait_until", formatOpt(w.WaitUntil),
			"timeout", w.Timeout, "steps", steps)
		// Each step as one field: a step changed reads as that step.
		for _, st := range w.Steps {
			text := st.Kind
			if st.When != nil {
				text += " when " + compiler.FormatExpr(st.When)
			}
			for _, k := range slices.Sorted(maps.Keys(st.Values)) {
				text += ", " + k + " = " + formatOpt(st.Values[k])
			}
			for _, x := range []struct{ k, v string }{{"table", st.CreateTable}, {"workflow", st.Workflow}} {
				if x.v != "" {
					text += ", " + x.k + " = " + x.v
				}
			}
			fs = append(fs, field{"step " + st.Name, text})
		}
		put("workflow", w.Name, fs)
	}
	return out
}

// countChanges counts changes by action, for summaries.
func countChanges(cs []Change) map[string]int {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Action]++
	}
	return n
}
