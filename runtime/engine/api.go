package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// Entry points of the Web API (runtime/webapi): rows of any table by its
// entity set (instance tables included, read with the flow's read
// privilege), filtered and paged reads, a move to a named stage, the
// processes of a record and an instance's active path with stage ids. The
// bearer tokens that authenticate users are in tokens.go.

// EntitySets lists every table of the environment with its entity set
// name, sorted by table name.
func (s *Session) EntitySets(ctx context.Context) ([]store.Table, error) {
	var out []store.Table
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		for _, name := range sortedKeys(o.dep.tables) {
			out = append(out, o.dep.tables[name])
		}
		return nil
	})
	return out, err
}

// entitySet finds the table whose entity set is set, checking that the
// acting user may read it: an instance table needs the read privilege on
// its flow; a standard or custom table, read at some depth (which rows it
// reaches is for the caller to apply).
func (o *op) entitySet(set string) (store.Table, *flow, error) {
	for _, t := range o.dep.tables {
		if t.EntitySetName != set {
			continue
		}
		if t.Kind != store.TableInstance {
			_, err := o.mayOn(t, PrivRead, "read "+t.Name+" records")
			return t, nil, err
		}
		f := o.dep.byTable[t.Name]
		if f == nil {
			return t, nil, notFound("no entity set %q in %s: its flow is not deployed", set, o.dep.env)
		}
		return t, f, o.require(f, PrivRead)
	}
	return store.Table{}, nil, notFound("no entity set %q in %s%s", set, o.dep.env, EntitySetHint(set, o.dep.tables))
}

// EntitySetHint is what an unknown entity set's error adds to say which set
// was meant: a table's logical name where its entity set goes (lead for
// leads, the commonest slip of a Web API client, as Dataverse's sets are
// plural), the set of the one table whose display name or plural display
// name it is, in any case and spacing (case or cases for incidents: makers
// know tables by the names the apps show), or a misspelt set's closest
// one; "" when none.
func EntitySetHint(set string, tables map[string]store.Table) string {
	if t, ok := tables[set]; ok && t.EntitySetName != "" && t.EntitySetName != set {
		return fmt.Sprintf(" (%s is a table's logical name; its entity set is %s)", set, t.EntitySetName)
	}
	var withSets []store.Table
	for _, t := range tables {
		if t.EntitySetName != "" {
			withSets = append(withSets, t)
		}
	}
	if t, text, what, ok := DisplayNamed(set, withSets); ok {
		return fmt.Sprintf(" (did you mean %s? %q is the %s of table %s; a path names a table by its entity set)", t.EntitySetName, text, what, t.Name)
	}
	var sets []string
	for _, t := range tables {
		if t.EntitySetName != "" {
			sets = append(sets, t.EntitySetName)
		}
	}
	if s := compiler.ClosestName(set, sets); s != "" {
		return " (did you mean " + s + "?)"
	}
	return ""
}

// DisplayNamed is the one of tables whose display name, or plural display
// name (the display name pluralized as a custom table's collection name
// is, "Cases"), is name in any case and spacing, with that name (text) and
// which of the two it is (what: "display name" or "plural display name");
// false when none is, or several are. A Web API path or a page's address
// that names a table so is told the table's own name.
func DisplayNamed(name string, tables []store.Table) (t store.Table, text, what string, ok bool) {
	return displayNamed(name, tables, true)
}

// displayNamed is DisplayNamed, the plural display names looked at only
// with plural.
func displayNamed(name string, tables []store.Table, plural bool) (t store.Table, text, what string, ok bool) {
	key := compiler.SquashName(name)
	n := 0
	for _, c := range tables {
		if key == "" || c.DisplayName == "" {
			continue
		}
		ct, cw := c.DisplayName, "display name"
		if compiler.SquashName(ct) != key {
			ct, cw = compiler.EntitySetName(c.DisplayName), "plural display name"
			if !plural || compiler.SquashName(ct) != key {
				continue
			}
		}
		t, text, what, n = c, ct, cw, n+1
	}
	if n != 1 {
		return store.Table{}, "", "", false
	}
	return t, text, what, true
}

