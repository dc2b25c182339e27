package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/process"
	"github.com/bpfc/bpfc/runtime/store"
)

// source is what started a run: the transition, action or job.
type source struct {
	instanceID string
	flow       string
	trigger    string
	jobID      int64  // the job being run; 0 in a transition or action
	op         string // the transition's or action's engine operation (engine.Transition.Op)
	depth      int    // start_workflow nesting of the job
}

// execution runs workflows in one transaction.
type execution struct {
	r      *Runner
	ctx    context.Context
	tx     store.Tx
	model  *compiler.Project
	digest string
	vars   process.Vars
	user   string // systemuserid the steps act for
	now    time.Time
	src    source
	// pending is the webhook a background run stopped at, to be posted
	// outside the transaction.
	pending *webhookCall
	// posts counts the webhook steps prepared, for realtime idempotency keys.
	posts int
	// may checks the calling user's privileges before a realtime step
	// writes (Dataverse's RunAs calling user, as bpfc's workflows declare);
	// nil for a background job, which runs as the workflow's owner.
	may engine.Checker
}

// allowed checks priv of the calling user on row of t (nil: on t) before a
// realtime step writes; background jobs are not checked.
func (x *execution) allowed(t store.Table, row store.Row, priv, doing string) error {
	if x.may == nil {
		return nil
	}
	return x.may(t, row, priv, doing)
}

// linked checks, as record create and update do, that the calling user may
// set the lookups links of row (a row of t with id id; "": the row about to
// be created, with its owner): append on t, append_to on each target.
// Background jobs are not checked, as allowed.
func (x *execution) linked(t store.Table, row store.Row, id string, links []engine.Link) error {
	if x.may == nil || len(links) == 0 {
		return nil
	}
	return x.may.MayLink(t, row, id, links)
}

