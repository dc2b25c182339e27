package engine

import (
	"context"

	"github.com/bpfc/bpfc/runtime/store"
)

// Finish ends an instance on the last stage of its active path (its
// required steps filled): completedon, the duration in minutes since it was
// created, Inactive/Finished.
func (s *Session) Finish(ctx context.Context, id string, mo MoveOptions) (*Instance, error) {
	return s.change(ctx, id, "finish the instance", mo, []string{PrivWrite}, finish)
}

// finish is Finish's change.
func finish(c *change) (*Transition, error) {
	row, next, err := c.activeNext()
	if err != nil {
		return nil, err
	}
	if next != nil {
		return nil, c.refuse(RuleNotLastStage, "stage %q is not the last stage of the active path (%q comes next)", c.stage.Name, next.Name)
	}
	if err := c.requiredFilled(row); err != nil {
		return nil, err
	}
	c.end(2)
	if err := c.o.leave(c.in.ID, store.VisitFinish); err != nil {
		return nil, err
	}
	return &Transition{Kind: KindFinish}, nil
}

// end sets the columns of an ended instance: Inactive with status.
func (c *change) end(status int64) {
	c.set[colState], c.set[colStatus], c.set[colCompletedOn] = int64(1), status, c.o.now
	c.set[colDuration] = int64(c.o.now.Sub(c.in.CreatedOn).Minutes())
}

// Abandon ends an active instance: completedon, duration, Inactive/Aborted.
func (s *Session) Abandon(ctx context.Context, id string, mo MoveOptions) (*Instance, error) {
	return s.change(ctx, id, "abandon the instance", mo, []string{PrivWrite}, abandon)
}

// abandon is Abandon's change.
func abandon(c *change) (*Transition, error) {
	if err := c.mustBeActive(); err != nil {
		return nil, err
	}
	c.end(3)
	if err := c.o.leave(c.in.ID, store.VisitAbandon); err != nil {
		return nil, err
	}
	return &Transition{Kind: KindAbandon}, nil
}

// Reactivate makes a finished or aborted instance active again at the stage
// it ended on, its stay there beginning now (activestagestartedon, as the
// stage log); completedon and the duration are kept.
func (s *Session) Reactivate(ctx context.Context, id string, mo MoveOptions) (*Instance, error) {
	return s.change(ctx, id, "reactivate the instance", mo, []string{PrivWrite}, reactivate)
}

// reactivate is Reactivate's change.
func reactivate(c *change) (*Transition, error) {
	if c.in.State == StateActive {
		return nil, c.refuse(RuleAlreadyActive, "the instance is already active")
	}
	c.set[colState], c.set[colStatus], c.set[colStageOn] = int64(0), int64(1), c.o.now
	if err := c.o.enter(c.f, c.in.ID, c.stage, store.VisitReactivate); err != nil {
		return nil, err
	}
	return &Transition{Kind: KindReactivate}, nil
}

// DeleteInstance deletes an instance (the Web API's DELETE) with its stage
// log: a deleted instance is no longer counted, in stage figures neither.
func (s *Session) DeleteInstance(ctx context.Context, id string, mo MoveOptions) error {
	expect := mo.IfVersion
	return s.e.run(ctx, s.user, true, func(o *op) error {
		f, row, err := o.findInstance(id)
		if err != nil {
			return err
		}
		if err := o.require(f, PrivRead, PrivDelete); err != nil {
			return err
		}
		if v := num(row[store.RowVersionColumn]); expect > 0 && v != expect {
			return &ConflictError{What: "instance", ID: id, Expected: expect, Actual: v}
		}
		if err := o.tx.DeleteStageLog(f.wf.ID, id); err != nil {
			return err
		}
		return o.tx.DeleteRow(f.table, id)
	})
}
