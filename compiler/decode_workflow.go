package compiler

import (
	"net/mail"
	"net/url"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// WorkflowStepKinds lists the step kinds of a workflow, in the language's order.
var WorkflowStepKinds = []string{StepUpdate, StepCreate, StepAssign, StepSendEmail, StepChangeStatus, StepWebhook, StepStartWorkflow, StepStop}

// stopStatuses are how a stop step may end its workflow: stop = true is
// "succeeded"; "canceled" cancels the change of a realtime workflow.
var stopStatuses = []string{"succeeded", "canceled"}

// stepFields lists the keys each object-valued step kind accepts, and which are required.
var stepFields = map[string]struct{ allowed, required []string }{
	StepSendEmail:    {[]string{"to", "subject", "body", "cc"}, []string{"to", "subject"}},
	StepWebhook:      {[]string{"url"}, []string{"url"}},
	StepAssign:       {[]string{"owner"}, []string{"owner"}},
	StepChangeStatus: {[]string{"status"}, []string{"status"}},
	StepStop:         {[]string{"status"}, nil},
}

func (d *decoder) decodeWorkflow(b *hcl.Block) {
	w := &Workflow{Name: d.ident(b, "workflow"), DeclRange: b.DefRange, Mode: ModeBackground}
	c := d.content(b.Body, []string{"display_name", "description", "table", "mode", "wait_until", "timeout"}, []string{"table"},
		hcl.BlockHeaderSchema{Type: "step", LabelNames: []string{"name"}})
	d.unusedDescription(c, "workflow")
	d.str(c, "display_name", &w.DisplayName)
	if w.DisplayName == "" {
		w.DisplayName = w.Name
	}
	w.Attrs = ranges(c)
	d.str(c, "table", &w.Table)
	if d.str(c, "mode", &w.Mode) && w.Mode != ModeBackground && w.Mode != ModeRealtime {
		d.errorf(c.Attributes["mode"].Expr.Range(), "Unknown workflow mode", "%q is not a mode; use \"background\" or \"realtime\".%s",
			w.Mode, didYouMean(w.Mode, []string{ModeBackground, ModeRealtime}))
		w.Mode = ModeBackground
	}
	if a, ok := c.Attributes["wait_until"]; ok {
		if w.Mode == ModeRealtime {
			d.errorf(a.Range, "wait_until in a realtime workflow", "A realtime workflow runs inside the transition and cannot wait; use mode = \"background\".")
		}
		d.conds = append(d.conds, pendingExpr{expr: a.Expr, table: func() string { return w.Table }, set: func(e Expr) { w.WaitUntil = e }, bool: true})
	}
	if d.str(c, "timeout", &w.Timeout) {
		if !durationRe.MatchString(w.Timeout) {
			d.errorf(c.Attributes["timeout"].Expr.Range(), "Invalid timeout", "%q is not a duration; write it like \"72h\", \"30m\" or \"2d\".", w.Timeout)
		}
		if _, ok := c.Attributes["wait_until"]; !ok {
			d.errorf(c.Attributes["timeout"].Range, "timeout without wait_until", "timeout limits how long wait_until waits; add wait_until or remove timeout.")
		}
	}
	for _, sb := range c.Blocks {
		w.Steps = append(w.Steps, d.decodeWorkflowStep(sb, w))
	}
	d.p.Workflows = append(d.p.Workflows, w)
}

func (d *decoder) decodeWorkflowStep(b *hcl.Block, w *Workflow) *WorkflowStep {
	st := &WorkflowStep{Name: d.ident(b, "workflow step"), DeclRange: b.DefRange, Values: map[string]Expr{}}
	c := d.content(b.Body, append([]string{"when"}, WorkflowStepKinds...), nil)
	var kindAttr *hcl.Attribute
	for _, k := range WorkflowStepKinds {
		a, ok := c.Attributes[k]
		if !ok {
			continue
		}
		if kindAttr != nil {
			d.errorf(a.Range, "More than one step kind", "A step does one thing: %s is already set at %s. Split it into two steps.", kindAttr.Name, rangeText(kindAttr.Range))
			continue
		}
		kindAttr = a
	}
	if a, ok := c.Attributes["when"]; ok {
		d.conds = append(d.conds, pendingExpr{expr: a.Expr, table: func() string { return w.Table }, set: func(e Expr) { st.When = e }, bool: true})
	}
	if kindAttr == nil {
		d.errorf(b.DefRange, "Missing step kind", "A workflow step needs one of %s.", joinQuoted(WorkflowStepKinds))
		return st
	}
	st.Kind = kindAttr.Name
	table := func() string { return w.Table }
	switch st.Kind {
	case StepUpdate:
		d.valueMap(kindAttr.Expr, table, table, st.Values, false)
	case StepCreate:
		fields := map[string]hcl.Expression{}
		d.objectFields(kindAttr.Expr, fields, []string{"table", "values"}, []string{"table"})
		if e, ok := fields["table"]; ok {
			if v, diags := e.Value(nil); !diags.HasErrors() && v.Type() == cty.String && !v.IsNull() {
				st.CreateTable = v.AsString()
				d.createTables = append(d.createTables, createUse{step: st, rng: e.Range()})
			} else {
				d.errorf(e.Range(), "Invalid create", "create.table must be a table name string.%s", bareNameHint(e))
			}
		}
		if e, ok := fields["values"]; ok {
			// Columns are the new record's; self is still the workflow's record.
			d.valueMap(e, func() string { return st.CreateTable }, table, st.Values, true)
		}
	case StepStartWorkflow:
		if n, ok := d.ref(kindAttr.Expr, "workflow"); ok {
			st.Workflow = n
			d.workflowUses = append(d.workflowUses, workflowUse{name: n, rng: kindAttr.Expr.Range(), table: table})
		}
	case StepStop:
		if v, diags := kindAttr.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.Bool && v.IsKnown() {
			if v.False() {
				d.errorf(kindAttr.Expr.Range(), "Invalid stop", "stop = false does nothing; remove the step.")
			}
			break
		}
		if _, diags := hcl.ExprMap(kindAttr.Expr); diags.HasErrors() {
			d.errorf(kindAttr.Expr.Range(), "Invalid stop", "stop takes true (the workflow ends, succeeded), or an object such as { status = \"canceled\" } for how it ends.")
			break
		}
		d.kindObject(kindAttr, st, table)
	case StepAssign, StepChangeStatus:
		// A plain value is shorthand for the one required field.
		if _, diags := hcl.ExprMap(kindAttr.Expr); diags.HasErrors() {
			key := stepFields[st.Kind].required[0]
			d.checkLiterals(st.Kind, map[string]hcl.Expression{key: kindAttr.Expr})
			d.conds = append(d.conds, pendingExpr{expr: kindAttr.Expr, table: table, set: func(e Expr) { st.Values[key] = e }})
			break
		}
		d.kindObject(kindAttr, st, table)
	default:
		d.kindObject(kindAttr, st, table)
	}
	return st
}

type createUse struct {
	step *WorkflowStep
	rng  hcl.Range
}

func (d *decoder) kindObject(a *hcl.Attribute, st *WorkflowStep, table func() string) {
	f := stepFields[st.Kind]
	fields := map[string]hcl.Expression{}
	d.objectFields(a.Expr, fields, f.allowed, f.required)
	d.checkLiterals(st.Kind, fields)
	for k, e := range fields {
		d.conds = append(d.conds, pendingExpr{expr: e, table: table, set: func(x Expr) { st.Values[k] = x }, secrets: st.Kind == StepWebhook})
	}
}

// checkLiterals checks what a step's literal fields must be, which the run
// time would only find when the step runs: a webhook's url is http or
// https, an email's recipients are addresses.
func (d *decoder) checkLiterals(kind string, fields map[string]hcl.Expression) {
	literal := func(k string) (string, hcl.Range, bool) {
		e, ok := fields[k]
		if !ok {
			return "", hcl.Range{}, false
		}
		v, diags := e.Value(nil)
		if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
			return "", hcl.Range{}, false
		}
		return v.AsString(), e.Range(), true
	}
	// Text fields given a literal of another kind (to = 123, subject =
	// null) would be sent as such: they take text or an expression.
	textFields := map[string][]string{StepWebhook: {"url"}, StepSendEmail: {"to", "cc", "subject", "body"}}[kind]
	for _, k := range textFields {
		e, ok := fields[k]
		if !ok {
			continue
		}
		v, diags := e.Value(nil)
		if diags.HasErrors() || !v.IsKnown() {
			continue // a reference (self., var.): checked with the expression
		}
		if v.IsNull() || v.Type() != cty.String {
			d.errorf(e.Range(), "Expected text", "%s takes text or an expression such as self.emailaddress1 or var.mailbox; got %s.", k, describe(v))
		}
	}
	switch kind {
	case StepStop:
		// Any other status would end the workflow as succeeded: a
		// misspelt "cancel" must not quietly let the change through.
		e, ok := fields["status"]
		if !ok {
			break
		}
		raw, rng, ok := literal("status")
		if !ok {
			d.errorf(e.Range(), "Invalid stop status", "status takes %s as text; a workflow cannot decide how it ends from an expression.", joinQuoted(stopStatuses))
			break
		}
		if !contains(stopStatuses, strings.ToLower(raw)) {
			d.errorf(rng, "Invalid stop status", "%q is not a status; use %s.%s", raw, joinQuoted(stopStatuses), didYouMean(strings.ToLower(raw), stopStatuses))
		}
	case StepAssign:
		// Found only when the step runs ("the owner is empty"), every time.
		if raw, rng, ok := literal("owner"); ok && strings.TrimSpace(raw) == "" {
			d.errorf(rng, "Missing owner", "owner is empty: name the user to assign to (a systemuser's name or id), or give an expression such as self.ownerid.")
		}
	case StepWebhook:
		if raw, rng, ok := literal("url"); ok && !isWebhookURL(raw) {
			d.errorf(rng, "Invalid webhook url", "A webhook posts to an http or https URL, such as \"https://hooks.example.com/deals\"; got %q.", raw)
		}
	case StepSendEmail:
		for _, k := range []string{"to", "cc"} {
			raw, rng, ok := literal(k)
			if !ok {
				continue
			}
			if bad := badAddress(raw); bad != "" {
				d.errorf(rng, "Invalid email address", "%s holds %q, which is not an email address (name@example.com; several separated by ; or ,).", k, bad)
			}
			if strings.TrimSpace(raw) == "" {
				d.errorf(rng, "Invalid email address", "%s is empty: give an address, or an expression such as self.emailaddress1.", k)
			}
		}
	}
}

