package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

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
		if name == "" || strings.ContainsAny(name, " \t\r\n") {
			return invalid("a user name is one word, like alice or alice@contoso.example")
		}
		if _, err := o.tx.User(name); err == nil {
			return invalid("user %q already exists in %s", name, o.dep.env)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if nu.Email != "" && !emailRe.MatchString(nu.Email) {
			return invalid("%q is not an email address", nu.Email)
		}
		roles, err := o.tx.Roles()
		if err != nil {
			return err
		}
		var known []string
		for _, r := range roles {
			known = append(known, r.Name)
		}
		for _, r := range nu.Roles {
			if !slices.Contains(known, r) {
				return notFound("no role %q in %s; its roles are %s", r, o.dep.env, strings.Join(known, ", "))
			}
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
		return invalid("no user %q in environment %s to act on behalf of (bpfc user list shows who is)", user, o.dep.env)
	})
	return name, err
}
