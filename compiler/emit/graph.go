package emit

import "github.com/bpfc/bpfc/compiler"

// The stage graph: where a cross-table stage is reached from, and where the
// paths of a branching stage meet again.

// sourceStage is the stage a cross-table stage is reached from: the first
// predecessor (in stage order) on the table the lookup points to, else the first
// predecessor on another table, else the stage written before it.
func sourceStage(p *compiler.Project, f *compiler.Flow, s *compiler.Stage) *compiler.Stage {
	target := ""
	if t := p.Table(s.Table); t != nil {
		if c := t.Column(s.Relationship); c != nil {
			target = c.Target
		}
	}
	var preds []*compiler.Stage
	for _, o := range f.Stages {
		for _, n := range o.Successors() {
			if n == s.Name && o != s {
				preds = append(preds, o)
				break
			}
		}
	}
	for _, o := range preds {
		if target != "" && o.Table == target {
			return o
		}
	}
	for _, o := range preds {
		if o.Table != s.Table {
			return o
		}
	}
	if s.Index > 0 && s.Index <= len(f.Stages) {
		return f.Stages[s.Index-1]
	}
	return nil
}

// nextStage is a stage's NextStageId: its next stage, or for a stage with
// branches the stage where all its paths meet again ("" when they do not).
func nextStage(f *compiler.Flow, s *compiler.Stage) string {
	if len(s.Branches) == 0 || s.Next == "" {
		return s.Next // without an else the paths cannot all meet: one ends here
	}
	pdom := f.PostDominators()
	var common map[string]bool
	for _, n := range s.Successors() {
		if common == nil {
			common = map[string]bool{}
			for k := range pdom[n] {
				common[k] = true
			}
			continue
		}
		for k := range common {
			if !pdom[n][k] {
				delete(common, k)
			}
		}
	}
	best := ""
	for _, o := range f.Stages { // stage order keeps ties deterministic
		if common[o.Name] && (best == "" || len(pdom[o.Name]) > len(pdom[best])) {
			best = o.Name
		}
	}
	return best
}