// isWebhookURL reports whether raw is a URL a webhook can post to.
func isWebhookURL(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// badAddress returns the first of raw's addresses (separated by ; or ,)
// that is not an email address, or "".
func badAddress(raw string) string {
	for _, addr := range strings.FieldsFunc(raw, func(r rune) bool { return r == ';' || r == ',' }) {
		if _, err := mail.ParseAddress(strings.TrimSpace(addr)); err != nil {
			return strings.TrimSpace(addr)
		}
	}
	return ""
}

// objectFields reads an object expression's keys, checking allowed and required keys.
func (d *decoder) objectFields(expr hcl.Expression, dst map[string]hcl.Expression, allowed, required []string) map[string]hcl.Range {
	keys := map[string]hcl.Range{} // where each key was written
	pairs, diags := hcl.ExprMap(expr)
	if diags.HasErrors() {
		example := "column"
		if len(allowed) > 0 {
			example = allowed[0]
		}
		d.errorf(expr.Range(), "Expected an object", "Expected an object such as { %s = ... }.", example)
		return keys
	}
	for _, kv := range pairs {
		k, ok := objectKey(kv.Key)
		if !ok {
			d.errorf(kv.Key.Range(), "Invalid key", "Keys must be names.")
			continue
		}
		if allowed != nil && !contains(allowed, k) {
			d.errorf(kv.Key.Range(), "Unknown field", "%q is not a field here; use %s.%s", k, joinQuoted(allowed), didYouMean(k, allowed))
			continue
		}
		if prev, dup := dst[k]; dup {
			d.errorf(kv.Key.Range(), "Duplicate key", "%q is already given at %s; give each key once.", k, rangeText(prev.Range()))
			continue
		}
		dst[k], keys[k] = kv.Value, kv.Key.Range()
	}
	for _, r := range required {
		if _, ok := dst[r]; !ok {
			d.errorf(expr.Range(), "Missing field", "This object needs %q.", r)
		}
	}
	return keys
}

// valueMap reads { column = expr, ... } into dst once tables are known:
// columns of table, values that may refer to self, the record of selfTable.
func (d *decoder) valueMap(expr hcl.Expression, table, selfTable func() string, dst map[string]Expr, create bool) {
	fields := map[string]hcl.Expression{}
	keys := d.objectFields(expr, fields, nil, nil)
	for k, e := range fields {
		d.assignments = append(d.assignments, assignment{column: k, key: keys[k], expr: e, table: table, self: selfTable, dst: dst, create: create})
	}
}

// assignment is column = value in update/create, checked against the column type.
type assignment struct {
	column string
	key    hcl.Range // where the column is named
	expr   hcl.Expression
	table  func() string // the table the column is on
	self   func() string // the table self refers to
	dst    map[string]Expr
	create bool // a new record's value (create), not an update's
}

func objectKey(e hcl.Expression) (string, bool) {
	if k := hcl.ExprAsKeyword(e); k != "" {
		return k, true
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() || v.IsNull() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}
