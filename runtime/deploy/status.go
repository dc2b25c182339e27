package deploy

import (
	"cmp"
	"context"
	"errors"
	"github.com/bpfc/bpfc/compiler"
	"time"

	"github.com/bpfc/bpfc/runtime/environ"
	"github.com/bpfc/bpfc/runtime/store"
)

// SolutionInfo is a solution in an environment. JSON shape (bpfc solution
// list): name, display_name, version, managed, state (installed | holding),
// upgrade_of, publisher, digest, installed_on, modified_on, components.
type SolutionInfo struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Version     string    `json:"version"`
	Managed     bool      `json:"managed"`
	State       string    `json:"state"`
	UpgradeOf   string    `json:"upgrade_of,omitempty"`
	Publisher   string    `json:"publisher"`
	Digest      string    `json:"digest"`
	InstalledOn time.Time `json:"installed_on"`
	ModifiedOn  time.Time `json:"modified_on"`
	Components  int       `json:"components"`
}

// EnvStatus is an environment of the pipeline. JSON shape (bpfc env list):
// name, managed, promote_from, store (where it lives), created (whether
// anything was deployed yet), solutions (SolutionInfo), error (when it
// could not be read).
type EnvStatus struct {
	Name        string         `json:"name"`
	Managed     bool           `json:"managed"`
	PromoteFrom string         `json:"promote_from"`
	Store       string         `json:"store"`
	Created     bool           `json:"created"`
	Solutions   []SolutionInfo `json:"solutions"`
	Error       string         `json:"error,omitempty"`
}

// HistoryEntry is one import. JSON shape (bpfc history): id, operation
// (deploy | promote | apply-upgrade | uninstall), solution, version, managed,
// mode, who, started_on, duration_ms, archive_sha256, build_digest, result
// (succeeded | failed), message.
type HistoryEntry struct {
	ID            int64     `json:"id"`
	Operation     string    `json:"operation"`
	Solution      string    `json:"solution"`
	Version       string    `json:"version"`
	Managed       bool      `json:"managed"`
	Mode          string    `json:"mode"`
	Who           string    `json:"who"`
	StartedOn     time.Time `json:"started_on"`
	DurationMS    int64     `json:"duration_ms"`
	ArchiveSHA256 string    `json:"archive_sha256"`
	BuildDigest   string    `json:"build_digest"`
	Result        string    `json:"result"`
	Message       string    `json:"message"`
}

// Status lists every environment of the project with what is installed
// there. Environments never deployed to are listed, not created.
func (pl *Pipeline) Status(ctx context.Context) []EnvStatus {
	out := []EnvStatus{}
	for _, env := range pl.Project.Environments {
		es := EnvStatus{Name: env.Name, Managed: env.Managed, PromoteFrom: env.PromoteFrom, Solutions: []SolutionInfo{}}
		loc, err := environ.Locate(pl.Project, env)
		es.Store = loc.Display
		if env.URL != "" && pl.Remote != nil {
			es.Store = env.URL
			es.Solutions, es.Created, err = pl.remoteSolutions(ctx, env)
		} else if err == nil {
			es.Solutions, err = pl.Solutions(ctx, env.Name)
			es.Created = err == nil
			if errors.Is(err, environ.ErrNotCreated) {
				err = nil
			}
		}
		if err != nil {
			es.Error = err.Error()
		}
		if es.Solutions == nil {
			es.Solutions = []SolutionInfo{}
		}
		out = append(out, es)
	}
	return out
}

// remoteSolutions is what a remote environment's server says of the
// project's solution: installed, and its holding solution when an upgrade
// is staged (the server does not count components: 0).
func (pl *Pipeline) remoteSolutions(ctx context.Context, env *compiler.Environment) ([]SolutionInfo, bool, error) {
	installed, holding, err := pl.Remote.Installed(ctx, env, pl.Project.Solution.Name)
	if errors.Is(err, store.ErrNotFound) {
		return []SolutionInfo{}, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := []SolutionInfo{}
	holding.State = cmp.Or(holding.State, store.StateHolding)
	installed.State = cmp.Or(installed.State, store.StateInstalled)
	for _, sol := range []store.Solution{installed, holding} {
		if sol.Name == "" {
			continue
		}
		out = append(out, SolutionInfo{Name: sol.Name, DisplayName: sol.DisplayName, Version: sol.Version, Managed: sol.Managed,
			State: sol.State, UpgradeOf: sol.UpgradeOf, Publisher: sol.Publisher, Digest: sol.BuildDigest,
			InstalledOn: sol.InstalledOn, ModifiedOn: sol.ModifiedOn})
	}
	return out, true, nil
}

// Solutions lists the solutions of an environment. The error wraps
// environ.ErrNotCreated when nothing was ever deployed there.
func (pl *Pipeline) Solutions(ctx context.Context, envName string) ([]SolutionInfo, error) {
	s, err := pl.open(ctx, envName, true)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := []SolutionInfo{}
	err = s.Read(ctx, func(tx store.Tx) error {
		sols, err := tx.Solutions()
		if err != nil {
			return err
		}
		for _, sol := range sols {
			cs, err := tx.Components(sol.Name)
			if err != nil {
				return err
			}
			out = append(out, SolutionInfo{Name: sol.Name, DisplayName: sol.DisplayName, Version: sol.Version, Managed: sol.Managed,
				State: sol.State, UpgradeOf: sol.UpgradeOf, Publisher: sol.Publisher, Digest: sol.BuildDigest,
				InstalledOn: sol.InstalledOn, ModifiedOn: sol.ModifiedOn, Components: len(cs)})
		}
		return nil
	})
	return out, err
}

// History lists an environment's imports, newest first (limit 0: all).
func (pl *Pipeline) History(ctx context.Context, envName string, limit int) ([]HistoryEntry, error) {
	s, err := pl.open(ctx, envName, true)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out := []HistoryEntry{}
	err = s.Read(ctx, func(tx store.Tx) error {
		recs, err := tx.Imports(store.ImportFilter{Limit: limit})
		for _, r := range recs {
			out = append(out, HistoryEntry{ID: r.ID, Operation: r.Operation, Solution: r.Solution, Version: r.Version,
				Managed: r.Managed, Mode: r.Mode, Who: r.Who, StartedOn: r.StartedOn, DurationMS: r.Duration.Milliseconds(),
				ArchiveSHA256: r.ArchiveSHA256, BuildDigest: r.BuildDigest, Result: r.Result, Message: r.Message})
		}
		return err
	})
	return out, err
}