// TableOf returns the table behind an entity set, if the acting user may
// read it.
func (s *Session) TableOf(ctx context.Context, set string) (store.Table, error) {
	var out store.Table
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		var err error
		out, _, err = o.entitySet(set)
		return err
	})
	return out, err
}

// QueryRows reads rows of an entity set by a query that build makes from
// the table's metadata (in the same transaction). Its errors wrap
// store.ErrBadQuery for an unknown column or a value that does not fit.
func (s *Session) QueryRows(ctx context.Context, set string, build func(store.Table) (store.Query, error)) (store.Table, []store.Row, error) {
	var t store.Table
	var rows []store.Row
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		var err error
		if t, _, err = o.entitySet(set); err != nil {
			return err
		}
		qt, ok := o.tx.(store.QueryTx)
		if !ok {
			return errors.New("this environment's store cannot filter rows")
		}
		q, err := build(t)
		if err != nil {
			return err
		}
		q.Table = t
		if t.Kind != store.TableInstance {
			// At user depth, the rows the user owns: a condition of the
			// query, so that its order and pages hold.
			match, err := o.ownRows(t)
			if err != nil {
				return err
			}
			if owner, ok := match[colOwner]; ok {
				mine := store.Compare{Column: colOwner, Op: store.OpEq, Value: owner}
				if q.Where == nil {
					q.Where = mine
				} else {
					q.Where = store.All{q.Where, mine}
				}
			}
		}
		rows, err = qt.QueryRows(q)
		if errors.Is(err, store.ErrBadQuery) {
			return fmt.Errorf("%w%w", err, store.Silent(ErrInvalid))
		}
		return err
	})
	return t, rows, err
}

// Row reads one row of an entity set.
func (s *Session) Row(ctx context.Context, set, id string) (store.Table, store.Row, error) {
	var t store.Table
	var row store.Row
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		var err error
		if t, _, err = o.entitySet(set); err != nil {
			return err
		}
		row, err = o.getRecord(t, id)
		if err != nil || t.Kind == store.TableInstance {
			return err
		}
		return o.mayRow(t, row, PrivRead, "read "+t.Name+" "+id)
	})
	return t, row, err
}

// Directions of a move to a named stage.
const (
	DirectionNone = 0  // the instance is at that stage already
	DirectionNext = 1  // the next stage of the active path
	DirectionPrev = -1 // an earlier stage of the traversed path (Prev, PrevTo)
)

// MoveTarget says how an instance would move to a stage (by process stage
// id or name): next, back (to an earlier stage of its traversed path), or
// nowhere (already there). The returned version is the instance's row
// version the decision was made on; mo.IfVersion, when set, must be it. A
// stage that is none of these is refused. The decision reads the current
// values: pass the version to Next or PrevTo (IfVersion) so that the move
// applies to the state it was decided on, and check that the transition
// lands on the stage (Transition.To), since the values of a record can
// change in between.
//
// table, when not "", is the instance table the caller names the instance
// by: an instance of another flow is not found.
func (s *Session) MoveTarget(ctx context.Context, table, id, stage string, mo MoveOptions) (dir int, version int64, target string, err error) {
	err = s.e.run(ctx, s.user, false, func(o *op) error {
		f, row, err := o.instanceIn(table, id)
		if err != nil {
			return err
		}
		if err := o.require(f, PrivRead, PrivWrite); err != nil {
			return err
		}
		in := instanceOf(f, row)
		version = in.Version
		if mo.IfVersion > 0 && mo.IfVersion != version {
			return &ConflictError{What: "instance", ID: id, Expected: mo.IfVersion, Actual: version}
		}
		to := f.stage(stage)
		if to == nil {
			to = f.f.Stage(stage)
		}
		if to == nil {
			return noStage(f.f, stage)
		}
		target = to.Name
		cur, path, _ := f.at(row)
		if cur == nil {
			return fmt.Errorf("instance %s is at stage %s, which flow %s does not have", id, str(row[colStage]), f.f.Name)
		}
		if to == cur {
			dir = DirectionNone
			return nil
		}
		if earlierIndex(f, path, to) >= 0 {
			dir = DirectionPrev
			return nil
		}
		if in.State != StateActive {
			dir = DirectionNext // Next refuses it, saying why
			return nil
		}
		recs, err := o.records(f, in)
		if err != nil {
			return err
		}
		if recs[cur.Table] == nil {
			dir = DirectionNext // Next refuses: the stage's record was deleted
			return nil
		}
		if t, ok := o.dep.tables[cur.Table]; ok {
			if err := o.mayRow(t, store.Row(recs[cur.Table]), PrivRead, "move instance "+id+" on "+cur.Table+" "+in.Records[cur.Table]); err != nil {
				return err
			}
		}
		next, err := process.NextFrom(f.f, cur, recs, o.dep.vars)
		if err != nil {
			return err
		}
		if next == to {
			dir = DirectionNext
			return nil
		}
		return notAdjacent(f, id, cur, to, next, path)
	})
	return dir, version, target, err
}

