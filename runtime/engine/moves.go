package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// Next moves an instance to the next stage of its active path: every
// required step of the active stage filled, branches evaluated on the
// current values and the environment's variables; a stage on another table
// links (mo.Link) or creates that table's record.
func (s *Session) Next(ctx context.Context, id string, mo MoveOptions) (*Instance, error) {
	return s.change(ctx, id, "move to the next stage", mo, []string{PrivWrite}, func(c *change) (*Transition, error) {
		return c.next(mo.Link, nil)
	})
}

// activeNext is what a move on or a finish decides on: the active
// instance's stage record and the stage its active path goes to next (nil
// at the last stage), branches evaluated on that record.
func (c *change) activeNext() (store.Row, *compiler.Stage, error) {
	if err := c.mustBeActive(); err != nil {
		return nil, nil, err
	}
	row, err := c.stageRecord()
	if err != nil {
		return nil, nil, err
	}
	to, err := process.NextFrom(c.f.f, c.stage, process.Records{c.stage.Table: process.Row(row)}, c.o.dep.vars)
	if err != nil {
		return nil, nil, err
	}
	return row, to, nil
}

// next moves the instance to the next stage of its active path; with want
// not nil, only if that is want (else RuleTargetStage).
func (c *change) next(link string, want *compiler.Stage) (*Transition, error) {
	row, to, err := c.activeNext()
	if err != nil {
		return nil, err
	}
	if want != nil && to != want {
		return nil, c.notAdjacent(want, to)
	}
	if to == nil {
		return nil, c.refuse(RuleLastStage, "stage %q is the last stage of the active path; finish the instance instead", c.stage.Name)
	}
	if err := c.requiredFilled(row); err != nil {
		return nil, err
	}
	path := str(c.row[colPath])
	if path != "" {
		path += ","
	}
	path += c.f.stageID[to.Name]
	if len(path) > MaxTraversedPath {
		return nil, c.refuse(RuleTraversedPath, "the traversed path would be %d characters long, more than the %d traversedpath holds",
			len(path), MaxTraversedPath)
	}
	if to.Table != c.stage.Table {
		if err := c.cross(to, row, link); err != nil {
			return nil, err
		}
	} else if link != "" {
		return nil, c.refuse(RuleLink, "stage %q is on %s like stage %q: a link is only for a move to a stage on another table",
			to.Name, to.Table, c.stage.Name)
	}
	c.set[colStage], c.set[colStageOn], c.set[colPath] = c.f.stageID[to.Name], c.o.now, path
	if err := c.o.leave(c.in.ID, store.VisitNext); err != nil {
		return nil, err
	}
	if err := c.o.enter(c.f, c.in.ID, to, store.VisitNext); err != nil {
		return nil, err
	}
	return &Transition{Kind: KindNext, From: c.stage, To: to}, nil
}

