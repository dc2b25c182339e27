package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// NewUser is a user to add.
type NewUser struct {
	Name     string // domainname: how --as and tokens name the user
	FullName string
	Email    string
	Roles    []string
}

// AddUser adds a user (a systemuser row) with roles; only a system
// administrator may.
func (s *Session) AddUser(ctx context.Context, nu NewUser) (store.User, error) {
	var out store.User
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		if err := o.requireAdmin("add users"); err != nil {
			return err
		}
		name := strings.TrimSpace(nu.Name)
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
			// A control or invisible character would make a name that looks like
			// another's in every listing.
			return invalid("a user name is one word of printable characters, like alice or alice@contoso.example")
		}
		if _, err := o.tx.User(name); err == nil {
			return invalid("user %q already exists in %s (bpfc user set %s --role ROLE --env %s changes their roles)", name, o.dep.env, name, o.dep.env)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		// Dataverse's user names are unique regardless of case: ann and
		// ANN would be two users that people take for one. The store finds
		// them by an index, not by reading every user.
		same, err := o.tx.UsersFolded(name)
		if err != nil {
			return err
		}
		if len(same) > 0 {
			return invalid("user %q already exists in %s as %q: user names are unique regardless of case", name, o.dep.env, same[0].Name)
		}
		if nu.Email != "" && !emailRe.MatchString(nu.Email) {
			return invalid("%q is not an email address", nu.Email)
		}
		if err := o.knownRoles(nu.Roles); err != nil {
			return err
		}
		out = store.User{ID: uuid.NewString(), Name: name, FullName: nu.FullName, Email: nu.Email, Roles: nu.Roles}
		if out.FullName == "" {
			out.FullName = name
		}
		if err := o.tx.PutUser(out); err != nil {
			return fmt.Errorf("adding user %s: %w", name, err)
		}
		out, err = o.tx.User(name)
		return err
	})
	return out, err
}

// knownRoles fails with ErrNotFound for a role the environment has not.
func (o *op) knownRoles(names []string) error {
	roles, err := o.tx.Roles()
	if err != nil {
		return err
	}
	var known []string
	for _, r := range roles {
		known = append(known, r.Name)
	}
	for _, r := range names {
		if slices.Contains(known, r) {
			continue
		}
		// --role a,b: the flag takes one role at a time (a role's name
		// is a label, which may hold a comma).
		if parts := strings.Split(r, ","); len(parts) > 1 && !slices.ContainsFunc(parts, func(p string) bool { return !slices.Contains(known, strings.TrimSpace(p)) }) {
			return notFound("no role %q in %s: --role takes one role; give each its own, --role %s", r, o.dep.env, strings.Join(trimAll(parts), " --role "))
		}
		return notFound("no role %q in %s; its roles are %s%s", r, o.dep.env, strings.Join(known, ", "), didYouMean(r, known))
	}
	return nil
}

// UserChange is what SetUser changes; nil fields are left as they are.
type UserChange struct {
	Roles    *[]string // the user's roles from now on (replacing theirs)
	Disabled *bool     // disable (Dataverse's isdisabled) or enable the user
}

// SetUser changes a user's roles or disables or enables them; only a
// system administrator may. A change that would leave the environment
// without an enabled system administrator is refused: nobody could undo
// it. A disabled user's tokens and sessions stop working at once.
func (s *Session) SetUser(ctx context.Context, name string, c UserChange) (store.User, error) {
	var out store.User
	err := s.e.run(ctx, s.user, true, func(o *op) error {
		if err := o.requireAdmin("change users"); err != nil {
			return err
		}
		u, err := o.tx.User(name)
		if errors.Is(err, store.ErrNotFound) {
			return noUser(o.tx, name, o.dep.env)
		} else if err != nil {
			return err
		}
		if c.Roles != nil {
			if err := o.knownRoles(*c.Roles); err != nil {
				return err
			}
			u.Roles = slices.Clone(*c.Roles)
		}
		if c.Disabled != nil {
			u.Disabled = *c.Disabled
		}
		kept := !u.Disabled && slices.Contains(u.Roles, "system_administrator")
		if !kept {
			if kept, err = o.tx.OtherUserWithRole("system_administrator", u.ID); err != nil {
				return err
			}
		}
		if !kept {
			return &ErrRefused{Op: "change user " + name, Rule: RuleLastAdmin,
				Reason: fmt.Sprintf("that would leave %s without an enabled system_administrator, and nobody could change users again", o.dep.env)}
		}
		if err := o.tx.PutUser(u); err != nil {
			return fmt.Errorf("changing user %s: %w", name, err)
		}
		out, err = o.tx.User(name)
		return err
	})
	return out, err
}

