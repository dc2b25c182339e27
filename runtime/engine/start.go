package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Start starts flow on a record of its primary table (a record may hold
// several instances, of the same or other flows, up to
// MaxInstancesPerRecord).
func (s *Session) Start(ctx context.Context, flowName, table, recordID string) (*Instance, error) {
	return s.StartNamed(ctx, flowName, table, recordID, "")
}

// StartNamed is Start with the instance's name (bpf_name, at most 100
// characters) given, as a Dataverse client may set it; "" names it after
// the flow, as Start does.
func (s *Session) StartNamed(ctx context.Context, flowName, table, recordID, name string) (*Instance, error) {
	return s.StartAlong(ctx, flowName, table, recordID, name, nil, nil)
}

// StartAlong starts flow on a record as StartNamed does and, in the same
// transaction, moves it forward along path (stage ids or names, the first
// stage first), as Dataverse creates an instance at a later stage when
// given the traversedpath that leads there. Each move is a move forward's,
// one stage at a time on the active path (required steps, branches,
// records created across tables, hooks); a refused one leaves no instance.
// No path: the instance stays at the first stage, as StartNamed starts it.
//
// links (table name to record id, nil for none) are existing records of
// tables the path crosses into, as a Dataverse client binds their lookups
// in the same create: the move into each table's first stage on the path
// links that record by a move's rules (Next's mo.Link) instead of creating
// one. A link to a table the path does not cross into is refused.
func (s *Session) StartAlong(ctx context.Context, flowName, table, recordID, name string, path []string, links map[string]string) (*Instance, error) {
	if name != "" {
		if err := checkInstanceName(name); err != nil {
			return nil, err
		}
	}
	var out *Instance
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		f, err := o.dep.flow(flowName)
		if err != nil {
			return err
		}
		if len(path) == 0 {
			if len(links) > 0 {
				return invalid("an instance starts at the first stage, on %s, linking no record of another table: give the path to a stage on that table", table)
			}
			out, err = o.start(f, table, recordID, name, true)
			return err
		}
		stages := make([]*compiler.Stage, len(path))
		for i, p := range path {
			if stages[i] = f.stage(p); stages[i] == nil {
				stages[i] = f.f.Stage(p)
			}
			if stages[i] == nil {
				return noStage(f.f, p)
			}
		}
		if stages[0] != f.f.Stages[0] {
			return invalid("a traversed path starts at the flow's first stage, %s", f.f.Stages[0].Name)
		}
		for lt := range links {
			// Checked before anything is written: the record would
			// otherwise be dropped, the instance never reaching its table.
			if lt == table || !slices.ContainsFunc(stages[1:], func(st *compiler.Stage) bool { return st.Table == lt }) {
				return invalid("the path %s does not cross into %s: no stage along it links %s %s", stagePath(stages), lt, lt, links[lt])
			}
		}
		in, err := o.start(f, table, recordID, name, true)
		if err != nil {
			return err
		}
		runs := in.Workflows // the start's, then each move's: all of them ran
		for i, to := range stages[1:] {
			link := ""
			if to.Table != stages[i].Table {
				link = links[to.Table]
			}
			in, _, err = o.applyChange(f.table.Name, in.ID, "move to the next stage", in.Version, nil, MoveOptions{}, []string{PrivWrite},
				func(c *change) (*Transition, error) { return c.next(link, to) })
			if err != nil {
				return err
			}
			runs = append(runs, in.Workflows...)
		}
		in.Workflows = runs
		out = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stagePath is a path's stage names, as a refusal names it.
func stagePath(stages []*compiler.Stage) string {
	names := make([]string, len(stages))
	for i, st := range stages {
		names[i] = st.Name
	}
	return strings.Join(names, " > ")
}

// Rename sets an instance's name (bpf_name, at most 100 characters), as
// Dataverse's clients may update the column; the write privilege on the
// flow applies, and mo.IfVersion as for a move.
func (s *Session) Rename(ctx context.Context, table, id, name string, mo MoveOptions) (*Instance, error) {
	if err := checkInstanceName(name); err != nil {
		return nil, err
	}
	return s.changeIn(ctx, table, id, "rename the instance", mo, []string{PrivWrite}, rename(name))
}

// rename is Rename's change.
func rename(name string) func(c *change) (*Transition, error) {
	return func(c *change) (*Transition, error) {
		if str(c.row[colName]) == name {
			c.keep = true // its name already
			return nil, nil
		}
		c.set[colName] = name
		return nil, nil
	}
}

// instanceNameLength is bpf_name's length.
const instanceNameLength = 100

// checkInstanceName refuses a name bpf_name cannot hold.
func checkInstanceName(name string) error {
	if n := len([]rune(name)); name == "" || n > instanceNameLength {
		return invalid("an instance's name (bpf_name) is 1 to %d characters; this one has %d", instanceNameLength, n)
	}
	return nil
}

// HeldInstances is how many instances the record holds, of every flow on
// its table, those the acting user may not read too: the number Start
// holds against MaxInstancesPerRecord (and says in its refusal), so that a
// page can tell before a start that none can be made. The user must be
// able to read the record.
func (s *Session) HeldInstances(ctx context.Context, table, recordID string) (int, error) {
	var n int
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		if _, _, err := o.reachRecord(table, recordID, false, PrivRead); err != nil {
			return err
		}
		var err error
		n, err = o.heldInstances(table, recordID)
		return err
	})
	return n, err
}