// cross links or creates the record of a stage on another table. Besides
// the privileges on the flow's instances, the acting user needs, on the
// records: to link one, read and append_to on it (and, to point its
// relationship back at the stage's record, write and append on it and
// append_to on that record); to create one, create on its table, append
// and append_to on the stage's record for the relationship.
func (c *change) cross(to *compiler.Stage, from store.Row, link string) error {
	if err := c.o.require(c.f, PrivAppend, PrivAppendTo); err != nil {
		return err
	}
	col := lookupColumn(to.Table)
	fromID := c.in.Records[c.stage.Table]
	if have := c.in.Records[to.Table]; have != "" {
		if link != "" && link != have {
			return c.refuse(RuleLink, "the instance is already linked to %s %s", to.Table, have)
		}
		return nil
	}
	t, ok := c.o.dep.tables[to.Table]
	if !ok {
		return fmt.Errorf("table %s of stage %s is not in %s", to.Table, to.Name, c.o.dep.env)
	}
	ft := c.o.dep.tables[c.stage.Table]
	rel := []Link{{Column: to.Relationship, Target: ft, Row: from}}
	if link == "" {
		// Back and forth across a table returns to the record the instance
		// had there (prev cleared its link): Dataverse's instance has one
		// record of each table, and a new one each time was a duplicate.
		id, err := c.o.earlierRecord(c.f, c.in, t, to, c.stage.Table, fromID)
		if err != nil {
			return err
		}
		link = id
	}
	if link != "" {
		target, err := c.o.tx.GetRow(t, link)
		if errors.Is(err, store.ErrNotFound) {
			return c.refuse(RuleLink, "there is no %s %q to link to stage %q", to.Table, link, to.Name)
		}
		if err != nil {
			return err
		}
		doing := fmt.Sprintf("link instance %s to %s %s", c.in.ID, to.Table, link)
		if err := c.o.mayRow(t, target, PrivRead, doing); err != nil {
			return err
		}
		if err := c.o.mayLinkTo(t, target, doing); err != nil {
			return err
		}
		if to.Relationship != "" {
			back := str(target[to.Relationship])
			if back != "" {
				// A lookup to several tables may hold the id of another
				// table's row (an account, of the contact's id or not):
				// said as such, not as another contact's.
				other, err := c.o.pointsAtOther(t, target, to.Relationship, c.stage.Table)
				if err != nil {
					return err
				}
				if other != "" {
					return c.refuse(RuleLink, "%s %s belongs to %s %s, not to this %s (%s.%s)", to.Table, link, other, back, c.stage.Table,
						to.Table, to.Relationship)
				}
			}
			switch back {
			case fromID:
			case "":
				if err := c.o.mayRow(t, target, PrivWrite, "update "+to.Table+" "+link); err != nil {
					return err
				}
				if err := c.o.mayLink(t, target, link, rel); err != nil {
					return err
				}
				vals := map[string]any{to.Relationship: fromID}
				c.o.stampModified(t, vals)
				if _, err := c.o.tx.UpdateRow(t, link, vals, 0); err != nil {
					return err
				}
				// A customer relationship names the stage's table (a
				// contact's id may be an account's too).
				if err := c.o.keepTargets(t, link, vals, rel); err != nil {
					return err
				}
			default:
				return c.refuse(RuleLink, "%s %s belongs to another %s (%s.%s = %s)", to.Table, link, c.stage.Table, to.Table,
					to.Relationship, back)
			}
		}
		c.set[col] = link
		return nil
	}
	if _, err := c.o.mayOn(t, PrivCreate, fmt.Sprintf("create the %s of stage %q", to.Table, to.Name)); err != nil {
		return err
	}
	mine := store.Row{colOwner: c.o.userID()}
	if err := c.o.mayLinkTo(t, mine, fmt.Sprintf("link instance %s to a new %s", c.in.ID, to.Table)); err != nil {
		return err
	}
	vals := map[string]any{}
	if to.Relationship != "" {
		if err := c.o.mayLink(t, mine, "", rel); err != nil {
			return err
		}
		vals[to.Relationship] = fromID
	}
	if ft, ok := c.o.dep.tables[c.stage.Table]; ok {
		if err := c.prefill(t, ft, to, from, vals); err != nil {
			return err
		}
	}
	id, err := c.o.insertRecord(t, vals)
	if err != nil {
		return err
	}
	if err := c.o.keepTargets(t, id, vals, rel); err != nil {
		return err
	}
	c.set[col] = id
	return nil
}

// recordAt checks the record the instance has at stage to: there, and
// readable by the acting user.
func (c *change) recordAt(to *compiler.Stage) error {
	t, ok := c.o.dep.tables[to.Table]
	_, _, err := c.readStageRecord(to, t, ok, "move instance "+c.in.ID+" back to", true)
	return err
}

