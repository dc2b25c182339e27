package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/secret"
	"github.com/bpfc/bpfc/runtime/store"
)

// Action steps (bpfc instance action ID NAME): the buttons of a stage that
// run a workflow on demand. The engine finds the step on the instance's
// active stage and checks the user; the workflow runtime (Options.Hooks,
// when it implements ActionHooks) runs it in the same transaction.

// RuleAction names a refusal to run an action step the active stage does
// not have.
const RuleAction = "action step"

// ActionHooks is implemented by Hooks that run action steps
// (runtime/workflow does). The engine calls Action inside the transaction
// of Session.RunAction; an error refuses the action and rolls everything
// back.
type ActionHooks interface {
	Action(ctx context.Context, tx store.Tx, a *Action) error
}

// RecordHooks is implemented by Hooks that watch records (runtime/workflow
// re-checks the background workflows waiting on a record). The engine calls
// RecordChanged inside the transaction that created or updated the record.
type RecordHooks interface {
	RecordChanged(ctx context.Context, tx store.Tx, table, id string) error
}

// Action is an action step being run.
type Action struct {
	Model    *compiler.Project // the deployed model the flow belongs to
	Flow     *compiler.Flow
	Instance *Instance
	Stage    *compiler.Stage // the active stage
	Step     *compiler.Step  // the action step; Step.Workflow is the workflow it runs
	User     store.User      // who runs it
	Now      time.Time
	Op       string  // as Transition.Op
	May      Checker // as Transition.May
	// Result is what the hooks did, for the caller to show
	// (runtime/workflow sets a *workflow.Outcome).
	Result any
}

// RunAction runs the action step named name (or with that display name) of
// an instance's active stage. The instance must be active and the user
// may read and change it.
func (s *Session) RunAction(ctx context.Context, id, name string) (*Action, error) {
	var out *Action
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		f, row, err := o.findInstance(id)
		if err != nil {
			return err
		}
		if err := o.require(f, PrivRead, PrivWrite); err != nil {
			return err
		}
		in := instanceOf(f, row)
		stage, _, _ := f.at(row)
		if stage == nil {
			return fmt.Errorf("instance %s is at stage %s, which flow %s does not have", id, str(row[colStage]), f.f.Name)
		}
		refuse := func(rule, format string, args ...any) error {
			return &ErrRefused{Op: "run action " + name, Rule: rule, Instance: id, Stage: stage.Name, Reason: fmt.Sprintf(format, args...)}
		}
		if in.State != StateActive {
			return refuse(RuleNotActive, "the instance is %s (reactivate it first)", in.State)
		}
		// The action works on the stage's record: the user must reach it.
		if t, ok := o.dep.tables[stage.Table]; ok && in.Records[stage.Table] != "" && !o.acc.FullAccess {
			_, err := o.stageRow(t, in.Records[stage.Table], "run action "+name+" of instance "+id+" on "+stage.Table+" "+in.Records[stage.Table])
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		var step *compiler.Step
		var names []string
		for _, st := range stage.Steps {
			if !st.Action {
				continue
			}
			names = append(names, st.Name)
			if step == nil && (st.Name == name || strings.EqualFold(st.DisplayName, name)) {
				step = st
			}
		}
		switch {
		case step == nil && len(names) == 0:
			return refuse(RuleAction, "stage %q has no action steps%s", stage.Name, actionElsewhere(f.f, stage, name))
		case step == nil:
			return refuse(RuleAction, "stage %q has no action step %q; its actions are %s%s", stage.Name, name, strings.Join(names, ", "), actionElsewhere(f.f, stage, name))
		}
		ah, ok := o.e.o.Hooks.(ActionHooks)
		if !ok {
			return fmt.Errorf("cannot run action %s: no workflow runtime runs action steps in this engine", name)
		}
		a := &Action{Model: f.p, Flow: f.f, Instance: in, Stage: stage, Step: step, User: o.acc.User, Now: o.now, Op: o.id, May: o.checker()}
		if err := ah.Action(ctx, o.tx, a); err != nil {
			return hookRefusal(err, "run action "+name, id, stage.Name)
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// actionElsewhere names the stage of flow f other than active that has the
// action step name, as "; action "verify" is on stage "qualify", ...", or
// "". An action step is a button of its stage only, as in Dataverse, so
// the user is told where the instance must be for it.
func actionElsewhere(f *compiler.Flow, active *compiler.Stage, name string) string {
	for _, s := range f.Stages {
		if s == active {
			continue
		}
		for _, st := range s.Steps {
			if st.Action && (st.Name == name || strings.EqualFold(st.DisplayName, name)) {
				return fmt.Sprintf("; action %q is on stage %q, and runs only while the instance is at that stage", st.Name, s.Name)
			}
		}
	}
	return ""
}

// Variables reads the variable values of environment env as the engine's
// conditions see them (the value set in the environment, else the
// default; a secret opened with kr, else empty): for code that evaluates
// conditions outside an engine operation, such as the workflow worker.
func Variables(tx store.Tx, env string, kr *secret.Keyring) (process.Vars, error) {
	e := &Engine{o: Options{Keyring: kr}}
	return e.variables(tx, env)
}
