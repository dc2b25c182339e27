package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
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
	return "", &exitError{code: 1, msg: "environment " + env + " is remote: set " + key + " (or BPFC_TOKEN) to a token of its server " +
		"(bpfc user token NAME --env " + env + " run there)"}
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

// remoteClient is the Web API client of a remote environment for a
// run-time command. The token's user acts: --as cannot choose another.
func remoteClient(env *compiler.Environment, o *runtimeOptions) (*webapi.Client, error) {
	if o.asFlag != nil && o.asFlag.Changed {
		return nil, &exitError{code: 1, msg: "--as " + o.as + ": environment " + env.Name + " is remote, and its server acts as the user of the token " +
			"(BPFC_TOKEN_" + envKey(env.Name) + " or BPFC_TOKEN); to act as " + o.as + ", use a token of theirs (bpfc user token " + o.as +
			" --env E, run on the server)"}
	}
	token, err := remoteToken(env.Name)
	if err != nil {
		return nil, err
	}
	return &webapi.Client{URL: env.URL, Token: token, Env: env.Name}, nil
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

// remotePromote imports into a remote environment the build live in the
// local environment from, through the server's ImportSolution, recorded
// there as a promotion. The target's promote_from gate is checked here as
// a local promotion checks it (the server checks its own project's gate
// again).
func remotePromote(g *globals, p *compiler.Project, from string, to *compiler.Environment, opts deploy.Options) error {
	ctx := context.Background()
	if p.Environment(from) == nil {
		return &exitError{code: 1, msg: environ.UnknownEnvironment(p, from).Error()}
	}
	if from == to.Name {
		return &exitError{code: 1, msg: "cannot promote " + from + " to itself"}
	}
	token, err := remoteToken(to.Name)
	if err != nil {
		return err
	}
	b, err := liveBuild(ctx, p, from)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	if to.PromoteFrom != "" && to.PromoteFrom != from {
		if err := promoteGate(ctx, p, to, b); err != nil {
			return reportResult(g, refusedResult(to, b, opts, err), err)
		}
	}
	c := &webapi.Client{URL: to.URL, Token: token, Env: to.Name}
	res, err := c.Promote(ctx, b, to.Managed, opts.Mode, opts.Settings, opts.Who)
	if res != nil {
		res.Environment = to.Name
	}
	return reportResult(g, res, err)
}

// liveBuild reads the build live in the local environment env.
func liveBuild(ctx context.Context, p *compiler.Project, env string) (*deploy.Build, error) {
	s, _, err := environ.Open(ctx, p, env, environ.Options{MustExist: true})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	b, _, err := deploy.Live(ctx, s, p.Solution.Name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("nothing to promote: %s is not installed in %s", p.Solution.Name, env)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the build live in %s: %w", env, err)
	}
	return b, nil
}

// promoteGate checks to's promote_from as an import checks it: the build
// must be live in that environment (local, or remote: not checkable here).
func promoteGate(ctx context.Context, p *compiler.Project, to *compiler.Environment, b *deploy.Build) error {
	refuse := func(format string, args ...any) error {
		return &deploy.Refusal{Env: to.Name, Solution: b.Solution(), Version: b.Version(),
			Causes: []string{fmt.Sprintf("promote_from = %q: ", to.PromoteFrom) + fmt.Sprintf(format, args...)}}
	}
	src := p.Environment(to.PromoteFrom)
	if src != nil && src.URL != "" {
		return refuse("%s is remote, and what is live there cannot be read from here; promote from %s itself", to.PromoteFrom, to.PromoteFrom)
	}
	s, _, err := environ.Open(ctx, p, to.PromoteFrom, environ.Options{MustExist: true})
	if errors.Is(err, environ.ErrNotCreated) {
		return refuse("nothing was ever deployed to %s; deploy build %s there first", to.PromoteFrom, shortDigest(b.Digest))
	}
	if err != nil {
		return err
	}
	defer s.Close()
	var live store.Solution
	err = s.Read(ctx, func(tx store.Tx) error {
		var err error
		live, err = tx.Solution(b.Solution())
		if err == nil {
			if h, herr := tx.Solution(deploy.HoldingName(b.Solution())); herr == nil && h.BuildDigest == b.Digest {
				live = h
			}
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return refuse("%s is not installed in %s; deploy build %s there first", b.Solution(), to.PromoteFrom, shortDigest(b.Digest))
	}
	if err != nil {
		return err
	}
	if live.BuildDigest != b.Digest {
		return refuse("build %s is not live in %s, which has %s %s (build %s); deploy this build to %s first, or run bpfc promote --from %s --to %s",
			shortDigest(b.Digest), to.PromoteFrom, b.Solution(), live.Version, shortDigest(live.BuildDigest), to.PromoteFrom, to.PromoteFrom, to.Name)
	}
	return nil
}

// refusedResult is the result of an import refused before it reached the
// server.
func refusedResult(to *compiler.Environment, b *deploy.Build, opts deploy.Options, err error) *deploy.Result {
	arch := b.Unmanaged
	if to.Managed {
		arch = b.Managed
	}
	mode := opts.Mode
	if mode == "" {
		mode = deploy.Upgrade
	}
	return &deploy.Result{Environment: to.Name, Solution: b.Solution(), Version: b.Version(), Managed: to.Managed, Mode: string(mode),
		Digest: b.Digest, Archive: arch.Name, ArchiveSHA256: arch.SHA256(), Result: deploy.Refused, Message: err.Error(), Changes: []deploy.Change{}}
}
