package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// MoveOptions qualify a change of an instance.
type MoveOptions struct {
	// IfVersion: change the instance only if it is at this row version
	// (e.g. an ETag); 0 = the version it has when the operation starts.
	IfVersion int64
	// Link: for a move to a stage on another table, the id of that table's
	// record to link; "" creates one with the stage's relationship lookup
	// pointing back at the previous stage's record.
	Link string
	// LinkColumn: the instance table's lookup a Web API client bound the
	// link with (bpf_<table>id), to be the target stage's; "" = any.
	LinkColumn string
	// Path: for MoveTo, the traversed path (stage ids, comma-separated)
	// the instance must have after the move, as Dataverse's clients send
	// traversedpath beside activestageid; "" = any. Another path refuses
	// the move (ErrInvalid), nothing changed.
	Path string
	// Full: return the instance after the change as Session.Instance reads
	// it (active path, record names, stage log, user names), read in the
	// change's own transaction rather than in another one after it.
	Full bool
}

// enter records the entry of an instance into a stage.
func (o *op) enter(f *flow, id string, s *compiler.Stage, how string) error {
	return o.tx.AddStageVisit(store.StageVisit{InstanceID: id, InstanceTable: f.table.Name, WorkflowID: f.wf.ID,
		StageID: f.stageID[s.Name], Stage: s.Name, EnteredOn: o.now, EnteredBy: o.userID(), EnteredHow: how})
}

// leave records the exit of an instance from its active stage.
func (o *op) leave(id, how string) error {
	err := o.tx.CloseStageVisit(id, o.now, o.userID(), how)
	if errors.Is(err, store.ErrNotFound) {
		return nil // an instance from before the stage log
	}
	return err
}

func (o *op) reread(f *flow, id string) (*Instance, error) {
	row, err := o.tx.GetRow(f.table, id)
	if err != nil {
		return nil, err
	}
	return instanceOf(f, row), nil
}

func (o *op) hook(t *Transition) error { return o.hookAs(t, transitionOps[t.Kind]) }

// hookAs calls the hooks on t, a refusal of theirs saying action.
func (o *op) hookAs(t *Transition, action string) error {
	if o.e.o.Hooks == nil {
		return nil
	}
	if o.oneShot && len(t.Triggers()) > 0 {
		return errOneShot // a workflow runs in a transaction
	}
	t.User, t.Now, t.Op, t.May = o.acc.User, o.now, o.id, o.checker()
	stage := ""
	switch {
	case t.From != nil:
		stage = t.From.Name
	case t.To != nil:
		stage = t.To.Name
	}
	return hookRefusal(o.e.o.Hooks.Transition(o.ctx, o.tx, t), action, t.Instance.ID, stage)
}

// transitionOps name the transitions as refusals say them.
var transitionOps = map[Kind]string{
	KindStart: "start the flow", KindNext: "move to the next stage", KindPrev: "move to the previous stage",
	KindFinish: "finish the instance", KindAbandon: "abandon the instance", KindReactivate: "reactivate the instance",
}

// recordChanged tells the hooks, when they watch records, that a record was
// created or updated, inside the transaction that did it.
func (o *op) recordChanged(table, id string) error {
	if o.oneShot {
		return errOneShot
	}
	if rh, ok := o.e.o.Hooks.(RecordHooks); ok {
		return rh.RecordChanged(o.ctx, o.tx, table, id)
	}
	return nil
}

// change is an instance being changed in its write transaction.
type change struct {
	o      *op
	f      *flow
	row    store.Row
	in     *Instance
	stage  *compiler.Stage // the active stage
	set    map[string]any  // the columns to write
	action string          // for refusals: "move to the next stage"
	keep   bool            // fn decided to change nothing (a move to the stage the instance is at)
	record *cachedRow      // the active stage's record, once read
}

func (c *change) refuse(rule, format string, args ...any) error {
	return &ErrRefused{Op: c.action, Rule: rule, Instance: c.in.ID, Stage: c.stage.Name, Reason: fmt.Sprintf(format, args...)}
}

func (c *change) mustBeActive() error {
	if c.in.State != StateActive {
		return c.refuse(RuleNotActive, "the instance is %s (reactivate it first)", c.in.State)
	}
	return nil
}

// stageRecord reads the record of the active stage, refusing when it was
// deleted.
func (c *change) stageRecord() (store.Row, error) {
	t, ok := c.f.reads[c.stage.Name]
	doing := c.action + " of instance " + c.in.ID
	if strings.Contains(c.action, "the instance") { // "finish the instance"
		doing = strings.Replace(c.action, "the instance", "instance "+c.in.ID, 1)
	}
	id, row, err := c.readStageRecord(c.stage, t, ok, doing+" on", false)
	if err == nil {
		c.record = &cachedRow{t.Name, id, row}
	}
	return row, err
}

