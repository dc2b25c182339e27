package sqlstore

import (
	"cmp"
	"database/sql"
	"errors"
	"slices"

	"github.com/bpfc/bpfc/runtime/store"
)

func scanRole(sc interface{ Scan(...any) error }) (store.Role, error) {
	var r store.Role
	var builtin, full int
	err := sc.Scan(&r.ID, &r.Name, &r.DisplayName, &r.Solution, &builtin, &full)
	r.Builtin, r.FullAccess = builtin != 0, full != 0
	return r, err
}

func (t *tx) Roles() ([]store.Role, error) {
	rows, err := t.query(`SELECT role_id, name, display_name, solution, builtin, full_access FROM role ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *tx) Role(name string) (store.Role, error) {
	r, err := scanRole(t.queryRow(`SELECT role_id, name, display_name, solution, builtin, full_access FROM role WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("role", name)
	}
	return r, err
}

func (t *tx) PutRole(r store.Role) error {
	// Of a role's columns only full_access is in users' access.
	if was, err := t.Role(r.Name); errors.Is(err, store.ErrNotFound) || err == nil && was.FullAccess != r.FullAccess {
		if err := t.accessChanged(); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO role (role_id, name, display_name, solution, builtin, full_access) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (name) DO UPDATE SET role_id = excluded.role_id, display_name = excluded.display_name, solution = excluded.solution,
	builtin = excluded.builtin, full_access = excluded.full_access`,
		r.ID, r.Name, r.DisplayName, r.Solution, b2i(r.Builtin), b2i(r.FullAccess))
	return err
}

func (t *tx) DeleteRole(name string) error {
	if err := t.accessChanged(); err != nil {
		return err
	}
	for _, q := range []string{`DELETE FROM roleprivilege WHERE role = $1`, `DELETE FROM systemuserroles WHERE role = $1`} {
		if _, err := t.exec(q, name); err != nil {
			return err
		}
	}
	res, err := t.exec(`DELETE FROM role WHERE name = $1`, name)
	if err != nil {
		return err
	}
	return affected(res, "role", name)
}

func (t *tx) SetPrivileges(role string, ps []store.Privilege) error {
	if _, err := t.Role(role); err != nil {
		return err
	}
	was, err := t.Privileges(role)
	if err != nil {
		return err
	}
	if samePrivileges(was, ps) {
		return nil // an import that applies the same roles again
	}
	if err := t.accessChanged(); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM roleprivilege WHERE role = $1`, role); err != nil {
		return err
	}
	for _, p := range ps {
		if _, err := t.exec(`INSERT INTO roleprivilege (role, table_name, privilege, depth) VALUES ($1, $2, $3, $4)
ON CONFLICT (role, table_name, privilege) DO UPDATE SET depth = excluded.depth`, role, p.Table, p.Privilege, p.Depth); err != nil {
			return err
		}
	}
	return nil
}

// samePrivileges reports whether setting ps leaves a role with was (sorted
// by table and privilege): a later privilege of ps replaces an earlier one
// of the same table and privilege, as SetPrivileges writes them.
func samePrivileges(was, ps []store.Privilege) bool {
	byKey := map[[2]string]string{}
	for _, p := range ps {
		byKey[[2]string{p.Table, p.Privilege}] = p.Depth
	}
	if len(byKey) != len(was) {
		return false
	}
	for _, p := range was {
		if d, ok := byKey[[2]string{p.Table, p.Privilege}]; !ok || d != p.Depth {
			return false
		}
	}
	return true
}

