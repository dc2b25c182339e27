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
	// user set
	noRoles, disable, enable bool
}

func newUserCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Users of an environment and their roles",
		Long: "user works on the users of environment E (rows of systemuser) and their security\n" +
			"roles, which every run-time command enforces for the user it acts as (--as). Every\n" +
			"environment starts with an administrator, admin. A system administrator adds users,\n" +
			"changes their roles, disables or enables them, and prints bearer tokens for the\n" +
			"Web API of bpfc serve.",
		Args: argsUsage(cobra.NoArgs),
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
	so := &userOptions{}
	set := &cobra.Command{
		Use:   "set NAME --env E [--role R ... | --no-roles] [--disable | --enable]",
		Short: "Change a user's roles, or disable or enable the user",
		Long: "user set changes user NAME of environment E: --role R (repeatable) gives the\n" +
			"user exactly these roles, --no-roles takes every role away, --disable stops the\n" +
			"user (their tokens and web sessions stop working at once; records keep them as\n" +
			"owner) and --enable lets them in again. Only a system administrator may; a change\n" +
			"that would leave no enabled system_administrator is refused.\n\n" +
			"--output json prints the user: {id, name, full_name, email, disabled, roles}.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runUserSet(g, so, cmd, args[0]) },
	}
	so.localFlags(set)
	set.Flags().StringArrayVar(&so.roles, "role", nil, "give the user exactly these roles: `ROLE` (repeatable)")
	set.Flags().BoolVar(&so.noRoles, "no-roles", false, "take every role away from the user")
	set.Flags().BoolVar(&so.disable, "disable", false, "disable the user")
	set.Flags().BoolVar(&so.enable, "enable", false, "enable the user again")
	cmd.AddCommand(add, list, set, newUserTokenCmd(g))
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

func runUserSet(g *globals, o *userOptions, cmd *cobra.Command, name string) error {
	var c engine.UserChange
	switch {
	case o.noRoles && cmd.Flags().Changed("role"):
		return usageErr("user set: --role and --no-roles conflict")
	case o.disable && o.enable:
		return usageErr("user set: --disable and --enable conflict")
	case cmd.Flags().Changed("role"):
		c.Roles = &o.roles
	case o.noRoles:
		c.Roles = &[]string{}
	}
	if o.disable || o.enable {
		c.Disabled = &o.disable
	}
	if c.Roles == nil && c.Disabled == nil {
		return usageErr("user set: say what to change: --role R, --no-roles, --disable or --enable")
	}
	s, done, err := openSession(g, &o.runtimeOptions, "user set")
	if err != nil {
		return err
	}
	defer done()
	u, err := s.SetUser(context.Background(), name, c)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		return writeJSON(g.stdout, toUserJSON(u))
	}
	state := ""
	if u.Disabled {
		state = ", disabled"
	}
	fmt.Fprintf(g.stdout, "Changed user %s in %s (roles: %s%s)\n", u.Name, o.env, orElse(strings.Join(u.Roles, ", "), "none"), state)
	return nil
}

func runUserList(g *globals, o *userOptions) error {
	s, done, err := openEnv(g, &o.runtimeOptions, "user list")
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