// Users lists the environment's users with their roles.
func (s *Session) Users(ctx context.Context) ([]store.User, error) {
	var out []store.User
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		var err error
		out, err = o.tx.Users()
		return err
	})
	return out, err
}

// OnBehalfOf is the name of the user the acting user asks to act for,
// named by systemuserid (Dataverse's MSCRMCallerID header) or by name. As
// in Dataverse, where only holders of prvActOnBehalfOfAnotherUser may, only
// a system administrator may act for another user; that user's own roles
// then decide what it may do (a disabled one may do nothing).
func (s *Session) OnBehalfOf(ctx context.Context, user string) (string, error) {
	var name string
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		if err := o.requireAdmin("act on behalf of another user"); err != nil {
			return err
		}
		// The user by systemuserid, then by name, each by its index;
		// only an id in other letters' case or no user reads them all.
		found, err := o.domainNames([]string{user, strings.ToLower(user)})
		if err != nil {
			return err
		}
		if name = cmp.Or(found[user], found[strings.ToLower(user)]); name != "" {
			return nil
		}
		if _, err := o.tx.User(user); err == nil {
			name = user
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		users, err := o.tx.Users()
		if err != nil {
			return err
		}
		for _, u := range users {
			if strings.EqualFold(u.ID, user) || u.Name == user {
				name = u.Name
				return nil
			}
		}
		// Only a system administrator gets here, who may list the users.
		return invalid("no user %q in environment %s to act on behalf of (bpfc user list shows who is)%s", user, o.dep.env, didYouMean(user, userNames(users)))
	})
	return name, err
}

// NotAUser is the reason user may not act in environment env: no user of
// it has that name, with the one most likely meant. Give it only to a
// caller who may list the users (one with the store itself, as a local
// command or report).
func NotAUser(tx store.Tx, user, env string) (string, error) {
	hint, err := userHint(tx, user)
	if err != nil {
		return "", err
	}
	return "is not a user of environment " + env + " (bpfc user list shows who is)" + hint, nil
}

// noUser is the ErrNotFound of a user name the environment does not have,
// with the one most likely meant: for an administrator's command on users.
func noUser(tx store.Tx, name, env string) error {
	hint, err := userHint(tx, name)
	if err != nil {
		return err
	}
	return notFound("no user %q in %s (bpfc user list shows who is)%s", name, env, hint)
}

// userHint is "; did you mean X?" for the user name an unknown one most
// likely meant, or "".
func userHint(tx store.Tx, name string) (string, error) {
	users, err := tx.Users()
	if err != nil {
		return "", err
	}
	return didYouMean(name, userNames(users)), nil
}

func userNames(users []store.User) []string {
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.Name
	}
	return names
}

// Me is who the session acts as: Dataverse's WhoAmI. The environment has
// one business unit in one organization; their ids are derived from the
// environment's name and creation time, so they stay the same for its
// life and differ between environments.
type Me struct {
	UserID, BusinessUnitID, OrganizationID string
}

// WhoAmI says who the session acts as.
func (s *Session) WhoAmI(ctx context.Context) (Me, error) {
	var me Me
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		meta, err := s.e.s.Meta(ctx)
		if err != nil {
			return err
		}
		org := compiler.ID("organization", meta.Name, meta.CreatedOn.UTC().Format(time.RFC3339Nano))
		me = Me{UserID: o.userID(), BusinessUnitID: compiler.ID("businessunit", org), OrganizationID: org}
		return nil
	})
	return me, err
}

// trimAll is ss with the spaces around each trimmed.
func trimAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.TrimSpace(s)
	}
	return out
}