// notAdjacent refuses a move of instance id from stage cur to stage to,
// which is neither the next stage (next; nil: there is none) nor an
// earlier one of the traversed path.
func notAdjacent(f *flow, id string, cur, to, next *compiler.Stage, path []string) error {
	ahead := "none (it is the last stage of the active path)"
	if next != nil {
		ahead = fmt.Sprintf("%q", next.Name)
	}
	return &ErrRefused{Op: "move to stage " + to.Name, Rule: RuleTargetStage, Instance: id, Stage: cur.Name,
		Reason: fmt.Sprintf("an instance moves forward one stage at a time, or back to a stage it traversed: from %q the next stage is %s; %s",
			cur.Name, ahead, earlierText(f, cur, path))}
}

func (c *change) notAdjacent(to, next *compiler.Stage) error {
	return notAdjacent(c.f, c.in.ID, c.stage, to, next, splitPath(str(c.row[colPath])))
}

// MoveTo moves an instance to a stage (by process stage id or name) by
// MoveTarget's rules, deciding and moving in one write transaction: to the
// next stage of the active path (Next; mo.Link as for Next), back to an
// earlier one of the traversed path (PrevTo), or nowhere when the instance
// is at that stage already (DirectionNone: nothing is written, and the
// instance is returned as it is, at mo.IfVersion when that is set; with
// mo.Link that is refused, as there is no move to link a record to). A
// stage that is neither is refused (RuleTargetStage). The decision and the
// move see the same values, so the move lands on the stage named.
//
// table, when not "", is the instance table the caller names the instance
// by: an instance of another flow is not found.
func (s *Session) MoveTo(ctx context.Context, table, id, stage string, mo MoveOptions) (dir int, in *Instance, err error) {
	in, err = s.changeIn(ctx, table, id, "move to stage "+stage, mo, []string{PrivWrite}, moveTo(stage, mo, &dir))
	if err != nil {
		return 0, nil, err
	}
	return dir, in, nil
}

// InstanceUpdate is a change of several of an instance's columns at once
// (the Web API's PATCH of an instance): its name, the stage it moves to
// (MoveTo's rules) and the state it ends in (StateActive, StateFinished
// or StateAborted; "" leaves it), applied in that order.
type InstanceUpdate struct {
	Name  *string
	Stage string
	State string
}

// UpdateInstance applies u in one write transaction: all of it or, when a
// part is refused, nothing (a rename is not kept when the move after it
// is refused, nor a move when the finish after it is). A state the
// instance has already is no change, as setting a column to its value.
func (s *Session) UpdateInstance(ctx context.Context, table, id string, u InstanceUpdate, mo MoveOptions) (*Instance, error) {
	var parts []changePart
	if u.Name != nil {
		if err := checkInstanceName(*u.Name); err != nil {
			return nil, err
		}
		parts = append(parts, changePart{"rename the instance", rename(*u.Name)})
	}
	if u.Stage != "" {
		var dir int // which way: the PATCH asks for a stage, not a way
		parts = append(parts, changePart{"move to stage " + u.Stage, moveTo(u.Stage, mo, &dir)})
	}
	switch u.State {
	case "":
	case StateActive:
		parts = append(parts, changePart{"reactivate the instance", unlessIn(StateActive, reactivate)})
	case StateFinished:
		parts = append(parts, changePart{"finish the instance", unlessIn(StateFinished, finish)})
	case StateAborted:
		parts = append(parts, changePart{"abandon the instance", unlessIn(StateAborted, abandon)})
	default:
		return nil, invalid("no instance state %q: %s, %s or %s", u.State, StateActive, StateFinished, StateAborted)
	}
	privs := []string{PrivWrite}
	switch len(parts) {
	case 0:
		return nil, invalid("nothing to change")
	case 1:
		// One part alone may go in one shot.
		return s.changeIn(ctx, table, id, parts[0].action, mo, privs, parts[0].fn)
	}
	return s.changeParts(ctx, table, id, mo, privs, parts)
}

