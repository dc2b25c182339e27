package webapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/deploy"
	"github.com/bpfc/bpfc/runtime/store"
)

// bpfc_ExportSolution: the server's answer (exportSolution), the client's
// call (Client.Export) and the pipeline's reach into remote environments
// (Remotes), with which bpfc promote and bpfc release take a build from a
// remote environment, or check a promote_from gate on one.

// ExportRequest is the body of POST bpfc_ExportSolution: which solution,
// and whether the answer carries the build itself or only says what is
// installed.
type ExportRequest struct {
	SolutionName string `json:"SolutionName"`          // the solution's unique name
	SummaryOnly  bool   `json:"SummaryOnly,omitempty"` // versions and digests only: no model, no archives
}

// ExportResponse is the answer of bpfc_ExportSolution: the build live in
// the environment (its staged upgrade when there is one), as ImportSolution
// takes it — the model and the archives the environment keeps — and what
// is installed beneath a staged upgrade, for promote_from gates.
type ExportResponse struct {
	SolutionName string `json:"SolutionName"`
	Version      string `json:"Version"` // of the live build
	Digest       string `json:"Digest"`  // the live build's digest
	// Staged: an upgrade is staged (bpfc apply-upgrade completes it); the
	// live build is the staged one, InstalledVersion and InstalledDigest
	// are the solution's beneath it.
	Staged           bool   `json:"Staged,omitempty"`
	InstalledVersion string `json:"InstalledVersion,omitempty"`
	InstalledDigest  string `json:"InstalledDigest,omitempty"`
	// Model is the build's model (compiler.EncodeModel), base64.
	Model string `json:"Model,omitempty"`
	// The archives the environment keeps for the build: the flavour it was
	// imported in, and the other when the import carried it.
	Unmanaged *ExportedArchive `json:"Unmanaged,omitempty"`
	Managed   *ExportedArchive `json:"Managed,omitempty"`
}

// ExportedArchive is one archive of an exported build.
type ExportedArchive struct {
	Name              string `json:"Name"`
	SHA256            string `json:"SHA256"`
	CustomizationFile string `json:"CustomizationFile"` // the archive, base64
}