func (r *Runner) newExecution(ctx context.Context, tx store.Tx, p *compiler.Project, user string, now time.Time, src source) (*execution, error) {
	vars, err := r.vars(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &execution{r: r, ctx: ctx, tx: tx, model: p, digest: r.digestOf(p), vars: vars, user: user, now: now.UTC(), src: src}, nil
}

// StepError is a step that failed.
type StepError struct {
	Workflow string
	Step     string
	Kind     string
	Err      error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("workflow %s failed at step %s (%s): %v", e.Workflow, e.Step, e.Kind, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// RefusesChange: a realtime step's failure refuses the change that ran
// it, unless it is the store's (a lost race the transaction runs again,
// a busy store, a stopped request).
func (e *StepError) RefusesChange() bool {
	return !errors.Is(e.Err, store.ErrConflict) && !errors.Is(e.Err, store.ErrBusy) && !errors.Is(e.Err, engine.ErrForbidden) &&
		!errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, context.DeadlineExceeded)
}

// CanceledError is a stop step with status canceled in a realtime
// workflow: it cancels the change that ran the workflow.
type CanceledError struct {
	Workflow string
	Step     string
}

func (e *CanceledError) Error() string {
	return fmt.Sprintf("workflow %s canceled the change (step %s)", e.Workflow, e.Step)
}

// RefusesChange: a cancel refuses the change that ran the workflow.
func (e *CanceledError) RefusesChange() bool { return true }

// startOn starts the named workflow on the instance's record of its table.
func (x *execution) startOn(name string, records map[string]string) (*Outcome, error) {
	wf := x.model.Workflow(name)
	if wf == nil {
		return nil, fmt.Errorf("workflow %s is not in the deployed build", name)
	}
	id := records[wf.Table]
	if id == "" {
		return nil, fmt.Errorf("workflow %s runs on %s records, and instance %s has none", name, wf.Table, x.src.instanceID)
	}
	return x.start(wf, id, x.src.depth)
}

// start runs a realtime workflow now, or queues a background one.
func (x *execution) start(wf *compiler.Workflow, id string, depth int) (*Outcome, error) {
	out := &Outcome{Workflow: wf.Name, Mode: wf.Mode, Table: wf.Table, Record: id}
	if wf.Mode != compiler.ModeRealtime {
		return out, x.enqueue(wf, id, depth, out)
	}
	t, err := x.table(wf.Table)
	if err != nil {
		return nil, err
	}
	end, _, err := x.steps(wf, t, id, 0, true, depth, out)
	if err != nil {
		return nil, err
	}
	out.State = end
	return out, nil
}

// enqueue queues a background workflow as a job of this transaction.
func (x *execution) enqueue(wf *compiler.Workflow, id string, depth int, out *Outcome) error {
	jt, err := jobTx(x.tx)
	if err != nil {
		return err
	}
	j := store.Job{Workflow: wf.Name, BuildDigest: x.digest, Table: wf.Table, RecordID: id, InstanceID: x.src.instanceID,
		Flow: x.src.flow, Trigger: x.src.trigger, ParentID: x.src.jobID, Depth: depth, RunAs: x.user, State: store.JobQueued,
		MaxAttempts: x.r.o.MaxAttempts, NextRunAt: x.now, CreatedOn: x.now}
	if wf.WaitUntil != nil {
		// Waiting from the start (job list says so); due now, so the
		// first claim checks wait_until.
		j.Step, j.State = -1, store.JobWaiting
	}
	out.State = Queued
	out.Job, err = jt.EnqueueJob(j)
	return err
}

func (x *execution) table(name string) (store.Table, error) {
	t, err := x.tx.Table(name)
	if errors.Is(err, store.ErrNotFound) {
		return t, permanent(fmt.Errorf("table %s is not in the environment", name))
	}
	return t, err
}

// record reads a record, failing for good when it was deleted.
func (x *execution) record(t store.Table, id string) (store.Row, error) {
	row, err := x.tx.GetRow(t, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, permanent(fmt.Errorf("%s %s was deleted", t.Name, id))
	}
	return row, err
}

// Ends of a run of steps.
const (
	endDone     = Ran
	endStopped  = Stopped
	endCanceled = "canceled"
	endWebhook  = "webhook" // a background run reached a webhook step
)

// steps runs wf's steps from index from on record id of t. inline runs
// webhooks here (realtime); otherwise the run ends at a webhook step whose
// when holds, with the call in x.pending and its index returned. Each step
// reads the record as the steps before left it.
func (x *execution) steps(wf *compiler.Workflow, t store.Table, id string, from int, inline bool, depth int, out *Outcome) (string, int, error) {
	for i := from; i < len(wf.Steps); i++ {
		st := wf.Steps[i]
		fail := func(err error) (string, int, error) {
			var se *StepError
			var ce *CanceledError
			if errors.As(err, &se) || errors.As(err, &ce) {
				return "", i, err // a child workflow's, already named
			}
			serr := &StepError{Workflow: wf.Name, Step: st.Name, Kind: st.Kind, Err: err}
			if isPermanent(err) {
				return "", i, permanent(serr)
			}
			return "", i, serr
		}
		row, err := x.record(t, id)
		if err != nil {
			return fail(err)
		}
		so := StepOutcome{Name: st.Name, Kind: st.Kind}
		if st.When != nil {
			ok, err := process.Eval(st.When, process.Row(row), x.vars)
			if err != nil {
				return fail(err)
			}
			if !ok {
				out.Steps = append(out.Steps, so)
				continue
			}
		}
		so.Ran = true
		switch st.Kind {
		case compiler.StepUpdate:
			err = x.update(t, id, row, st.Values)
		case compiler.StepCreate:
			so.Detail, err = x.create(t, row, st)
		case compiler.StepAssign:
			so.Detail, err = x.assign(t, id, row, st)
		case compiler.StepChangeStatus:
			so.Detail, err = x.changeStatus(t, id, row, st)
		case compiler.StepSendEmail:
			so.Detail, err = x.sendEmail(wf, t, id, row, st)
		case compiler.StepWebhook:
			var call *webhookCall
			if call, err = x.webhook(wf, t, row, st, i); err != nil {
				break
			}
			if !inline {
				x.pending = call
				out.Steps = append(out.Steps, so)
				return endWebhook, i, nil
			}
			so.Detail, err = x.r.post(x.ctx, call)
		case compiler.StepStartWorkflow:
			so.Detail, err = x.startChild(wf, st, id, depth, out)
		case compiler.StepStop:
			out.Steps = append(out.Steps, so)
			if canceled(st) {
				if wf.Mode == compiler.ModeRealtime {
					return fail(&CanceledError{Workflow: wf.Name, Step: st.Name})
				}
				return endCanceled, i, nil
			}
			return endStopped, i, nil
		default:
			err = fmt.Errorf("unknown step kind %q", st.Kind)
		}
		if err != nil {
			return fail(err)
		}
		out.Steps = append(out.Steps, so)
	}
	return endDone, len(wf.Steps), nil
}

// canceled reports whether a stop step ends its workflow as canceled.
func canceled(st *compiler.WorkflowStep) bool {
	lit, ok := st.Values["status"].(*compiler.Literal)
	if !ok || lit.Kind != compiler.KindString {
		return false
	}
	switch strings.ToLower(lit.Value.AsString()) {
	case "canceled", "cancelled", "failed":
		return true
	}
	return false
}

// eval evaluates a step's value on row.
func (x *execution) eval(e compiler.Expr, row store.Row) (any, error) {
	v, err := process.Value(e, process.Row(row), x.vars)
	return plain(v), err
}

// stamp adds the modified-on and -by columns a change sets.
func (x *execution) stamp(t store.Table, vals map[string]any) {
	for name, v := range map[string]any{"modifiedon": x.now, "modifiedby": x.user} {
		if _, ok := t.Column(name); ok && v != "" {
			vals[name] = v
		}
	}
}

// write updates record id of t (row, as read) and wakes the jobs waiting
// on it; a realtime step's write needs the calling user's privilege
// (doing says what for), and append and append_to for the lookups links
// it sets.
func (x *execution) write(t store.Table, id string, row store.Row, vals map[string]any, links []engine.Link, doing string) error {
	if err := x.allowed(t, row, engine.PrivWrite, doing); err != nil {
		return err
	}
	if err := x.linked(t, row, id, links); err != nil {
		return err
	}
	x.stamp(t, vals)
	engine.FullName(t, row, vals) // as every other path that writes a person
	if _, err := x.tx.UpdateRow(t, id, vals, 0); err != nil {
		return err
	}
	if err := engine.KeepTargets(x.tx, t, id, vals, links); err != nil {
		return err
	}
	return x.r.RecordChanged(x.ctx, x.tx, t.Name, id)
}

func (x *execution) update(t store.Table, id string, row store.Row, values map[string]compiler.Expr) error {
	vals, links, err := x.values(t, row, t, values)
	if err != nil {
		return err
	}
	return x.write(t, id, row, vals, links, "update "+t.Name+" "+id)
}

// values evaluates a step's values for columns of t on row (the record of
// src the workflow runs on) as the columns store them, with the rows the
// lookups among them point at.
func (x *execution) values(src store.Table, row store.Row, t store.Table, values map[string]compiler.Expr) (map[string]any, []engine.Link, error) {
	vals := map[string]any{}
	var links []engine.Link
	for _, col := range slices.Sorted(maps.Keys(values)) {
		c, ok := t.Column(col)
		if !ok {
			return nil, nil, permanent(fmt.Errorf("table %s has no column %s", t.Name, col))
		}
		v, err := x.eval(values[col], row)
		if err != nil {
			return nil, nil, err
		}
		from, err := x.sourceTable(src, row, values[col])
		if err != nil {
			return nil, nil, err
		}
		var l *engine.Link
		if vals[col], l, err = x.columnValue(t, c, v, from); err != nil {
			return nil, nil, err
		}
		if l != nil {
			links = append(links, *l)
		}
	}
	return vals, links, nil
}

func (x *execution) create(src store.Table, self store.Row, st *compiler.WorkflowStep) (string, error) {
	t, err := x.table(st.CreateTable)
	if err != nil {
		return "", err
	}
	vals, links, err := x.values(src, self, t, st.Values)
	if err != nil {
		return "", err
	}
	id, err := x.insert(t, vals, links)
	return t.Name + " " + id, err
}

func (x *execution) assign(t store.Table, id string, row store.Row, st *compiler.WorkflowStep) (string, error) {
	if _, ok := t.Column("ownerid"); !ok {
		return "", permanent(fmt.Errorf("%s records have no owner", t.Name))
	}
	v, err := x.eval(st.Values["owner"], row)
	if err != nil {
		return "", err
	}
	owner, ok := v.(string)
	if !ok || owner == "" {
		return "", fmt.Errorf("the owner is empty")
	}
	userID, err := x.userID(owner)
	if err != nil {
		return "", err
	}
	link, err := x.userLink("ownerid", userID)
	if err != nil {
		return "", err
	}
	return "owner " + owner, x.write(t, id, row, map[string]any{"ownerid": userID}, []engine.Link{link}, "assign "+t.Name+" "+id)
}

// userID finds a user by name (domainname) or systemuserid.
func (x *execution) userID(name string) (string, error) {
	if u, err := x.tx.User(name); err == nil {
		return u.ID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	users, err := x.table("systemuser")
	if err != nil {
		return "", err
	}
	if _, err := x.tx.GetRow(users, name); err == nil {
		return name, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	return "", fmt.Errorf("there is no user %q in the environment", name)
}

func (x *execution) changeStatus(t store.Table, id string, row store.Row, st *compiler.WorkflowStep) (string, error) {
	v, err := x.eval(st.Values["status"], row)
	if err != nil {
		return "", err
	}
	state, status, label, err := stateAndStatus(t, v)
	if err != nil {
		return "", err
	}
	return "status " + label, x.write(t, id, row, map[string]any{"statecode": int64(state), "statuscode": int64(status)}, nil,
		"change the status of "+t.Name+" "+id)
}

func (x *execution) sendEmail(wf *compiler.Workflow, t store.Table, id string, row store.Row, st *compiler.WorkflowStep) (string, error) {
	e := store.Email{JobID: x.src.jobID, Workflow: wf.Name, Step: st.Name, Table: t.Name, RecordID: id, InstanceID: x.src.instanceID,
		CreatedOn: x.now}
	for _, f := range []struct {
		key string
		dst *string
	}{{"to", &e.To}, {"cc", &e.Cc}, {"subject", &e.Subject}, {"body", &e.Body}} {
		e, ok := st.Values[f.key]
		if !ok {
			continue
		}
		if f.key == "to" || f.key == "cc" {
			addr, err := x.recipients(t, f.key, e, row)
			if err != nil {
				return "", err
			}
			*f.dst = addr
			continue
		}
		v, err := x.eval(e, row)
		if err != nil {
			return "", err
		}
		*f.dst = text(v)
	}
	if strings.TrimSpace(e.To) == "" {
		return "", fmt.Errorf("the recipient (to) is empty")
	}
	jt, err := jobTx(x.tx)
	if err != nil {
		return "", err
	}
	if _, err := jt.AddEmail(e); err != nil {
		return "", err
	}
	return "to " + e.To, nil
}

// recipients is the text of an email's to or cc (key), e evaluated on row
// of t: addresses as they are, or for a lookup column (self.ownerid,
// self.parentcontactid) the address of the row it names, as Dataverse's
// e-mail resolves an activity party to its record's primary address; the
// row's id is no address. An empty lookup is no recipient. A realtime run
// needs the calling user's read privilege on that row.
func (x *execution) recipients(t store.Table, key string, e compiler.Expr, row store.Row) (string, error) {
	v, err := x.eval(e, row)
	if err != nil {
		return "", err
	}
	ref, ok := e.(*compiler.ColumnRef)
	if !ok {
		return text(v), nil
	}
	c, ok := t.Column(ref.Column)
	id := text(v)
	if !ok || (c.Type != "lookup" && c.Type != "customer") || id == "" {
		return text(v), nil
	}
	// The row of the table the value was written with: an account and a
	// contact may share an id.
	targets := c.Targets
	from, err := x.sourceTable(t, row, e)
	if err != nil {
		return "", err
	}
	if from != "" {
		targets = []string{from}
	}
	for _, target := range targets {
		tt, err := x.tx.Table(target)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return "", err
		}
		col := primaryEmail(tt)
		if col == "" {
			return "", permanent(fmt.Errorf("%s: %s.%s names a %s, which has no email column to send to", key, t.Name, c.Name, target))
		}
		r, err := x.tx.GetRow(store.Table{Name: tt.Name, PrimaryKey: tt.PrimaryKey, Columns: columnsNamed(tt, col, tt.PrimaryColumn, tt.PrimaryKey, "ownerid")}, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return "", err
		}
		// A realtime workflow runs as the calling user, whose read
		// privilege Dataverse checks when the step reads the row: one the
		// user may not see fails the step (and the change) rather than
		// hand its address to the outbox and the step's detail.
		if err := x.allowed(tt, r, engine.PrivRead, fmt.Sprintf("read %s %s, to which the email's %s sends", target, id, key)); err != nil {
			return "", err
		}
		addr := strings.TrimSpace(text(r[col]))
		if addr == "" {
			who := id
			if name := text(r[tt.PrimaryColumn]); name != "" {
				who = name + " (" + id + ")"
			}
			return "", fmt.Errorf("%s: %s.%s names %s %s, whose %s is empty: it has no email address to send to", key, t.Name, c.Name, target, who, col)
		}
		return addr, nil
	}
	return "", fmt.Errorf("%s: %s.%s holds %s, which names no row of %s", key, t.Name, c.Name, id, strings.Join(targets, " or "))
}

// primaryEmail is the column of t an email to one of its rows goes to, as
// Dataverse addresses an activity party: a user's internalemailaddress,
// emailaddress1 elsewhere, else t's first email column; "" for none.
func primaryEmail(t store.Table) string {
	for _, name := range []string{"internalemailaddress", "emailaddress1"} {
		if c, ok := t.Column(name); ok && c.Type == "email" {
			return name
		}
	}
	for _, c := range t.Columns {
		if c.Type == "email" {
			return c.Name
		}
	}
	return ""
}

// columnsNamed is the columns of t with the names, in t's order: what a
// read of only those needs.
func columnsNamed(t store.Table, names ...string) []store.Column {
	var out []store.Column
	for _, c := range t.Columns {
		if slices.Contains(names, c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// startChild starts a child workflow on the same record: realtime runs in
// this transaction, background is queued.
func (x *execution) startChild(wf *compiler.Workflow, st *compiler.WorkflowStep, id string, depth int, out *Outcome) (string, error) {
	child := x.model.Workflow(st.Workflow)
	if child == nil {
		return "", permanent(fmt.Errorf("workflow %s is not in the deployed build", st.Workflow))
	}
	if child.Table != wf.Table {
		return "", permanent(fmt.Errorf("workflow %s runs on %s records, not %s", child.Name, child.Table, wf.Table))
	}
	if depth+1 >= MaxDepth { // the child would be workflow MaxDepth+1 of the chain
		return "", permanent(fmt.Errorf("start_workflow nests more than %d deep", MaxDepth))
	}
	saved := x.src.trigger
	x.src.trigger = "start_workflow " + wf.Name
	co, err := x.start(child, id, depth+1)
	x.src.trigger = saved
	if err != nil {
		return "", err
	}
	out.Children = append(out.Children, co)
	if co.Job != 0 {
		return fmt.Sprintf("%s queued as job %d", child.Name, co.Job), nil
	}
	return child.Name + " " + co.State, nil
}
