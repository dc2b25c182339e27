package deploy

import (
	"cmp"
	"context"
	"encoding/json"
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
}

// PlanImport runs Import's rules and lists its changes in a read-only
// transaction: nothing in the environment changes.
func PlanImport(ctx context.Context, t Target, b *Build, o Options) (*Plan, error) {
	o.defaults()
	pl := &Plan{Environment: t.Env.Name, Solution: b.Solution(), Version: b.Version(), Managed: t.Env.Managed,
		Mode: string(o.Mode), Digest: b.Digest, Changes: []Change{}, Refusals: []string{}}
	err := t.Store.Read(ctx, func(tx store.Tx) error {
		st, err := loadState(tx, b.Solution())
		if err != nil {
			return err
		}
		if st.base != nil {
			pl.InstalledVersion = st.base.Version
		}
		vals, err := prepare(st, t, b, &o)
		if err != nil {
			ref, ok := err.(*Refusal)
			if !ok {
				return err
			}
			pl.Refusals = ref.Causes
		}
		pl.Changes, err = importChanges(tx, st, t.Env.Name, b, importMode(st, o.Mode), vals, o.Keyring)
		return err
	})
	return pl, err
}

// Kinds of Change, in the order plans list them.
var changeKinds = []string{"flow", "stage", "step", "table", "column", "variable", "value", "role", "workflow"}

type itemKey struct{ kind, name string }

// diffModels lists what changes from old (nil: nothing installed) to new. In
// upgrade mode what new lacks is removed; otherwise it is kept.
func diffModels(old, new *compiler.Project, mode Mode) []Change {
	if old == nil {
		// A first install: everything is added, no fingerprint is needed.
		var out []Change
		for k := range items(new, false) {
			out = append(out, Change{Action: "add", Kind: k.kind, Name: k.name})
		}
		sortChanges(out)
		if out == nil {
			out = []Change{}
		}
		return out
	}
	was, is := items(old, true), items(new, true)
	var out []Change
	for k, fp := range is {
		prev, ok := was[k]
		switch {
		case !ok:
			out = append(out, Change{Action: "add", Kind: k.kind, Name: k.name})
		case prev != fp:
			out = append(out, Change{Action: "change", Kind: k.kind, Name: k.name})
		}
	}
	for k := range was {
		if _, ok := is[k]; !ok {
			action := "remove"
			if mode != Upgrade {
				action = "keep"
			}
			out = append(out, Change{Action: action, Kind: k.kind, Name: k.name})
		}
	}
	sortChanges(out)
	if out == nil {
		out = []Change{}
	}
	return out
}

func sortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int {
		return cmp.Or(cmp.Compare(slices.Index(changeKinds, a.Kind), slices.Index(changeKinds, b.Kind)), cmp.Compare(a.Name, b.Name))
	})
}

// fingerprint joins the fields that make an item what it is.
func fingerprint(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case []string:
			b.WriteString(strings.Join(v, "\x01"))
		case *string:
			if v != nil {
				b.WriteString("=" + *v)
			}
		default:
			j, _ := json.Marshal(v)
			b.Write(j)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// items lists every component of a model, by kind and name, with its
// fingerprint when fp is set.
func items(p *compiler.Project, fp bool) map[itemKey]string {
	out := map[itemKey]string{}
	if p == nil {
		return out
	}
	put := func(kind, name string, parts func() []any) {
		if fp {
			out[itemKey{kind, name}] = fingerprint(parts()...)
		} else {
			out[itemKey{kind, name}] = ""
		}
	}
	for _, f := range p.Flows {
		put("flow", f.Name, func() []any {
			return []any{f.DisplayName, f.Description, f.PrimaryTable, f.Order, f.Type, f.Active, f.UniqueName,
				f.InstanceTable, f.Owner, refNames(f.OnFinish), refNames(f.OnAbandon)}
		})
		for i, s := range f.Stages {
			put("stage", f.Name+"."+s.Name, func() []any {
				var branches []string
				for _, b := range s.Branches {
					branches = append(branches, compiler.FormatExpr(b.When)+" -> "+b.Next)
				}
				return []any{i, s.DisplayName, s.Category, s.Table, s.Relationship, s.Next, branches,
					refNames(s.OnEnter), refNames(s.OnExit)}
			})
			for j, st := range s.Steps {
				put("step", f.Name+"."+s.Name+"."+st.Name, func() []any {
					return []any{j, st.DisplayName, st.Column, st.Required, st.Action, st.Workflow}
				})
			}
		}
	}
	for _, t := range p.Tables {
		if t.Custom {
			put("table", t.Name, func() []any {
				return []any{t.DisplayName, t.PrimaryColumn}
			})
		}
		for _, c := range shippedColumns(t) {
			put("column", t.Name+"."+c.Name, func() []any {
				return []any{storeColumn(c, "")}
			})
		}
	}
	for _, v := range p.Variables {
		put("variable", v.Name, func() []any {
			return []any{v.SchemaName, v.Type, defaultText(v), v.DisplayName, v.Description}
		})
	}
	for _, r := range p.Roles {
		if isBuiltinRole(r) {
			continue
		}
		put("role", r.Name, func() []any {
			var grants []string
			for _, g := range r.Grants {
				grants = append(grants, g.Flow+":"+strings.Join(g.Privileges, ",")+":"+cmp.Or(g.Depth, store.DepthOrganization))
			}
			return []any{r.DisplayName, grants}
		})
	}
	for _, w := range p.Workflows {
		put("workflow", w.Name, func() []any {
			def, _ := workflowDefinitionJSON(w)
			return []any{w.DisplayName, string(def)}
		})
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