// heldInstances counts the instances of the flows whose primary table is
// table on record recordID, whatever their state.
func (o *op) heldInstances(table, recordID string) (int, error) {
	n := 0
	for _, g := range o.dep.flows {
		if !g.hasTable() || g.f.PrimaryTable != table {
			continue
		}
		rows, err := o.tx.FindRows(g.table, map[string]any{lookupColumn(table): recordID})
		if err != nil {
			return 0, err
		}
		n += len(rows)
	}
	return n, nil
}

// start inserts an instance of f on a record, at the first stage, named
// name ("": after the flow). lock says that the record is not new in this
// transaction: others may start flows on it at the same time.
func (o *op) start(f *flow, table, recordID, name string, lock bool) (*Instance, error) {
	refuse := func(rule, format string, args ...any) error {
		return &ErrRefused{Op: "start flow " + f.f.Name, Rule: rule, Reason: fmt.Sprintf(format, args...)}
	}
	if !f.wf.Active || !f.hasTable() {
		return nil, refuse(RuleFlowInactive, "the flow is not active in %s (a draft)", o.dep.env)
	}
	if f.f.PrimaryTable != table {
		return nil, refuse(RuleFlowTable, "the flow runs on %s records, not %s", f.f.PrimaryTable, table)
	}
	if err := o.require(f, PrivCreate, PrivAppend); err != nil {
		return nil, err
	}
	t, err := o.recordTable(table, false)
	if err != nil {
		return nil, err
	}
	rec, err := o.getRecord(t, recordID)
	if err != nil {
		return nil, err
	}
	if !o.acc.FullAccess {
		doing := fmt.Sprintf("start flow %s on %s %s", f.f.Name, table, recordID)
		if err := o.mayRow(t, rec, PrivRead, doing); err != nil {
			return nil, err
		}
		if err := o.mayLinkTo(t, rec, doing); err != nil {
			return nil, err
		}
	}
	if lock {
		// The instances of the record are counted from this transaction's
		// snapshot: with the record locked, two starts on it cannot both
		// count the same instances (see store.RowLocker).
		if rl, ok := o.tx.(store.RowLocker); ok {
			if err := rl.LockRow(t, recordID); err != nil {
				return nil, err
			}
		}
	}
	n, err := o.heldInstances(table, recordID)
	if err != nil {
		return nil, err
	}
	if n >= MaxInstancesPerRecord {
		return nil, refuse(RuleMaxInstances, "%s %s already holds %d process instances, the most a record can hold (finished and aborted ones count too: "+
			"deleting one, bpfc instance delete ID, makes room; bpfc instance list --record %s:%s lists them)", table, recordID, n, table, recordID)
	}
	first := f.f.Stages[0]
	id := uuid.NewString()
	if name == "" {
		name = truncate(f.f.DisplayName, instanceNameLength)
	}
	row := map[string]any{colID: id, colName: name, colProcess: f.wf.ID, colStage: f.stageID[first.Name],
		colStageOn: o.now, colPath: f.stageID[first.Name], colState: int64(0), colStatus: int64(1),
		colCreatedOn: o.now, colCreatedBy: o.userID(), colModifiedOn: o.now, colModifiedBy: o.userID(),
		lookupColumn(table): recordID, store.RowVersionColumn: int64(1)}
	if err := o.tx.InsertRow(f.table.Name, row); err != nil {
		return nil, err
	}
	if err := o.enter(f, id, first, store.VisitStart); err != nil {
		return nil, err
	}
	o.e.rememberInstance(id, f.table.Name)
	in, err := o.reread(f, id)
	if err != nil {
		return nil, err
	}
	tr := &Transition{Kind: KindStart, Model: f.p, Flow: f.f, Instance: in, To: first}
	if err := o.hook(tr); err != nil {
		return nil, err
	}
	in.Workflows = tr.Runs
	return in, nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
