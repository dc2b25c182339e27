package emit

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/bpfc/bpfc/compiler"
)

// statusStates maps each status reason of a standard table to its state, as
// Dataverse pairs them. Tables not listed (custom tables) have Dataverse's
// default pair: 1 Active (state 0) and 2 Inactive (state 1).
var statusStates = map[string]map[int]int{
	"account":     {1: 0, 2: 1},
	"contact":     {1: 0, 2: 1},
	"lead":        {1: 0, 2: 0, 3: 1, 4: 2, 5: 2, 6: 2, 7: 2},
	"opportunity": {1: 0, 2: 0, 3: 1, 4: 2, 5: 2},
	"incident":    {1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 1000: 1, 6: 2, 2000: 2},
	"phonecall":   {1: 0, 2: 1, 3: 2, 4: 1},
}

var defaultStatusStates = map[int]int{1: 0, 2: 1}

// resolveStatus turns change_status's status (a status reason label or value)
// into the state and status SetState takes. ok is false when it names no
// status reason of the table.
func resolveStatus(p *compiler.Project, table string, e compiler.Expr) (state, status int, ok bool) {
	lit, isLit := e.(*compiler.Literal)
	if !isLit || lit.Value == cty.NilVal || lit.Value.IsNull() {
		return 0, 0, false
	}
	col := column(p, table, "statuscode")
	if col == nil {
		col = &compiler.Column{Name: "statuscode", Type: compiler.TypeStatus,
			Options: compiler.DefaultStatusReasons}
	}
	status, ok = optionValue(col, lit)
	if !ok {
		return 0, 0, false
	}
	if lit.Value.Type() == cty.Number && len(col.Options) > 0 {
		known := false
		for _, o := range col.Options {
			known = known || o.Value == status
		}
		if !known {
			return 0, 0, false
		}
	}
	states, listed := statusStates[strings.ToLower(table)]
	if !listed {
		states = defaultStatusStates
	}
	state, ok = states[status]
	return state, status, ok
}

// stateMessages are the states (statecode) of standard tables that
// Dataverse reaches only through a message of its own, refusing SetState
// to them, with that message. (The catalog has no quote, salesorder or
// invoice, whose won, fulfilled and closed states are the same.)
var stateMessages = map[string]map[int]string{
	"incident":    {1: "CloseIncident (resolving the case)"},
	"opportunity": {1: "WinOpportunity", 2: "LoseOpportunity"},
}

// mergedStatus is the status reason Merge sets on the tables it merges,
// and only Merge.
const mergedStatus = 2000

var mergedTables = map[string]bool{"incident": true, "account": true, "contact": true, "lead": true}

// setStateIssue says why Dataverse would refuse a workflow's SetState of
// table to state and status, or "".
func setStateIssue(p *compiler.Project, table string, state, status int) string {
	table = strings.ToLower(table)
	if mergedTables[table] && (status == mergedStatus || strings.EqualFold(optionLabel(p, table, "statuscode", status), "Merged")) {
		return fmt.Sprintf("sets %s to status reason %s, which only Dataverse's Merge message sets: SetState to it is refused",
			table, describeOption(p, table, "statuscode", status))
	}
	if msg, ok := stateMessages[table][state]; ok {
		return fmt.Sprintf("sets %s to state %s, which Dataverse reaches only through its %s message: SetState to it is refused",
			table, describeOption(p, table, "statecode", state), msg)
	}
	return ""
}

// optionLabel is the label of option v of a column of table, or "".
func optionLabel(p *compiler.Project, table, col string, v int) string {
	if c := column(p, table, col); c != nil {
		for _, o := range c.Options {
			if o.Value == v {
				return o.Label
			}
		}
	}
	return ""
}

// describeOption is an option as messages name it: 1 (Resolved).
func describeOption(p *compiler.Project, table, col string, v int) string {
	if l := optionLabel(p, table, col, v); l != "" {
		return fmt.Sprintf("%d (%s)", v, l)
	}
	return fmt.Sprint(v)
}
