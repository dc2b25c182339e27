package engine

import (
	"context"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Hooks is where the workflow runtime plugs into stage transitions. The
// engine calls Transition inside the transition's transaction, after the
// instance row and the stage log are written and before the commit: a
// realtime workflow runs there and can write through tx; a background one
// is queued there. An error refuses the transition and rolls everything
// back (the caller gets the error). A transition that fires no workflow
// may be a one-shot change (oneshot.go): then tx only reads the rows the
// change was decided on, and anything else the hooks ask of it sends the
// change through a shared write instead; one that fires a workflow always
// runs in a shared write.
type Hooks interface {
	Transition(ctx context.Context, tx store.Tx, t *Transition) error
}

// Kind is what a transition does.
type Kind string

// Transition kinds.
const (
	KindStart      Kind = "start"
	KindNext       Kind = "next"
	KindPrev       Kind = "prev"
	KindFinish     Kind = "finish"
	KindAbandon    Kind = "abandon"
	KindReactivate Kind = "reactivate"
)

// Transition is one change of an instance's stage or state.
type Transition struct {
	Kind     Kind
	Model    *compiler.Project // the deployed model the flow belongs to
	Flow     *compiler.Flow
	Instance *Instance       // as it is after the transition (no active path)
	From     *compiler.Stage // the stage left (next, prev); nil otherwise
	To       *compiler.Stage // the stage entered (start, next, prev); nil otherwise
	User     store.User      // who made it
	Now      time.Time
	// Op names the operation that made it: the same each time the store
	// runs the transaction again after losing a race.
	Op string
	// May checks, in the transition's transaction, that its user holds
	// priv on row of t (a nil row: on t, as to create one), as the engine
	// checks its own operations: what a realtime workflow, which runs as
	// the calling user, asks before it writes.
	May Checker
	// Runs are what the hooks ran or queued, for the caller to show.
	Runs []WorkflowRun
}

// WorkflowRun is a workflow a change ran (realtime) or queued
// (background), as the hooks report it. JSON: workflow, mode, state (ran,
// stopped, queued, skipped: an on_finish/on_abandon workflow on a table
// the instance has no record of), job (a queued one's id).
type WorkflowRun struct {
	Workflow string `json:"workflow"`
	Mode     string `json:"mode"`
	State    string `json:"state"`
	Job      int64  `json:"job,omitempty"`
}

// Checker checks that the acting user holds priv on row of t (nil: on the
// table); doing says what for, in the refusal.
type Checker func(t store.Table, row store.Row, priv, doing string) error

// Triggers lists the workflows the transition fires, in order, as the
// language defines them: next fires on_exit of the stage left and on_enter
// of the stage entered; start and prev fire on_enter of the stage entered
// (it becomes active); finish fires the flow's on_finish (never the last
// stage's on_exit: finishing is not a stage transition) and abandon its
// on_abandon; reactivate fires nothing.
func (t *Transition) Triggers() []string {
	var out []string
	add := func(refs []*compiler.WorkflowRef) {
		for _, r := range refs {
			out = append(out, r.Name)
		}
	}
	switch t.Kind {
	case KindNext:
		add(t.From.OnExit)
		add(t.To.OnEnter)
	case KindStart, KindPrev:
		add(t.To.OnEnter)
	case KindFinish:
		add(t.Flow.OnFinish)
	case KindAbandon:
		add(t.Flow.OnAbandon)
	}
	return out
}
