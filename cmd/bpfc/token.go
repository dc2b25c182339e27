package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/bpfc/bpfc/runtime/store"
)

type tokenOptions struct {
	runtimeOptions
	label  string
	list   bool
	revoke string
}

// newUserTokenCmd is `bpfc user token`: issue, list and revoke the Web
// API's bearer tokens of a user.
func newUserTokenCmd(g *globals) *cobra.Command {
	o := &tokenOptions{}
	cmd := &cobra.Command{
		Use:   "token NAME --env E [--label TEXT | --list | --revoke ID]",
		Short: "Print a bearer token for the Web API (bpfc serve)",
		Long: "user token prints a new bearer token for user NAME of environment E: send it as\n" +
			"Authorization: Bearer TOKEN to bpfc serve. The token is shown once; the environment\n" +
			"keeps only its SHA-256. A user may issue tokens for themselves, a system\n" +
			"administrator for anyone. --list lists NAME's tokens; --revoke ID revokes one\n" +
			"(it stops working within two seconds).\n\n" +
			"--output json prints {id, user, token, label, created_on}; with --list\n" +
			"{\"environment\": E, \"tokens\": [{id, user, label, created_on, created_by, revoked_on}]}.",
		Args: argsUsage(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runUserToken(g, o, args[0]) },
	}
	o.localFlags(cmd)
	cmd.Flags().StringVar(&o.label, "label", "", "what the token is for, for the list")
	cmd.Flags().BoolVar(&o.list, "list", false, "list the user's tokens instead")
	cmd.Flags().StringVar(&o.revoke, "revoke", "", "revoke the token with this `ID` instead")
	return cmd
}

type tokenJSON struct {
	ID        string     `json:"id"`
	User      string     `json:"user"`
	Token     string     `json:"token,omitempty"`
	Label     string     `json:"label"`
	CreatedOn time.Time  `json:"created_on"`
	CreatedBy string     `json:"created_by,omitempty"`
	RevokedOn *time.Time `json:"revoked_on"`
}

func toTokenJSON(t store.Token) tokenJSON {
	out := tokenJSON{ID: t.ID, User: t.User, Label: t.Label, CreatedOn: t.CreatedOn, CreatedBy: t.CreatedBy}
	if !t.RevokedOn.IsZero() {
		r := t.RevokedOn
		out.RevokedOn = &r
	}
	return out
}

func runUserToken(g *globals, o *tokenOptions, name string) error {
	if o.list && o.revoke != "" {
		return usageErr("user token: --list and --revoke do not go together")
	}
	s, done, err := openSession(g, &o.runtimeOptions, "user token")
	if err != nil {
		return err
	}
	defer done()
	ctx := context.Background()
	switch {
	case o.list:
		tokens, err := s.Tokens(ctx, name)
		if err != nil {
			return runtimeErr(err)
		}
		if g.output == "json" {
			out := make([]tokenJSON, len(tokens))
			for i, t := range tokens {
				out[i] = toTokenJSON(t)
			}
			return writeJSON(g.stdout, map[string]any{"environment": o.env, "tokens": out})
		}
		rows := [][]string{{"ID", "LABEL", "CREATED", "BY", "REVOKED"}}
		for _, t := range tokens {
			revoked := "-"
			if !t.RevokedOn.IsZero() {
				revoked = formatValue(t.RevokedOn)
			}
			rows = append(rows, []string{t.ID, orElse(t.Label, "-"), formatValue(t.CreatedOn), t.CreatedBy, revoked})
		}
		table(g.stdout, rows)
		return nil
	case o.revoke != "":
		if err := s.RevokeToken(ctx, o.revoke); err != nil {
			return runtimeErr(err)
		}
		if g.output == "json" {
			return writeJSON(g.stdout, map[string]any{"id": o.revoke, "revoked": true})
		}
		fmt.Fprintf(g.stdout, "Revoked token %s\n", o.revoke)
		return nil
	}
	secret, t, err := s.IssueToken(ctx, name, o.label)
	if err != nil {
		return runtimeErr(err)
	}
	if g.output == "json" {
		j := toTokenJSON(t)
		j.Token = secret
		return writeJSON(g.stdout, j)
	}
	fmt.Fprintln(g.stdout, secret)
	fmt.Fprintf(g.stderr, "Token %s for %s in %s: shown once, kept only as its hash; revoke it with bpfc user token %s --env %s --revoke %s\n",
		t.ID, name, o.env, name, o.env, t.ID)
	return nil
}
