package engine

import (
	"fmt"

	"github.com/bpfc/bpfc/runtime/store"
)

// Privileges on the records of standard and custom tables, with depth, as
// Dataverse checks them.
//
// What a user holds on a table is the widest of:
//   - what its roles grant on the table itself (store.Access);
//   - what its roles grant on a flow, on every table the flow's stages use
//     (its primary table included): a grant on lead_to_opportunity at
//     business_unit depth gives those privileges at that depth on lead and
//     opportunity;
//   - the basic level every user with a role holds, as Dataverse's Basic
//     User role gives it: every privilege on the rows the user owns (user
//     depth) of every standard and custom table, and read and append_to on
//     users (systemuser, which no one owns).
//
// system_administrator and system_customizer hold every privilege at
// organization depth.
//
// Depth decides which rows a privilege reaches. The run time has one
// business unit, the environment's root, which every user and every row
// belongs to: user depth reaches the rows whose ownerid is the user;
// business_unit, parent_child and organization reach every row. A table
// without ownerid (systemuser, a flow's instance table) is owned by the
// organization: any depth reaches every row.
//
// Setting a lookup, as in Dataverse, needs append on the row's table (at a
// depth reaching the row) and append_to on the target's table (at a depth
// reaching the target). ownerid is a lookup to systemuser like any other.

// colOwner is the owner column of user-owned tables.
const colOwner = "ownerid"

// basicDepth is the depth of the basic level on t: user on standard and
// custom tables with an owner; organization for reading and linking to
// people (systemuser, aaduser); none on other tables without an owner.
func basicDepth(t store.Table, priv string) string {
	switch {
	case t.Kind == store.TableInstance:
		return ""
	case t.Name == "systemuser" || t.Name == "aaduser":
		// The directory of people: everyone reads it and looks people up.
		if priv == PrivRead || priv == PrivAppendTo {
			return store.DepthOrganization
		}
		return ""
	case !owned(t):
		// No row is anyone's own (an organization-owned table): only what
		// a role grants reaches them. The basic level reached them all.
		return ""
	}
	return store.DepthUser
}

// depthOn is the widest depth at which the acting user holds priv on the
// records of t; "" when it does not.
func (o *op) depthOn(t store.Table, priv string) string {
	if o.acc.FullAccess {
		return store.DepthOrganization
	}
	d := o.acc.Depth(t.Name, priv)
	if t.Kind == store.TableInstance {
		return d
	}
	for _, f := range o.dep.flowsOn[t.Name] {
		d = store.WiderDepth(d, o.acc.Depth(f.wf.InstanceTable, priv))
	}
	return store.WiderDepth(d, basicDepth(t, priv))
}

// owned reports whether t's rows have an owner.
func owned(t store.Table) bool {
	_, ok := t.Column(colOwner)
	return ok
}

// reaches reports whether a privilege at depth reaches row of t.
func (o *op) reaches(depth string, t store.Table, row store.Row) bool {
	switch depth {
	case "":
		return false
	case store.DepthUser:
		return !owned(t) || str(row[colOwner]) == o.userID()
	}
	// business_unit and parent_child: the root business unit holds every
	// user and every row; organization: every row.
	return true
}

// mayOn fails unless the acting user holds priv on t at some depth; it
// returns that depth.
func (o *op) mayOn(t store.Table, priv, doing string) (string, error) {
	d := o.depthOn(t, priv)
	if d == "" {
		return "", &ForbiddenError{User: o.user, Privilege: priv, Table: t.Name, Reason: doing}
	}
	return d, nil
}

// mayRow fails unless the acting user holds priv on t at a depth that
// reaches row.
// checker is mayOn and mayRow for the hooks.
func (o *op) checker() Checker {
	return func(t store.Table, row store.Row, priv, doing string) error {
		if row == nil {
			_, err := o.mayOn(t, priv, doing)
			return err
		}
		return o.mayRow(t, row, priv, doing)
	}
}

