package webapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

// Changes of process instances through their instance tables, by the same
// rules as bpfc instance next|prev|finish|abandon|reactivate.

// instanceChange is what a PATCH of an instance asks for.
type instanceChange struct {
	stage      string  // activestageid: a process stage id (or name)
	link       string  // bpf_<table>id: the record to link on a cross-table move
	linkColumn string  // the bpf_<table>id column that bound it
	path       string  // traversedpath: the path the move must leave (as Dataverse's clients send it)
	state      *int64  // statecode
	status     *int64  // statuscode
	name       *string // bpf_name
	hasChanges bool
}

func readInstanceChange(t store.Table, fields []field) (*instanceChange, error) {
	ch := &instanceChange{}
	for _, f := range fields {
		switch c := f.column; {
		case c == "activestageid":
			s, ok := f.value.(string)
			if !ok || s == "" {
				return nil, badRequest("activestageid is the id of a stage of the flow (activestageid@odata.bind: \"/processstages(ID)\")")
			}
			ch.stage = s
		case c == "traversedpath":
			s, ok := f.value.(string)
			if !ok {
				return nil, badRequest("traversedpath is the stage ids of the instance's path, comma-separated")
			}
			ch.path = s
		case c == "statecode" || c == "statuscode":
			n, ok := f.value.(int64)
			if s, isText := f.value.(string); isText {
				// Microsoft's samples send them as text ("1").
				n, ok = parseWhole(s)
			}
			if !ok {
				return nil, badRequest("%s is a whole number", c)
			}
			if c == "statecode" {
				ch.state = &n
			} else {
				ch.status = &n
			}
		case c == "bpf_name":
			n, ok := f.value.(string)
			if !ok {
				return nil, badRequest("bpf_name is the instance's name, text")
			}
			ch.name = &n
		case strings.HasPrefix(c, "bpf_") && strings.HasSuffix(c, "id"):
			col, ok := t.Column(c)
			s, isText := f.value.(string)
			if !ok || !isLookup(col) || !isText || s == "" {
				return nil, badRequest("%s links the record of a stage on another table: %s@odata.bind: \"/<entityset>(ID)\"", c, c)
			}
			if ch.link != "" {
				return nil, badRequest("a move links one record; the body binds two")
			}
			ch.link, ch.linkColumn = s, c
		default:
			return nil, badRequest("%s of an instance cannot be written: change activestageid to move it (the next stage, or back to one it traversed), "+
				"statecode/statuscode to finish (1/2), abandon (1/3) or reactivate (0/1) it, bpf_name to rename it", f.prop)
		}
		ch.hasChanges = true
	}
	if !ch.hasChanges {
		return nil, badRequest("nothing to change: give activestageid, statecode and statuscode, or bpf_name")
	}
	if ch.link != "" && ch.stage == "" {
		return nil, badRequest("a link goes with a move: give activestageid too")
	}
	if ch.path != "" && ch.stage == "" {
		return nil, badRequest("traversedpath goes with a move: give activestageid too (the path follows from the moves)")
	}
	return ch, nil
}

// changeInstance applies a PATCH of an instance: a rename, a move to the
// next stage or back to an earlier one, then a change of state, all in one
// transaction. It returns the instance's row version after them.
func (s *Server) changeInstance(r *http.Request, t store.Table, id string, version int64, fields []field) (int64, error) {
	ch, err := readInstanceChange(t, fields)
	if err != nil {
		return 0, err
	}
	u := engine.InstanceUpdate{Name: ch.name, Stage: ch.stage}
	if ch.state != nil || ch.status != nil {
		state, status := int64(-1), int64(-1)
		if ch.state != nil {
			state = *ch.state
		}
		if ch.status != nil {
			status = *ch.status
		}
		switch {
		case state == 0 && (status == -1 || status == 1), state == -1 && status == 1:
			u.State = engine.StateActive
		case state == 1 && (status == -1 || status == 2), state == -1 && status == 2:
			u.State = engine.StateFinished
		case state == 1 && status == 3, state == -1 && status == 3:
			u.State = engine.StateAborted
		default:
			return 0, badRequest("statecode %d with statuscode %d is not a state of an instance: Active is 0/1, Finished 1/2, Aborted 1/3",
				state, status)
		}
	}
	if u.Name == nil && u.Stage == "" && u.State == "" {
		return version, nil
	}
	// One write transaction: the PATCH is applied whole or, when a part
	// is refused, not at all.
	in, err := session(r).UpdateInstance(r.Context(), t.Name, id, u,
		engine.MoveOptions{IfVersion: version, Link: ch.link, LinkColumn: ch.linkColumn, Path: ch.path})
	if err != nil {
		return 0, err
	}
	return in.Version, nil
}

// Guard wraps the engine's hooks (nil: none) for the Web API: it passes
// transitions, action steps and record changes through to them. (A move
// to a named stage, PATCH activestageid, is decided and made in one
// transaction by engine.Session.MoveTo, so it lands on the stage the
// client named or is refused.)
func Guard(inner engine.Hooks) engine.Hooks { return guard{inner: inner} }

type guard struct{ inner engine.Hooks }

func (g guard) Transition(ctx context.Context, tx store.Tx, t *engine.Transition) error {
	if g.inner != nil {
		return g.inner.Transition(ctx, tx, t)
	}
	return nil
}

// Action passes action steps to the inner hooks when they run them.
func (g guard) Action(ctx context.Context, tx store.Tx, a *engine.Action) error {
	ah, ok := g.inner.(engine.ActionHooks)
	if !ok {
		return fmt.Errorf("cannot run action %s: no workflow runtime runs action steps in this server", a.Step.Name)
	}
	return ah.Action(ctx, tx, a)
}

// RecordChanged passes record changes to the inner hooks when they watch
// records.
func (g guard) RecordChanged(ctx context.Context, tx store.Tx, table, id string) error {
	if rh, ok := g.inner.(engine.RecordHooks); ok {
		return rh.RecordChanged(ctx, tx, table, id)
	}
	return nil
}

// parseWhole reads a whole number written as text.
func parseWhole(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}
