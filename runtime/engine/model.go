package engine

import (
	"context"
	"maps"

	"github.com/bpfc/bpfc/compiler"
	"github.com/bpfc/bpfc/runtime/store"
)

// Deployed is what is deployed in the environment, as the engine runs it
// (deployment.go): each installed solution's build, its staged upgrade when
// there is one, decoded from the environment's snapshot. It is shared by
// every caller until an import changes the environment: read it, never
// change it.
type Deployed struct {
	// Generation is the import generation it was loaded at
	// (store.Access.Generation): a caller that derives something from it
	// can keep that until the generation changes.
	Generation int64
	Env        string
	Tables     map[string]store.Table // every table, by name
	Flows      []*DeployedFlow        // the business process flows, by name
}

// DeployedFlow is a deployed business process flow.
type DeployedFlow struct {
	Project  *compiler.Project
	Flow     *compiler.Flow
	Workflow store.Workflow
	// Stages are the flow's stages by process stage id: the ids deployed
	// in the environment, else the ones the model gives them.
	Stages map[string]*compiler.Stage
}

// Deployed returns what is deployed, and the acting user's access, read in
// one transaction. Unlike the operations it checks no privilege: the
// caller decides with the access what the user may see; an unknown user
// is the store's error.
func (s *Session) Deployed(ctx context.Context) (*Deployed, store.Access, error) {
	var d *Deployed
	var acc store.Access
	err := s.e.s.Read(ctx, func(tx store.Tx) error {
		var err error
		if acc, err = tx.Access(s.user); err != nil {
			return err
		}
		dep, err := s.e.deploymentAt(ctx, tx, acc.Generation)
		if err != nil {
			return err
		}
		d = dep.exported()
		return nil
	})
	if err != nil {
		return nil, store.Access{}, err
	}
	return d, acc, nil
}

// exported is the deployment as Deployed shows it, made once.
func (d *deployment) exported() *Deployed {
	d.once.Do(func() {
		out := &Deployed{Generation: d.generation, Env: d.env, Tables: maps.Clone(d.tables)}
		for _, f := range d.flows {
			out.Flows = append(out.Flows, &DeployedFlow{Project: f.p, Flow: f.f, Workflow: f.wf, Stages: maps.Clone(f.stageByID)})
		}
		d.public = out
	})
	return d.public
}
