package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/runtime/engine"
	"github.com/bpfc/bpfc/runtime/store"
)

type userOptions struct {
	runtimeOptions
	roles    []string
	fullName string
	email    string
}

func newUserCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Users of an environment and their roles",
		Args:  argsUsage(cobra.NoArgs),
	}
	o := &userOptions{}
	add := &cobra.Command{
		Use:   "add NAME --env E --role R ...",
		Short: "Add a user with security roles",
		Long: "user add adds a user (a row of systemuser) to environment E with the given\n" +
			"security roles: system_administrator, system_customizer, or the roles the\n" +
			"deployed solutions define. Only a system administrator may add users; every\n" +
			"environment starts with one, admin. --as NAME then acts as the new user.\n\n" +
			"--output json prints the user: {id, name, full_name, email, disabled, roles}.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runUserAdd(g, o, args[0]) },
	}
	o.localFlags(add)
	add.Flags().StringArrayVar(&o.roles, "role", nil, "give the user `ROLE` (repeatable)")
	add.Flags().StringVar(&o.fullName, "full-name", "", "the user's full `NAME`")
	add.Flags().StringVar(&o.email, "email", "", "the user's email `ADDRESS`")
	lo := &userOptions{}
	list := &cobra.Command{
		Use:   "list --env E",
		Short: "List the users of an environment with their roles",
		Long: "user list prints the users of environment E with their roles.\n\n" +
			"--output json prints {\"environment\": E, \"users\": [{id, name, full_name, email,\n" +
			"disabled, roles}]}.",
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runUserList(g, lo) },
	}
	lo.localFlags(list)
	cmd.AddCommand(add, list, newUserTokenCmd(g))
	return cmd
}

// userJSON is a user as JSON output shows it.
type userJSON struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	FullName string   `json:"full_name"`
	Email    string   `json:"email"`
	Disabled bool     `json:"disabled"`
	Roles    []string `json:"roles"`
}

func toUserJSON(u store.User) userJSON {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return userJSON{ID: u.ID, Name: u.Name, FullName: u.FullName, Email: u.Email, Disabled: u.Disabled, Roles: roles}
}

func runUserAdd(g *globals, o *userOptions, name string) error {
	s, done, err := openSession(g, &o.runtimeOptions, "user add")
	if err != nil {
		return err
	}
	defer done()
	u, err := s.AddUser(context.Background(), engine.NewUser{Name: name, FullName: o.fullName, Email: o.email, Roles: o.roles})
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, toUserJSON(u))
	}
	fmt.Fprintf(g.stdout, "Added user %s to %s (roles: %s)\n", u.Name, o.env, orElse(strings.Join(u.Roles, ", "), "none"))
	return nil
}

func runUserList(g *globals, o *userOptions) error {
	s, done, err := openSession(g, &o.runtimeOptions, "user list")
	if err != nil {
		return err
	}
	defer done()
	users, err := s.Users(context.Background())
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		out := make([]userJSON, len(users))
		for i, u := range users {
			out[i] = toUserJSON(u)
		}
		return writeJSON(g.stdout, map[string]any{"environment": o.env, "users": out})
	}
	rows := [][]string{{"NAME", "FULL NAME", "EMAIL", "ROLES"}}
	for _, u := range users {
		name := u.Name
		if u.Disabled {
			name += " (disabled)"
		}
		rows = append(rows, []string{name, u.FullName, orElse(u.Email, "-"), orElse(strings.Join(u.Roles, ", "), "-")})
	}
	table(g.stdout, rows)
	return nil
}