// unlessIn is fn, or no change when the instance is in state already.
func unlessIn(state string, fn func(c *change) (*Transition, error)) func(c *change) (*Transition, error) {
	return func(c *change) (*Transition, error) {
		if c.in.State == state {
			c.keep = true
			return nil, nil
		}
		return fn(c)
	}
}

// noStage refuses a move to a stage f has not, naming those it has.
func noStage(f *compiler.Flow, stage string) error {
	names := compiler.StageNames(f.Stages)
	return invalid("flow %s has no stage %q; its stages are %s%s", f.Name, stage, strings.Join(names, ", "), didYouMean(stage, names))
}

// moveTo is MoveTo's change; it sets *dir to the way it went.
func moveTo(stage string, mo MoveOptions, dir *int) func(c *change) (*Transition, error) {
	return func(c *change) (*Transition, error) {
		to := c.f.stage(stage)
		if to == nil {
			to = c.f.f.Stage(stage)
		}
		if to == nil {
			return nil, noStage(c.f.f, stage)
		}
		var t *Transition
		var err error
		path := splitPath(str(c.row[colPath]))
		switch back := earlierIndex(c.f, path, to); {
		case to == c.stage:
			if mo.Link != "" {
				return nil, invalid("the instance is at stage %s already: there is no move to link a record to", to.Name)
			}
			*dir, c.keep = DirectionNone, true
		case back >= 0:
			if mo.Link != "" {
				return nil, invalid("a move back to stage %q links no record: leave the binding out", to.Name)
			}
			*dir, c.action = DirectionPrev, "move back to stage "+to.Name
			if back == len(path)-2 {
				c.action = "move to the previous stage" // as Prev says it
			}
			if err = c.mustBeActive(); err == nil {
				t, err = c.back(path, back)
			}
		default:
			*dir, c.action = DirectionNext, "move to the next stage"
			if want := lookupColumn(to.Table); mo.LinkColumn != "" && mo.LinkColumn != want {
				return nil, c.refuse(RuleLink, "%s binds a record of another table; stage %q is on %s: bind %s", mo.LinkColumn, to.Name, to.Table, want)
			}
			t, err = c.next(mo.Link, to)
		}
		if err == nil && mo.Path != "" {
			err = c.pathIs(mo.Path)
		}
		return t, err
	}
}

// pathIs checks that the change leaves the instance with the traversed
// path want (stage ids, comma-separated; case and spaces aside).
func (c *change) pathIs(want string) error {
	got, ok := c.set[colPath].(string)
	if !ok {
		got = str(c.row[colPath])
	}
	norm := strings.ToLower(strings.ReplaceAll(want, " ", ""))
	if norm == got {
		return nil
	}
	names := func(ids string) string {
		var out []string
		for _, id := range splitPath(ids) {
			if s := c.f.stage(id); s != nil {
				out = append(out, s.Name)
			} else {
				out = append(out, id)
			}
		}
		return strings.Join(out, ", ")
	}
	return invalid("traversedpath %q (%s) is not the path the move leaves (%s: %s); send the stage ids of the path, ending with the new active stage, or leave traversedpath out",
		want, names(norm), got, names(got))
}

