package deploy

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
	"github.com/bpfc/bpfc/solution"
)

// Archive is a solution archive.
type Archive struct {
	Name string // file name, e.g. ContosoSales_1_0_0_0_managed.zip
	Data []byte
}

// SHA256 is the hex SHA-256 of the archive's bytes ("" for no archive).
func (a Archive) SHA256() string {
	if a.Data == nil {
		return ""
	}
	sum := sha256.Sum256(a.Data)
	return hex.EncodeToString(sum[:])
}

// Build is what an import installs: the checked model, its digest, the
// model snapshot and the build's archives (unmanaged and managed).
type Build struct {
	Project   *compiler.Project
	Digest    string // compiler.Project.Digest
	Model     []byte // compiler.EncodeModel(Project)
	Unmanaged Archive
	Managed   Archive
}

// NewBuild describes a fresh build of p.
func NewBuild(p *compiler.Project, unmanaged, managed Archive) (*Build, error) {
	model, err := compiler.EncodeModel(p)
	if err != nil {
		return nil, err
	}
	return &Build{Project: p, Digest: p.Digest(), Model: model, Unmanaged: unmanaged, Managed: managed}, nil
}

// DecodeSnapshot rebuilds the checked model an environment keeps for a
// deployed build: what the runtime runs. It also returns the model's JSON.
func DecodeSnapshot(snap store.Snapshot) (*compiler.Project, []byte, error) {
	model, err := unpackModel(snap.Model)
	if err != nil {
		return nil, nil, fmt.Errorf("the model of build %s: %w", snap.Digest, err)
	}
	p, err := compiler.DecodeModel(model)
	if err != nil {
		return nil, nil, fmt.Errorf("the model of build %s: %w", snap.Digest, err)
	}
	if got := p.Digest(); got != snap.Digest {
		return nil, nil, fmt.Errorf("the model kept for build %s decodes to %s: the snapshot is damaged", snap.Digest, got)
	}
	return p, model, nil
}

// buildFromSnapshot rebuilds the Build an environment keeps.
func buildFromSnapshot(tx store.Tx, snap store.Snapshot) (*Build, error) {
	p, model, err := DecodeSnapshot(snap)
	if err != nil {
		return nil, err
	}
	b := &Build{Project: p, Digest: snap.Digest, Model: model}
	for _, x := range []struct {
		sha string
		dst *Archive
	}{{snap.UnmanagedSHA256, &b.Unmanaged}, {snap.ManagedSHA256, &b.Managed}} {
		if x.sha == "" {
			continue
		}
		a, err := tx.Archive(x.sha)
		if err != nil {
			return nil, err
		}
		*x.dst = Archive{Name: a.Name, Data: a.Data}
	}
	return b, nil
}

// archive returns the build's archive of the given flavour.
func (b *Build) archive(managed bool) Archive {
	if managed {
		return b.Managed
	}
	return b.Unmanaged
}

// currentValues are the current values the archive imported into an
// environment of flavour managed ships (solution.CurrentValues), by
// schema name; none when that archive is not in the build.
func (b *Build) currentValues(managed bool) (map[string]string, error) {
	a := b.archive(managed)
	if len(a.Data) == 0 {
		return nil, nil
	}
	vals, err := solution.CurrentValues(a.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a.Name, err)
	}
	return vals, nil
}

// Version is the solution version of the build.
func (b *Build) Version() string { return b.Project.Solution.Version }

// Solution is the solution's unique name.
func (b *Build) Solution() string { return b.Project.Solution.Name }

// packModel compresses a model snapshot for the store: the JSON of a large
// solution is many megabytes and compresses twentyfold.
func packModel(model []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(model); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unpackModel reverses packModel; plain JSON passes through.
func unpackModel(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(io.LimitReader(zr, 1<<30))
}