// earlierRecord is the one record of to's table whose relationship points
// back at fromID, a row of fromTable, when the instance was on that table
// before (it moved back since), the user may read the record and no other
// instance of the flow has it: the record this instance had there. "" when
// there is none, or more than one to choose from (a first move there
// creates one). A relationship to several tables whose value names
// another table's row (kept with it, or, kept with none, an id whose first
// holder is another table: an account of the contact's id) is not one.
func (o *op) earlierRecord(f *flow, in *Instance, t store.Table, to *compiler.Stage, fromTable, fromID string) (string, error) {
	if to.Relationship == "" || fromID == "" {
		return "", nil
	}
	// One stay on the table is enough: the store looks for it, where
	// reading the whole stage log made every move cost its history.
	var stages []string
	for _, s := range f.f.Stages {
		if s.Table == to.Table {
			stages = append(stages, s.Name)
		}
	}
	visits, err := o.tx.StageVisits(store.StageVisitFilter{InstanceID: in.ID, Stages: stages, Limit: 1})
	if err != nil || len(visits) == 0 {
		return "", err
	}
	rows, err := o.tx.FindRows(t, map[string]any{to.Relationship: fromID})
	if err != nil {
		return "", err
	}
	if c, ok := t.Column(to.Relationship); ok && c.Polymorphic() && len(rows) > 0 {
		kept, err := o.lookupTargets(t, rows)
		if err != nil {
			return "", err
		}
		// An id kept with no table names the first of the lookup's
		// tables holding it, as record show and the Web API read it: the
		// rows hold one id, so it is looked up once.
		first := ""
		if slices.ContainsFunc(rows, func(row store.Row) bool { return kept.Of(str(row[t.PrimaryKey]), c.Name) == "" }) {
			if first, err = o.firstHolder(c, fromID); err != nil {
				return "", err
			}
		}
		rows = slices.DeleteFunc(rows, func(row store.Row) bool {
			tg := kept.Of(str(row[t.PrimaryKey]), c.Name)
			if tg == "" {
				tg = first
			}
			return tg != "" && tg != fromTable
		})
	}
	if len(rows) != 1 {
		return "", nil
	}
	id := str(rows[0][t.PrimaryKey])
	if o.mayRow(t, rows[0], PrivRead, "read "+to.Table+" "+id) != nil {
		return "", nil
	}
	if f.hasTable() {
		others, err := o.tx.FindRows(f.table, map[string]any{lookupColumn(to.Table): id})
		if err != nil {
			return "", err
		}
		for _, x := range others {
			if str(x[f.table.PrimaryKey]) != in.ID {
				return "", nil // another instance's: a new one, as before
			}
		}
	}
	return id, nil
}

// Prev moves an instance back one stage on its traversed path; leaving a
// stage on another table clears the instance's lookup to that table.
func (s *Session) Prev(ctx context.Context, id string, mo MoveOptions) (*Instance, error) {
	return s.change(ctx, id, "move to the previous stage", mo, []string{PrivWrite}, (*change).prev)
}

// PrevTo moves an instance back to stage (a name or a process stage id), a
// stage of its traversed path before the active one, in one move: what
// Dataverse's Set Active of a completed stage does. It is Prev's move with
// the path cut back further (back). An empty stage is Prev.
func (s *Session) PrevTo(ctx context.Context, id, stage string, mo MoveOptions) (*Instance, error) {
	if stage == "" {
		return s.Prev(ctx, id, mo)
	}
	return s.change(ctx, id, "move back to stage "+stage, mo, []string{PrivWrite}, func(c *change) (*Transition, error) {
		return c.prevTo(stage)
	})
}

// prev moves the instance back one stage on its traversed path.
func (c *change) prev() (*Transition, error) {
	if err := c.mustBeActive(); err != nil {
		return nil, err
	}
	path := splitPath(str(c.row[colPath]))
	if len(path) < 2 {
		return nil, c.refuse(RuleFirstStage, "stage %q is the first stage of the instance", c.stage.Name)
	}
	return c.back(path, len(path)-2)
}

// prevTo moves the instance back to the named stage of its traversed path.
func (c *change) prevTo(name string) (*Transition, error) {
	if err := c.mustBeActive(); err != nil {
		return nil, err
	}
	path := splitPath(str(c.row[colPath]))
	to := c.f.stage(name)
	if to == nil {
		to = c.f.f.Stage(name)
	}
	if to == nil {
		return nil, invalid("flow %s has no stage %q; %s%s", c.f.f.Name, name, c.earlierText(path), didYouMean(name, compiler.StageNames(c.f.f.Stages)))
	}
	i := earlierIndex(c.f, path, to)
	switch {
	case i >= 0:
		return c.back(path, i)
	case to == c.stage: // at the first stage too, which earlierText says
		return nil, c.refuse(RuleTargetStage, "stage %q is the active stage already; %s", to.Name, c.earlierText(path))
	case len(path) < 2:
		return nil, c.refuse(RuleFirstStage, "stage %q is the first stage of the instance: there is no stage to go back to", c.stage.Name)
	}
	return nil, c.refuse(RuleTargetStage, "stage %q is not a stage the instance traversed before %q; %s", to.Name, c.stage.Name, c.earlierText(path))
}

