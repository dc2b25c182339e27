package process

import (
	"fmt"

	"github.com/bpfc/bpfc/compiler"
)

// Records are the rows an instance spans, by table name; a table the
// instance has not reached yet is absent.
type Records map[string]Row

// NextFrom resolves where a move forward from stage s goes on the current
// values: the first branch whose condition holds, else the default next.
// It returns nil at the end of the path.
func NextFrom(f *compiler.Flow, s *compiler.Stage, recs Records, vars Vars) (*compiler.Stage, error) {
	row := recs[s.Table]
	for _, b := range s.Branches {
		ok, err := Eval(b.When, row, vars)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", s.Name, err)
		}
		if ok {
			return f.Stage(b.Next), nil
		}
	}
	if s.Next == "" {
		return nil, nil
	}
	return f.Stage(s.Next), nil
}

// ActivePath is the path an instance takes on the current values: the
// stages already traversed, then from the active stage onwards, each
// branch resolved on the record of the stage it sits on.
func ActivePath(f *compiler.Flow, traversed []string, recs Records, vars Vars) ([]*compiler.Stage, error) {
	var path []*compiler.Stage
	for _, name := range traversed {
		if s := f.Stage(name); s != nil {
			path = append(path, s)
		}
	}
	cur := f.Stages[0]
	if len(path) > 0 {
		cur = path[len(path)-1]
		path = path[:len(path)-1]
	}
	seen := map[string]bool{}
	for cur != nil && !seen[cur.Name] {
		seen[cur.Name] = true
		path = append(path, cur)
		next, err := NextFrom(f, cur, recs, vars)
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return path, nil
}

// MissingStep is a required step of a stage that is not filled in.
type MissingStep struct {
	Step   *compiler.Step
	Table  string
	Column string
	IsBool bool // a required yes/no step passes only when it is yes
}

func (m MissingStep) Error() string {
	if m.IsBool {
		return fmt.Sprintf("required step %q (%s.%s) must be Yes", m.Step.Name, m.Table, m.Column)
	}
	return fmt.Sprintf("required step %q (%s.%s) is empty", m.Step.Name, m.Table, m.Column)
}

// MissingRequired lists the required steps of s that row does not fill.
func MissingRequired(p *compiler.Project, s *compiler.Stage, row Row) []MissingStep {
	var out []MissingStep
	t := p.Table(s.Table)
	for _, st := range s.Steps {
		if !st.Required || st.Action {
			continue
		}
		isBool := false
		if t != nil {
			if c := t.Column(st.Column); c != nil && c.Type == compiler.TypeBoolean {
				isBool = true
			}
		}
		v := row[st.Column]
		filled := v != nil
		if sv, ok := v.(string); ok && sv == "" {
			filled = false
		}
		if isBool {
			b, ok := v.(bool)
			filled = ok && b
		}
		if !filled {
			out = append(out, MissingStep{Step: st, Table: s.Table, Column: st.Column, IsBool: isBool})
		}
	}
	return out
}