// instanceIn finds an instance, in the named instance table when table is
// not "".
func (o *op) instanceIn(table, id string) (*flow, store.Row, error) {
	f, row, err := o.findInstance(id)
	if err == nil && table != "" && f.table.Name != table {
		return nil, nil, notFound("no %s %q in %s", table, id, o.dep.env)
	}
	return f, row, err
}

// InstanceVersion reads the row version of an instance the acting user may
// read, in the named instance table ("" = any): what a change decides on
// (MoveOptions.IfVersion). With ifVersion > 0 it must be that version
// (*ConflictError).
func (s *Session) InstanceVersion(ctx context.Context, table, id string, ifVersion int64) (int64, error) {
	var v int64
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		f, row, err := o.instanceIn(table, id)
		if err != nil {
			return err
		}
		if err := o.require(f, PrivRead); err != nil {
			return err
		}
		v = num(row[store.RowVersionColumn])
		if ifVersion > 0 && ifVersion != v {
			return &ConflictError{What: "instance", ID: id, Expected: ifVersion, Actual: v}
		}
		return nil
	})
	return v, err
}

// RuleTargetStage refuses a move to a stage the instance cannot go to:
// for MoveTo one that is neither the next stage nor an earlier one of the
// traversed path; for PrevTo one that is not an earlier one (the active
// stage included).
const RuleTargetStage = "target stage"

// ProcessInstance is an instance with the ids the Web API shows.
type ProcessInstance struct {
	*Instance
	ProcessID string // the flow's workflow id
	// ProcessName is the flow's process name, as the workflows set's name
	// gives it: Dataverse's RetrieveProcessInstances answers the process's
	// name there, not the instance's bpf_name.
	ProcessName   string
	ActiveStageID string
	Row           store.Row // the instance table's row
}

// ProcessInstances lists the instances that span a record (of every flow
// the acting user may read), most recently modified first.
func (s *Session) ProcessInstances(ctx context.Context, table, recordID string) ([]ProcessInstance, error) {
	ins, err := s.Instances(ctx, InstanceFilter{Table: table, RecordID: recordID})
	if err != nil {
		return nil, err
	}
	out := []ProcessInstance{}
	err = s.e.run(ctx, s.user, false, func(o *op) error {
		for _, in := range ins {
			f := o.dep.byTable[in.Table]
			if f == nil {
				continue
			}
			row, err := o.tx.GetRow(f.table, in.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, ProcessInstance{Instance: instanceOf(f, row), ProcessID: f.wf.ID,
				ProcessName: cmp.Or(f.wf.DisplayName, f.wf.Name), ActiveStageID: str(row[colStage]), Row: row})
		}
		return nil
	})
	return out, err
}

// PathStage is a stage of an instance's active path.
type PathStage struct {
	ID          string // process stage id
	Name        string
	DisplayName string
	Category    int // Dataverse's stage category value; -1 = none
	Table       string
	ProcessID   string
	// Version is the stage's row version, as the processstages set gives
	// it: the time an import last wrote its process, in milliseconds.
	Version int64
}

// ActivePath returns an instance's active path as stages with their ids,
// with the instance (Session.Instance).
func (s *Session) ActivePath(ctx context.Context, id string) ([]PathStage, *Instance, error) {
	in, err := s.Instance(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var out []PathStage
	err = s.e.run(ctx, s.user, false, func(o *op) error {
		f := o.dep.byTable[in.Table]
		if f == nil {
			return notFound("no instance %q in %s", id, o.dep.env)
		}
		for _, name := range in.ActivePath {
			st := f.f.Stage(name)
			if st == nil {
				continue
			}
			out = append(out, PathStage{ID: f.stageID[name], Name: name, DisplayName: st.DisplayName, Category: st.CategoryValue(),
				Table: st.Table, ProcessID: f.wf.ID, Version: f.wf.ModifiedOn.UnixMilli()})
		}
		return nil
	})
	return out, in, err
}

// RequireAdmin fails with a *ForbiddenError unless the acting user is a
// system administrator.
func (s *Session) RequireAdmin(ctx context.Context, doing string) error {
	return s.e.run(ctx, s.user, false, func(o *op) error { return o.requireAdmin(doing) })
}
