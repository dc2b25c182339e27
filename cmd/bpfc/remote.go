package main

import (
	"context"
	"os"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/webapi"
)

// Remote environments: an environment with url = "http://…" is another
// machine's bpfc serve, reached through its Web API.

// remoteToken is the bearer token for a remote environment:
// BPFC_TOKEN_<ENV> (upper case, other characters as _), else BPFC_TOKEN.
func remoteToken(env string) (string, error) {
	key := "BPFC_TOKEN_" + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, env)
	for _, k := range []string{key, "BPFC_TOKEN"} {
		if v := strings.TrimSpace(os.Getenv(k)); v != "" {
			return v, nil
		}
	}
	return "", &exitError{code: 1, msg: "environment " + env + " is remote: set " + key + " (or BPFC_TOKEN) to a token of its server " +
		"(bpfc user token NAME --env " + env + " run there)"}
}

// remoteDeploy imports b into a remote environment through its server's
// ImportSolution; the server runs the import and its own promote_from gate.
func remoteDeploy(g *globals, env *compiler.Environment, b *deploy.Build, opts deploy.Options) error {
	token, err := remoteToken(env.Name)
	if err != nil {
		return err
	}
	c := &webapi.Client{URL: env.URL, Token: token}
	res, err := c.Import(context.Background(), b, env.Managed, opts.Mode, opts.Settings, opts.Who)
	if res != nil {
		res.Environment = env.Name
	}
	return reportResult(g, res, err)
}