func (o *op) mayRow(t store.Table, row store.Row, priv, doing string) error {
	d, err := o.mayOn(t, priv, doing)
	if err != nil || o.reaches(d, t, row) {
		return err
	}
	return &ForbiddenError{User: o.user, Privilege: priv, Table: t.Name, Depth: d, Record: str(row[t.PrimaryKey]),
		Owner: o.userName(str(row[colOwner])), Reason: doing}
}

// userName is a user's name (domainname) by systemuserid, or the id.
func (o *op) userName(id string) string {
	t, ok := o.dep.tables["systemuser"]
	if !ok || id == "" {
		return id
	}
	row, err := o.tx.GetRow(t, id)
	if err != nil || str(row["domainname"]) == "" {
		return id
	}
	return str(row["domainname"])
}

// Link is a lookup a change sets: the column, the target's table and the
// row it points at (its primary key and, on an owned table, its owner).
type Link struct {
	Column string
	Target store.Table
	Row    store.Row
}

// mayLink fails unless the acting user may set the lookups links of row
// (a row of t, or the row about to be created, with its owner).
func (o *op) mayLink(t store.Table, row store.Row, id string, links []Link) error {
	if len(links) == 0 || o.acc.FullAccess {
		return nil
	}
	return o.checker().MayLink(t, row, id, links)
}

// MayLink fails unless may's user may set the lookups links of row (a row
// of t with id id; with id "", the row about to be created, with its
// owner): append on t reaching row, append_to on each target's table
// reaching the target. It is the check record create and update make, for
// the workflow steps that run as the calling user.
func (may Checker) MayLink(t store.Table, row store.Row, id string, links []Link) error {
	for _, l := range links {
		doing := fmt.Sprintf("set %s.%s of %s %s to %s %s", t.Name, l.Column, t.Name, id, l.Target.Name, str(l.Row[l.Target.PrimaryKey]))
		if id == "" {
			doing = fmt.Sprintf("set %s.%s of a new %s to %s %s", t.Name, l.Column, t.Name, l.Target.Name, str(l.Row[l.Target.PrimaryKey]))
		}
		if err := may(t, row, PrivAppend, doing); err != nil {
			return err
		}
		if err := may(l.Target, l.Row, PrivAppendTo, doing); err != nil {
			return err
		}
	}
	return nil
}

// mayLinkTo fails unless the acting user may make target (a row of t) the
// target of a lookup: append_to on t reaching it. doing names the link.
func (o *op) mayLinkTo(t store.Table, target store.Row, doing string) error {
	if o.acc.FullAccess {
		return nil
	}
	return o.mayRow(t, target, PrivAppendTo, doing)
}

// readable reports whether the acting user may read row of t.
func (o *op) readable(t store.Table, row store.Row) bool {
	return o.acc.FullAccess || o.reaches(o.depthOn(t, PrivRead), t, row)
}

// ownRows is the match that narrows a read of t to the rows the acting
// user's read privilege reaches: nil for every row.
func (o *op) ownRows(t store.Table) (map[string]any, error) {
	d, err := o.mayOn(t, PrivRead, "read "+t.Name+" records")
	if err != nil {
		return nil, err
	}
	if d == store.DepthUser && owned(t) {
		return map[string]any{colOwner: o.userID()}, nil
	}
	return nil, nil
}

// stageRow reads the record of a stage an instance decides on, as the
// acting user: a deleted record is store.ErrNotFound; one the user may not
// read, a *ForbiddenError.
func (o *op) stageRow(t store.Table, id, doing string) (store.Row, error) {
	row, err := o.tx.GetRow(t, id)
	if err != nil {
		return nil, err
	}
	if !o.acc.FullAccess {
		if err := o.mayRow(t, row, PrivRead, doing); err != nil {
			return nil, err
		}
	}
	return row, nil
}
