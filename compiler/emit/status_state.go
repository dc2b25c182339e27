package emit

import "strings"

// StateOfStatus is the state (statecode) that Dataverse pairs with status
// reason status (statuscode) of table, for the runtime's change_status; ok is
// false when the table has no such status reason.
func StateOfStatus(table string, status int) (state int, ok bool) {
	states, listed := statusStates[strings.ToLower(table)]
	if !listed {
		states = defaultStatusStates
	}
	state, ok = states[status]
	return state, ok
}