// readStageRecord reads the record the instance has at stage s from t (known:
// there is a t to read it from) as the acting user, for doing (" <table>
// <id>" follows it in a refusal of the read), refusing when the instance
// has none there or it was deleted; back: the instance is to go back to
// it, as those refusals say.
func (c *change) readStageRecord(s *compiler.Stage, t store.Table, known bool, doing string, back bool) (string, store.Row, error) {
	none, deleted := "", ""
	if back {
		none, deleted = " to go back to", ": the instance cannot go back to it"
	}
	id := c.in.Records[s.Table]
	if id == "" || !known {
		return "", nil, c.refuse(RuleRecordDeleted, "stage %q has no %s record%s", s.Name, s.Table, none)
	}
	row, err := c.o.stageRow(t, id, doing+" "+s.Table+" "+id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, c.refuse(RuleRecordDeleted, "%s %s of stage %q was deleted%s", s.Table, id, s.Name, deleted)
	}
	return id, row, err
}

// requiredFilled refuses when a required step of the active stage is empty.
func (c *change) requiredFilled(row store.Row) error {
	missing := process.MissingRequired(c.f.p, c.stage, process.Row(row))
	if len(missing) == 0 {
		return nil
	}
	var msgs, steps []string
	var cols []Missing
	for _, m := range missing {
		msgs = append(msgs, m.Error())
		steps = append(steps, m.Step.Name)
		cols = append(cols, Missing{Step: m.Step.Name, Column: m.Column, YesNo: m.IsBool})
	}
	err := c.refuse(RuleRequiredStep, "%s", strings.Join(msgs, "; ")).(*ErrRefused)
	err.Step, err.Steps, err.Missing = steps[0], steps, cols
	err.Table, err.Record = c.stage.Table, c.in.Records[c.stage.Table]
	return err
}

// change runs fn on an instance in the write transaction, optimistic on
// its row version, then writes the columns fn set and calls the hooks.
func (s *Session) change(ctx context.Context, id, action string, mo MoveOptions, privs []string,
	fn func(c *change) (*Transition, error)) (*Instance, error) {
	return s.changeIn(ctx, "", id, action, mo, privs, fn)
}

// changeIn is change of an instance of the named instance table ("" =
// any): an instance of another flow is not found.
func (s *Session) changeIn(ctx context.Context, table, id, action string, mo MoveOptions, privs []string,
	fn func(c *change) (*Transition, error)) (*Instance, error) {
	if out, done, err := s.oneShot(ctx, table, id, action, mo, privs, fn); done {
		return out, err
	}
	return s.changeParts(ctx, table, id, mo, privs, []changePart{{action, fn}})
}

// changePart is one change of several made in one transaction.
type changePart struct {
	action string
	fn     func(c *change) (*Transition, error)
}