func (t *tx) Privileges(role string) ([]store.Privilege, error) {
	rows, err := t.query(`SELECT table_name, privilege, depth FROM roleprivilege WHERE role = $1 ORDER BY table_name, privilege`, role)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Privilege
	for rows.Next() {
		var p store.Privilege
		if err := rows.Scan(&p.Table, &p.Privilege, &p.Depth); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Users.

func (t *tx) Users() ([]store.User, error) {
	// One statement, the users with their roles, where reading each
	// user's roles by a statement of its own made a list of 100,000 users
	// 100,001 round trips.
	rows, err := t.query(`SELECT u.systemuserid, u.domainname, COALESCE(u.fullname, ''), COALESCE(u.internalemailaddress, ''),
	COALESCE(u.isdisabled, 0), ur.role
FROM systemuser u LEFT JOIN systemuserroles ur ON ur.systemuserid = u.systemuserid
ORDER BY u.domainname, u.systemuserid, ur.role`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		var u store.User
		var disabled int
		var role sql.NullString
		if err := rows.Scan(&u.ID, &u.Name, &u.FullName, &u.Email, &disabled, &role); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != u.ID {
			u.Disabled = disabled != 0
			out = append(out, u)
		}
		if role.Valid {
			last := &out[len(out)-1]
			last.Roles = append(last.Roles, role.String)
		}
	}
	return out, rows.Err()
}

func (t *tx) OtherUserWithRole(role, except string) (bool, error) {
	// EXISTS stops at the first: an environment's administrators are few
	// among its users, and no statement needs to count them.
	var found bool
	err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM systemuserroles ur JOIN systemuser u ON u.systemuserid = ur.systemuserid
WHERE ur.role = $1 AND ur.systemuserid <> $2 AND COALESCE(u.isdisabled, 0) = 0)`, role, except).Scan(&found)
	return found, err
}

func (t *tx) User(name string) (store.User, error) {
	a, err := t.Access(name)
	return a.User, err
}

// Access reads the user, its roles and their privileges in one query.
func (t *tx) Access(name string) (store.Access, error) {
	if t.accessStamp != 0 {
		if a, ok := t.access.get(t.accessStamp, t.importGen, name); ok {
			return a, nil
		}
	}
	a, err := t.readAccess(name)
	if err == nil && t.accessStamp != 0 {
		t.access.put(t.accessStamp, t.importGen, a)
	}
	return a, err
}

func (t *tx) readAccess(name string) (store.Access, error) {
	rows, err := t.queryC(`SELECT u.systemuserid, COALESCE(u.fullname, ''), COALESCE(u.internalemailaddress, ''), COALESCE(u.isdisabled, 0),
	COALESCE(r.name, ''), COALESCE(r.full_access, 0), COALESCE(p.table_name, ''), COALESCE(p.privilege, ''), COALESCE(p.depth, ''),
	(SELECT COALESCE(MAX(importjob_id), 0) FROM importjob)
FROM systemuser u
LEFT JOIN systemuserroles ur ON ur.systemuserid = u.systemuserid
LEFT JOIN role r ON r.name = ur.role
LEFT JOIN roleprivilege p ON p.role = r.name
WHERE u.domainname = $1`, name)
	if err != nil {
		return store.Access{}, err
	}
	defer rows.Close()
	a := store.Access{User: store.User{Name: name}}
	found := false
	seen := map[[2]string]int{}
	for rows.Next() {
		var disabled, full int
		var role string
		var p store.Privilege
		if err := rows.Scan(&a.User.ID, &a.User.FullName, &a.User.Email, &disabled, &role, &full, &p.Table, &p.Privilege, &p.Depth,
			&a.Generation); err != nil {
			return a, err
		}
		found = true
		a.User.Disabled = disabled != 0
		if role != "" && !slices.Contains(a.User.Roles, role) {
			a.User.Roles = append(a.User.Roles, role)
		}
		a.FullAccess = a.FullAccess || full != 0
		if p.Table == "" {
			continue
		}
		k := [2]string{p.Table, p.Privilege}
		if i, ok := seen[k]; ok {
			a.Privileges[i].Depth = store.WiderDepth(a.Privileges[i].Depth, p.Depth)
			continue
		}
		seen[k] = len(a.Privileges)
		a.Privileges = append(a.Privileges, p)
	}
	if err := rows.Err(); err != nil {
		return a, err
	}
	if !found {
		return store.Access{}, notFound("user", name)
	}
	slices.Sort(a.User.Roles)
	slices.SortFunc(a.Privileges, func(x, y store.Privilege) int {
		return cmp.Or(cmp.Compare(x.Table, y.Table), cmp.Compare(x.Privilege, y.Privilege))
	})
	return a, nil
}

func (t *tx) PutUser(u store.User) error {
	if err := t.accessChanged(); err != nil {
		return err
	}
	now := t.stamp()
	_, err := t.exec(`INSERT INTO systemuser (systemuserid, domainname, fullname, internalemailaddress, isdisabled, accessmode, createdon, modifiedon,
	`+foldColumn+`)
VALUES ($1, $2, $3, $4, $5, 0, $6, $6, $7)
ON CONFLICT (systemuserid) DO UPDATE SET domainname = excluded.domainname, fullname = excluded.fullname,
	internalemailaddress = excluded.internalemailaddress, isdisabled = excluded.isdisabled, modifiedon = excluded.modifiedon,
	`+foldColumn+` = excluded.`+foldColumn,
		u.ID, u.Name, u.FullName, u.Email, b2i(u.Disabled), now, store.FoldName(u.Name))
	if err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM systemuserroles WHERE systemuserid = $1`, u.ID); err != nil {
		return err
	}
	roles := slices.Clone(u.Roles)
	slices.Sort(roles)
	for _, r := range slices.Compact(roles) {
		if _, err := t.Role(r); err != nil {
			return err
		}
		if _, err := t.exec(`INSERT INTO systemuserroles (systemuserid, role) VALUES ($1, $2)`, u.ID, r); err != nil {
			return err
		}
	}
	return nil
}
