package emit

import (
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