// earlierIndex is where stage to of f is on path (stage ids, the active
// stage last) before the active stage, or -1. The compiler refuses cycles,
// so a stage is on a path once; a path written by another program may have
// it twice, and the last is the shortest cut.
func earlierIndex(f *flow, path []string, to *compiler.Stage) int {
	id := f.stageID[to.Name]
	for i := len(path) - 2; i >= 0; i-- {
		if path[i] == id {
			return i
		}
	}
	return -1
}

// earlierText says which stages an instance at path may go back to, for a
// refusal of another.
func (c *change) earlierText(path []string) string { return earlierText(c.f, c.stage, path) }

// earlierText says which stages an instance of f at stage cur with
// traversed path path (stage ids, cur last) may go back to.
func earlierText(f *flow, cur *compiler.Stage, path []string) string {
	var names []string
	for _, id := range path[:max(len(path)-1, 0)] {
		if s := f.stage(id); s != nil {
			names = append(names, fmt.Sprintf("%q", s.Name))
		}
	}
	switch len(names) {
	case 0:
		return fmt.Sprintf("the instance is at its first stage, %q, and has none to go back to", cur.Name)
	case 1:
		return "the instance can go back to " + names[0] + " only"
	}
	return "the instance can go back to " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// back moves the instance back to the stage at path[i] (path: stage ids,
// the active stage last; i before it), cutting the traversed path there.
// However far back, it is one stage change, as Dataverse's Set Active
// makes it: the stage log closes the active stage's stay and opens the
// target's (the stages in between were left already), and the one
// transition fires the target's on_enter, as prev does. Each table that
// only the stages cut off were on loses its lookup, as prev clears the one
// table it leaves; the tables the remaining path is on keep theirs.
func (c *change) back(path []string, i int) (*Transition, error) {
	to := c.f.stage(path[i])
	if to == nil {
		return nil, fmt.Errorf("instance %s traversed stage %s, which flow %s does not have", c.in.ID, path[i], c.f.f.Name)
	}
	if to.Table != c.stage.Table {
		// Back onto another table's record: it must still be there and
		// readable, as a move forward from it needs (a move back onto a
		// deleted one unlinked the live record and stuck the instance).
		if err := c.recordAt(to); err != nil {
			return nil, err
		}
	}
	kept := path[:i+1]
	onKept := func(table string) bool {
		return slices.ContainsFunc(kept, func(id string) bool {
			s := c.f.stage(id)
			return s != nil && s.Table == table
		})
	}
	for _, id := range path[i+1:] {
		if s := c.f.stage(id); s != nil && !onKept(s.Table) {
			c.set[lookupColumn(s.Table)] = nil
		}
	}
	c.set[colStage], c.set[colStageOn], c.set[colPath] = path[i], c.o.now, strings.Join(kept, ",")
	if err := c.o.leave(c.in.ID, store.VisitPrev); err != nil {
		return nil, err
	}
	if err := c.o.enter(c.f, c.in.ID, to, store.VisitPrev); err != nil {
		return nil, err
	}
	return &Transition{Kind: KindPrev, From: c.stage, To: to}, nil
}

// pointsAtOther is the table other than fromTable that row's value names
// of relationship, a lookup of t to several tables: the row points at
// another table's row of the same id. A value kept with no table (written
// before the tables were kept) names the first of the lookup's tables
// holding it. "" when it points at fromTable's, when no table holds it, or
// when the relationship looks up one table.
func (o *op) pointsAtOther(t store.Table, row store.Row, relationship, fromTable string) (string, error) {
	c, ok := t.Column(relationship)
	if !ok || !c.Polymorphic() {
		return "", nil
	}
	kept, err := o.lookupTargets(t, []store.Row{row})
	if err != nil {
		return "", err
	}
	tg, err := o.valueTable(kept, str(row[t.PrimaryKey]), c, str(row[relationship]))
	if err != nil {
		return "", err
	}
	if tg != "" && tg != fromTable {
		return tg, nil
	}
	return "", nil
}
