package unpack

import (
	"fmt"
	"strconv"

	"github.com/bpfc/bpfc/compiler"
)

// oneLineLabels writes every display name of p on one line: a label that
// holds a line break, a tab or another control character (Dataverse's own
// exports hold none; a hand-edited archive may) is not a display name bpfc
// accepts, so each run of them becomes one space, with a warning. An
// archive's label that leaves nothing falls back to the component's name.
func (b *builder) oneLineLabels(p *compiler.Project) {
	fix := func(component string, name string, label *string) {
		one := compiler.OneLine(*label)
		if one == *label {
			return
		}
		if one == "" {
			one = name
		}
		b.w.add(component, "", "the label %q holds line breaks or other control characters, which a label does not; %q was written", *label, one)
		*label = one
	}
	if s := p.Solution; s != nil {
		fix("solution", s.Name, &s.DisplayName)
		if s.Publisher != nil {
			fix("publisher", s.Publisher.Name, &s.Publisher.DisplayName)
		}
	}
	for _, v := range p.Variables {
		fix("variable "+v.Name, v.Name, &v.DisplayName)
	}
	for _, t := range p.Tables {
		fix("table "+t.Name, t.Name, &t.DisplayName)
		for _, c := range t.Columns {
			fix(fmt.Sprintf("column %s.%s", t.Name, c.Name), c.Name, &c.DisplayName)
			// An option's label is one line too (the compiler refuses it
			// otherwise); one left empty is its value, as readOptions does.
			changed := false
			for i := range c.Options {
				o := &c.Options[i]
				before := o.Label
				fix(fmt.Sprintf("column %s.%s option %d", t.Name, c.Name, o.Value), strconv.Itoa(o.Value), &o.Label)
				changed = changed || o.Label != before
			}
			if changed {
				uniqueLabels(c.Options)
			}
		}
	}
	for _, f := range p.Flows {
		comp := fmt.Sprintf("flow %q", f.Name)
		fix(comp, f.Name, &f.DisplayName)
		for _, s := range f.Stages {
			fix(comp+" stage "+s.Name, s.Name, &s.DisplayName)
			for _, st := range s.Steps {
				fix(comp+" stage "+s.Name+" step "+st.Name, st.Name, &st.DisplayName)
			}
		}
	}
	for _, w := range p.Workflows {
		fix(fmt.Sprintf("workflow %q", w.Name), w.Name, &w.DisplayName)
	}
	for _, r := range p.Roles {
		fix("role "+r.Name, r.Name, &r.DisplayName)
	}
}
