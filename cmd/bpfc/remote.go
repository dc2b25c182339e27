package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/webapi"
)

// Remote environments: an environment with url = "http://…" is another
// machine's bpfc serve, reached through its Web API.

// remoteToken is the bearer token for a remote environment:
// BPFC_TOKEN_<ENV> (upper case, other characters as _), else BPFC_TOKEN.
func remoteToken(env string) (string, error) {
	key := "BPFC_TOKEN_" + envKey(env)
	for _, k := range []string{key, "BPFC_TOKEN"} {
		if v := strings.TrimSpace(os.Getenv(k)); v != "" {
			return v, nil
		}
	}
	// The server names the environment as its own project does, which
	// need not be env: the hint names no environment, as tokenHint's.
	return "", &exitError{code: 1, msg: "environment " + env + " is remote: set " + key + " (or BPFC_TOKEN) to a token of its server " +
		"(bpfc user token NAME --env E, run there, E the environment's name on that server)"}
}

// envKey is an environment's name as environment variables spell it: upper
// case, other characters than letters and digits as _.
func envKey(env string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, env)
}

// tokenHint says, for a 401, where a remote environment's token comes
// from and how to get another.
func tokenHint(env string) string {
	return "set BPFC_TOKEN_" + envKey(env) + " (or BPFC_TOKEN) to a valid token of its server (bpfc user token NAME --env E, run there)"
}

// remoteClient is the Web API client of a remote environment for a
// run-time command. The token's user acts; with --as, it acts on behalf of
// that user (Dataverse's impersonation, which the server allows a system
// administrator's token only).
func remoteClient(env *compiler.Environment, o *runtimeOptions) (*webapi.Client, error) {
	token, err := remoteToken(env.Name)
	if err != nil {
		return nil, err
	}
	c := &webapi.Client{URL: env.URL, Token: token, Env: env.Name, TokenHint: tokenHint(env.Name)}
	if o.asFlag != nil && o.asFlag.Changed {
		c.OnBehalfOf = o.as
	}
	return c, nil
}

// remoteDeploy imports b into a remote environment through its server's
// ImportSolution; the server runs the import and its own promote_from gate.
// timeout, when not 0, bounds each request to the server (--timeout).
func remoteDeploy(ctx context.Context, g *globals, env *compiler.Environment, b *deploy.Build, opts deploy.Options, timeout time.Duration) error {
	if _, err := remoteToken(env.Name); err != nil {
		// The failed result document under --output json, as any import
		// that cannot start prints it.
		return reportResult(g, env, opts.Mode, b, nil, err)
	}
	res, err := webapi.Remotes{Token: remoteToken, TokenHint: tokenHint, Timeout: timeout}.Import(ctx, env, b, opts)
	if err != nil && ctx.Err() != nil {
		// The server rolls back an import whose request ended before it
		// committed; one that committed first stays. history refuses a
		// remote environment, so point at what answers from here (env list
		// reads the live build through the server) and where history runs.
		err = fmt.Errorf("interrupted while %s imported it: the server keeps the import only if it had committed it, so it may or may not have been made; "+
			"bpfc env list shows the build live in %s (this one is %s), and bpfc history, run where its server runs, lists every import: %w",
			env.URL, env.Name, shortDigest(b.Digest), err)
	}
	return reportResult(g, env, opts.Mode, b, res, err)
}

// remotePipeline is the project's pipeline reaching its remote
// environments through their servers' Web API (ImportSolution,
// bpfc_ExportSolution), with the token of each: what promote and release
// use, so that a remote environment is a source, a target or a
// promote_from gate like a local one. timeout, when not 0, bounds each
// request to a server (--timeout).
func remotePipeline(g *globals, p *compiler.Project, timeout time.Duration) *deploy.Pipeline {
	pl := pipeline(g, p)
	pl.Remote = webapi.Remotes{Token: remoteToken, TokenHint: tokenHint, Timeout: timeout}
	return pl
}