// exportSolution answers bpfc_ExportSolution: what bpfc promote --from
// reads of a remote environment. Only a system administrator may.
func (s *Server) exportSolution(w http.ResponseWriter, r *http.Request) {
	ctx, sess := r.Context(), session(r)
	if err := s.requireAdmin(r, "export solutions"); err != nil {
		s.fail(w, r, err)
		return
	}
	var req ExportRequest
	if err := decodeBody(r, &req, "bpfc_ExportSolution"); err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.TrimSpace(req.SolutionName) == "" {
		s.fail(w, r, badRequest("SolutionName is required: the unique name of the solution to export"))
		return
	}
	b, sol, err := deploy.Live(ctx, s.cfg.Store, req.SolutionName)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, errorf(http.StatusNotFound, "NotFound", "solution %s is not installed in %s", req.SolutionName, s.envName()))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := ExportResponse{SolutionName: req.SolutionName, Version: b.Version(), Digest: b.Digest}
	if sol.State == store.StateHolding {
		out.Staged = true
		var base store.Solution
		err := s.cfg.Store.Read(ctx, func(tx store.Tx) error {
			var err error
			base, err = tx.Solution(req.SolutionName)
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out.InstalledVersion, out.InstalledDigest = base.Version, base.BuildDigest
	}
	if !req.SummaryOnly {
		out.Model = base64.StdEncoding.EncodeToString(b.Model)
		out.Unmanaged, out.Managed = exported(b.Unmanaged), exported(b.Managed)
	}
	s.log.Info("export", "solution", req.SolutionName, "version", out.Version, "digest", out.Digest, "summary", req.SummaryOnly,
		"user", sess.User())
	writeJSON(w, http.StatusOK, out)
}

func exported(a deploy.Archive) *ExportedArchive {
	if a.Data == nil {
		return nil
	}
	return &ExportedArchive{Name: a.Name, SHA256: a.SHA256(), CustomizationFile: base64.StdEncoding.EncodeToString(a.Data)}
}

// envName names the served environment in messages.
func (s *Server) envName() string {
	if s.cfg.Env != "" {
		return "environment " + s.cfg.Env
	}
	return "this environment"
}

// Export reads the build of solution live in the environment: its model
// and the archives the environment keeps, checked against their digests.
// A solution not installed there is an error wrapping store.ErrNotFound.
func (c *Client) Export(ctx context.Context, solution string) (*deploy.Build, error) {
	var out ExportResponse
	if _, err := c.Do(ctx, http.MethodPost, "bpfc_ExportSolution", ExportRequest{SolutionName: solution}, &out, nil); err != nil {
		return nil, err
	}
	model, err := base64.StdEncoding.DecodeString(out.Model)
	if err != nil || len(model) == 0 {
		return nil, fmt.Errorf("bpfc_ExportSolution of %s: the answer carries no model", c.envName())
	}
	p, err := compiler.DecodeModel(model)
	if err != nil {
		return nil, fmt.Errorf("bpfc_ExportSolution of %s: the model: %w", c.envName(), err)
	}
	if p.Digest() != out.Digest {
		return nil, fmt.Errorf("bpfc_ExportSolution of %s: the model is build %s, not %s as the answer says", c.envName(), p.Digest(), out.Digest)
	}
	b := &deploy.Build{Project: p, Digest: out.Digest, Model: model}
	for _, x := range []struct {
		from *ExportedArchive
		to   *deploy.Archive
	}{{out.Unmanaged, &b.Unmanaged}, {out.Managed, &b.Managed}} {
		if x.from == nil {
			continue
		}
		data, err := base64.StdEncoding.DecodeString(x.from.CustomizationFile)
		if err != nil {
			return nil, fmt.Errorf("bpfc_ExportSolution of %s: archive %s is not base64", c.envName(), x.from.Name)
		}
		*x.to = deploy.Archive{Name: x.from.Name, Data: data}
		if got := x.to.SHA256(); got != x.from.SHA256 {
			return nil, fmt.Errorf("bpfc_ExportSolution of %s: archive %s arrived damaged (SHA-256 %s, not %s)", c.envName(), x.from.Name, got, x.from.SHA256)
		}
	}
	return b, nil
}

// Installed says which builds of solution the environment has: the
// installed solution and, when an upgrade is staged, the holding one
// (zero otherwise). A solution not installed there is an error wrapping
// store.ErrNotFound.
func (c *Client) Installed(ctx context.Context, solution string) (installed, holding store.Solution, err error) {
	var out ExportResponse
	if _, err := c.Do(ctx, http.MethodPost, "bpfc_ExportSolution", ExportRequest{SolutionName: solution, SummaryOnly: true}, &out, nil); err != nil {
		return installed, holding, err
	}
	live := store.Solution{Name: solution, Version: out.Version, BuildDigest: out.Digest}
	if !out.Staged {
		return live, holding, nil
	}
	live.Name, live.State = deploy.HoldingName(solution), store.StateHolding
	return store.Solution{Name: solution, Version: out.InstalledVersion, BuildDigest: out.InstalledDigest}, live, nil
}

// Remotes reaches a pipeline's remote environments (deploy.Remote) through
// their servers' Web API, with a token for each.
type Remotes struct {
	// Token returns the bearer token for the environment (its error is
	// the pipeline's, for a missing one).
	Token func(env string) (string, error)
	// HTTP is the client's (nil: Client's default).
	HTTP *http.Client
	// TokenHint, when set, says for a 401 where the environment's token
	// comes from (Client.TokenHint).
	TokenHint func(env string) string
	// Timeout, when set, bounds each request (Client.Timeout).
	Timeout time.Duration
}

var _ deploy.Remote = Remotes{}

func (rs Remotes) client(env *compiler.Environment) (*Client, error) {
	tok, err := rs.Token(env.Name)
	if err != nil {
		return nil, err
	}
	c := &Client{URL: env.URL, Token: tok, HTTP: rs.HTTP, Env: env.Name, Timeout: rs.Timeout}
	if rs.TokenHint != nil {
		c.TokenHint = rs.TokenHint(env.Name)
	}
	return c, nil
}

// Installed reads what env has installed of solution (bpfc_ExportSolution,
// summary only).
func (rs Remotes) Installed(ctx context.Context, env *compiler.Environment, solution string) (installed, holding store.Solution, err error) {
	c, err := rs.client(env)
	if err != nil {
		return installed, holding, err
	}
	return c.Installed(ctx, solution)
}

// Live reads the build of solution live in env (bpfc_ExportSolution).
func (rs Remotes) Live(ctx context.Context, env *compiler.Environment, solution string) (*deploy.Build, error) {
	c, err := rs.client(env)
	if err != nil {
		return nil, err
	}
	return c.Export(ctx, solution)
}

// Import imports b into env (ImportSolution), recorded there as a
// promotion when o.Operation says so.
func (rs Remotes) Import(ctx context.Context, env *compiler.Environment, b *deploy.Build, o deploy.Options) (*deploy.Result, error) {
	c, err := rs.client(env)
	if err != nil {
		return nil, err
	}
	op := ""
	if o.Operation == "promote" {
		op = "promote"
	}
	if o.Progress != nil {
		o.Progress("importing into " + env.Name + " through " + env.URL)
	}
	vals, err := remoteValues(env, b, o)
	if err != nil {
		return nil, err
	}
	res, err := c.importAs(ctx, op, b, env.Managed, o.Mode, vals, o.Who)
	if res != nil {
		res.Environment = env.Name
		res.Notes = append(res.Notes, vals.Notes...)
	}
	return res, err
}

// Plan is what importing b into env would do (bpfc_PlanImport), with the
// values a deploy would send.
func (rs Remotes) Plan(ctx context.Context, env *compiler.Environment, b *deploy.Build, o deploy.Options) (*deploy.Plan, error) {
	c, err := rs.client(env)
	if err != nil {
		return nil, err
	}
	vals, err := remoteValues(env, b, o)
	if err != nil {
		return nil, err
	}
	pl, err := c.Plan(ctx, b, env.Managed, o.Mode, vals)
	if pl != nil {
		for i, r := range pl.Refusals {
			pl.Refusals[i] = renameEnv(r, pl.Environment, env.Name)
		}
		pl.Environment = env.Name
		pl.Notes = append(pl.Notes, vals.Notes...)
	}
	return pl, err
}

// remoteValues are the values a deploy of b to env sends
// (deploy.RemoteValues), from o's settings and process environment.
func remoteValues(env *compiler.Environment, b *deploy.Build, o deploy.Options) (deploy.SentValues, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return deploy.RemoteValues(b.Project, env, o.Settings, o.SettingsAt, getenv)
}
