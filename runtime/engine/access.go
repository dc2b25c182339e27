package engine

import (
	"fmt"
	"slices"
)

// Privileges, as roles grant them on a table. On a flow's instance table
// (organization-owned, as in Dataverse: a privilege at any depth reaches
// every instance) they say what a user may do with the flow's instances;
// on standard and custom tables, with their depth, which records a user
// may create, read, write, delete and link (privileges.go).
const (
	PrivCreate   = "create"    // start an instance; create a record
	PrivRead     = "read"      // see instances; read a record
	PrivWrite    = "write"     // move, finish, abandon, reactivate; update a record
	PrivDelete   = "delete"    // delete an instance or a record
	PrivAppend   = "append"    // associate a record with an instance (start, a cross-table move); set a record's lookup
	PrivAppendTo = "append_to" // associate an instance with a record of another table; be the target of a lookup
)

// what says, for a refusal, what a privilege would have allowed.
var what = map[string]string{
	PrivCreate:   "start instances of flow %s",
	PrivRead:     "see instances of flow %s",
	PrivWrite:    "change instances of flow %s",
	PrivDelete:   "delete instances of flow %s",
	PrivAppend:   "associate records with instances of flow %s",
	PrivAppendTo: "link instances of flow %s to records of another table",
}

// allows reports whether the acting user has every privilege on f.
func (o *op) allows(f *flow, privs ...string) bool {
	for _, p := range privs {
		if !o.acc.Allows(f.wf.InstanceTable, p) {
			return false
		}
	}
	return true
}

// require fails with a *ForbiddenError naming the first privilege on f the
// acting user lacks.
func (o *op) require(f *flow, privs ...string) error {
	for _, p := range privs {
		if !o.acc.Allows(f.wf.InstanceTable, p) {
			return &ForbiddenError{User: o.user, Privilege: p, Table: f.wf.InstanceTable, Flow: f.f.Name,
				Reason: fmt.Sprintf(what[p], f.f.Name)}
		}
	}
	return nil
}

// requireAdmin fails unless the acting user is a system administrator.
func (o *op) requireAdmin(doing string) error {
	for _, r := range o.acc.User.Roles {
		if r == "system_administrator" {
			return nil
		}
	}
	return &ForbiddenError{User: o.user, Reason: "may not " + doing + ": only a system_administrator may", NotAdmin: true,
		Roles: slices.Clone(o.acc.User.Roles)}
}

// userID is the acting user's systemuserid.
func (o *op) userID() string { return o.acc.User.ID }
