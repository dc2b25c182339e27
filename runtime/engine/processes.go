package engine

import (
	"context"

	"github.com/bpfc/bpfc/runtime/store"
)

// Process is a process record of the environment (a business process flow
// or a classic workflow) with its stages, in flow order (flows only).
type Process struct {
	store.Workflow
	Stages []store.Stage
}

// Processes lists the environment's process records, drafts included,
// with the flows' stages: the rows behind the Web API's workflows and
// processstages sets. Every user with a role may read them, as Dataverse's
// Basic User role reads processes and their stages across the
// organization; the definitions say nothing about any record.
func (s *Session) Processes(ctx context.Context) ([]Process, error) {
	var out []Process
	err := s.e.run(ctx, s.user, false, func(o *op) error {
		wfs, err := o.tx.Workflows()
		if err != nil {
			return err
		}
		out = make([]Process, 0, len(wfs))
		for _, w := range wfs {
			p := Process{Workflow: w}
			if w.Category == store.CategoryBPF {
				if p.Stages, err = o.tx.Stages(w.ID); err != nil {
					return err
				}
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}