// changeParts makes the parts in one write transaction, in order, each on
// the instance as the one before left it: all of them, or none when one
// fails.
func (s *Session) changeParts(ctx context.Context, table, id string, mo MoveOptions, privs []string, parts []changePart) (*Instance, error) {
	expect := mo.IfVersion
	var read *readInstance // the instance as read before the write lock
	if expect == 0 {
		read = s.e.quickRead(ctx, id)
		if read != nil {
			expect = num(read.row[store.RowVersionColumn])
		} else {
			v, err := s.e.version(ctx, id)
			if err != nil {
				return nil, err
			}
			expect = v
		}
	}
	var out *Instance
	var seen []cachedRow
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		seen = nil
		v, r := expect, read
		for _, p := range parts {
			in, rows, err := o.applyChange(table, id, p.action, v, r, mo, privs, p.fn)
			if err != nil {
				return err
			}
			// The next part reads the instance as this one left it.
			out, v, r, seen = in, in.Version, nil, append(seen, rows...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.e.oneShots {
		s.e.rows.put(seen...)
	}
	return out, nil
}

// cachedRow is a row a committed change read or wrote, for later one-shot
// changes (oneshot.go).
type cachedRow struct {
	table, id string
	row       store.Row
}

// applyChange runs fn on the instance in o's transaction, as changeIn
// decided it (expect: the version to change; read: the instance as read
// before the transaction, nil if not), writes the columns fn set and calls
// the hooks. It returns the instance after the change and the rows worth
// keeping once the transaction commits.
func (o *op) applyChange(table, id, action string, expect int64, read *readInstance, mo MoveOptions, privs []string,
	fn func(c *change) (*Transition, error)) (*Instance, []cachedRow, error) {
	var f *flow
	var row store.Row
	var err error
	preread := read != nil && read.dep == o.dep
	// moved is a *ConflictError when the instance is no longer at the
	// version the change was decided on.
	moved := func() error {
		now, err := o.tx.GetRow(f.versionOnly(), id)
		if err != nil {
			return err
		}
		if v := num(now[store.RowVersionColumn]); v != expect {
			return &ConflictError{What: "instance", ID: id, Expected: expect, Actual: v}
		}
		return nil
	}
	if preread {
		// What was read is the row as it is now if its version still
		// is: the conditional update below makes sure of it.
		f, row = read.f, read.row
	} else if f, row, err = o.findInstance(id); err != nil {
		return nil, nil, err
	}
	if table != "" && f.table.Name != table {
		return nil, nil, notFound("no %s %q in %s", table, id, o.dep.env)
	}
	if err := o.require(f, append([]string{PrivRead}, privs...)...); err != nil {
		return nil, nil, err
	}
	in := instanceOf(f, row)
	if in.Version != expect {
		return nil, nil, &ConflictError{What: "instance", ID: id, Expected: expect, Actual: in.Version}
	}
	stage, path, removed := f.at(row)
	if stage == nil {
		return nil, nil, fmt.Errorf("instance %s is at stage %s, which flow %s does not have", id, str(row[colStage]), f.f.Name)
	}
	c := &change{o: o, f: f, row: row, in: in, stage: stage, set: map[string]any{}, action: action}
	if removed {
		// Its stage was removed by an upgrade: the change starts from the
		// stage at() chose, and writes it unless fn moves on.
		c.row = maps.Clone(row)
		c.row[colStage], c.row[colPath] = f.stageID[stage.Name], strings.Join(path, ",")
		c.set[colStage], c.set[colPath] = c.row[colStage], c.row[colPath]
	}
	t, err := fn(c)
	var ref *ErrRefused
	if preread && errors.As(err, &ref) {
		// A refusal of what was read stands only if it still is so.
		if merr := moved(); merr != nil {
			return nil, nil, merr
		}
	}
	if err != nil {
		return nil, nil, err
	}
	if c.keep {
		// Nothing to write: the instance as it is, if it still is.
		if preread {
			if err := moved(); err != nil {
				return nil, nil, err
			}
		}
		return in, nil, o.detail(f, in, mo.Full)
	}
	c.set[colModifiedOn], c.set[colModifiedBy] = o.now, o.userID()
	version, err := o.tx.UpdateRow(f.table, id, c.set, expect)
	if errors.Is(err, store.ErrConflict) {
		if merr := moved(); merr != nil {
			return nil, nil, merr
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound("no instance %q in %s", id, o.dep.env)
	}
	if err != nil {
		return nil, nil, err
	}
	after := make(store.Row, len(row)+len(c.set))
	for k, v := range row {
		after[k] = v
	}
	for k, v := range c.set {
		after[k] = v
	}
	after[store.RowVersionColumn] = version
	out := instanceOf(f, after)
	if t != nil {
		t.Model, t.Flow, t.Instance = f.p, f.f, out
		action := transitionOps[t.Kind]
		if t.Kind == KindPrev {
			action = c.action // a move back further than one stage says so
		}
		if err := o.hookAs(t, action); err != nil {
			return nil, nil, err
		}
		out.Workflows = t.Runs
	}
	seen := []cachedRow{{f.table.Name, id, after}}
	if c.record != nil {
		seen = append(seen, *c.record)
	}
	return out, seen, o.detail(f, out, mo.Full)
}

// version reads an instance's row version: what a change is decided on.
// It first reads with the deployment loaded last, if any (the change itself
// checks that it is still current), and again with the current one when
// that fails.
func (e *Engine) version(ctx context.Context, id string) (int64, error) {
	var v int64
	err := e.s.Read(ctx, func(tx store.Tx) error {
		dep := e.loaded()
		for try := 0; ; try++ {
			if dep == nil || try > 0 {
				var err error
				if dep, err = e.deployment(ctx, tx); err != nil {
					return err
				}
			}
			o := &op{ctx: ctx, e: e, tx: tx, dep: dep}
			f, err := o.instanceFlow(id)
			if err == nil {
				var row store.Row
				row, err = tx.GetRow(f.versionOnly(), id)
				if errors.Is(err, store.ErrNotFound) {
					err = notFound("no instance %q in %s", id, dep.env)
				}
				v = num(row[store.RowVersionColumn])
			}
			if err == nil || try > 0 {
				return err
			}
		}
	})
	return v, err
}

// readInstance is an instance read outside the write transaction, with
// the deployment it was read under.
type readInstance struct {
	dep *deployment
	f   *flow
	row store.Row
}

// quickRead reads an instance in one statement, when the store can and the
// engine knows the instance's table already; nil otherwise.
func (e *Engine) quickRead(ctx context.Context, id string) *readInstance {
	rr, ok := e.s.(store.RowReader)
	if !ok {
		return nil
	}
	table, ok := e.instanceTable(id)
	if !ok {
		return nil
	}
	dep := e.loaded()
	if dep == nil || dep.byTable[table] == nil {
		return nil
	}
	f := dep.byTable[table]
	row, err := rr.ReadRow(ctx, f.table, id)
	if err != nil {
		return nil
	}
	return &readInstance{dep: dep, f: f, row: row}
}
